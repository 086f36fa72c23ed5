/**
 * Seeded pseudo-random numbers with checkpointable state and independent streams.
 *
 * Generator: xoshiro128** (Blackman & Vigna), 128 bits of state in four 32-bit words, so every
 * operation is a 32-bit integer op that V8 compiles to machine instructions. Hot kernels copy the
 * four words into locals (see `sft/reduced.ts`) and write them back: the sequence is identical.
 *
 * Streams: docs/spec.md §8 asks for one stream per (seed, teacher index, learning-rate index). A stream's
 * state is a hash of its whole identifier, so streams never overlap in practice (2^128 states) and
 * do not depend on which worker, or in which order, a run is computed.
 */

/** The serialisable state of a generator: four unsigned 32-bit words. */
export type RngState = readonly [number, number, number, number];

/** Purposes a stream is drawn for; part of the stream identifier. */
export const StreamKind = {
  student: 1,
  teacher: 2,
  sft: 3,
  heldOut: 4,
  pretrainData: 5,
  ceiling: 6,
  validation: 7,
  groundTruth: 8,
  sftSet: 9,
} as const;
export type StreamKind = (typeof StreamKind)[keyof typeof StreamKind];

/** murmur3's 32-bit finaliser: a bijection with full avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash a list of 32-bit words into one word, seeded by `lane` (murmur3-style absorb). */
function hashWords(words: readonly number[], lane: number): number {
  let h = fmix32(0x9e3779b9 ^ Math.imul(lane + 1, 0x7feb352d));
  for (const w of words) {
    let k = Math.imul(w >>> 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return fmix32(h ^ words.length);
}

/** Split a non-negative safe integer seed into two 32-bit words. */
function seedWords(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be an integer in [0, 2^53 - 1], got ${seed}`);
  }
  return [seed >>> 0, Math.floor(seed / 4294967296) >>> 0];
}

/** The state of stream (seed, kind, ...indices): different identifiers give unrelated states. */
export function streamState(seed: number, kind: StreamKind, ...indices: number[]): RngState {
  for (const i of indices) {
    // -1 (the ceiling run) is the one negative index; the range keeps i >>> 0 one-to-one.
    if (!Number.isInteger(i) || i < -1 || i >= 2147483648) throw new RangeError(`stream index must be an integer in [-1, 2^31), got ${i}`);
  }
  const words = [...seedWords(seed), kind, ...indices.map((i) => i >>> 0), indices.length];
  const s: [number, number, number, number] = [0, 0, 0, 0];
  for (let lane = 0; lane < 4; lane++) s[lane] = hashWords(words, lane);
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // the all-zero state is xoshiro's fixed point
  return s;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_52 = 4503599627370496;

export class Rng {
  // Public so that hot kernels can load them into locals and store them back.
  s0: number;
  s1: number;
  s2: number;
  s3: number;

  constructor(state: RngState) {
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) {
      throw new RangeError('Rng state must not be all zero');
    }
  }

  /** A generator on stream (seed, kind, ...indices). */
  static stream(seed: number, kind: StreamKind, ...indices: number[]): Rng {
    return new Rng(streamState(seed, kind, ...indices));
  }

  /** Next output as a signed 32-bit integer (xoshiro128**). */
  nextInt32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** Next output as an unsigned 32-bit integer. */
  nextUint32(): number {
    return this.nextInt32() >>> 0;
  }

  /** Uniform double in the open interval (0, 1): (k + ½)/2^52 with 52 random bits, safe for log(). */
  uniform(): number {
    const hi = this.nextInt32() >>> 6; // 26 bits
    const lo = this.nextInt32() >>> 6; // 26 bits
    return (hi * 67108864 + lo + 0.5) / TWO_POW_52;
  }

  /** Uniform integer in [0, n) without modulo bias (rejection of the incomplete last block). */
  below(n: number): number {
    if (!(Number.isInteger(n) && n >= 1 && n <= TWO_POW_32)) {
      throw new RangeError(`below(n): n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = Math.floor(TWO_POW_32 / n) * n;
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** The state as four unsigned words: a checkpoint. */
  getState(): RngState {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Restore a checkpoint taken with getState(). */
  setState(state: RngState): void {
    if ((state[0] | state[1] | state[2] | state[3]) === 0) throw new RangeError('Rng state must not be all zero');
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
  }

  toJSON(): RngState {
    return this.getState();
  }
}
