/**
 * src/engine/rng.ts: xoshiro128** against an independent C reference, checkpoint/replay, stream
 * derivation, and the uniform / below transforms.
 */
import { describe, expect, it } from 'vitest';
import { Rng, StreamKind, streamState, type RngState } from '../../src/engine/rng';
import { fillNormal, gamma, normal, ZIG_R } from '../../src/engine/distributions';
import reference from '../fixtures/xoshiro128ss.json';
import { stateWithOutputs } from '../helpers/rng-states';
import { chiSquareTest, ksTest, pearson, report } from '../helpers/stats';

const TWO_POW_32 = 4294967296;
const SEED = 20240917;

/**
 * Index of the first double whose bits differ between two equal-length arrays, or -1: equality of
 * bits, not of values, so that -0/+0 or two NaN payloads would count as a difference.
 */
function firstBitDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const wa = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  const wb = new Uint32Array(b.buffer, b.byteOffset, b.length * 2);
  for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) return i >> 1;
  return -1;
}

/** A fixed mix of every kind of draw the engine makes, recorded as doubles. */
function drawMix(rng: Rng): Float64Array {
  const normals = new Float64Array(100_000);
  fillNormal(rng, normals);
  const out = new Float64Array(normals.length + 4_000);
  out.set(normals);
  let k = normals.length;
  for (let i = 0; i < 1_000; i++) out[k++] = rng.uniform();
  for (let i = 0; i < 1_000; i++) out[k++] = gamma(rng, 0.5 + (i % 7));
  for (let i = 0; i < 1_000; i++) out[k++] = rng.below(1000 + i);
  for (let i = 0; i < 1_000; i++) out[k++] = rng.nextInt32();
  return out;
}

function uniforms(rng: Rng, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform();
  return out;
}

describe('xoshiro128** against the C reference (test/fixtures/xoshiro128ss.c)', () => {
  for (const c of reference.cases) {
    const state = c.state as unknown as RngState;

    it(`reproduces the first ${c.outputs.length} uint32 outputs from ${c.name}`, () => {
      const rng = new Rng(state);
      const outputs = c.outputs.map(() => rng.nextUint32());
      expect(outputs).toEqual(c.outputs);
      expect(rng.getState()).toEqual(c.stateAfter);
    });

    it(`nextInt32 is the signed view of the same outputs from ${c.name}`, () => {
      const rng = new Rng(state);
      expect(c.outputs.map(() => rng.nextInt32())).toEqual(c.outputs.map((u) => u | 0));
    });
  }

  it('reads state words given as signed or unsigned 32-bit integers alike', () => {
    const c = reference.cases[1];
    const signed = c.state.map((w) => w | 0) as unknown as RngState;
    const rng = new Rng(signed);
    expect(c.outputs.map(() => rng.nextUint32())).toEqual(c.outputs);
  });

  it('rejects the all-zero state, the fixed point of the generator', () => {
    expect(() => new Rng([0, 0, 0, 0])).toThrow(RangeError);
  });
});

describe('checkpoint and replay', () => {
  it('continues bit-identically from a mid-sequence checkpoint, through every sampler', () => {
    const rng = Rng.stream(SEED, StreamKind.sft, 3, 5);
    drawMix(rng); // advance well into the sequence
    const checkpoint = rng.getState();
    const original = drawMix(rng);

    // The tail path of the ziggurat must have been replayed too, or the check proves less.
    expect(original.subarray(0, 100_000).some((x) => Math.abs(x) > ZIG_R)).toBe(true);

    const fresh = new Rng(checkpoint);
    expect(firstBitDifference(drawMix(fresh), original)).toBe(-1);

    const reused = Rng.stream(SEED + 1, StreamKind.teacher, 0);
    reused.nextUint32();
    reused.setState(checkpoint);
    expect(firstBitDifference(drawMix(reused), original)).toBe(-1);
    expect(reused.getState()).toEqual(rng.getState());
  });

  it('round-trips its state through JSON', () => {
    const rng = Rng.stream(SEED, StreamKind.heldOut, 1);
    for (let i = 0; i < 12_345; i++) normal(rng);
    const json = JSON.stringify({ rng });
    const restored = new Rng(JSON.parse(json).rng as RngState);
    expect(restored.getState()).toEqual(rng.getState());
    expect(firstBitDifference(drawMix(restored), drawMix(rng))).toBe(-1);
  });

  it('hands out state as four unsigned 32-bit integers, detached from the generator', () => {
    const rng = new Rng([0x80000000, 0xffffffff, 1, 0x7fffffff]);
    const state = rng.getState();
    expect(state).toEqual([0x80000000, 0xffffffff, 1, 0x7fffffff]);
    rng.nextUint32();
    expect(state).toEqual([0x80000000, 0xffffffff, 1, 0x7fffffff]);
    for (let i = 0; i < 1000; i++) {
      for (const word of rng.getState()) {
        expect(Number.isInteger(word) && word >= 0 && word < TWO_POW_32).toBe(true);
      }
      rng.nextUint32();
    }
    expect(rng.toJSON()).toEqual(rng.getState());
  });

  // A corrupt checkpoint must not give a generator stuck at 0.
  it('setState rejects the all-zero state, as the constructor does', () => {
    const rng = new Rng([1, 2, 3, 4]);
    expect(() => rng.setState([0, 0, 0, 0])).toThrow(RangeError);
  });
});

describe('streams', () => {
  const kinds = Object.values(StreamKind);

  it('gives the same state and sequence for the same identifier', () => {
    expect(streamState(SEED, StreamKind.sft, 4, 9)).toEqual(streamState(SEED, StreamKind.sft, 4, 9));
    const a = Rng.stream(SEED, StreamKind.sft, 4, 9);
    const b = Rng.stream(SEED, StreamKind.sft, 4, 9);
    expect(firstBitDifference(uniforms(a, 1000), uniforms(b, 1000))).toBe(-1);
    expect(new Rng(streamState(SEED, StreamKind.sft, 4, 9)).getState()).toEqual(
      Rng.stream(SEED, StreamKind.sft, 4, 9).getState(),
    );
  });

  it('gives distinct states over a grid of seeds, kinds, teachers and learning rates', () => {
    const seeds = [0, 1, 2, TWO_POW_32 - 1, TWO_POW_32, TWO_POW_32 + 1, Number.MAX_SAFE_INTEGER];
    const seen = new Set<string>();
    let count = 0;
    for (const seed of seeds) {
      for (const kind of kinds) {
        for (let teacher = 0; teacher < 8; teacher++) {
          for (let lr = 0; lr < 8; lr++) {
            const state = streamState(seed, kind, teacher, lr);
            // The four lanes are hashed with different keys: equal words would mean they are not.
            if (new Set(state).size !== 4) expect.unreachable(`repeated word in ${state.join(',')}`);
            seen.add(state.join(','));
            count++;
          }
        }
      }
    }
    expect(seen.size).toBe(count);
  });

  it('changes every state word when any one component of the identifier changes', () => {
    const base = { seed: SEED, kind: StreamKind.sft as StreamKind, teacher: 17, lr: 3 };
    const neighbours = [
      { ...base, seed: SEED + 1 },
      { ...base, seed: SEED - 1 },
      { ...base, seed: SEED + TWO_POW_32 }, // high word of the seed only
      { ...base, kind: StreamKind.teacher },
      { ...base, teacher: 16 },
      { ...base, teacher: 18 },
      { ...base, lr: 2 },
      { ...base, lr: 4 },
      { ...base, teacher: 3, lr: 17 }, // swapped indices
    ];
    const s = streamState(base.seed, base.kind, base.teacher, base.lr);
    for (const n of neighbours) {
      const t = streamState(n.seed, n.kind, n.teacher, n.lr);
      for (let w = 0; w < 4; w++) expect(t[w], JSON.stringify(n)).not.toBe(s[w]);
    }
  });

  it('distinguishes identifiers that differ only in the number of indices', () => {
    const states = [
      streamState(SEED, StreamKind.student),
      streamState(SEED, StreamKind.student, 0),
      streamState(SEED, StreamKind.student, 0, 0),
      streamState(SEED, StreamKind.student, 0, 0, 0),
    ].map((s) => s.join(','));
    expect(new Set(states).size).toBe(states.length);
  });

  it('rejects seeds that are not non-negative safe integers', () => {
    for (const seed of [-1, 1.5, 2 ** 53, NaN, Infinity]) {
      expect(() => streamState(seed, StreamKind.student), String(seed)).toThrow(RangeError);
      expect(() => Rng.stream(seed, StreamKind.student), String(seed)).toThrow(RangeError);
    }
  });

  it('draws uncorrelated uniforms on adjacent streams (|r| < 4.5/√n, n = 100 000)', () => {
    const n = 100_000;
    const bound = 4.5 / Math.sqrt(n);
    const pairs: Array<[string, Rng, Rng]> = [
      ['lr 0 vs lr 1', Rng.stream(SEED, StreamKind.sft, 0, 0), Rng.stream(SEED, StreamKind.sft, 0, 1)],
      ['teacher 0 vs 1', Rng.stream(SEED, StreamKind.sft, 0, 0), Rng.stream(SEED, StreamKind.sft, 1, 0)],
      ['seed vs seed+1', Rng.stream(SEED, StreamKind.sft, 0, 0), Rng.stream(SEED + 1, StreamKind.sft, 0, 0)],
      ['sft vs teacher kind', Rng.stream(SEED, StreamKind.sft, 0, 0), Rng.stream(SEED, StreamKind.teacher, 0, 0)],
    ];
    for (const [label, a, b] of pairs) {
      const r = pearson(uniforms(a, n), uniforms(b, n));
      report(`Pearson r, ${label}`, r);
      expect(Math.abs(r), label).toBeLessThan(bound);
    }
    // Serial correlation inside one stream.
    const u = uniforms(Rng.stream(SEED, StreamKind.sft, 0, 0), n + 1);
    const serial = pearson(u.subarray(0, n), u.subarray(1));
    report('Pearson r, lag 1 within a stream', serial);
    expect(Math.abs(serial)).toBeLessThan(bound);
  });

  it('starts streams with uniformly distributed first draws across seeds and indices (KS)', () => {
    const n = 50_000;
    const acrossSeeds = new Float64Array(n);
    const acrossLr = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      acrossSeeds[i] = Rng.stream(i, StreamKind.student, 0, 0).uniform();
      acrossLr[i] = Rng.stream(SEED, StreamKind.sft, 0, i).uniform();
    }
    const uniformCdf = (x: number): number => x;
    const seeds = ksTest(acrossSeeds, uniformCdf);
    const lrs = ksTest(acrossLr, uniformCdf);
    report('KS p, first uniform across 50k seeds', seeds.pValue);
    report('KS p, first uniform across 50k lr indices', lrs.pValue);
    expect(seeds.pValue).toBeGreaterThan(1e-3);
    expect(lrs.pValue).toBeGreaterThan(1e-3);
  });
});

describe('nextUint32 and uniform', () => {
  it('has uniform top and bottom bytes (chi-square, 255 df, n = 512 000)', () => {
    const rng = Rng.stream(SEED, StreamKind.validation, 0);
    const top = new Float64Array(256);
    const bottom = new Float64Array(256); // the ziggurat's layer index
    for (let i = 0; i < 512_000; i++) {
      const x = rng.nextUint32();
      top[x >>> 24]++;
      bottom[x & 255]++;
    }
    const topTest = chiSquareTest(top);
    const bottomTest = chiSquareTest(bottom);
    report('chi-square p, top 8 bits', `${topTest.pValue} (X² = ${topTest.statistic})`);
    report('chi-square p, low 8 bits', `${bottomTest.pValue} (X² = ${bottomTest.statistic})`);
    expect(topTest.pValue).toBeGreaterThan(1e-4);
    expect(bottomTest.pValue).toBeGreaterThan(1e-4);
  });

  it('draws uniform doubles strictly inside (0, 1) with the right law (KS, n = 200 000)', () => {
    const u = uniforms(Rng.stream(SEED, StreamKind.validation, 1), 200_000);
    expect(u.every((x) => x > 0 && x < 1)).toBe(true);
    const { pValue } = ksTest(u, (x) => x);
    report('KS p, uniform()', pValue);
    expect(pValue).toBeGreaterThan(1e-3);
  });

  it('uses 52 bits: u · 2^52 − 1/2 is an integer whose low byte is uniform (chi-square)', () => {
    // Exact below 1/2, where doubles are spaced 2^-54; the low byte comes from the second word.
    const rng = Rng.stream(SEED, StreamKind.validation, 5);
    const counts = new Float64Array(256);
    let used = 0;
    for (let i = 0; i < 400_000; i++) {
      const u = rng.uniform();
      if (u >= 0.5) continue;
      const k = u * 2 ** 52 - 0.5;
      if (!Number.isInteger(k)) expect.unreachable(`u = ${u} is not (k + 1/2)/2^52`);
      counts[k % 256]++;
      used++;
    }
    expect(used).toBeGreaterThan(150_000);
    const { pValue, statistic } = chiSquareTest(counts);
    report('chi-square p, low byte of uniform()·2^52', `${pValue} (X² = ${statistic})`);
    expect(pValue).toBeGreaterThan(1e-4);
  });

  it('builds the hand-made states the boundary tests rely on', () => {
    const rng = new Rng(stateWithOutputs(0xffffffff, 0xfffffffe));
    expect([rng.nextUint32(), rng.nextUint32()]).toEqual([0xffffffff, 0xfffffffe]);
    const zero = new Rng(stateWithOutputs(0, 0));
    expect([zero.nextUint32(), zero.nextUint32()]).toEqual([0, 0]);
  });

  it('stays above 0 when both draws are zero (smallest value (0 + 1/2)/2^52)', () => {
    const u = new Rng(stateWithOutputs(0, 0)).uniform();
    expect(u).toBeGreaterThan(0);
    expect(u).toBeLessThanOrEqual(2 ** -52);
    expect(Math.log(u)).toBeGreaterThan(-Infinity);
  });

  // With 53 bits, (2^53 − 1 + 0.5)/2^53 would round to exactly 1; 52 bits keep it below.
  it('stays below 1 when both draws are all ones', () => {
    const u = new Rng(stateWithOutputs(0xffffffff, 0xffffffff)).uniform();
    expect(u).toBeLessThan(1);
  });
});

describe('below(n)', () => {
  it('returns integers in [0, n) for small, large and boundary n', () => {
    const rng = Rng.stream(SEED, StreamKind.validation, 2);
    for (const n of [1, 2, 3, 7, 10, 1000, 2 ** 31, 3 * 2 ** 30, TWO_POW_32 - 1, TWO_POW_32]) {
      for (let i = 0; i < 5_000; i++) {
        const x = rng.below(n);
        if (!(Number.isInteger(x) && x >= 0 && x < n)) expect.unreachable(`below(${n}) gave ${x}`);
      }
    }
    expect(Array.from({ length: 100 }, () => rng.below(1))).toEqual(new Array(100).fill(0));
  });

  for (const n of [3, 10]) {
    it(`is uniform for n = ${n} (chi-square, n draws = 300 000)`, () => {
      const rng = Rng.stream(SEED, StreamKind.validation, 3, n);
      const counts = new Float64Array(n);
      for (let i = 0; i < 300_000; i++) counts[rng.below(n)]++;
      const { pValue, statistic } = chiSquareTest(counts);
      report(`chi-square p, below(${n})`, `${pValue} (X² = ${statistic})`);
      expect(pValue).toBeGreaterThan(1e-4);
    });
  }

  it('has no modulo bias where 2^32 mod n is large (n = 3·2^30)', () => {
    // x mod n for uniform x would put half the mass below 2^30; the exact law puts a third there.
    const n = 3 * 2 ** 30;
    const draws = 60_000;
    const rng = Rng.stream(SEED, StreamKind.validation, 4);
    let low = 0;
    for (let i = 0; i < draws; i++) if (rng.below(n) < 2 ** 30) low++;
    const p = 1 / 3;
    const sigma = Math.sqrt(draws * p * (1 - p));
    report('below(3·2^30): z-score of the count below 2^30', (low - draws * p) / sigma);
    expect(Math.abs(low - draws * p)).toBeLessThan(5 * sigma);
  });

  it('throws a RangeError for n outside the integers 1 … 2^32', () => {
    const rng = new Rng([1, 2, 3, 4]);
    for (const n of [0, 1.5, TWO_POW_32 + 1, -1, -0.5, NaN, Infinity, 2 ** 53]) {
      expect(() => rng.below(n), String(n)).toThrow(RangeError);
    }
  });
});
