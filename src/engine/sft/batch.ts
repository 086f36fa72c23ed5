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
import { chiSquare, fillNormal } from '../distributions';
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
const TWO_POW_32 = 4294967296;

/**
 * Draw a batch and return [S1, S2, Q] in `out`. `normals` is scratch of length ≥ 2B.
 * Draw order per step: 2B normals (g1 then g2 interleaved), then per sample any extra draws of the
 * slow variants (scale, label noise): part of the reproducibility contract.
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
  fillNormal(rng, normals, 2 * batchSize);
  if (labels.softBeta === null && labels.labelNoise === 0 && mixture === null) {
    accumulateHardGaussian(normals, batchSize, beta, weightNorm, p, q, out);
    return;
  }
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

/** The common case, hard labels on Gaussian data, with the sigmoid table inlined. */
function accumulateHardGaussian(
  normals: Float64Array,
  batchSize: number,
  beta: number,
  weightNorm: number,
  p: number,
  q: number,
  out: Float64Array,
): void {
  let s1 = 0;
  let s2 = 0;
  let sq = 0;
  // σ(β‖w‖g1) via the table (sigmoid.ts): position = (β‖w‖g1 + L)·N.
  const scale = beta * weightNorm * SIGMOID_TABLE_DENSITY;
  const offset = SIGMOID_TABLE_RANGE * SIGMOID_TABLE_DENSITY;
  const table = SIGMOID_TABLE;
  for (let i = 0; i < batchSize; i++) {
    const g1 = normals[2 * i];
    const g2 = normals[2 * i + 1];
    let pos = g1 * scale + offset;
    pos = pos > 0 ? (pos < TABLE_TOP ? pos : TABLE_TOP) : 0;
    const k = pos | 0;
    const u = pos - k;
    const o = k << 2;
    const sig = table[o] + u * (table[o + 1] + u * (table[o + 2] + u * table[o + 3]));
    // Branch-free hard label: the sign bit of the teacher margin.
    const y = +(p * g1 + q * g2 > 0);
    const c = beta * (sig - y);
    s1 += c * g1;
    s2 += c * g2;
    sq += c * c;
  }
  out[0] = s1;
  out[1] = s2;
  out[2] = sq;
}
