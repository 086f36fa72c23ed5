/**
 * The hard-label Gaussian batch of `batch.ts` (accumulateHardGaussian, the TypeScript reference)
 * as WebAssembly: the fused loop, the odd last sample, the deferred draws and the ziggurat's slow
 * path, all in one call.
 *
 * Why: V8 compiles the TypeScript loop by speculating on type feedback, and the machine code it
 * ends up with differs from process to process (7–19 ns a sample for the same code: the loop's OSR
 * code deoptimises at its first exit, whose stores have no feedback yet, and other compiles follow).
 * WebAssembly is typed and compiled ahead of running, so every process gets the same code.
 *
 * Same numbers: every operation below is the reference's, in the same order, on IEEE-754 doubles
 * (correctly rounded in both languages; WebAssembly has no fused multiply-add). Where the reference
 * uses a JavaScript idiom the text uses its exact equivalent on every input the loop can see:
 * Math.max(x, 0) / Math.min(x, TOP) as pmax / pmin (`a < b ? b : a`, NaN kept), `x | 0` on
 * [0, TOP] or NaN as the saturating truncation, ternaries as `select`, and Math.exp / Math.log
 * imported from the host. So the generator's state and the sums are bit-identical to the reference
 * (test/engine/wasmBatch.test.ts checks it on every branch, slow paths and tails included).
 *
 * Samples a and b of an iteration are the two lanes of f64x2 vectors (SIMD): each lane does its own
 * sample's operations, so the lanes are the reference's two sets of accumulators.
 */
import { ZIG_F, ZIG_K, ZIG_W } from '../distributions';
import type { Rng } from '../rng';
import { type AuxHardBuffers, relabel, type RelabelSamples } from './auxHardGaussian';
import { SIGMOID_TABLE, SIGMOID_TABLE_DENSITY, SIGMOID_TABLE_RANGE } from '../sigmoid';
import { LAYOUT, moduleBytes, PAGE } from './wasmModule';
import type { WasmApi, WasmMemory } from '../wasm/assemble';

const { STATE, SUMS, AUX, DEFERRED } = LAYOUT;

type BatchFunction = (pairs: number, odd: number, scale: number, offset: number, p: number, q: number, betaNorm: number) => void;
type AuxFunction = (...args: [...Parameters<BatchFunction>, teacherWeight: number, alphaT: number, band: number, kept: number, stride: number]) => void;

/** An instance of the kernel with its own memory. */
export class WasmBatch {
  /** The raw exports, for tests of single parts (`slow`, `uniform`) against the reference. */
  readonly exports: Record<string, unknown>;
  private readonly run: BatchFunction;
  private readonly runAux: AuxFunction;
  private readonly runAuxFixed: AuxFunction;
  private readonly memory: WasmMemory;
  private state!: Int32Array;
  private sums!: Float64Array;
  private auxSums!: Float64Array;
  private auxCounts!: Int32Array;
  /** Views of the auxiliary batch's kept samples (g1, g2, c) in the memory, for the last layout. */
  private kept: Pick<RelabelSamples, 'g1' | 'g2' | 'c'> | null = null;

  private constructor(api: WasmApi) {
    const instance = new api.Instance(new api.Module(moduleBytes()), { math: { exp: Math.exp, log: Math.log } });
    this.exports = instance.exports;
    this.run = instance.exports.batch as BatchFunction;
    this.runAux = instance.exports.aux as AuxFunction;
    this.runAuxFixed = instance.exports.auxFixed as AuxFunction;
    this.memory = instance.exports.memory as WasmMemory;
    this.views();
    const buffer = this.memory.buffer;
    new Int32Array(buffer, LAYOUT.ZK, 256).set(ZIG_K);
    new Float64Array(buffer, LAYOUT.ZW, 256).set(ZIG_W);
    new Float64Array(buffer, LAYOUT.ZF, 256).set(ZIG_F);
    new Float64Array(buffer, LAYOUT.TABLE, SIGMOID_TABLE.length).set(SIGMOID_TABLE);
  }

  /** A new instance, or null when this host has no WebAssembly (SIMD included): the reference is used then. */
  static create(): WasmBatch | null {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (api === undefined) return null;
    try {
      return new WasmBatch(api);
    } catch {
      return null; // no SIMD, or a content security policy without 'wasm-unsafe-eval'
    }
  }

  private views(): void {
    this.state = new Int32Array(this.memory.buffer, STATE, 4);
    this.sums = new Float64Array(this.memory.buffer, SUMS, 3);
    this.auxSums = new Float64Array(this.memory.buffer, AUX, 7);
    this.auxCounts = new Int32Array(this.memory.buffer, AUX + 56, 2);
    this.kept = null;
  }

  /** Grow the memory to at least `bytes` (views renewed). */
  private reserve(bytes: number): void {
    if (this.memory.buffer.byteLength >= bytes) return;
    this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / PAGE));
    this.views();
  }

  /** The generator's state in and out of the module's memory. */
  loadRng(rng: Rng): void {
    const state = this.state;
    state[0] = rng.s0;
    state[1] = rng.s1;
    state[2] = rng.s2;
    state[3] = rng.s3;
  }

  storeRng(rng: Rng): void {
    const state = this.state;
    rng.s0 = state[0];
    rng.s1 = state[1];
    rng.s2 = state[2];
    rng.s3 = state[3];
  }

  /** accumulateHardGaussian's result for the same arguments, advancing `rng` the same way. */
  batch(rng: Rng, batchSize: number, beta: number, weightNorm: number, p: number, q: number, out: Float64Array): void {
    const pairs = batchSize >> 1;
    // Room for every draw deferred, and the odd last sample's two.
    this.reserve(DEFERRED + 16 * pairs + 8);
    this.loadRng(rng);
    const scale = beta * weightNorm * SIGMOID_TABLE_DENSITY;
    const offset = SIGMOID_TABLE_RANGE * SIGMOID_TABLE_DENSITY;
    this.run(pairs, batchSize & 1, scale, offset, p, q, beta * weightNorm);
    this.storeRng(rng);
    const sums = this.sums;
    out[0] = beta * sums[0];
    out[1] = beta * sums[1];
    out[2] = beta * beta * sums[2];
  }

  /**
   * accumulateAuxHardGaussian's result for the same arguments (auxHardGaussian.ts), advancing `rng`
   * the same way: the pass here, the relabelling of the kept samples by the reference's own
   * `relabel` on views of them, and the same second draw, every sample kept, when the band holds too
   * few (the generator is only written back once a pass is final). `buffers` lends its band and
   * its selection scratch.
   */
  auxBatch(
    rng: Rng,
    buffers: AuxHardBuffers,
    batchSize: number,
    beta: number,
    weightNorm: number,
    p: number,
    q: number,
    alphaT: number,
    threshold: 'fixed' | 'adaptive',
    out: Float64Array,
  ): void {
    const adaptive = threshold === 'adaptive';
    if (this.auxPass(rng, buffers, batchSize, beta, weightNorm, p, q, alphaT, adaptive ? buffers.band : 0, adaptive, out)) return;
    this.auxPass(rng, buffers, batchSize, beta, weightNorm, p, q, alphaT, Infinity, adaptive, out);
  }

  private auxPass(
    rng: Rng,
    buffers: AuxHardBuffers,
    batchSize: number,
    beta: number,
    weightNorm: number,
    p: number,
    q: number,
    alphaT: number,
    band: number,
    adaptive: boolean,
    out: Float64Array,
  ): boolean {
    const pairs = batchSize >> 1;
    // Deferred draws (all of them, and the odd sample's two), then three arrays of B doubles.
    const kept = DEFERRED + Math.ceil((16 * pairs + 8) / 16) * 16;
    const stride = Math.ceil((8 * batchSize) / 16) * 16;
    this.reserve(kept + 3 * stride);
    this.loadRng(rng);
    const scale = beta * weightNorm * SIGMOID_TABLE_DENSITY;
    const offset = SIGMOID_TABLE_RANGE * SIGMOID_TABLE_DENSITY;
    (band > 0 ? this.runAux : this.runAuxFixed)(pairs, batchSize & 1, scale, offset, p, q, beta * weightNorm, 1 - alphaT, alphaT, band, kept, stride);
    const sums = this.auxSums;
    let b1 = sums[3];
    let b2 = sums[4];
    let bq = sums[5];
    if (adaptive) {
      const change = this.auxCounts[0] - Math.round(sums[6]);
      if (change !== 0) {
        if (this.kept === null || this.kept.g1.byteOffset !== kept || this.kept.g1.length !== batchSize) {
          const buffer = this.memory.buffer;
          this.kept = {
            g1: new Float64Array(buffer, kept, batchSize),
            g2: new Float64Array(buffer, kept + stride, batchSize),
            c: new Float64Array(buffer, kept + 2 * stride, batchSize),
          };
        }
        const d = relabel({ ...this.kept, scratch: buffers.scratch, held: buffers.held }, this.auxCounts[1], change, alphaT);
        if (d === null) return false;
        b1 += d[0];
        b2 += d[1];
        bq += d[2];
      }
    }
    this.storeRng(rng);
    out[0] = beta * (sums[0] + b1);
    out[1] = beta * (sums[1] + b2);
    out[2] = beta * beta * (sums[2] + bq);
    return true;
  }
}

let shared: WasmBatch | null | undefined;

/** The process's instance (the engine is single-threaded and a batch is not re-entrant), or null. */
export function wasmBatch(): WasmBatch | null {
  if (shared === undefined) shared = WasmBatch.create();
  return shared;
}
