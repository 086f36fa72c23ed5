/**
 * The feature nonlinearities σ and their normalisation (docs/random-features.md §1): a feature is
 * φ_i(x) = s_σ·(σ(z_i) − b_i) with z_i = ⟨F_i, x⟩/√d, centred (b_i = E σ(z_i) for x ~ N(0, I), where
 * z_i ~ N(0, r_i²) with r_i = ‖F_i‖/√d) and scaled by the constant s_σ that gives unit variance at
 * r = 1 (the typical row: E‖F_i‖² = d).
 *
 * - relu: E relu(r g) = r/√(2π), E relu(g)² = 1/2, so b_i = ‖F_i‖/√(2πd) and
 *   s = 1/√(1/2 − 1/(2π)) ≈ 1.7129 (closed forms);
 * - tanh: odd, so b = 0; s = 1/√(E tanh(g)²) ≈ 1.5925, E tanh(g)² by the trapezoidal rule on the
 *   Gaussian density (geometric convergence: the integrand is analytic in the strip |Im z| < π/2);
 * - identity: b = 0, s = 1.
 */
import type { ActivationName } from './config';

export interface Activation {
  readonly name: ActivationName;
  /** The kernels' code for σ (kernels.ts). */
  readonly code: 0 | 1 | 2;
  /** s_σ. */
  readonly scale: number;
  /** b for a row of F/√d of Euclidean norm r. */
  centre(r: number): number;
  /** σ(z), as the kernels compute it. */
  apply(z: number): number;
  /** σ'(z), as the kernels compute it. */
  derivative(z: number): number;
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** E f(g) for g ~ N(0, 1): the trapezoidal rule with step 1/16 on [−12, 12]. */
export function gaussianExpectation(f: (z: number) => number): number {
  const h = 1 / 16;
  const n = 12 * 16;
  let sum = 0;
  for (let k = -n; k <= n; k++) {
    const z = k * h;
    sum += f(z) * Math.exp(-0.5 * z * z);
  }
  return (sum * h) / SQRT_2PI;
}

/** 1/√(1/2 − 1/(2π)): the unit-variance scale of relu features. */
export const RELU_SCALE = 1 / Math.sqrt(0.5 - 1 / (2 * Math.PI));
/** 1/√(E tanh(g)²). */
export const TANH_SCALE = 1 / Math.sqrt(gaussianExpectation((z) => Math.tanh(z) ** 2));

export const ACTIVATION: Record<ActivationName, Activation> = {
  identity: { name: 'identity', code: 0, scale: 1, centre: () => 0, apply: (z) => z, derivative: () => 1 },
  // z > 0 ? z : 0 (not Math.max): NaN and −0 map to 0, as the WebAssembly kernel's pmax(0, z) does.
  relu: { name: 'relu', code: 1, scale: RELU_SCALE, centre: (r) => r / SQRT_2PI, apply: (z) => (z > 0 ? z : 0), derivative: (z) => (z > 0 ? 1 : 0) },
  tanh: {
    name: 'tanh',
    code: 2,
    scale: TANH_SCALE,
    centre: () => 0,
    apply: Math.tanh,
    derivative: (z) => {
      const t = Math.tanh(z);
      return 1 - t * t;
    },
  },
};
