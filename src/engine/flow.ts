/**
 * Population gradient and gradient flow (docs/spec.md §5): the deterministic limit B → ∞ of SFT.
 *
 * For x ~ N(0, I), hard labels from a teacher with unit direction ŵ_T:
 *   ∇L(w) = β (k(β‖w‖) ŵ − ŵ_T / √(2π)),   k(γ) = E[σ(γz) z] = γ E[σ'(γz)],  z ~ N(0, 1).
 * For Σ = diag(λ), in whitened coordinates v = Σ^{1/2} w: ∇_w L = β Σ^{1/2} (k(β‖v‖) v̂ − v̂_T/√(2π)).
 */
import { accuracyFromCos } from './accuracy';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** σ'(t) = σ(t)(1 − σ(t)) for t ≥ 0 (the only arguments kFunction needs). */
function sigmoidPrime(t: number): number {
  const s = 1 / (1 + Math.exp(-t));
  return s * (1 - s);
}

/**
 * k(γ) = γ E[σ'(γz)] = ∫ γ σ'(γz) φ(z) dz for γ ≥ 0, by the trapezoidal rule with step h = 0.1 on
 * the half-line (the integrand is even: k = 2h (f(0)/2 + Σ_{i≥1} f(ih))). The rule converges
 * geometrically for this analytic, fast-decaying integrand (poles of σ' at ±iπ; error ~e^{−2π²/h}).
 * For γ ≤ 1 integrate over z ∈ [0, 12]; for γ > 1 substitute y = γz, k(γ) = ∫ σ'(y) φ(y/γ) dy over
 * y ∈ [0, min(40, 12γ)], so the integrand's width stays ~1 either way. The charts' flow overlay
 * tabulates it. Limits: k(γ) ≈ γ/4 as γ → 0, k(γ) → 1/√(2π) as γ → ∞.
 */
export function kFunction(gamma: number): number {
  if (!(gamma >= 0)) throw new RangeError(`k(γ) needs γ ≥ 0, got ${gamma}`);
  if (gamma === 0) return 0;
  if (gamma === Infinity) return INV_SQRT_2PI;
  const h = 0.1;
  let sum = 0;
  if (gamma <= 1) {
    sum = 0.5 * gamma * 0.25 * INV_SQRT_2PI; // f(0)/2, σ'(0) = 1/4
    for (let i = 1; i * h <= 12 + 1e-9; i++) {
      const z = i * h;
      sum += gamma * sigmoidPrime(gamma * z) * INV_SQRT_2PI * Math.exp(-0.5 * z * z);
    }
  } else {
    const half = Math.min(40, 12 * gamma);
    sum = 0.5 * 0.25 * INV_SQRT_2PI;
    for (let i = 1; i * h <= half + 1e-9; i++) {
      const y = i * h;
      const u = y / gamma;
      sum += sigmoidPrime(y) * INV_SQRT_2PI * Math.exp(-0.5 * u * u);
    }
  }
  return 2 * sum * h;
}

/**
 * Population gradient in whitened coordinates: returns ∇_v-form g = β (k(β‖v‖) v̂ − v̂_T/√(2π)),
 * so that ∇_w L = Σ^{1/2} g. `teacherDirection` must be unit.
 */
export function populationGradient(v: Float64Array, teacherDirection: Float64Array, beta: number, out: Float64Array): Float64Array {
  let n2 = 0;
  for (let j = 0; j < v.length; j++) n2 += v[j] * v[j];
  const norm = Math.sqrt(n2);
  const k = kFunction(beta * norm);
  for (let j = 0; j < v.length; j++) out[j] = beta * ((norm > 0 ? (k * v[j]) / norm : 0) - teacherDirection[j] * INV_SQRT_2PI);
  return out;
}

export interface FlowInput {
  /** Whitened initial student. */
  readonly student: Float64Array;
  /** Whitened unit teacher direction. */
  readonly teacherDirection: Float64Array;
  /** Whitened unit ground truth. */
  readonly groundTruth: Float64Array;
  /** Eigenvalues of Σ or null. */
  readonly spectrum: Float64Array | null;
  readonly beta: number;
  readonly learningRate: number;
  readonly steps: number;
  readonly recordEvery: number;
}

export interface FlowSeries {
  step: number[];
  inner: number[];
  norm: number[];
  cos: number[];
  accuracy: number[];
  agreement: number[];
}

/**
 * Euler discretisation of the population flow with step η, w_{t+1} = w_t − η ∇L(w_t): what SFT
 * becomes as B → ∞, step for step. In whitened coordinates v_{t+1} = v_t − η Σ g(v_t).
 * Any dimension; the isotropic random-teacher case needs only the 3-D frame (w*, f, h).
 */
export function populationFlow(input: FlowInput): FlowSeries {
  const { groundTruth, teacherDirection, spectrum, beta, learningRate, steps, recordEvery } = input;
  const v = Float64Array.from(input.student);
  const g = new Float64Array(v.length);
  const out: FlowSeries = { step: [], inner: [], norm: [], cos: [], accuracy: [], agreement: [] };
  const record = (t: number) => {
    let inner = 0;
    let n2 = 0;
    let it = 0;
    for (let j = 0; j < v.length; j++) {
      inner += v[j] * groundTruth[j];
      n2 += v[j] * v[j];
      it += v[j] * teacherDirection[j];
    }
    const norm = Math.sqrt(n2);
    const cos = norm > 0 ? inner / norm : 0;
    out.step.push(t);
    out.inner.push(inner);
    out.norm.push(norm);
    out.cos.push(cos);
    out.accuracy.push(accuracyFromCos(cos));
    out.agreement.push(accuracyFromCos(norm > 0 ? it / norm : 0));
  };
  record(0);
  for (let t = 1; t <= steps; t++) {
    populationGradient(v, teacherDirection, beta, g);
    for (let j = 0; j < v.length; j++) v[j] -= learningRate * (spectrum === null ? g[j] : spectrum[j] * g[j]);
    if (t % recordEvery === 0 || t === steps) record(t);
  }
  return out;
}
