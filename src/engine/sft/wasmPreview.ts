/**
 * The preview path's step (PreviewKernel.batchSums for hard labels, preview.ts: the moments'
 * quadrature, three normal draws, the Cholesky factor and the drawn sums) as WebAssembly, beside
 * the exact path's batch kernel (wasmBatch.ts), and for the same reasons: typed code compiled
 * ahead of running, the same speed in every process, and two quadrature nodes at a time as the
 * lanes of SIMD vectors.
 *
 * Same numbers: every operation is the reference's, in the same order, on IEEE-754 doubles
 * (correctly rounded in both languages; WebAssembly has no fused multiply-add). The special
 * functions are the kernel's own (previewErf.ts: expm1Kernel, expKernel, erfScaled), in both;
 * the ziggurat's slow path imports the host's Math.exp and Math.log, as the reference calls them.
 * The node tables are the reference's own arrays, copied into the module's memory once per scale
 * level. So the sums and the generator's state are bit-identical to the reference's
 * (test/engine/wasmPreview.test.ts). Soft labels stay with the reference (a 2-D quadrature).
 */
import { ZIG_F, ZIG_K, ZIG_W } from '../distributions';
import type { Rng } from '../rng';
import { LEVELS, nodeTable, Q_MIN, scaleLevel } from './previewMoments';
import { PAGE, PREVIEW_CONSTANTS, PREVIEW_LAYOUT, previewModuleBytes } from './wasmPreviewText';

const { STATE, MOMENTS, SUMS, ZK, ZW, ZF, TABLES } = PREVIEW_LAYOUT;

/** What the engine needs of the WebAssembly API (ECMAScript hosts: Node, browsers, Electron). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

type MomentsFunction = (pairs: number, table: number, h: number, gamma: number, slope: number, f: number, p: number, qq: number) => void;
type SumsFunction = (...args: [...Parameters<MomentsFunction>, batchSize: number, inflation: number]) => void;

/** An instance of the kernel with its own memory. */
export class WasmPreview {
  private readonly runMoments: MomentsFunction;
  private readonly runSums: SumsFunction;
  private readonly memory: WasmMemory;
  private state!: Int32Array;
  private momentsOut!: Float64Array;
  private sumsOut!: Float64Array;
  /** Per scale level: the address of its node table in the memory (0: not copied yet) and its pairs of nodes. */
  private readonly tableAt = new Int32Array(LEVELS);
  private readonly tablePairs = new Int32Array(LEVELS);
  private nextTable = TABLES;

  private constructor(api: WasmApi) {
    const instance = new api.Instance(new api.Module(previewModuleBytes()), { math: { exp: Math.exp, log: Math.log } });
    this.runMoments = instance.exports.moments as MomentsFunction;
    this.runSums = instance.exports.sums as SumsFunction;
    this.memory = instance.exports.memory as WasmMemory;
    this.views();
    const buffer = this.memory.buffer;
    for (const [at, value] of PREVIEW_CONSTANTS) new Float64Array(buffer, at, 2).fill(value);
    new Int32Array(buffer, ZK, 256).set(ZIG_K);
    new Float64Array(buffer, ZW, 256).set(ZIG_W);
    new Float64Array(buffer, ZF, 256).set(ZIG_F);
  }

  /** A new instance, or null when this host has no WebAssembly (SIMD included): the reference is used then. */
  static create(): WasmPreview | null {
    const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (api === undefined) return null;
    try {
      return new WasmPreview(api);
    } catch {
      return null; // no SIMD, or a content security policy without 'wasm-unsafe-eval'
    }
  }

  private views(): void {
    const buffer = this.memory.buffer;
    this.state = new Int32Array(buffer, STATE, 4);
    this.momentsOut = new Float64Array(buffer, MOMENTS, 9);
    this.sumsOut = new Float64Array(buffer, SUMS, 3);
  }

  /** The address of level `level`'s node table, copied in on first use as pairs (v_2j, v_2j+1, w_2j, w_2j+1). */
  private table(level: number): number {
    const at = this.tableAt[level];
    if (at !== 0) return at;
    const { v, w } = nodeTable(level);
    const pairs = v.length >> 1;
    const end = this.nextTable + 32 * pairs;
    if (end > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((end - this.memory.buffer.byteLength) / PAGE));
      this.views();
    }
    const pairsView = new Float64Array(this.memory.buffer, this.nextTable, 4 * pairs);
    for (let j = 0; j < pairs; j++) pairsView.set([v[2 * j], v[2 * j + 1], w[2 * j], w[2 * j + 1]], 4 * j);
    this.tableAt[level] = this.nextTable;
    this.tablePairs[level] = pairs;
    this.nextTable = end;
    return this.tableAt[level];
  }

  /** sampleMoments(β, ‖w‖, p, q, hard labels flipped with probability ε, out) of previewMoments.ts. */
  moments(beta: number, weightNorm: number, p: number, q: number, labelNoise: number, out: Float64Array): void {
    const a = this.prepare(beta, weightNorm, p, q, labelNoise);
    this.runMoments(a.pairs, a.table, a.h, a.gamma, a.slope, a.f, p, a.qq);
    out.set(this.momentsOut);
  }

  /**
   * PreviewKernel.batchSums for hard labels (preview.ts: previewSums): (S1, S2, Q) into `out`,
   * `rng` advanced by the three draws.
   */
  sums(rng: Rng, beta: number, weightNorm: number, p: number, q: number, labelNoise: number, batchSize: number, inflation: number, out: Float64Array): void {
    const a = this.prepare(beta, weightNorm, p, q, labelNoise);
    const state = this.state;
    state[0] = rng.s0;
    state[1] = rng.s1;
    state[2] = rng.s2;
    state[3] = rng.s3;
    this.runSums(a.pairs, a.table, a.h, a.gamma, a.slope, a.f, p, a.qq, batchSize, inflation);
    const after = this.state;
    rng.s0 = after[0];
    rng.s1 = after[1];
    rng.s2 = after[2];
    rng.s3 = after[3];
    const sums = this.sumsOut;
    out[0] = sums[0];
    out[1] = sums[1];
    out[2] = sums[2];
  }

  /** The hard-label moments' arguments, derived as sampleMoments derives them (into one reused object). */
  private prepare(beta: number, weightNorm: number, p: number, q: number, labelNoise: number): Arguments {
    const a = this.args;
    a.h = beta / 2;
    a.gamma = a.h * weightNorm;
    a.qq = q > Q_MIN ? q : Q_MIN;
    const level = scaleLevel(a.gamma, p, a.qq);
    a.table = this.table(level);
    a.pairs = this.tablePairs[level];
    a.slope = p / a.qq;
    a.f = 1 - 2 * labelNoise;
    return a;
  }

  private readonly args: Arguments = { pairs: 0, table: 0, h: 0, gamma: 0, slope: 0, f: 0, qq: 0 };
}

interface Arguments {
  pairs: number;
  table: number;
  h: number;
  gamma: number;
  slope: number;
  f: number;
  qq: number;
}

let shared: WasmPreview | null | undefined;

/** The process's instance (the engine is single-threaded and a step is not re-entrant), or null. */
export function wasmPreview(): WasmPreview | null {
  if (shared === undefined) shared = WasmPreview.create();
  return shared;
}
