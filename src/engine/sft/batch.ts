/**
 * The per-sample work of one SFT step on the exact paths (SPEC §3–4), shared by `reduced` and
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

/** How teacher labels are made from the teacher's margin. */
export interface LabelOptions {
  /** Soft labels y = σ(β_T <w_T, x>) when set; hard labels 1{<w_T, x> > 0} when null. */
  readonly softBeta: number | null;
  /** ‖w_T‖ (Σ-norm): matters for soft labels only. */
  readonly teacherNorm: number;
  /** Probability of flipping each hard label (0 = off). */
  readonly labelNoise: number;
}

/** Scale-mixture data: Student-t with ν degrees of freedom, or null for Gaussian. */
export type ScaleMixture = { readonly nu: number } | null;

const TABLE_TOP = 2 * SIGMOID_TABLE_RANGE * SIGMOID_TABLE_DENSITY;
// Module-level aliases: under a CommonJS transform an imported binding is a getter call per access.
const TABLE = SIGMOID_TABLE;
const ZK = ZIG_K;
const ZW = ZIG_W;
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
    accumulateHardGaussian(rng, normals, batchSize, beta, weightNorm, p, q, out);
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
 * The common case, hard labels on Gaussian data: one fused loop with the generator, the ziggurat's
 * fast path and the sigmoid table inlined (measured ~2× faster than filling a buffer first).
 * A pair (g1, g2) whose draws both land inside their ziggurat rectangles (~98 %) is used at once;
 * otherwise both draws are set aside in `deferred` and finished exactly after the loop, with the
 * slow path drawing from the same generator. Which pairs are deferred depends only on their own
 * draws, so the batch is still B i.i.d. pairs.
 *
 * Branch-free where a branch would be unpredictable: |m| by sign-mask arithmetic, the clamp by
 * Math.min/Math.max, the label by x/|x| (measured: +(x > 0) ~10 ns a sample slower, a ternary
 * 0–6 ns slower depending on how V8 compiles it).
 */
function accumulateHardGaussian(
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
  let sum1 = 0;
  let sum2 = 0;
  let sumSq = 0;
  let pending = 0;
  for (let i = 0; i < batchSize; i++) {
    // Two xoshiro128** outputs (rng.ts), inlined.
    let m5 = Math.imul(s1, 5);
    const hz1 = Math.imul((m5 << 7) | (m5 >>> 25), 9);
    let t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    m5 = Math.imul(s1, 5);
    const hz2 = Math.imul((m5 << 7) | (m5 >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    // Ziggurat fast path (distributions.ts) for both; both inside ⇔ both differences negative.
    const iz1 = hz1 & 255;
    const m1 = hz1 >> 8;
    const iz2 = hz2 & 255;
    const m2 = hz2 >> 8;
    const abs1 = (m1 ^ (m1 >> 31)) - (m1 >> 31);
    const abs2 = (m2 ^ (m2 >> 31)) - (m2 >> 31);
    if (((abs1 - ZK[iz1]) & (abs2 - ZK[iz2])) < 0) {
      const g1 = m1 * ZW[iz1];
      const g2 = m2 * ZW[iz2];
      const pos = Math.min(Math.max(g1 * scale + offset, 0), TABLE_TOP);
      const k = pos | 0;
      const u = pos - k;
      const o = k << 2;
      const sigma = table[o] + u * (table[o + 1] + u * (table[o + 2] + u * table[o + 3]));
      // Hard label 1{margin > 0} = ½ + ½ margin/|margin| without a branch (margin = 0, probability 0, gives ½).
      const margin = p * g1 + q * g2;
      const c = sigma - 0.5 - (0.5 * margin) / (Math.abs(margin) + 1e-300);
      sum1 += c * g1;
      sum2 += c * g2;
      sumSq += c * c;
    } else {
      deferred[pending++] = hz1;
      deferred[pending++] = hz2;
    }
  }
  rng.s0 = s0;
  rng.s1 = s1;
  rng.s2 = s2;
  rng.s3 = s3;
  for (let j = 0; j < pending; j += 2) {
    const g1 = finishNormal(rng, deferred[j]);
    const g2 = finishNormal(rng, deferred[j + 1]);
    const c = sigmoidTable(beta * weightNorm * g1) - (p * g1 + q * g2 > 0 ? 1 : 0);
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
  return (m ^ (m >> 31)) - (m >> 31) < ZK[iz] ? m * ZW[iz] : normalSlowPath(rng, hz);
}
