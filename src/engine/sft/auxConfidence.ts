/**
 * The auxiliary-confidence loss of Burns et al. (2023), `logconf_loss_fn` in the openai/weak-to-strong
 * code (docs/spec.md §11). Each step trains toward the soft target
 *   q_i = (1 − α_t) y_i + α_t h_i,   h_i = 1{⟨w, x_i⟩ > τ},
 * where y_i is the teacher's label (hard, flipped by label noise, or the teacher's probability for
 * soft labels) and h_i the student's own hard label; the gradient is cross-entropy's toward q,
 * c_i = β (σ_β(⟨w, x_i⟩) − q_i). The threshold τ is 0 (`fixed`) or the batch quantile that gives
 * exactly k = round(Σ_i y_i) hard self-labels (`adaptive`: as many as the teacher's positives).
 *
 * On the reduced and projected paths ⟨w, x_i⟩ = s_i ‖w‖ g1_i is drawn per sample (batch.ts), so the
 * loss is exact there too: a first pass draws the batch, a selection finds τ in O(B), a second pass
 * sums. At α_t = 0 the kernels take the plain cross-entropy step instead (the same numbers, bit for
 * bit), so the fused hard-label loop and its WebAssembly kernel serve plain SFT untouched.
 */
import { chiSquare, fillNormal } from '../distributions';
import type { Rng } from '../rng';
import { sigmoidTable } from '../sigmoid';
import type { AuxOptions, LabelOptions, ScaleMixture } from './labelOptions';

export type { AuxOptions } from './labelOptions';

const TWO_POW_32 = 4294967296;
// Module-level alias: under a CommonJS transform an imported binding is a getter call per access.
const sigmoidAt = sigmoidTable;

/**
 * The weight α_t of step t = 0 … T−1:
 *   linear:          α_t = a · min(1, t / (f T))   (α_t = a when f = 0);
 *   reference-code:  α_t = a · t/T while t/T ≤ f, then a   (logconf_loss_fn's `coef`).
 */
export function auxWeight(aux: AuxOptions, t: number): number {
  const { alpha: a, warmup: f, steps: T } = aux;
  if (aux.ramp === 'reference-code') return t / T > f ? a : a * (t / T);
  return f === 0 ? a : a * Math.min(1, t / (f * T));
}

/**
 * The k-th smallest (0-based) of a[0 .. n), by quickselect (Hoare's partition, median-of-three
 * pivot): expected O(n). Reorders a[0 .. n).
 */
export function selectKth(a: Float64Array, n: number, k: number): number {
  if (!(k >= 0 && k < n)) throw new RangeError(`selectKth: k must be in [0, ${n}), got ${k}`);
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const x = a[lo];
    const y = a[(lo + hi) >>> 1];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
        i++;
        j--;
      }
    }
    // Now a[lo..j] ≤ pivot ≤ a[i..hi] and every element between j and i equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/**
 * The adaptive threshold: with k = round(Σ y_i) (the teacher's positives; for soft labels the sum of
 * its probabilities), τ = the (n − k)-th smallest margin, so that exactly k margins lie above it
 * (ties have probability 0); τ = −∞ when k = n and +∞ when k = 0. `margins` (any positive multiple
 * of ⟨w, x_i⟩) is used as scratch and reordered.
 */
export function adaptiveThreshold(margins: Float64Array, n: number, labelSum: number): number {
  const k = Math.round(labelSum);
  if (k >= n) return -Infinity;
  if (k <= 0) return Infinity;
  return selectKth(margins, n, n - k - 1);
}

/** Scratch of one batch: the draws, the teacher's labels, the scales and the margins to select in. */
export class AuxBuffers {
  readonly normals: Float64Array;
  readonly labels: Float64Array;
  readonly scales: Float64Array;
  readonly margins: Float64Array;

  constructor(batchSize: number, mixture: boolean) {
    this.normals = new Float64Array(2 * batchSize);
    this.labels = new Float64Array(batchSize);
    this.scales = new Float64Array(mixture ? batchSize : 0);
    this.margins = new Float64Array(batchSize);
  }
}

/**
 * A batch under the auxiliary-confidence loss on the reduced and projected paths: [S1, S2, Q] =
 * [Σ c s g1, Σ c s g2, Σ c² s²] with c = β (σ(β ‖w‖ s g1) − q) and q = (1 − α_t) y + α_t 1{s g1 > τ}
 * (the frame and the sums of batch.ts). Draw order: 2B normals (g1, g2 interleaved), then per
 * sample its scale (Student-t) and its label-noise draw, as batch.ts's general loop; with α_t = 0
 * it returns that loop's sums bit for bit.
 */
export function accumulateAuxBatch(
  rng: Rng,
  buffers: AuxBuffers,
  batchSize: number,
  beta: number,
  weightNorm: number,
  p: number,
  q: number,
  labels: LabelOptions,
  mixture: ScaleMixture,
  alphaT: number,
  threshold: AuxOptions['threshold'],
  out: Float64Array,
): void {
  const { normals, labels: ys, scales, margins } = buffers;
  fillNormal(rng, normals, 2 * batchSize);
  const noiseThreshold = labels.labelNoise * TWO_POW_32;
  const softScale = labels.softBeta === null ? 0 : labels.softBeta * labels.teacherNorm;
  let labelSum = 0;
  // Pass 1: the batch's teacher labels (and scales), in batch.ts's draw order.
  for (let i = 0; i < batchSize; i++) {
    const g1 = normals[2 * i];
    const g2 = normals[2 * i + 1];
    let s = 1;
    if (mixture !== null) {
      s = Math.sqrt((mixture.nu - 2) / chiSquare(rng, mixture.nu));
      scales[i] = s;
    }
    const teacherMargin = p * g1 + q * g2;
    let y: number;
    if (labels.softBeta === null) {
      y = teacherMargin > 0 ? 1 : 0;
      if (labels.labelNoise > 0 && rng.nextUint32() < noiseThreshold) y = 1 - y;
    } else {
      y = sigmoidAt(softScale * s * teacherMargin);
    }
    ys[i] = y;
    labelSum += y;
    margins[i] = s * g1;
  }
  const tau = threshold === 'fixed' ? 0 : adaptiveThreshold(margins, batchSize, labelSum);
  // Pass 2: the coefficients toward the mixed target, summed as batch.ts sums them.
  const keep = 1 - alphaT;
  let s1 = 0;
  let s2 = 0;
  let sq = 0;
  if (mixture === null) {
    const scale = beta * weightNorm;
    for (let i = 0; i < batchSize; i++) {
      const g1 = normals[2 * i];
      const own = g1 > tau ? 1 : 0;
      const c = beta * (sigmoidAt(scale * 1 * g1) - (keep * ys[i] + alphaT * own));
      s1 += c * g1;
      s2 += c * normals[2 * i + 1];
      sq += c * c;
    }
  } else {
    for (let i = 0; i < batchSize; i++) {
      const g1 = normals[2 * i];
      const s = scales[i];
      const own = s * g1 > tau ? 1 : 0;
      const c = beta * (sigmoidAt(beta * weightNorm * s * g1) - (keep * ys[i] + alphaT * own));
      const cs = c * s;
      s1 += cs * g1;
      s2 += cs * normals[2 * i + 1];
      sq += cs * cs;
    }
  }
  out[0] = s1;
  out[1] = s2;
  out[2] = sq;
}
