/**
 * The per-sample work of one SFT step on the exact paths (docs/spec.md §3–4), shared by `reduced` and
 * `projected`.
 *
 * In the orthonormal frame (u1 = ŵ, u2 = unit part of ŵ_T orthogonal to u1) a sample's margins are
 * <w, x> = s‖w‖ g1 and <w_T, x> = s‖w_T‖ (p g1 + q g2) with g1, g2 i.i.d. N(0, 1), p = <ŵ_T, u1>,
 * q = √(1 − p²), and s = 1 except for scale mixtures (Student-t). The coefficient of the sample in
 * the gradient is c = β (σ(β s ‖w‖ g1) − y). A step needs only
 *   S1 = Σ c s g1,  S2 = Σ c s g2,  Q = Σ c² s²
 * because the rest of Σ c_i x_i is √Q times an isotropic normal orthogonal to u1, u2.
 */
import { chiSquare, fillNormal, normalSlowPath, ZIG_K, ZIG_W } from '../distributions';
import type { Rng } from '../rng';
import { SIGMOID_TABLE, SIGMOID_TABLE_DENSITY, SIGMOID_TABLE_RANGE, sigmoidTable } from '../sigmoid';
import type { LabelOptions, ScaleMixture } from './labelOptions';
import { wasmBatch } from './wasmBatch';

export type { LabelOptions, ScaleMixture } from './labelOptions';

const TABLE_TOP = 2 * SIGMOID_TABLE_RANGE * SIGMOID_TABLE_DENSITY;
// Module-level aliases: under a CommonJS transform an imported binding is a getter call per access.
const TABLE = SIGMOID_TABLE;
const ZK = ZIG_K;
const ZW = ZIG_W;
const sigmoidAt = sigmoidTable;
const slowNormal = normalSlowPath;
const TWO_POW_32 = 4294967296;

/**
 * Draw a batch and return [S1, S2, Q] in `out`. `normals` is scratch of length ≥ 2B.
 * Draw order (part of the reproducibility contract): hard labels on Gaussian data draw pairs in a
 * fused loop (see accumulateHardGaussian); the other variants draw 2B normals (g1, g2 interleaved),
 * then per sample their extra draws (scale, label noise).
 */
export function accumulateBatch(
  rng: Rng,
  normals: Float64Array,
  batchSize: number,
  beta: number,
  weightNorm: number,
  p: number,
  q: number,
  labels: LabelOptions,
  mixture: ScaleMixture,
  out: Float64Array,
): void {
  if (labels.softBeta === null && labels.labelNoise === 0 && mixture === null) {
    // The WebAssembly translation when the host has WebAssembly: the same numbers, steadier speed.
    const wasm = wasmBatch();
    if (wasm === null) accumulateHardGaussian(rng, normals, batchSize, beta, weightNorm, p, q, out);
    else wasm.batch(rng, batchSize, beta, weightNorm, p, q, out);
    return;
  }
  fillNormal(rng, normals, 2 * batchSize);
  let s1 = 0;
  let s2 = 0;
  let sq = 0;
  const noiseThreshold = labels.labelNoise * TWO_POW_32;
  const softScale = labels.softBeta === null ? 0 : labels.softBeta * labels.teacherNorm;
  for (let i = 0; i < batchSize; i++) {
    const g1 = normals[2 * i];
    const g2 = normals[2 * i + 1];
    const s = mixture === null ? 1 : Math.sqrt((mixture.nu - 2) / chiSquare(rng, mixture.nu));
    const teacherMargin = p * g1 + q * g2; // divided by s‖w_T‖: its sign is the hard label
    let y: number;
    if (labels.softBeta === null) {
      y = teacherMargin > 0 ? 1 : 0;
      if (labels.labelNoise > 0 && rng.nextUint32() < noiseThreshold) y = 1 - y;
    } else {
      y = sigmoidTable(softScale * s * teacherMargin);
    }
    const c = beta * (sigmoidTable(beta * weightNorm * s * g1) - y);
    const cs = c * s;
    s1 += cs * g1;
    s2 += cs * g2;
    sq += cs * cs;
  }
  out[0] = s1;
  out[1] = s2;
  out[2] = sq;
}

/**
 * The common case, hard labels on Gaussian data (the reference of wasmBatch.ts): one fused loop with the generator, the ziggurat's
 * fast path and the sigmoid table inlined (~3× faster than filling a buffer of normals first).
 * Each iteration takes two samples (four draws) with two sets of accumulators, which gives the
 * processor independent work. When all four draws land inside their ziggurat rectangles (~96 %)
 * they are used at once; otherwise the four are set aside in `deferred` and finished exactly after
 * the loop, with the slow path drawing from the same generator. Which draws are deferred depends
 * only on their own values, so the batch is still B i.i.d. pairs (g1, g2).
 *
 * Branch-free where a branch would be unpredictable: |m| by sign-mask arithmetic, the clamp by
 * Math.min/Math.max, the label by x/|x| (measured: +(x > 0) ~10 ns a sample slower, a ternary
 * 0–6 ns slower depending on how V8 compiles it).
 */
export function accumulateHardGaussian(
  rng: Rng,
  deferred: Float64Array,
  batchSize: number,
  beta: number,
  weightNorm: number,
  p: number,
  q: number,
  out: Float64Array,
): void {
  let s0 = rng.s0;
  let s1 = rng.s1;
  let s2 = rng.s2;
  let s3 = rng.s3;
  // σ(β‖w‖g1) via the table (sigmoid.ts): position = (β‖w‖g1 + L)·N.
  const scale = beta * weightNorm * SIGMOID_TABLE_DENSITY;
  const offset = SIGMOID_TABLE_RANGE * SIGMOID_TABLE_DENSITY;
  const table = TABLE;
  let a1 = 0;
  let a2 = 0;
  let aq = 0;
  let b1 = 0;
  let b2 = 0;
  let bq = 0;
  let pending = 0;
  const pairs = batchSize >> 1;
  for (let i = 0; i < pairs; i++) {
    // Four xoshiro128** outputs (rng.ts), inlined.
    let m5 = Math.imul(s1, 5);
    const h1 = Math.imul((m5 << 7) | (m5 >>> 25), 9);
    let t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    m5 = Math.imul(s1, 5);
    const h2 = Math.imul((m5 << 7) | (m5 >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    m5 = Math.imul(s1, 5);
    const h3 = Math.imul((m5 << 7) | (m5 >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    m5 = Math.imul(s1, 5);
    const h4 = Math.imul((m5 << 7) | (m5 >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    // Ziggurat fast path (distributions.ts) for all four: all inside ⇔ all differences negative.
    const i1 = h1 & 255;
    const i2 = h2 & 255;
    const i3 = h3 & 255;
    const i4 = h4 & 255;
    const n1 = h1 >> 8;
    const n2 = h2 >> 8;
    const n3 = h3 >> 8;
    const n4 = h4 >> 8;
    const x1 = (n1 ^ (n1 >> 31)) - (n1 >> 31);
    const x2 = (n2 ^ (n2 >> 31)) - (n2 >> 31);
    const x3 = (n3 ^ (n3 >> 31)) - (n3 >> 31);
    const x4 = (n4 ^ (n4 >> 31)) - (n4 >> 31);
    if (((x1 - ZK[i1]) & (x2 - ZK[i2]) & (x3 - ZK[i3]) & (x4 - ZK[i4])) < 0) {
      // Sample a: (g1, g2) = (ga1, ga2); sample b: (gb1, gb2).
      const ga1 = n1 * ZW[i1];
      const ga2 = n2 * ZW[i2];
      const gb1 = n3 * ZW[i3];
      const gb2 = n4 * ZW[i4];
      const pa = Math.min(Math.max(ga1 * scale + offset, 0), TABLE_TOP);
      const pb = Math.min(Math.max(gb1 * scale + offset, 0), TABLE_TOP);
      const ka = pa | 0;
      const kb = pb | 0;
      const ua = pa - ka;
      const ub = pb - kb;
      const oa = ka << 2;
      const ob = kb << 2;
      const sigmaA = table[oa] + ua * (table[oa + 1] + ua * (table[oa + 2] + ua * table[oa + 3]));
      const sigmaB = table[ob] + ub * (table[ob + 1] + ub * (table[ob + 2] + ub * table[ob + 3]));
      // Hard label 1{margin > 0} = ½ + ½ margin/|margin| without a branch (margin = 0, probability 0, gives ½).
      const marginA = p * ga1 + q * ga2;
      const marginB = p * gb1 + q * gb2;
      const ca = sigmaA - 0.5 - (0.5 * marginA) / (Math.abs(marginA) + 1e-300);
      const cb = sigmaB - 0.5 - (0.5 * marginB) / (Math.abs(marginB) + 1e-300);
      a1 += ca * ga1;
      a2 += ca * ga2;
      aq += ca * ca;
      b1 += cb * gb1;
      b2 += cb * gb2;
      bq += cb * cb;
    } else {
      deferred[pending++] = h1;
      deferred[pending++] = h2;
      deferred[pending++] = h3;
      deferred[pending++] = h4;
    }
  }
  rng.s0 = s0;
  rng.s1 = s1;
  rng.s2 = s2;
  rng.s3 = s3;
  if (batchSize % 2 === 1) {
    // The odd last sample: two plain draws, finished below like the deferred ones.
    deferred[pending++] = rng.nextInt32();
    deferred[pending++] = rng.nextInt32();
  }
  let sum1 = a1 + b1;
  let sum2 = a2 + b2;
  let sumSq = aq + bq;
  for (let j = 0; j < pending; j += 2) {
    const g1 = finishNormal(rng, deferred[j]);
    const g2 = finishNormal(rng, deferred[j + 1]);
    const c = sigmoidAt(beta * weightNorm * g1) - (p * g1 + q * g2 > 0 ? 1 : 0);
    sum1 += c * g1;
    sum2 += c * g2;
    sumSq += c * c;
  }
  out[0] = beta * sum1;
  out[1] = beta * sum2;
  out[2] = beta * beta * sumSq;
}

/** The normal a ziggurat draw `hz` gives: its rectangle's point, or the exact slow path. */
function finishNormal(rng: Rng, hz: number): number {
  const iz = hz & 255;
  const m = hz >> 8;
  return (m ^ (m >> 31)) - (m >> 31) < ZK[iz] ? m * ZW[iz] : slowNormal(rng, hz);
}
