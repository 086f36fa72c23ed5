/**
 * The dense path: Definition 1.1 literally, with explicit d-dimensional samples, O(B·d) a step.
 * It serves what the exact reductions cannot (finite reused SFT sets, non-elliptical laws, d < 3)
 * and is the reference the reduced and projected paths are tested against. Under the
 * auxiliary-confidence loss (docs/spec.md §11) a step holds its whole batch, to find τ among its margins.
 */
import { type DataLaw, innerSigma, isElliptical, RowSampler, spectrumOf } from '../laws';
import { Rng } from '../rng';
import { sigmoid } from '../sigmoid';
import type { LabelOptions } from './batch';
import { adaptiveThreshold, auxWeight } from './auxConfidence';
import { teacherLabel } from './labels';
import { type KernelCheckpoint, METRIC_COUNT, type SftHyper, type SftKernel } from './kernel';
import { accuracyFromCos } from '../accuracy';
import type { LabelledSample } from './validation';

/** A finite SFT set reused for epochs (docs/spec.md §1 variant), with its teacher labels fixed once. */
export interface FiniteSftSet {
  readonly points: Float64Array;
  /** Teacher labels (hard 0/1 or soft in [0, 1]), noise included. */
  readonly labels: Float64Array;
  readonly size: number;
}

export interface DenseProblem {
  readonly law: DataLaw;
  readonly d: number;
  /** Ground truth, unit in the Σ-norm. */
  readonly groundTruth: Float64Array;
  /** Teacher weights: their direction gives hard labels, their scale enters soft labels. */
  readonly teacher: Float64Array;
  /** For non-elliptical laws: held-out rows labelled by the ground truth. */
  readonly heldOut: LabelledSample | null;
  /** The same rows labelled by the teacher. */
  readonly heldOutTeacher: LabelledSample | null;
  /** Reused SFT set, or null for fresh batches. */
  readonly finiteSet: FiniteSftSet | null;
}


export class DenseKernel implements SftKernel {
  readonly path = 'dense' as const;
  step: number;
  private readonly w: Float64Array;
  private readonly gradient: Float64Array;
  /** One fresh sample at a time: it stays in L1 while it is used three times. */
  private readonly row: Float64Array;
  private readonly sampler: RowSampler;
  /** The finite-set rows of the current batch. */
  private readonly batchIndices: Int32Array;
  /** Finite-set epoch order and position in it (part of the checkpoint). */
  private readonly order: Int32Array | null;
  private position: number;
  private readonly teacherNorm: number;
  /** Auxiliary-confidence scratch: the fresh batch's rows, its margins ⟨w, x_i⟩, teacher labels and a copy to select in. */
  private aux: { rows: Float64Array; margins: Float64Array; labels: Float64Array; scratch: Float64Array } | null = null;

  constructor(
    private readonly problem: DenseProblem,
    private readonly hyper: SftHyper,
    private readonly labels: LabelOptions,
    initial: Float64Array,
    private readonly rng: Rng,
    private readonly validation: LabelledSample | null = null,
    step = 0,
    order: Int32Array | null = null,
    position = 0,
  ) {
    const d = problem.d;
    this.w = Float64Array.from(initial);
    this.gradient = new Float64Array(d);
    const rows = problem.finiteSet === null ? hyper.batchSize : Math.min(hyper.batchSize, problem.finiteSet.size);
    this.row = new Float64Array(d);
    this.sampler = new RowSampler(problem.law, d);
    this.batchIndices = new Int32Array(problem.finiteSet === null ? 0 : rows);
    this.step = step;
    this.teacherNorm = Math.sqrt(innerSigma(problem.teacher, problem.teacher, spectrumOf(problem.law)));
    if (problem.finiteSet !== null) {
      this.order = order ?? Int32Array.from({ length: problem.finiteSet.size }, (_, i) => i);
      this.position = order === null ? problem.finiteSet.size : position; // reshuffle before the first batch
    } else {
      this.order = null;
      this.position = 0;
    }
  }

  static restore(
    problem: DenseProblem,
    hyper: SftHyper,
    labels: LabelOptions,
    cp: KernelCheckpoint,
    validation: LabelledSample | null,
  ): DenseKernel {
    const d = problem.d;
    if (cp.path !== 'dense' || cp.state.length < d) throw new Error('not a dense-path checkpoint of this dimension');
    const w = Float64Array.from(cp.state.slice(0, d));
    let order: Int32Array | null = null;
    let position = 0;
    if (problem.finiteSet !== null) {
      position = cp.state[d];
      order = Int32Array.from(cp.state.slice(d + 1));
    }
    return new DenseKernel(problem, hyper, labels, w, new Rng(cp.rng), validation, cp.step, order, position);
  }

  advance(): void {
    const { finiteSet } = this.problem;
    const { beta, learningRate } = this.hyper;
    const { gradient, batchIndices } = this;
    gradient.fill(0);
    const aux = this.labels.aux;
    const alphaT = aux === undefined || aux === null ? 0 : auxWeight(aux, this.step);
    if (aux !== undefined && aux !== null && alphaT > 0) {
      this.applyStep(learningRate / this.auxGradient(beta, alphaT, aux.threshold));
    } else if (finiteSet === null) {
      const rows = this.hyper.batchSize;
      for (let i = 0; i < rows; i++) this.freshSample(beta);
      this.applyStep(learningRate / rows);
    } else {
      const rows = batchIndices.length;
      const order = this.order as Int32Array;
      for (let i = 0; i < rows; i++) {
        if (this.position >= finiteSet.size) this.shuffle();
        batchIndices[i] = order[this.position++];
      }
      this.accumulate(finiteSet.points, finiteSet.labels, rows, beta);
      this.applyStep(learningRate / rows);
    }
    this.step++;
  }

  /** The batch's rows: fresh ones (drawn and labelled in freshSample's order) or the finite set's next ones. */
  private auxBatch(): { rows: Float64Array; offsets: (i: number) => number; n: number } {
    const { d, finiteSet, teacher } = this.problem;
    const n = finiteSet === null ? this.hyper.batchSize : this.batchIndices.length;
    this.aux ??= { rows: new Float64Array(finiteSet === null ? n * d : 0), margins: new Float64Array(n), labels: new Float64Array(n), scratch: new Float64Array(n) };
    const { rows, margins, labels } = this.aux;
    const w = this.w;
    if (finiteSet === null) {
      for (let i = 0, o = 0; i < n; i++, o += d) {
        this.sampler.row(this.rng, rows, o);
        let m = 0;
        let t = 0;
        for (let j = 0; j < d; j++) {
          m += rows[o + j] * w[j];
          t += rows[o + j] * teacher[j];
        }
        margins[i] = m;
        labels[i] = teacherLabel(t, this.labels, this.rng);
      }
      return { rows, offsets: (i) => i * d, n };
    }
    const order = this.order as Int32Array;
    for (let i = 0; i < n; i++) {
      if (this.position >= finiteSet.size) this.shuffle();
      this.batchIndices[i] = order[this.position++];
    }
    for (let i = 0; i < n; i++) {
      const o = this.batchIndices[i] * d;
      let m = 0;
      for (let j = 0; j < d; j++) m += finiteSet.points[o + j] * w[j];
      margins[i] = m;
      labels[i] = finiteSet.labels[this.batchIndices[i]];
    }
    return { rows: finiteSet.points, offsets: (i) => this.batchIndices[i] * d, n };
  }

  /**
   * gradient = Σ_i β (σ(β m_i) − q_i) x_i with q_i = (1 − α_t) y_i + α_t 1{m_i > τ}, m_i = ⟨w, x_i⟩,
   * τ = 0 or the adaptive batch quantile (auxConfidence.ts); returns the batch's size.
   */
  private auxGradient(beta: number, alphaT: number, threshold: 'fixed' | 'adaptive'): number {
    const { d } = this.problem;
    const { rows, offsets, n } = this.auxBatch();
    const { margins, labels, scratch } = this.aux as NonNullable<DenseKernel['aux']>;
    let tau = 0;
    if (threshold === 'adaptive') {
      let labelSum = 0;
      for (let i = 0; i < n; i++) labelSum += labels[i];
      scratch.set(margins);
      tau = adaptiveThreshold(scratch, n, labelSum);
    }
    const gradient = this.gradient;
    for (let i = 0; i < n; i++) {
      const m = margins[i];
      const target = (1 - alphaT) * labels[i] + alphaT * (m > tau ? 1 : 0);
      const c = beta * (sigmoid(beta * m) - target);
      const o = offsets(i);
      for (let j = 0; j < d; j++) gradient[j] += c * rows[o + j];
    }
    return n;
  }

  /** Draw one fresh sample, label it by the teacher (hard, noisy or soft) and add its gradient term. */
  private freshSample(beta: number): void {
    const { d, teacher } = this.problem;
    const { w, gradient, row } = this;
    this.sampler.row(this.rng, row);
    let m = 0;
    let t = 0;
    for (let j = 0; j < d; j++) {
      m += row[j] * w[j];
      t += row[j] * teacher[j];
    }
    const y = teacherLabel(t, this.labels, this.rng);
    const c = beta * (sigmoid(beta * m) - y);
    for (let j = 0; j < d; j++) gradient[j] += c * row[j];
  }

  /** gradient = Σ_i β (σ(β <w, x_i>) − y_i) x_i over the finite-set rows listed in `batchIndices`. */
  private accumulate(rows: Float64Array, labels: Float64Array, n: number, beta: number): void {
    const { d } = this.problem;
    const { w, gradient, batchIndices } = this;
    for (let i = 0; i < n; i++) {
      const row = batchIndices[i];
      const o = row * d;
      let m = 0;
      for (let j = 0; j < d; j++) m += rows[o + j] * w[j];
      const y = labels[row];
      const c = beta * (sigmoid(beta * m) - y);
      for (let j = 0; j < d; j++) gradient[j] += c * rows[o + j];
    }
  }

  private applyStep(scale: number): void {
    const { w, gradient } = this;
    for (let j = 0; j < w.length; j++) w[j] -= scale * gradient[j];
  }

  /** A new epoch: Fisher–Yates shuffle of the finite set. */
  private shuffle(): void {
    const order = this.order as Int32Array;
    for (let i = order.length - 1; i > 0; i--) {
      const k = this.rng.below(i + 1);
      const tmp = order[i];
      order[i] = order[k];
      order[k] = tmp;
    }
    this.position = 0;
  }

  metrics(out: Float64Array): void {
    const { law, groundTruth, teacher, heldOut, heldOutTeacher } = this.problem;
    const spectrum = spectrumOf(law);
    const w = this.w;
    const inner = innerSigma(w, groundTruth, spectrum);
    const norm = Math.sqrt(innerSigma(w, w, spectrum));
    const cos = norm > 0 ? inner / norm : 0;
    out[0] = inner;
    out[1] = norm;
    out[2] = cos;
    if (isElliptical(law)) {
      out[3] = accuracyFromCos(cos);
      const cosTeacher = norm > 0 ? innerSigma(w, teacher, spectrum) / (norm * this.teacherNorm) : 0;
      out[4] = accuracyFromCos(cosTeacher);
    } else {
      out[3] = heldOut === null ? NaN : heldOut.accuracy(w);
      out[4] = heldOutTeacher === null ? NaN : heldOutTeacher.accuracy(w);
    }
    out[METRIC_COUNT] = this.validation === null ? NaN : this.validation.accuracy(w);
  }

  isFinite(): boolean {
    for (let j = 0; j < this.w.length; j++) if (!Number.isFinite(this.w[j])) return false;
    return true;
  }

  checkpoint(): KernelCheckpoint {
    const state = Array.from(this.w);
    if (this.order !== null) {
      state.push(this.position);
      for (let i = 0; i < this.order.length; i++) state.push(this.order[i]);
    }
    return { path: 'dense', step: this.step, state, rng: this.rng.getState() };
  }
}
