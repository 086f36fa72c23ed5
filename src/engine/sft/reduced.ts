/**
 * The exact reduced path (docs/spec.md §3): isotropic Gaussian or Student-t data, fresh batches.
 *
 * The weights are w = α e1 + b f + ρ h with e1 = w*, f the unit part of w_T orthogonal to w*, and
 * h the unit residual; w_T = c_T e1 + s_T f. The triple (α, b, ρ) is a Markov chain with the law of
 * the same functionals of d-dimensional SGD. Per step, in the frame u1 = ŵ, u2 ⊥ u1 in span(w, w_T),
 * u3 = u1 × u2 (inside span(e1, f, h)):
 *   Σ c_i x_i = S1 u1 + S2 u2 + √Q (n3 u3 + χ_{d−3} · (a unit vector ⊥ e1, f, h)),
 * so a step costs 2B normals, one normal n3 and one χ²_{d−3} draw, whatever d is.
 */
import { chiSquare as importedChiSquare, normal as importedNormal } from '../distributions';
import { Rng } from '../rng';
import { AuxBatch } from './auxBatch';
import { auxWeight } from './auxConfidence';
import { accumulateBatch, type LabelOptions, type ScaleMixture } from './batch';
import { type KernelCheckpoint, METRIC_COUNT, type SftHyper, type SftKernel } from './kernel';
import { accuracyFromCos as importedAccuracyFromCos } from '../accuracy';

// Module-level aliases: under a CommonJS transform (tsx) each use of an import is a getter call.
const chiSquare = importedChiSquare;
const normal = importedNormal;
const accuracyFromCos = importedAccuracyFromCos;
const VALIDATION_SLOT = METRIC_COUNT;

/** Coordinates of the student in the frame (w*, f, h), ρ ≥ 0. */
export interface ReducedState {
  alpha: number;
  b: number;
  rho: number;
}

/** The teacher's direction in the same frame: w_T ∝ c_T e1 + s_T f. */
export interface ReducedTeacher {
  readonly cT: number;
  readonly sT: number;
}

export class ReducedKernel implements SftKernel {
  readonly path: 'reduced' | 'preview' = 'reduced';
  step: number;
  protected alpha: number;
  protected b: number;
  protected rho: number;
  private normals: Float64Array | null = null;
  private auxBatch: AuxBatch | null = null;
  private readonly sums = new Float64Array(3);

  constructor(
    protected readonly d: number,
    protected readonly hyper: SftHyper,
    protected readonly teacher: ReducedTeacher,
    protected readonly labels: LabelOptions,
    protected readonly mixture: ScaleMixture,
    initial: ReducedState,
    protected readonly rng: Rng,
    step = 0,
  ) {
    if (d < 3) throw new RangeError(`the reduced path needs d ≥ 3, got ${d}`);
    this.alpha = initial.alpha;
    this.b = initial.b;
    this.rho = initial.rho;
    this.step = step;
  }

  /** Resume from a checkpoint taken by `checkpoint()`. */
  static restore(
    d: number,
    hyper: SftHyper,
    teacher: ReducedTeacher,
    labels: LabelOptions,
    mixture: ScaleMixture,
    cp: KernelCheckpoint,
  ): ReducedKernel {
    if (cp.path !== 'reduced' || cp.state.length !== 3) throw new Error('not a reduced-path checkpoint');
    const [alpha, b, rho] = cp.state;
    return new ReducedKernel(d, hyper, teacher, labels, mixture, { alpha, b, rho }, new Rng(cp.rng), cp.step);
  }

  advance(): void {
    const { alpha, b, rho } = this;
    const { cT, sT } = this.teacher;
    const norm = Math.sqrt(alpha * alpha + b * b + rho * rho);
    // u1 = ŵ in (e1, f, h) coordinates; a zero student has no direction: take w* (any is exact in law
    // only up to this convention, and ‖w‖ = 0 is reached with probability 0 after step 0).
    let u1x = 1;
    let u1y = 0;
    let u1z = 0;
    if (norm > 0) {
      u1x = alpha / norm;
      u1y = b / norm;
      u1z = rho / norm;
    }
    const p = u1x * cT + u1y * sT;
    let u2x = cT - p * u1x;
    let u2y = sT - p * u1y;
    let u2z = -p * u1z;
    let q = Math.sqrt(u2x * u2x + u2y * u2y + u2z * u2z);
    if (q < 1e-12) {
      // Teacher parallel to the student: any unit u2 ⊥ u1 is a valid frame.
      [u2x, u2y, u2z] = orthogonalUnit(u1x, u1y, u1z);
      q = 0;
    } else {
      u2x /= q;
      u2y /= q;
      u2z /= q;
    }
    const u3x = u1y * u2z - u1z * u2y;
    const u3y = u1z * u2x - u1x * u2z;
    const u3z = u1x * u2y - u1y * u2x;

    const { learningRate, batchSize } = this.hyper;
    const sums = this.sums;
    this.batchSums(norm, p, q, sums);
    const s1 = sums[0];
    const s2 = sums[1];
    const rootQ = Math.sqrt(sums[2]);
    const n3 = normal(this.rng);
    const chi2 = this.d > 3 ? chiSquare(this.rng, this.d - 3) : 0;

    const k = learningRate / batchSize;
    const g3 = rootQ * n3;
    this.alpha = alpha - k * (s1 * u1x + s2 * u2x + g3 * u3x);
    this.b = b - k * (s1 * u1y + s2 * u2y + g3 * u3y);
    const along = rho - k * (s1 * u1z + s2 * u2z + g3 * u3z);
    this.rho = Math.sqrt(along * along + k * k * sums[2] * chi2);
    this.step++;
  }

  /**
   * The batch's sums [S1, S2, Q] = [Σ c g1, Σ c g2, Σ c²] in the frame (ŵ, u2) for a student of norm
   * `norm` and p = cos(w, w_T), q = √(1 − p²): B samples drawn and summed (the preview path
   * overrides this with a draw from the sums' exact mean and covariance). Under the
   * auxiliary-confidence loss with α_t > 0 the coefficients aim at its mixed target (auxConfidence.ts).
   */
  protected batchSums(norm: number, p: number, q: number, out: Float64Array): void {
    const { beta, batchSize } = this.hyper;
    const aux = this.labels.aux;
    const alphaT = aux === undefined || aux === null ? 0 : auxWeight(aux, this.step);
    if (aux !== undefined && aux !== null && alphaT > 0) {
      this.auxBatch ??= new AuxBatch(batchSize, this.labels, this.mixture);
      this.auxBatch.sums(this.rng, beta, norm, p, q, alphaT, aux.threshold, out);
      return;
    }
    this.normals ??= new Float64Array(2 * batchSize);
    accumulateBatch(this.rng, this.normals, batchSize, beta, norm, p, q, this.labels, this.mixture, out);
  }

  metrics(out: Float64Array): void {
    const norm = Math.sqrt(this.alpha * this.alpha + this.b * this.b + this.rho * this.rho);
    const cos = norm > 0 ? this.alpha / norm : 0;
    const cosTeacher = norm > 0 ? (this.alpha * this.teacher.cT + this.b * this.teacher.sT) / norm : 0;
    out[0] = this.alpha;
    out[1] = norm;
    out[2] = cos;
    out[3] = accuracyFromCos(cos);
    out[4] = accuracyFromCos(cosTeacher);
    out[VALIDATION_SLOT] = NaN;
  }

  isFinite(): boolean {
    return Number.isFinite(this.alpha) && Number.isFinite(this.b) && Number.isFinite(this.rho);
  }

  checkpoint(): KernelCheckpoint {
    return { path: this.path, step: this.step, state: [this.alpha, this.b, this.rho], rng: this.rng.getState() };
  }
}

/** A unit vector orthogonal to the unit vector (x, y, z). */
function orthogonalUnit(x: number, y: number, z: number): [number, number, number] {
  // Cross with the axis least aligned with (x, y, z).
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  const az = Math.abs(z);
  let v: [number, number, number];
  if (ax <= ay && ax <= az) v = [0, -z, y];
  else if (ay <= az) v = [z, 0, -x];
  else v = [-y, x, 0];
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}
