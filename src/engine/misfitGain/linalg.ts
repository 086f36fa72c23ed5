/**
 * Small dense linear algebra of the misfit–gain setup (docs/random-features.md §7): the Σ-inner
 * product of a diagonal covariance, random subspaces, and the Σ-orthogonal projection onto a
 * subspace, P_U θ = U (UᵀΣU)⁻¹ UᵀΣ θ, by a Cholesky factorisation of the k × k Gram matrix.
 */
import { fillNormal } from '../distributions';
import type { Rng } from '../rng';

/** ⟨u, v⟩_Σ = Σ_k λ_k u_k v_k. */
export function innerSigma(u: ArrayLike<number>, v: ArrayLike<number>, lambda: Float64Array): number {
  let s = 0;
  for (let k = 0; k < lambda.length; k++) s += lambda[k] * u[k] * v[k];
  return s;
}

/** ‖u − v‖²_Σ. */
export function distanceSigma(u: ArrayLike<number>, v: ArrayLike<number>, lambda: Float64Array): number {
  let s = 0;
  for (let k = 0; k < lambda.length; k++) s += lambda[k] * (u[k] - v[k]) ** 2;
  return s;
}

/**
 * A uniformly random k-dimensional subspace of R^d as k orthonormal columns: Gaussian columns
 * (d normals each, in column order) by modified Gram–Schmidt.
 */
export function randomSubspace(rng: Rng, d: number, k: number): Float64Array[] {
  if (!(k >= 1 && k <= d)) throw new RangeError(`a subspace of R^${d} has dimension 1 … ${d}, not ${k}`);
  const columns: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    const v = new Float64Array(d);
    for (;;) {
      fillNormal(rng, v);
      for (const u of columns) {
        let p = 0;
        for (let i = 0; i < d; i++) p += u[i] * v[i];
        for (let i = 0; i < d; i++) v[i] -= p * u[i];
      }
      let n = 0;
      for (let i = 0; i < d; i++) n += v[i] * v[i];
      if (n > 1e-20) {
        const inv = 1 / Math.sqrt(n);
        for (let i = 0; i < d; i++) v[i] *= inv;
        break;
      }
    }
    columns.push(v);
  }
  return columns;
}

/** The Σ-orthogonal projection onto span(U), and the coordinates of a projection in U. */
export class Projector {
  private readonly cholesky: Float64Array;
  private readonly k: number;

  constructor(
    readonly columns: readonly Float64Array[],
    readonly lambda: Float64Array,
  ) {
    const k = columns.length;
    this.k = k;
    // G = UᵀΣU, then G = L Lᵀ (row-major lower triangle).
    const L = new Float64Array(k * k);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j <= i; j++) {
        let s = innerSigma(columns[i], columns[j], lambda);
        for (let m = 0; m < j; m++) s -= L[i * k + m] * L[j * k + m];
        if (i === j) {
          if (!(s > 0)) throw new RangeError('the subspace’s Gram matrix UᵀΣU is not positive definite');
          L[i * k + i] = Math.sqrt(s);
        } else {
          L[i * k + j] = s / L[j * k + j];
        }
      }
    }
    this.cholesky = L;
  }

  /** c = (UᵀΣU)⁻¹ UᵀΣ θ: the coordinates of P_U θ in the columns. */
  coordinates(theta: ArrayLike<number>): Float64Array {
    const { k, cholesky: L } = this;
    const c = Float64Array.from(this.columns, (u) => innerSigma(u, theta, this.lambda));
    for (let i = 0; i < k; i++) {
      let s = c[i];
      for (let m = 0; m < i; m++) s -= L[i * k + m] * c[m];
      c[i] = s / L[i * k + i];
    }
    for (let i = k - 1; i >= 0; i--) {
      let s = c[i];
      for (let m = i + 1; m < k; m++) s -= L[m * k + i] * c[m];
      c[i] = s / L[i * k + i];
    }
    return c;
  }

  /** U c. */
  combine(c: ArrayLike<number>): Float64Array {
    const d = this.lambda.length;
    const out = new Float64Array(d);
    this.columns.forEach((u, i) => {
      for (let m = 0; m < d; m++) out[m] += c[i] * u[m];
    });
    return out;
  }

  /** P_U θ = U (UᵀΣU)⁻¹ UᵀΣ θ. */
  project(theta: ArrayLike<number>): Float64Array {
    return this.combine(this.coordinates(theta));
  }
}
