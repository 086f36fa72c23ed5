/**
 * The context of one experiment: everything its runs share, derived from the spec alone and built
 * once per process — the ground truth, the data law and its whitening, held-out and validation
 * sets, the setups' initial states — and `buildRun`, which turns a run key into its SFT kernel on
 * the experiment's engine path (paths.ts). Every run is rebuilt from (spec, key) with its own
 * random stream (docs/spec.md §8), so results do not depend on which process computes it.
 */
import { accuracyFromCos } from './accuracy';
import { uniformUnitVector } from './distributions';
import { type Cell, CEILING, cellsOf, isRunKeyOf, type RunDescriptor, type RunKey } from './grid';
import { type DataLaw, isElliptical, sampleRows } from './laws';
import { PATHS, type RunStart } from './paths';
import { Rng, StreamKind } from './rng';
import { RandomTeacherSetup } from './setups/randomTeacher';
import { makePretrainData, type PretrainData, pretrainStudent, pretrainTeacher } from './setups/sharedPretraining';
import type { LabelOptions, ScaleMixture } from './sft/batch';
import type { FiniteSftSet } from './sft/dense';
import type { EnginePath, KernelCheckpoint, SftHyper, SftKernel } from './sft/kernel';
import { teacherLabel } from './sft/labels';
import { LabelledSample } from './sft/validation';
import { type ExperimentSpec, resolvePath } from './spec';
import { cellSpec, isSweep } from './sweep';
import { dot, unit } from './vectors';

export type { RunStart } from './paths';

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

/** Everything derived from the spec alone, shared by its runs; built once per process. */
export class ExperimentContext {
  readonly path: EnginePath;
  readonly law: DataLaw;
  readonly spectrum: Float64Array | null;
  readonly cells: Cell[];
  private groundTruthCache: Float64Array | null = null;
  private heldOutCache: LabelledSample | null = null;
  private pretrainDataCache: PretrainData | null = null;
  private pretrainedStudentCache: Float64Array | null = null;
  private readonly randomTeacher: RandomTeacherSetup;
  /** A sweep's points' own contexts (each a spec without a sweep), built when a run needs one. */
  private readonly points = new Map<number, { context: ExperimentContext; firstCell: number }>();

  constructor(readonly spec: ExperimentSpec) {
    this.path = resolvePath(spec);
    this.law = lawOf(spec);
    this.spectrum = spectrumValues(spec);
    this.cells = cellsOf(spec);
    this.randomTeacher = new RandomTeacherSetup(spec, () => this.groundTruth());
  }

  /**
   * The context that runs `key` and the key within it: a sweep's run is its point's run, built by
   * the point's own context (its d, β, seed…), at the cell's place among the point's cells. Without
   * a sweep, this context and the key itself.
   */
  locate(key: RunKey): { context: ExperimentContext; key: RunKey } {
    if (!isSweep(this.spec)) return { context: this, key };
    const cell = this.cells[key.cell];
    if (cell === undefined) throw new RangeError(`run key out of range: ${JSON.stringify(key)}`);
    let point = this.points.get(cell.point);
    if (point === undefined) {
      // A job's runs are consecutive: a few points at a time are enough to keep.
      if (this.points.size >= 16) this.points.clear();
      const firstCell = this.cells.findIndex((c) => c.point === cell.point);
      point = { context: new ExperimentContext(cellSpec(this.spec, cell)), firstCell };
      this.points.set(cell.point, point);
    }
    return { context: point.context, key: { ...key, cell: key.cell - point.firstCell } };
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
  explicitInit(key: RunKey): { student: Float64Array; teacher: Float64Array } {
    if (this.spec.setup === 'random-teacher') return this.randomTeacher.explicitInit(this.cells[key.cell], key);
    const student = this.toWhitened(this.pretrainedStudent());
    const teacher = key.teacher === CEILING ? Float64Array.from(this.groundTruth()) : this.toWhitened(this.pretrainedTeacher(key.teacher));
    return { student, teacher };
  }

  /**
   * How a run's teacher labels are made and, under the auxiliary-confidence loss, mixed (docs/spec.md
   * §11). The ceiling run (teacher CEILING) trains with cross-entropy whatever the loss, as Burns et
   * al.'s strong ceiling does, so that plain and aux-confidence experiments share their PGR ceiling.
   */
  labelOptions(teacherNorm: number, teacher = 0): LabelOptions {
    const soft = this.spec.sft.softLabels;
    const labels = { softBeta: soft === false ? null : soft.beta, teacherNorm, labelNoise: this.spec.sft.labelNoise };
    const loss = this.spec.sft.loss;
    if (loss === undefined || loss.kind === 'crossEntropy' || teacher === CEILING) return labels;
    return { ...labels, aux: { alpha: loss.alpha, warmup: loss.warmup, threshold: loss.threshold, ramp: loss.ramp, steps: this.spec.sft.steps } };
  }

  mixture(): ScaleMixture {
    return this.law.kind === 'student-t' ? { nu: this.law.nu } : null;
  }

  hyper(key: RunKey): SftHyper {
    return { beta: this.spec.beta, learningRate: this.spec.sft.learningRates[key.lr], batchSize: this.spec.sft.batchSize };
  }

  sftRng(key: RunKey): Rng {
    return key.teacher === CEILING
      ? Rng.stream(this.spec.seed, StreamKind.ceiling, key.lr)
      : Rng.stream(this.spec.seed, StreamKind.sft, key.teacher, key.lr);
  }

  validationSet(): LabelledSample | null {
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

  finiteSet(key: RunKey, teacher: Float64Array, labels: LabelOptions): FiniteSftSet | null {
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

  /** A run's start on this experiment's path: the reduced state directly where it can be, else explicit vectors. */
  runStart(key: RunKey): RunStart {
    if ((this.path === 'reduced' || this.path === 'preview') && this.spec.setup === 'random-teacher') {
      const { state, teacher, kappa } = this.randomTeacher.reducedStart(this.cells[key.cell], key);
      // As ReducedKernel.metrics computes it, so that gain = peakCos − initial cos exactly.
      const norm = Math.sqrt(state.alpha * state.alpha + state.b * state.b + state.rho * state.rho);
      const descriptor: RunDescriptor = {
        studentCos: state.alpha / norm,
        studentNorm: norm,
        studentAccuracy: accuracyFromCos(state.alpha / norm),
        teacherCos: teacher.cT,
        teacherAccuracy: accuracyFromCos(teacher.cT),
        kappa,
      };
      return { kind: 'reduced', state, teacher, descriptor, teacherNorm: key.teacher === CEILING ? 1 : this.spec.teachers.norm };
    }
    const { student, teacher } = this.explicitInit(key);
    return { kind: 'explicit', student, teacher, descriptor: this.describe(student, teacher), teacherNorm: Math.sqrt(dot(teacher, teacher)) };
  }

  /** The SFT kernel of a run, fresh or resumed from a checkpoint, and its descriptor. */
  buildRun(key: RunKey, checkpoint: KernelCheckpoint | null = null): { kernel: SftKernel; descriptor: RunDescriptor } {
    if (!isRunKeyOf(this.spec, key, this.cells.length)) throw new RangeError(`run key out of range: ${JSON.stringify(key)}`);
    if (isSweep(this.spec)) {
      const at = this.locate(key);
      return at.context.buildRun(at.key, checkpoint);
    }
    const start = this.runStart(key);
    return { kernel: PATHS[this.path](this, key, start, checkpoint), descriptor: start.descriptor };
  }
}
