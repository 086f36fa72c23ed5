/**
 * The preview path's step for hard labels (preview.ts: the frame of ReducedKernel.advance, the
 * moments' quadrature, three normal draws, the Cholesky factor and the drawn sums of previewSums,
 * the third direction's normal, the χ²_{d−3} draw and the update) as WebAssembly, beside
 * the exact path's batch kernel (wasmBatch.ts), and for the same reasons: typed code compiled
 * ahead of running, the same speed in every process, and two quadrature nodes at a time as the
 * lanes of SIMD vectors.
 *
 * Same numbers: every operation is the reference's, in the same order, on IEEE-754 doubles
 * (correctly rounded in both languages; WebAssembly has no fused multiply-add). The special
 * functions are the kernel's own (previewErf.ts: expm1Kernel, expKernel, erfScaled), in both;
 * the ziggurat's slow path imports the host's Math.exp and Math.log, as the reference calls them.
 * The node tables are the reference's own arrays, copied into the module's memory. So a step's
 * state, its sums and the generator's state are bit-identical to the reference's
 * (test/engine/wasmPreview.test.ts). Soft labels stay with the reference (a 2-D quadrature).
 */
import { ZIG_F, ZIG_K, ZIG_W } from '../distributions';
import type { Rng } from '../rng';
import { LEVELS, nodeTable as importedNodeTable, Q_MIN as IMPORTED_Q_MIN, scaleLevel as importedScaleLevel } from './previewMoments';
import { PAGE, PREVIEW_CONSTANTS, PREVIEW_LAYOUT, previewModuleBytes, STEP_PARAMS } from './wasmPreviewText';
import type { WasmApi, WasmMemory } from '../wasm/assemble';

const { STATE, MOMENTS, SUMS, STEP, PARAMS, POW2_UP, ZK, ZW, ZF, DIRECTORY, TABLES } = PREVIEW_LAYOUT;
// Module-level aliases: under a CommonJS transform (tsx) each use of an import is a getter call.
const nodeTable = importedNodeTable;
const scaleLevel = importedScaleLevel;
const Q_MIN = IMPORTED_Q_MIN;

type MomentsFunction = (pairs: number, table: number, h: number, gamma: number, slope: number, f: number, p: number, qq: number) => void;
type SumsFunction = (...args: [...Parameters<MomentsFunction>, batchSize: number, inflation: number]) => void;
type StepFunction = () => void;

/** A preview step's constants: the run's hyperparameters and teacher, as ReducedKernel and previewSums use them. */
export interface PreviewStepConstants {
  readonly cT: number;
  readonly sT: number;
  /** β/2. */
  readonly h: number;
  /** 1 − 2ε, ε the label noise. */
  readonly f: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** (d − 3)/2, the χ²_{d−3} draw's gamma shape; 0 when d = 3 (no draw). */
  readonly shape: number;
}

/** An instance of the kernel with its own memory. */
export class WasmPreview {
  private readonly runMoments: MomentsFunction;
  private readonly runSums: SumsFunction;
  private readonly runStep: StepFunction;
  private readonly memory: WasmMemory;
  private state!: Int32Array;
  private momentsOut!: Float64Array;
  private sumsOut!: Float64Array;
  private stepOut!: Float64Array;
  private stepIn!: Float64Array;
  /** Per scale level: the address of its node table in the memory and its pairs of nodes (also in the memory's directory). */
  private readonly tableAt = new Int32Array(LEVELS);
  private readonly tablePairs = new Int32Array(LEVELS);

  private constructor(api: WasmApi) {
    const instance = new api.Instance(new api.Module(previewModuleBytes()), { math: { exp: Math.exp, log: Math.log, hypot: Math.hypot, pow: Math.pow } });
    this.runMoments = instance.exports.moments as MomentsFunction;
    this.runSums = instance.exports.sums as SumsFunction;
    this.runStep = instance.exports.step as StepFunction;
    this.memory = instance.exports.memory as WasmMemory;
    this.copyTables();
    this.views();
    const buffer = this.memory.buffer;
    for (const [at, value] of PREVIEW_CONSTANTS) new Float64Array(buffer, at, 2).fill(value);
    new Int32Array(buffer, ZK, 256).set(ZIG_K);
    new Float64Array(buffer, ZW, 256).set(ZIG_W);
    new Float64Array(buffer, ZF, 256).set(ZIG_F);
    new Float64Array(buffer, POW2_UP, 41).set(Array.from({ length: 41 }, (_, k) => Math.pow(2, k)));
  }

  /**
   * Every scale level's node table (the reference's own arrays, previewMoments.ts) into the memory,
   * as pairs (v_2j, v_2j+1, w_2j, w_2j+1), and its address and pairs into the directory: a step
   * chooses its level itself. ~230 kB, built once per process (~14 000 nodes).
   */
  private copyTables(): void {
    const tables = Array.from({ length: LEVELS }, (_, level) => nodeTable(level));
    const end = tables.reduce((at, t) => at + 16 * t.v.length, TABLES);
    if (end > this.memory.buffer.byteLength) this.memory.grow(Math.ceil((end - this.memory.buffer.byteLength) / PAGE));
    const buffer = this.memory.buffer;
    const directory = new Int32Array(buffer, DIRECTORY, 2 * LEVELS);
    let at = TABLES;
    tables.forEach(({ v, w }, level) => {
      const pairs = v.length >> 1;
      const view = new Float64Array(buffer, at, 4 * pairs);
      for (let j = 0; j < pairs; j++) view.set([v[2 * j], v[2 * j + 1], w[2 * j], w[2 * j + 1]], 4 * j);
      this.tableAt[level] = at;
      this.tablePairs[level] = pairs;
      directory[2 * level] = pairs;
      directory[2 * level + 1] = at;
      at += 32 * pairs;
    });
  }

  /** A new instance, or null when this host has no WebAssembly (SIMD included): the reference is used then. */
  static create(): WasmPreview | null {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
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
    this.stepOut = new Float64Array(buffer, STEP, 3);
    this.stepIn = new Float64Array(buffer, PARAMS, STEP_PARAMS.length);
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

  /**
   * One step of the preview chain (ReducedKernel.advance with previewSums, hard labels) from
   * (α, b, ρ) = state[0..3), written back into `state`; `rng` advanced by the step's draws.
   */
  step(rng: Rng, state: Float64Array, c: PreviewStepConstants, inflation: number): void {
    const s = this.state;
    s[0] = rng.s0;
    s[1] = rng.s1;
    s[2] = rng.s2;
    s[3] = rng.s3;
    // Through the memory, not as arguments: a call with eleven doubles costs more than the stores.
    const args = this.stepIn;
    args[0] = state[0];
    args[1] = state[1];
    args[2] = state[2];
    args[3] = c.cT;
    args[4] = c.sT;
    args[5] = c.h;
    args[6] = c.f;
    args[7] = c.batchSize;
    args[8] = inflation;
    args[9] = c.learningRate;
    args[10] = c.shape;
    this.runStep();
    rng.s0 = s[0];
    rng.s1 = s[1];
    rng.s2 = s[2];
    rng.s3 = s[3];
    const out = this.stepOut;
    state[0] = out[0];
    state[1] = out[1];
    state[2] = out[2];
  }

  /** The hard-label moments' arguments, derived as sampleMoments derives them (into one reused object). */
  private prepare(beta: number, weightNorm: number, p: number, q: number, labelNoise: number): Arguments {
    const a = this.args;
    a.h = beta / 2;
    a.gamma = a.h * weightNorm;
    a.qq = q > Q_MIN ? q : Q_MIN;
    const level = scaleLevel(a.gamma, p, a.qq);
    a.table = this.tableAt[level];
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
