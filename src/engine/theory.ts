/**
 * Why the student improves (docs/spec.md §6). Along u = −∇L(w), with a = <w, w*> and w⊥ = w − a w*:
 *   d cos/dt = T1 + T2,  T1 = <u, w*> ‖w⊥‖² / ‖w‖³  (learning the teacher's knowledge of w*),
 *                        T2 = −a <w⊥, u⊥> / ‖w‖³     (unlearning the student's own error ⊥ w*).
 * For isotropic Gaussian data, θ the student's angle to w*, c_T = cos(w_T, w*), s_T = √(1 − c_T²),
 * κ = cos(w⊥, w_T⊥), the k terms cancel:
 *   d cos/dt |_{t=0} = β sin θ (c_T sin θ − s_T κ cos θ) / (√(2π) ‖w‖),
 * positive iff the teacher beats chance and κ < tan θ / tan θ_T (Theorem 1.1's two conditions).
 */
import { kFunction } from './flow';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export interface TheoryInput {
  /** cos(w_0, w*) in (−1, 1). */
  readonly studentCos: number;
  /** ‖w_0‖ > 0. */
  readonly studentNorm: number;
  /** cos(w_T, w*) in [−1, 1]. */
  readonly teacherCos: number;
  /** κ = cos(w⊥, w_T⊥) in [−1, 1]. */
  readonly kappa: number;
  readonly beta: number;
}

export interface TheoryResult {
  readonly T1: number;
  readonly T2: number;
  /** d cos/dt at t = 0 = T1 + T2. */
  readonly rate: number;
  /** k(β‖w‖) of the population gradient. */
  readonly k: number;
  readonly conditions: {
    /** c_T > 0. */
    readonly teacherBeatsChance: boolean;
    /**
     * The errors orthogonal to w* are not too aligned: s_T κ cos θ < c_T sin θ, i.e.
     * κ < tan θ / tan θ_T for a student and teacher better than chance.
     */
    readonly errorsNotTooAligned: boolean;
    /** tan θ / tan θ_T (Infinity when the teacher is perfect). */
    readonly kappaThreshold: number;
  };
  /** The theorem's prediction: the student's cosine to w* increases at t = 0. */
  readonly improves: boolean;
}

/** T1, T2 and the initial rate of the population flow for isotropic Gaussian data. */
export function theory(input: TheoryInput): TheoryResult {
  const { studentCos: c0, studentNorm: r, teacherCos: cT, kappa, beta } = input;
  const s0 = Math.sqrt(Math.max(0, 1 - c0 * c0));
  const sT = Math.sqrt(Math.max(0, 1 - cT * cT));
  const k = kFunction(beta * r);
  // Along u = −∇L = −β (k ŵ − ŵ_T/√(2π)) in the frame w = r (c0 e1 + s0 e2), ŵ_T = cT e1 + sT (κ e2 + …):
  const T1 = (-beta * (k * c0 - cT * INV_SQRT_2PI) * s0 * s0) / r;
  const T2 = (beta * c0 * s0 * (k * s0 - sT * kappa * INV_SQRT_2PI)) / r;
  const rate = (beta * s0 * (cT * s0 - sT * kappa * c0)) * INV_SQRT_2PI / r;
  const kappaThreshold = sT === 0 ? Infinity : c0 === 0 ? Infinity : (s0 * cT) / (c0 * sT);
  return {
    T1,
    T2,
    rate,
    k,
    conditions: {
      teacherBeatsChance: cT > 0,
      errorsNotTooAligned: sT * kappa * c0 < cT * s0,
      kappaThreshold,
    },
    improves: rate > 0,
  };
}

/**
 * The first result a double cannot hold for this input, as one line naming it and the inputs, or
 * null. T1, T2 and the rate scale as β / ‖w₀‖: in-range extremes (‖w₀‖ = 1e-300, β = 1e308)
 * overflow to ±Infinity.
 */
export function theoryOverflow(input: TheoryInput, result: TheoryResult): string | null {
  for (const field of ['T1', 'T2', 'rate', 'k'] as const) {
    const value = result[field];
    if (Number.isFinite(value)) continue;
    return (
      `${field} is ${value} for studentNorm ${input.studentNorm} and beta ${input.beta}: the rates scale as beta / studentNorm ` +
      `(${input.beta / input.studentNorm}), beyond what a double holds (${Number.MAX_VALUE.toPrecision(3)}); use a larger studentNorm or a smaller beta`
    );
  }
  return null;
}
