/**
 * The exact projected path (docs/spec.md §4): Gaussian (or Student-t) data with diagonal covariance
 * Σ = diag(λ), fresh batches, O(B + d) a step.
 *
 * Whitened weights v = Σ^{1/2} w make the data isotropic: <w, x> = <v, g>. With u1 = v̂ and u2 the
 * unit part of v̂_T orthogonal to u1, Σ_i c_i g_i = S1 u1 + S2 u2 + √Q (I − u1u1ᵀ − u2u2ᵀ) ξ,
 * ξ ~ N(0, I_d), and the step is v' = v − (η/B) Σ (Σ_i c_i g_i). The ground truth is stored
 * whitened and unit, so <w, w*>_Σ = <v, v*> and ‖w‖_Σ = ‖v‖.
 *
 * It also serves isotropic data when the run needs explicit vectors (a validation set).
 */
import { fillNormal } from '../distributions';
import { Rng } from '../rng';
import { AuxBatch } from './auxBatch';
import { auxWeight } from './auxConfidence';
import { accumulateBatch, type LabelOptions, type ScaleMixture } from './batch';
import { type KernelCheckpoint, METRIC_COUNT, type SftHyper, type SftKernel } from './kernel';
import { accuracyFromCos } from '../accuracy';
import type { LabelledSample } from './validation';

export interface ProjectedProblem {
  /** Eigenvalues of Σ (length d), or null for Σ = I. */
  readonly spectrum: Float64Array | null;
  /** Whitened unit ground truth v* = Σ^{1/2} w* / ‖w*‖_Σ. */
  readonly groundTruth: Float64Array;
  /** Whitened unit teacher direction v̂_T. */
  readonly teacher: Float64Array;
}

export class ProjectedKernel implements SftKernel {
  readonly path = 'projected' as const;
  step: number;
  private readonly v: Float64Array;
  private readonly u1: Float64Array;
  private readonly u2: Float64Array;
  private readonly xi: Float64Array;
  private readonly normals: Float64Array;
  private readonly sums = new Float64Array(3);
  private auxBatch: AuxBatch | null = null;

  constructor(
    private readonly problem: ProjectedProblem,
    private readonly hyper: SftHyper,
    private readonly labels: LabelOptions,
    private readonly mixture: ScaleMixture,
    /** Whitened initial student v_0 (copied). */
    initial: Float64Array,
    private readonly rng: Rng,
    private readonly validation: LabelledSample | null = null,
    step = 0,
  ) {
    const d = problem.groundTruth.length;
    this.v = Float64Array.from(initial);
    this.u1 = new Float64Array(d);
    this.u2 = new Float64Array(d);
    this.xi = new Float64Array(d);
    this.normals = new Float64Array(2 * hyper.batchSize);
    this.step = step;
  }

  static restore(
    problem: ProjectedProblem,
    hyper: SftHyper,
    labels: LabelOptions,
    mixture: ScaleMixture,
    cp: KernelCheckpoint,
    validation: LabelledSample | null,
  ): ProjectedKernel {
    if (cp.path !== 'projected' || cp.state.length !== problem.groundTruth.length) {
      throw new Error('not a projected-path checkpoint of this dimension');
    }
    return new ProjectedKernel(
      problem, hyper, labels, mixture, Float64Array.from(cp.state), new Rng(cp.rng), validation, cp.step,
    );
  }

  advance(): void {
    const { v, u1, u2, xi } = this;
    const d = v.length;
    const teacher = this.problem.teacher;
    let norm2 = 0;
    for (let j = 0; j < d; j++) norm2 += v[j] * v[j];
    const norm = Math.sqrt(norm2);
    if (norm > 0) {
      for (let j = 0; j < d; j++) u1[j] = v[j] / norm;
    } else {
      u1.set(this.problem.groundTruth);
    }
    let p = 0;
    for (let j = 0; j < d; j++) p += teacher[j] * u1[j];
    let q2 = 0;
    for (let j = 0; j < d; j++) {
      u2[j] = teacher[j] - p * u1[j];
      q2 += u2[j] * u2[j];
    }
    let q = Math.sqrt(q2);
    if (q < 1e-12) {
      // Teacher parallel to the student: any unit u2 ⊥ u1 spans a valid frame.
      let k = 0;
      for (let j = 1; j < d; j++) if (Math.abs(u1[j]) < Math.abs(u1[k])) k = j;
      u2.fill(0);
      u2[k] = 1;
      const a = u1[k];
      let n2 = 0;
      for (let j = 0; j < d; j++) {
        u2[j] -= a * u1[j];
        n2 += u2[j] * u2[j];
      }
      const n = Math.sqrt(n2);
      for (let j = 0; j < d; j++) u2[j] /= n;
      q = 0;
    } else {
      for (let j = 0; j < d; j++) u2[j] /= q;
    }

    const { beta, learningRate, batchSize } = this.hyper;
    const sums = this.sums;
    const aux = this.labels.aux;
    const alphaT = aux === undefined || aux === null ? 0 : auxWeight(aux, this.step);
    if (aux !== undefined && aux !== null && alphaT > 0) {
      // The auxiliary-confidence loss (auxConfidence.ts): the same frame, coefficients toward its target.
      this.auxBatch ??= new AuxBatch(batchSize, this.labels, this.mixture);
      this.auxBatch.sums(this.rng, beta, norm, p, q, alphaT, aux.threshold, sums);
    } else {
      accumulateBatch(this.rng, this.normals, batchSize, beta, norm, p, q, this.labels, this.mixture, sums);
    }
    fillNormal(this.rng, xi, d);
    let a1 = 0;
    let a2 = 0;
    for (let j = 0; j < d; j++) {
      a1 += xi[j] * u1[j];
      a2 += xi[j] * u2[j];
    }
    const rootQ = Math.sqrt(sums[2]);
    const c1 = sums[0] - rootQ * a1;
    const c2 = sums[1] - rootQ * a2;
    const k = learningRate / batchSize;
    const spectrum = this.problem.spectrum;
    for (let j = 0; j < d; j++) {
      const g = c1 * u1[j] + c2 * u2[j] + rootQ * xi[j];
      v[j] -= k * (spectrum === null ? g : spectrum[j] * g);
    }
    this.step++;
  }

  metrics(out: Float64Array): void {
    const { v } = this;
    const { groundTruth, teacher } = this.problem;
    let inner = 0;
    let norm2 = 0;
    let innerTeacher = 0;
    for (let j = 0; j < v.length; j++) {
      inner += v[j] * groundTruth[j];
      norm2 += v[j] * v[j];
      innerTeacher += v[j] * teacher[j];
    }
    const norm = Math.sqrt(norm2);
    const cos = norm > 0 ? inner / norm : 0;
    out[0] = inner;
    out[1] = norm;
    out[2] = cos;
    out[3] = accuracyFromCos(cos);
    out[4] = accuracyFromCos(norm > 0 ? innerTeacher / norm : 0);
    out[METRIC_COUNT] = this.validation === null ? NaN : this.validation.accuracy(v);
  }

  isFinite(): boolean {
    for (let j = 0; j < this.v.length; j++) if (!Number.isFinite(this.v[j])) return false;
    return true;
  }

  checkpoint(): KernelCheckpoint {
    return { path: 'projected', step: this.step, state: Array.from(this.v), rng: this.rng.getState() };
  }
}
