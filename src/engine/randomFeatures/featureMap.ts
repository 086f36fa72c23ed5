/**
 * A random feature map (docs/random-features.md §1): F with M rows in R^d, iid N(0, 1) entries (or
 * orthonormal rows scaled by √d), and φ_j(x) = s_σ·(σ(⟨F_j, x⟩/√d) − b_j); a model's logit is
 * √(d/M)·⟨a, φ(x)⟩. With identity σ, orthonormal rows and M = d the logit is ⟨Qᵀa, x⟩: the paper's
 * linear model with w = Qᵀa, and a ~ N(0, s² I) is w ~ N(0, s² I).
 */
import { fillNormal } from '../distributions';
import type { Rng } from '../rng';
import { ACTIVATION, type Activation } from './activation';
import type { ActivationName } from './config';
import { evenUp, padFeatures } from './layout';

export interface FeatureMap {
  readonly d: number;
  /** d rounded up to even: the row stride of inputs. */
  readonly dp: number;
  /** M. */
  readonly features: number;
  /** M rounded up to a multiple of 8: the row stride of features. */
  readonly padded: number;
  readonly activation: Activation;
  /** F/√d transposed: dp × padded, entry [k][j] = F_jk/√d; padding zero. */
  readonly firstLayer: Float64Array;
  /** b_j (padding zero). */
  readonly centre: Float64Array;
  /** √(d/M). */
  readonly logitScale: number;
}

/**
 * Draw F row by row (M rows of d normals from `rng`); orthonormal rows by modified Gram–Schmidt of
 * those rows (uniform on the Stiefel manifold), which needs M ≤ d.
 */
export function drawFeatureMap(rng: Rng, d: number, m: number, activation: ActivationName, rows: 'gaussian' | 'orthonormal'): FeatureMap {
  const dp = evenUp(d);
  const padded = padFeatures(m);
  const raw = new Float64Array(m * d);
  fillNormal(rng, raw);
  const scaled = new Float64Array(m * d);
  if (rows === 'gaussian') {
    const root = Math.sqrt(d);
    for (let i = 0; i < m * d; i++) scaled[i] = raw[i] / root;
  } else {
    if (m > d) throw new RangeError(`orthonormal rows need M ≤ d (got M = ${m}, d = ${d})`);
    // F/√d = Q: the rows of Q are orthonormal.
    for (let j = 0; j < m; j++) {
      const row = scaled.subarray(j * d, (j + 1) * d);
      row.set(raw.subarray(j * d, (j + 1) * d));
      for (let i = 0; i < j; i++) {
        const prev = scaled.subarray(i * d, (i + 1) * d);
        let p = 0;
        for (let k = 0; k < d; k++) p += row[k] * prev[k];
        for (let k = 0; k < d; k++) row[k] -= p * prev[k];
      }
      let n = 0;
      for (let k = 0; k < d; k++) n += row[k] * row[k];
      if (!(n > 1e-24)) throw new RangeError('orthonormal rows: a degenerate draw (probability zero)');
      const inv = 1 / Math.sqrt(n);
      for (let k = 0; k < d; k++) row[k] *= inv;
    }
  }
  const sigma = ACTIVATION[activation];
  const firstLayer = new Float64Array(dp * padded);
  const centre = new Float64Array(padded);
  for (let j = 0; j < m; j++) {
    let n = 0;
    for (let k = 0; k < d; k++) {
      const f = scaled[j * d + k];
      firstLayer[k * padded + j] = f;
      n += f * f;
    }
    centre[j] = sigma.centre(Math.sqrt(n));
  }
  return { d, dp, features: m, padded, activation: sigma, firstLayer, centre, logitScale: Math.sqrt(d / m) };
}

/** φ(x) of one input (length d), as the kernels compute it: for tests and small checks. */
export function featuresOf(map: FeatureMap, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(map.features);
  const { padded, firstLayer, centre, activation } = map;
  for (let j = 0; j < map.features; j++) {
    let z = 0;
    for (let k = 0; k < map.d; k++) z += x[k] * firstLayer[k * padded + j];
    out[j] = activation.scale * (activation.apply(z) - centre[j]);
  }
  return out;
}
