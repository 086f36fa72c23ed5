/**
 * An experiment as a set of independent runs (docs/spec.md §7–8): cells (initial norm × teacher accuracy)
 * × teachers × learning rates, plus one ground-truth "ceiling" run per cell and learning rate.
 * Every run is rebuilt from (spec, key) alone, with its own random stream, so results do not
 * depend on which process computes it or in what order.
 *
 * Common random numbers: the student's direction and teacher j's direction orthogonal to w* are
 * the same in every cell (only norms and accuracies change), and so is the SGD stream of
 * (teacher j, learning rate k), which makes differences between cells less noisy.
 */
import { sphereCoordinate, uniformUnitVector } from './distributions';
import { type DataLaw, isElliptical, sampleRows } from './laws';
import { Rng, StreamKind } from './rng';
import type { LabelOptions, ScaleMixture } from './sft/batch';
import { teacherLabel } from './sft/labels';
import { DenseKernel, type DenseProblem, type FiniteSftSet } from './sft/dense';
import { type EnginePath, type KernelCheckpoint, type SftHyper, type SftKernel } from './sft/kernel';
import { accuracyFromCos, cosFromAccuracy } from './accuracy';
import { ProjectedKernel, type ProjectedProblem } from './sft/projected';
import { PreviewKernel } from './sft/preview';
import { ReducedKernel, type ReducedState, type ReducedTeacher } from './sft/reduced';
import { LabelledSample } from './sft/validation';
import { pretrainStudent, pretrainTeacher, type PretrainData, makePretrainData } from './setups/sharedPretraining';
import { type ExperimentSpec, resolvePath } from './spec';

/** The ceiling run's teacher index: SFT on ground-truth labels (teacher = w*). */
export const CEILING = -1;

/** One run: a cell, a teacher (or CEILING), a learning-rate index. */
export interface RunKey {
  readonly cell: number;
  readonly teacher: number;
  readonly lr: number;
}

/** One point of the grid of initial norms × teacher accuracies (random teacher; one cell otherwise). */
export interface Cell {
  readonly index: number;
  /** Target initial norm (random teacher), or null when the student comes from pretraining. */
  readonly norm: number | null;
  /** Target teacher accuracy (random teacher), or null when teachers come from pretraining. */
  readonly teacherAccuracy: number | null;
}

/** What is known of a run's student and teacher before SFT. */
export interface RunDescriptor {
  readonly studentCos: number;
  readonly studentNorm: number;
  readonly studentAccuracy: number;
  /** cos_Σ(w_T, w*). */
  readonly teacherCos: number;
  readonly teacherAccuracy: number;
  /** κ = cos(w⊥, w_T⊥): alignment of the student's and teacher's errors orthogonal to w*. */
  readonly kappa: number;
}

export function cellsOf(spec: ExperimentSpec): Cell[] {
  if (spec.setup === 'shared-pretraining') return [{ index: 0, norm: null, teacherAccuracy: null }];
  const cells: Cell[] = [];
  for (const norm of spec.student.norm) {
    for (const teacherAccuracy of spec.teachers.accuracy) cells.push({ index: cells.length, norm, teacherAccuracy });
  }
  return cells;
}

/** Every run of the experiment, in a fixed order: cell, then teacher (ceiling first), then learning rate. */
export function runKeys(spec: ExperimentSpec): RunKey[] {
  const keys: RunKey[] = [];
  const lrs = spec.sft.learningRates.length;
  for (const cell of cellsOf(spec)) {
    const first = spec.sft.ceiling ? CEILING : 0;
    for (let teacher = first; teacher < spec.teachers.count; teacher++) {
      for (let lr = 0; lr < lrs; lr++) keys.push({ cell: cell.index, teacher, lr });
    }
  }
  return keys;
}

/** Samples drawn by a whole experiment, for the builder's estimate (batches only). */
export function samplesToDraw(spec: ExperimentSpec): number {
  return runKeys(spec).length * spec.sft.steps * spec.sft.batchSize;
}

function lawOf(spec: ExperimentSpec): DataLaw {
  const { data } = spec;
  if (data.law === 'product-uniform') return { kind: 'product-uniform' };
  const spectrum = spectrumValues(spec);
  return data.law === 'student-t' ? { kind: 'student-t', nu: data.nu as number, spectrum } : { kind: 'gaussian', spectrum };
}

/** Eigenvalues of Σ, or null when isotropic. A power law λ_i ∝ i^{-a} is scaled to trace d. */
export function spectrumValues(spec: ExperimentSpec): Float64Array | null {
  const { spectrum, d } = spec.data;
  if (spectrum === 'isotropic') return null;
  if (Array.isArray(spectrum)) return Float64Array.from(spectrum);
  const values = Float64Array.from({ length: d }, (_, i) => Math.pow(i + 1, -spectrum.powerLaw));
  const mean = values.reduce((a, b) => a + b, 0) / d;
  return values.map((x) => x / mean);
}

function unit(v: Float64Array): Float64Array {
  let n2 = 0;
  for (let j = 0; j < v.length; j++) n2 += v[j] * v[j];
  const n = Math.sqrt(n2);
  return v.map((x) => x / n);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

/** A uniform unit vector orthogonal to the unit vector `axis`. */
function uniformOrthogonal(rng: Rng, axis: Float64Array): Float64Array {
  const z = new Float64Array(axis.length);
  for (;;) {
    uniformUnitVector(rng, z);
    const a = dot(z, axis);
    for (let j = 0; j < z.length; j++) z[j] -= a * axis[j];
    let n2 = 0;
    for (let j = 0; j < z.length; j++) n2 += z[j] * z[j];
    if (n2 > 1e-20) return unit(z);
  }
}

/** Vectors of a run in whitened coordinates (v = Σ^{1/2} w). */
interface ExplicitInit {
  readonly student: Float64Array;
  /** Teacher weights: Σ-norm = the teacher's norm. */
  readonly teacher: Float64Array;
}

/** Everything derived from the spec alone, shared by its runs; built once per process. */
export class ExperimentContext {
  readonly path: EnginePath;
  readonly law: DataLaw;
  readonly spectrum: Float64Array | null;
  readonly cells: Cell[];
  private groundTruthCache: Float64Array | null = null;
  private heldOutCache: LabelledSample | null = null;
  private studentDirectionCache: Float64Array | null = null;
  private pretrainDataCache: PretrainData | null = null;
  private pretrainedStudentCache: Float64Array | null = null;
  private readonly teacherCache = new Map<number, Float64Array>();

  constructor(readonly spec: ExperimentSpec) {
    this.path = resolvePath(spec);
    this.law = lawOf(spec);
    this.spectrum = spectrumValues(spec);
    this.cells = cellsOf(spec);
  }

  get d(): number {
    return this.spec.data.d;
  }

  /** Whitened unit ground truth v* (any direction; random by default). */
  groundTruth(): Float64Array {
    if (this.groundTruthCache === null) {
      const given = this.spec.data.groundTruth;
      let v: Float64Array;
      if (given === 'random') {
        v = new Float64Array(this.d);
        uniformUnitVector(Rng.stream(this.spec.seed, StreamKind.groundTruth), v);
      } else {
        const root = this.spectrum?.map(Math.sqrt) ?? null;
        v = Float64Array.from(given, (x, j) => (root === null ? x : root[j] * x));
      }
      this.groundTruthCache = unit(v);
    }
    return this.groundTruthCache;
  }

  /** Held-out rows labelled by the ground truth (non-elliptical laws). */
  heldOut(): LabelledSample | null {
    if (isElliptical(this.law)) return null;
    if (this.heldOutCache === null) {
      const n = this.spec.data.heldOutSize;
      const points = new Float64Array(n * this.d);
      sampleRows(this.law, Rng.stream(this.spec.seed, StreamKind.heldOut), points, n, this.d);
      const empty = new LabelledSample(points, new Uint8Array(n), this.d);
      this.heldOutCache = empty.relabel(this.toOriginal(this.groundTruth()));
    }
    return this.heldOutCache;
  }

  /** w = Σ^{-1/2} v. */
  toOriginal(v: Float64Array): Float64Array {
    const s = this.spectrum;
    return s === null ? Float64Array.from(v) : v.map((x, j) => x / Math.sqrt(s[j]));
  }

  /** v = Σ^{1/2} w. */
  toWhitened(w: Float64Array): Float64Array {
    const s = this.spectrum;
    return s === null ? Float64Array.from(w) : w.map((x, j) => x * Math.sqrt(s[j]));
  }

  /** Accuracy of original-coordinate weights w against the ground truth. */
  accuracyOf(w: Float64Array): number {
    const held = this.heldOut();
    if (held !== null) return held.accuracy(w);
    return accuracyFromCos(this.cosOf(this.toWhitened(w)));
  }

  /** cos_Σ(w, w*) for whitened v. */
  cosOf(v: Float64Array): number {
    const n = Math.sqrt(dot(v, v));
    return n > 0 ? dot(v, this.groundTruth()) / n : 0;
  }

  private studentDirection(): Float64Array {
    if (this.studentDirectionCache === null) {
      this.studentDirectionCache = uniformOrthogonal(Rng.stream(this.spec.seed, StreamKind.student), this.groundTruth());
    }
    return this.studentDirectionCache;
  }

  private teacherDirection(teacher: number): Float64Array {
    let f = this.teacherCache.get(teacher);
    if (f === undefined) {
      f = uniformOrthogonal(Rng.stream(this.spec.seed, StreamKind.teacher, teacher), this.groundTruth());
      this.teacherCache.set(teacher, f);
    }
    return f;
  }

  private pretrainData(): PretrainData {
    if (this.pretrainDataCache === null) {
      this.pretrainDataCache = makePretrainData(this.spec, this.law, this.toOriginal(this.groundTruth()));
    }
    return this.pretrainDataCache;
  }

  /** The shared-pretraining student, original coordinates. */
  pretrainedStudent(): Float64Array {
    if (this.pretrainedStudentCache === null) this.pretrainedStudentCache = pretrainStudent(this.spec, this.pretrainData());
    return this.pretrainedStudentCache;
  }

  /** Teacher j of the shared-pretraining setup, original coordinates (not cached: cheap, many). */
  pretrainedTeacher(teacher: number): Float64Array {
    return pretrainTeacher(this.spec, this.pretrainData(), teacher);
  }

  /** Student and teacher of a run in whitened coordinates. */
  explicitInit(key: RunKey): ExplicitInit {
    const vStar = this.groundTruth();
    if (this.spec.setup === 'shared-pretraining') {
      const student = this.toWhitened(this.pretrainedStudent());
      const teacher = key.teacher === CEILING ? Float64Array.from(vStar) : this.toWhitened(this.pretrainedTeacher(key.teacher));
      return { student, teacher };
    }
    const cell = this.cells[key.cell];
    const c0 = cosFromAccuracy(this.spec.student.accuracy);
    const s0 = Math.sqrt(Math.max(0, 1 - c0 * c0));
    const r = cell.norm as number;
    const u = this.studentDirection();
    const student = vStar.map((x, j) => r * (c0 * x + s0 * u[j]));
    let teacher: Float64Array;
    if (key.teacher === CEILING) {
      teacher = Float64Array.from(vStar);
    } else {
      const cT = cosFromAccuracy(cell.teacherAccuracy as number);
      const sT = Math.sqrt(Math.max(0, 1 - cT * cT));
      const f = this.teacherDirection(key.teacher);
      teacher = vStar.map((x, j) => cT * x + sT * f[j]);
    }
    const scale = this.spec.teachers.norm;
    return { student, teacher: teacher.map((x) => x * scale) };
  }

  /** The reduced path's initial state for the random-teacher setup (docs/spec.md §3), no vectors needed. */
  private reducedRandomTeacher(key: RunKey): { state: ReducedState; cT: number; sT: number; kappa: number } {
    const cell = this.cells[key.cell];
    const c0 = cosFromAccuracy(this.spec.student.accuracy);
    const s0 = Math.sqrt(Math.max(0, 1 - c0 * c0));
    const r = cell.norm as number;
    if (key.teacher === CEILING) {
      // Teacher = w*: f may be any unit vector ⊥ w*; take the student's own residual direction.
      return { state: { alpha: r * c0, b: r * s0, rho: 0 }, cT: 1, sT: 0, kappa: 1 };
    }
    const cT = cosFromAccuracy(cell.teacherAccuracy as number);
    const sT = Math.sqrt(Math.max(0, 1 - cT * cT));
    // t = <u, f> with u, f uniform on the unit sphere of w*⊥ ≅ R^{d-1}.
    const t = sphereCoordinate(Rng.stream(this.spec.seed, StreamKind.teacher, key.teacher), this.d - 1);
    return { state: { alpha: r * c0, b: r * s0 * t, rho: r * s0 * Math.sqrt(1 - t * t) }, cT, sT, kappa: t };
  }

  private labelOptions(teacherNorm: number): LabelOptions {
    const soft = this.spec.sft.softLabels;
    return { softBeta: soft === false ? null : soft.beta, teacherNorm, labelNoise: this.spec.sft.labelNoise };
  }

  private mixture(): ScaleMixture {
    return this.law.kind === 'student-t' ? { nu: this.law.nu } : null;
  }

  hyper(key: RunKey): SftHyper {
    return { beta: this.spec.beta, learningRate: this.spec.sft.learningRates[key.lr], batchSize: this.spec.sft.batchSize };
  }

  private sftRng(key: RunKey): Rng {
    return key.teacher === CEILING
      ? Rng.stream(this.spec.seed, StreamKind.ceiling, key.lr)
      : Rng.stream(this.spec.seed, StreamKind.sft, key.teacher, key.lr);
  }

  private validationSet(): LabelledSample | null {
    if (this.spec.sft.earlyStopping !== 'validation') return null;
    const n = this.spec.sft.validationSize;
    const rng = Rng.stream(this.spec.seed, StreamKind.validation);
    const points = new Float64Array(n * this.d);
    if (this.path === 'projected') {
      // Whitened rows: the projected path holds v, and <v, g> = <w, x> up to a positive scale.
      sampleRows({ kind: 'gaussian', spectrum: null }, rng, points, n, this.d);
      return new LabelledSample(points, new Uint8Array(n), this.d).relabel(this.groundTruth());
    }
    sampleRows(this.law, rng, points, n, this.d);
    return new LabelledSample(points, new Uint8Array(n), this.d).relabel(this.toOriginal(this.groundTruth()));
  }

  private finiteSet(key: RunKey, teacher: Float64Array, labels: LabelOptions): FiniteSftSet | null {
    const n = this.spec.sft.finiteSet;
    if (n === null) return null;
    // One set per teacher, shared by its learning rates (and the ceiling has its own).
    const rng = Rng.stream(this.spec.seed, StreamKind.sftSet, key.teacher);
    const points = new Float64Array(n * this.d);
    sampleRows(this.law, rng, points, n, this.d);
    const y = new Float64Array(n);
    for (let i = 0, o = 0; i < n; i++, o += this.d) {
      let t = 0;
      for (let j = 0; j < this.d; j++) t += points[o + j] * teacher[j];
      y[i] = teacherLabel(t, labels, rng);
    }
    return { points, labels: y, size: n };
  }

  /** Describe a run's student and teacher from whitened vectors. */
  private describe(student: Float64Array, teacherWhitened: Float64Array): RunDescriptor {
    const vStar = this.groundTruth();
    const studentNorm = Math.sqrt(dot(student, student));
    const teacherNorm = Math.sqrt(dot(teacherWhitened, teacherWhitened));
    const studentCos = dot(student, vStar) / studentNorm;
    const teacherCos = dot(teacherWhitened, vStar) / teacherNorm;
    const sPerp = student.map((x, j) => x - studentCos * studentNorm * vStar[j]);
    const tPerp = teacherWhitened.map((x, j) => x - teacherCos * teacherNorm * vStar[j]);
    const np = Math.sqrt(dot(sPerp, sPerp));
    const tp = Math.sqrt(dot(tPerp, tPerp));
    const kappa = np > 0 && tp > 0 ? dot(sPerp, tPerp) / (np * tp) : 0;
    const held = this.heldOut();
    return {
      studentCos,
      studentNorm,
      studentAccuracy: held === null ? accuracyFromCos(studentCos) : held.accuracy(this.toOriginal(student)),
      teacherCos,
      teacherAccuracy: held === null ? accuracyFromCos(teacherCos) : held.accuracy(this.toOriginal(teacherWhitened)),
      kappa,
    };
  }

  /**
   * The SFT kernel of a run, fresh or resumed from a checkpoint, and its descriptor.
   */
  buildRun(key: RunKey, checkpoint: KernelCheckpoint | null = null): { kernel: SftKernel; descriptor: RunDescriptor } {
    this.checkKey(key);
    const hyper = this.hyper(key);
    const reduced = this.path === 'reduced' || this.path === 'preview';
    if (reduced && this.spec.setup === 'random-teacher') {
      const { state, cT, sT, kappa } = this.reducedRandomTeacher(key);
      // As ReducedKernel.metrics computes it, so that gain = peakCos − initial cos exactly.
      const norm = Math.sqrt(state.alpha * state.alpha + state.b * state.b + state.rho * state.rho);
      const descriptor: RunDescriptor = {
        studentCos: state.alpha / norm,
        studentNorm: norm,
        studentAccuracy: accuracyFromCos(state.alpha / norm),
        teacherCos: cT,
        teacherAccuracy: accuracyFromCos(cT),
        kappa,
      };
      const labels = this.labelOptions(key.teacher === CEILING ? 1 : this.spec.teachers.norm);
      const kernel = this.reducedKernel(key, hyper, { cT, sT }, labels, state, checkpoint);
      return { kernel, descriptor };
    }

    const init = this.explicitInit(key);
    const descriptor = this.describe(init.student, init.teacher);
    const teacherNorm = Math.sqrt(dot(init.teacher, init.teacher));
    const labels = this.labelOptions(teacherNorm);
    if (reduced) {
      // Pretrained vectors (isotropic): project onto the frame (w*, f, h) of docs/spec.md §3.
      const vStar = this.groundTruth();
      const cT = descriptor.teacherCos;
      const sT = Math.sqrt(Math.max(0, 1 - cT * cT));
      const alpha = dot(init.student, vStar);
      let b = 0;
      if (sT > 1e-12) {
        const f = init.teacher.map((x, j) => (x / teacherNorm - cT * vStar[j]) / sT);
        b = dot(init.student, f);
      }
      const rho = Math.sqrt(Math.max(0, dot(init.student, init.student) - alpha * alpha - b * b));
      const kernel = this.reducedKernel(key, hyper, { cT, sT }, labels, { alpha, b, rho }, checkpoint);
      return { kernel, descriptor };
    }
    if (this.path === 'projected') {
      const problem: ProjectedProblem = {
        spectrum: this.spectrum,
        groundTruth: this.groundTruth(),
        teacher: unit(init.teacher),
      };
      const validation = this.validationSet();
      const kernel =
        checkpoint === null
          ? new ProjectedKernel(problem, hyper, labels, this.mixture(), init.student, this.sftRng(key), validation)
          : ProjectedKernel.restore(problem, hyper, labels, this.mixture(), checkpoint, validation);
      return { kernel, descriptor };
    }
    const teacherOriginal = this.toOriginal(init.teacher);
    const heldOut = this.heldOut();
    const problem: DenseProblem = {
      law: this.law,
      d: this.d,
      groundTruth: this.toOriginal(this.groundTruth()),
      teacher: teacherOriginal,
      heldOut,
      heldOutTeacher: heldOut === null ? null : heldOut.relabel(teacherOriginal),
      finiteSet: this.finiteSet(key, teacherOriginal, labels),
    };
    const validation = this.validationSet();
    const kernel =
      checkpoint === null
        ? new DenseKernel(problem, hyper, labels, this.toOriginal(init.student), this.sftRng(key), validation)
        : DenseKernel.restore(problem, hyper, labels, checkpoint, validation);
    return { kernel, descriptor };
  }

  /** The reduced path's chain (docs/spec.md §3), exact or, on the preview path, with drawn batch sums. */
  private reducedKernel(key: RunKey, hyper: SftHyper, teacher: ReducedTeacher, labels: LabelOptions, state: ReducedState, checkpoint: KernelCheckpoint | null): SftKernel {
    if (this.path === 'preview') {
      return checkpoint === null
        ? new PreviewKernel(this.d, hyper, teacher, labels, state, this.sftRng(key))
        : PreviewKernel.restore(this.d, hyper, teacher, labels, null, checkpoint);
    }
    return checkpoint === null
      ? new ReducedKernel(this.d, hyper, teacher, labels, this.mixture(), state, this.sftRng(key))
      : ReducedKernel.restore(this.d, hyper, teacher, labels, this.mixture(), checkpoint);
  }

  private checkKey(key: RunKey): void {
    const ok =
      Number.isInteger(key.cell) && key.cell >= 0 && key.cell < this.cells.length &&
      Number.isInteger(key.teacher) && key.teacher >= (this.spec.sft.ceiling ? CEILING : 0) && key.teacher < this.spec.teachers.count &&
      Number.isInteger(key.lr) && key.lr >= 0 && key.lr < this.spec.sft.learningRates.length;
    if (!ok) throw new RangeError(`run key out of range: ${JSON.stringify(key)}`);
  }
}
