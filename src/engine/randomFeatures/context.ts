/**
 * One random-features experiment's shared state (docs/random-features.md §1–2), built once per
 * process from (configuration, seed) and reused by its runs: the ground truth, the student's feature
 * map and pretrained head, the test, validation, pool and pretraining rows (and, head-only, their
 * features), and the teachers (each pretrained on first use, a few kept). Everything is drawn from
 * streams named by (seed, purpose, index) (rng.ts), so a run gives the same numbers in any process.
 */
import { fillNormal, uniformUnitVector } from '../distributions';
import { CEILING } from '../grid';
import { type DataLaw, RowSampler } from '../laws';
import { Rng, StreamKind } from '../rng';
import { teacherLabel } from '../sft/labels';
import type { RandomFeaturesConfig } from './config';
import { drawFeatureMap, type FeatureMap } from './featureMap';
import { type Kernels, TypeScriptKernels } from './kernels';
import {
  CHUNK_ROWS, type Dimensions, dimensionsOf, EVAL_HEADS, evenUp, persistentLayout, type PersistentLayout, pretrainLayout,
  type Region, runLayout, type RunLayout,
} from './layout';
import { WasmKernels } from './wasmKernels';

/** This setup's own stream purposes, numbered apart from rng.ts's StreamKind (1–9). */
export const FeatureStream = { studentFeatures: 33, teacherFeatures: 34 } as const;
type Purpose = StreamKind | (typeof FeatureStream)[keyof typeof FeatureStream];

export function streamOf(seed: number, purpose: Purpose, ...indices: number[]): Rng {
  return Rng.stream(seed, purpose as number as StreamKind, ...indices);
}

/** A teacher (or the ground truth, for the ceiling run) as the runs need it. */
export interface Teacher {
  /** The teacher's index, or CEILING. */
  readonly index: number;
  /** Its features and pretrained head; null for the ground truth. */
  readonly map: FeatureMap | null;
  readonly head: Float64Array | null;
  /** Its hard labels on the test rows. */
  readonly testLabels: Uint8Array;
  /** Its labels on the pool (label noise drawn once), or null without a pool. */
  readonly poolLabels: Float64Array | null;
  /** Its accuracy on the test rows. */
  readonly accuracy: number;
}

export interface ContextOptions {
  /** 'typescript': the reference kernels even where WebAssembly runs (for tests). */
  readonly kernels?: 'auto' | 'typescript';
}

/** Teachers kept pretrained at once (a worker runs a teacher's learning rates one after another). */
const TEACHERS_KEPT = 4;

function lawOf(config: RandomFeaturesConfig): DataLaw {
  const { law, nu } = config.data;
  if (law === 'product-uniform') return { kind: 'product-uniform' };
  return law === 'student-t' ? { kind: 'student-t', nu: nu as number, spectrum: null } : { kind: 'gaussian', spectrum: null };
}

export class RandomFeaturesContext {
  readonly dims: Dimensions;
  readonly kernels: Kernels;
  readonly law: DataLaw;
  readonly sampler: RowSampler;
  /** The unit ground truth w*: labels 1{⟨w*, x⟩ > 0}. */
  readonly groundTruth: Float64Array;
  readonly student: FeatureMap;
  /** The student's head after pretraining (padded). */
  readonly pretrainedHead: Float64Array;
  readonly persistent: PersistentLayout;
  /** The runs' scratch (one run steps at a time). */
  readonly scratch: RunLayout;
  readonly testTruth: Uint8Array;
  readonly validationTruth: Uint8Array | null;
  readonly poolTruth: Uint8Array | null;
  /** The pretrained student's labels on the test rows (what "changed" is measured against). */
  readonly initialTestLabels: Uint8Array;
  readonly initialTestAccuracy: number;
  private readonly teachers = new Map<number, Teacher>();
  /** The teacher whose first layer and head are in the scratch. */
  private slot: number | null = null;

  constructor(
    readonly config: RandomFeaturesConfig,
    readonly seed: number,
    options: ContextOptions = {},
  ) {
    this.dims = dimensionsOf(config);
    this.kernels = options.kernels === 'typescript' ? new TypeScriptKernels() : (WasmKernels.create() ?? new TypeScriptKernels());
    this.law = lawOf(config);
    this.sampler = new RowSampler(this.law, this.dims.d);
    const dims = this.dims;
    this.persistent = persistentLayout(dims);
    this.scratch = runLayout(dims, this.persistent.end);
    const pretrain = pretrainLayout(dims, this.persistent.end);
    this.kernels.memory.reserve(Math.max(this.scratch.end, pretrain.end));

    this.groundTruth = new Float64Array(dims.d);
    uniformUnitVector(streamOf(seed, StreamKind.groundTruth), this.groundTruth);
    const f = config.features;
    this.student = drawFeatureMap(streamOf(seed, FeatureStream.studentFeatures), dims.d, f.student, f.activation, f.rows);
    this.f64(this.persistent.studentFirstLayer).set(this.student.firstLayer);
    this.f64(this.persistent.studentCentre).set(this.student.centre);

    const p = this.persistent;
    this.testTruth = this.drawRows(p.testRows, dims.test, streamOf(seed, StreamKind.heldOut));
    this.validationTruth = dims.validation > 0 ? this.drawRows(p.validationRows, dims.validation, streamOf(seed, StreamKind.validation)) : null;
    this.poolTruth = dims.pool > 0 ? this.drawRows(p.poolRows, dims.pool, streamOf(seed, StreamKind.sftSet)) : null;
    const pretrainTruth = this.drawRows(p.pretrainRows, dims.pretrain, streamOf(seed, StreamKind.pretrainData));
    if (dims.headOnly) {
      this.studentFeatures(p.testRows, dims.test, p.testFeatures);
      if (dims.validation > 0) this.studentFeatures(p.validationRows, dims.validation, p.validationFeatures);
      if (dims.pool > 0) this.studentFeatures(p.poolRows, dims.pool, p.poolFeatures);
    }

    // The student: a ~ N(0, s² I), full-batch gradient descent on its pretraining points.
    this.studentFeatures(p.pretrainRows, dims.pretrain, pretrain.features);
    const head = this.f64(pretrain.head);
    const init = new Float64Array(f.student);
    fillNormal(streamOf(seed, StreamKind.student), init);
    for (let j = 0; j < f.student; j++) head[j] = config.pretrain.initStd * init[j];
    this.gradientDescent(pretrain.features, this.student, pretrainTruth, dims.pretrain, pretrain, config.pretrain.studentSteps);
    this.pretrainedHead = Float64Array.from(this.f64(pretrain.head));
    // The runs' scratch lies where pretraining worked: zero it, so that padding reads zeros.
    new Uint8Array(this.kernels.memory.buffer, this.persistent.end, this.scratch.end - this.persistent.end).fill(0);

    this.initialTestLabels = new Uint8Array(dims.test);
    this.predict('test', [this.pretrainedHead], this.persistent.studentFirstLayer, (start, rows, logits, stride) => {
      for (let r = 0; r < rows; r++) this.initialTestLabels[start + r] = this.student.logitScale * logits[r * stride] > 0 ? 1 : 0;
    });
    this.initialTestAccuracy = agreement(this.initialTestLabels, this.testTruth);
  }

  /** A view of a region of doubles (made afresh: the memory may have grown since). */
  f64(region: Region): Float64Array {
    return new Float64Array(this.kernels.memory.buffer, region.offset, region.length);
  }

  i32(region: Region): Int32Array {
    return new Int32Array(this.kernels.memory.buffer, region.offset, region.length);
  }

  /** Draw n rows of the data law into a region (row stride dp) and return their true labels. */
  private drawRows(region: Region, n: number, rng: Rng): Uint8Array {
    const { d, dp } = this.dims;
    const rows = this.f64(region);
    this.sampleRows(rng, rows, n);
    const labels = new Uint8Array(n);
    const w = this.groundTruth;
    for (let i = 0; i < n; i++) {
      const o = i * dp;
      let m = 0;
      for (let k = 0; k < d; k++) m += rows[o + k] * w[k];
      labels[i] = m > 0 ? 1 : 0;
    }
    return labels;
  }

  /**
   * n rows of the data law, row i at rows[i·dp …]: the law's own row order, in one fill of normals
   * when the rows are Gaussian and unpadded (the same numbers as row by row, faster).
   */
  sampleRows(rng: Rng, rows: Float64Array, n: number): void {
    const { d, dp } = this.dims;
    if (this.law.kind === 'gaussian' && d === dp) fillNormal(rng, rows, n * d);
    else for (let i = 0; i < n; i++) this.sampler.row(rng, rows, i * dp);
  }

  /** The student's initial features of n rows (row count padded to even; the pad row is zero). */
  studentFeatures(rows: Region, n: number, out: Region, firstLayer = this.persistent.studentFirstLayer.offset): void {
    const { d, dp, mpStudent: mp } = this.dims;
    const s = this.student;
    this.kernels.features(rows.offset, dp, 1, evenUp(n), d, firstLayer, mp, mp, out.offset, mp, s.activation.code, this.persistent.studentCentre.offset, s.activation.scale, 0);
  }

  /**
   * Full-batch gradient descent of the head in `buffers.head` on n rows' features with labels y:
   * a ← a − (η/n)·√(d/M)·Σ_i β(σ(β ℓ_i) − y_i) φ_i, `steps` times (pretrain.learningRate, β).
   */
  private gradientDescent(
    features: Region,
    map: FeatureMap,
    labels: Uint8Array,
    n: number,
    buffers: { head: Region; gradient: Region; labels: Region; rowIndices: Region; coefficients: Region },
    steps: number,
  ): void {
    const y = this.f64(buffers.labels);
    const index = this.i32(buffers.rowIndices);
    for (let i = 0; i < n; i++) {
      y[i] = labels[i];
      index[i] = i;
    }
    const step = (this.config.pretrain.learningRate / n) * map.logitScale;
    for (let s = 0; s < steps; s++) {
      this.kernels.headStep(features.offset, map.padded, buffers.rowIndices.offset, n, buffers.head.offset, buffers.labels.offset, this.config.beta, map.logitScale, buffers.gradient.offset, buffers.coefficients.offset);
      const a = this.f64(buffers.head);
      const g = this.f64(buffers.gradient);
      for (let j = 0; j < map.padded; j++) a[j] -= step * g[j];
    }
  }

  /**
   * The logits ⟨a, φ⟩ (before the factor √(d/M)) of up to EVAL_HEADS student heads on the test or
   * validation rows, one pass over the rows' features for all heads (head-only: stored; two-layer:
   * computed chunk by chunk with `firstLayer`). `visit` sees each chunk's logits, head h of row r at
   * logits[r·stride + h].
   */
  predict(
    set: 'test' | 'validation',
    heads: readonly Float64Array[],
    firstLayer: Region,
    visit: (start: number, rows: number, logits: Float64Array, stride: number) => void,
  ): void {
    const { d, dp, mpStudent: mp, headOnly } = this.dims;
    const count = heads.length;
    if (count < 1 || count > EVAL_HEADS) throw new RangeError(`predict: 1 to ${EVAL_HEADS} heads at a time, got ${count}`);
    const columns = Math.ceil(count / 8) * 8;
    const matrix = this.f64(this.scratch.heads);
    for (let h = 0; h < columns; h++) {
      const head = heads[h];
      for (let j = 0; j < mp; j++) matrix[j * EVAL_HEADS + h] = head === undefined ? 0 : head[j];
    }
    const p = this.persistent;
    const n = set === 'test' ? this.dims.test : this.dims.validation;
    const logits = set === 'test' ? p.testLogits : headOnly ? p.validationLogits : p.testLogits;
    if (headOnly) {
      const features = set === 'test' ? p.testFeatures : p.validationFeatures;
      this.kernels.gemm(features.offset, mp, 1, evenUp(n), mp, this.scratch.heads.offset, EVAL_HEADS, columns, logits.offset, EVAL_HEADS);
      visit(0, n, this.f64(logits), EVAL_HEADS);
      return;
    }
    const rows = set === 'test' ? p.testRows : p.validationRows;
    const s = this.student;
    for (let start = 0; start < n; start += CHUNK_ROWS) {
      const chunkRows = Math.min(CHUNK_ROWS, n - start);
      const chunk = this.scratch.chunkFeatures.offset;
      this.kernels.features(rows.offset + 8 * start * dp, dp, 1, evenUp(chunkRows), d, firstLayer.offset, mp, mp, chunk, mp, s.activation.code, p.studentCentre.offset, s.activation.scale, 0);
      this.kernels.gemm(chunk, mp, 1, evenUp(chunkRows), mp, this.scratch.heads.offset, EVAL_HEADS, columns, logits.offset, EVAL_HEADS);
      visit(start, chunkRows, this.f64(logits), EVAL_HEADS);
    }
  }

  /** Teacher j (or CEILING: the ground truth), pretrained on first use. */
  teacher(index: number): Teacher {
    const kept = this.teachers.get(index);
    if (kept !== undefined) {
      // Most recently used last.
      this.teachers.delete(index);
      this.teachers.set(index, kept);
      return kept;
    }
    const teacher = index === CEILING ? this.groundTruthTeacher() : this.pretrainTeacher(index);
    this.teachers.set(index, teacher);
    if (this.teachers.size > TEACHERS_KEPT) this.teachers.delete(this.teachers.keys().next().value as number);
    return teacher;
  }

  /** Put a teacher's first layer, centre and head in the scratch (where the batch labels read them). */
  loadTeacher(teacher: Teacher): void {
    if (this.slot === teacher.index || teacher.map === null || teacher.head === null) return;
    const s = this.scratch;
    this.f64(s.teacherFirstLayer).set(teacher.map.firstLayer);
    this.f64(s.teacherCentre).set(teacher.map.centre);
    const column = this.f64(s.teacherHeadColumn);
    column.fill(0);
    for (let j = 0; j < teacher.map.padded; j++) column[8 * j] = teacher.head[j];
    this.slot = teacher.index;
  }

  /** The loaded teacher's logits of n rows (row stride dp, n even) into a region of n × 8 (column 0). */
  teacherLogits(map: FeatureMap, rows: number, n: number, features: number, logits: number): void {
    const { d, dp, mpTeacher: mt } = this.dims;
    const s = this.scratch;
    this.kernels.features(rows, dp, 1, n, d, s.teacherFirstLayer.offset, mt, mt, features, mt, map.activation.code, s.teacherCentre.offset, map.activation.scale, 0);
    this.kernels.gemm(features, mt, 1, n, mt, s.teacherHeadColumn.offset, 8, 8, logits, 8);
  }

  /** The loaded teacher's margins √(d/M)·⟨a, φ(x)⟩ on n stored rows, chunk by chunk. */
  private teacherMargins(map: FeatureMap, rows: Region, n: number): Float64Array {
    const out = new Float64Array(n);
    const { dp } = this.dims;
    for (let start = 0; start < n; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, n - start);
      this.teacherLogits(map, rows.offset + 8 * start * dp, evenUp(count), this.scratch.chunkFeatures.offset, this.scratch.chunkLogits.offset);
      const logits = this.f64(this.scratch.chunkLogits);
      for (let r = 0; r < count; r++) out[start + r] = map.logitScale * logits[8 * r];
    }
    return out;
  }

  /** Labels on the pool with label noise drawn once per teacher (stream sftSet, teacher). */
  private poolLabels(index: number, margins: ArrayLike<number>): Float64Array {
    const rng = streamOf(this.seed, StreamKind.sftSet, index);
    const options = { softBeta: null, teacherNorm: 1, labelNoise: this.config.sft.labelNoise };
    return Float64Array.from(margins, (m) => teacherLabel(m, options, rng));
  }

  private groundTruthTeacher(): Teacher {
    let poolLabels: Float64Array | null = null;
    if (this.poolTruth !== null) poolLabels = this.poolLabels(CEILING, Array.from(this.poolTruth, (y) => (y === 1 ? 1 : -1)));
    return { index: CEILING, map: null, head: null, testLabels: this.testTruth, poolLabels, accuracy: 1 };
  }

  /** Teacher j: its own features and init, gradient descent on the first teacherPoints pretraining rows. */
  private pretrainTeacher(index: number): Teacher {
    const { config, seed, dims } = this;
    const f = config.features;
    const map = drawFeatureMap(streamOf(seed, FeatureStream.teacherFeatures, index), dims.d, f.teacher, f.activation, f.rows);
    const s = this.scratch;
    this.f64(s.teacherFirstLayer).set(map.firstLayer);
    this.f64(s.teacherCentre).set(map.centre);
    this.slot = null;
    const n = dims.teacherPretrain;
    this.kernels.features(this.persistent.pretrainRows.offset, dims.dp, 1, evenUp(n), dims.d, s.teacherFirstLayer.offset, map.padded, map.padded, s.teacherPretrainFeatures.offset, map.padded, map.activation.code, s.teacherCentre.offset, map.activation.scale, 0);
    const init = new Float64Array(f.teacher);
    fillNormal(streamOf(seed, StreamKind.teacher, index), init);
    const head = this.f64(s.teacherHead);
    head.fill(0);
    for (let j = 0; j < f.teacher; j++) head[j] = config.pretrain.initStd * init[j];
    const truth = this.pretrainLabels(n);
    this.gradientDescent(s.teacherPretrainFeatures, map, truth, n, { head: s.teacherHead, gradient: s.teacherGradient, labels: s.labels, rowIndices: s.rowIndices, coefficients: s.coefficients }, config.pretrain.teacherSteps);
    const teacher: Teacher = { index, map, head: Float64Array.from(this.f64(s.teacherHead)), testLabels: new Uint8Array(0), poolLabels: null, accuracy: 0 };
    this.loadTeacher(teacher);
    const testLabels = Uint8Array.from(this.teacherMargins(map, this.persistent.testRows, dims.test), (m) => (m > 0 ? 1 : 0));
    const poolLabels = dims.pool > 0 ? this.poolLabels(index, this.teacherMargins(map, this.persistent.poolRows, dims.pool)) : null;
    return { ...teacher, testLabels, poolLabels, accuracy: agreement(testLabels, this.testTruth) };
  }

  /** True labels of the first n pretraining rows. */
  private pretrainLabels(n: number): Uint8Array {
    const { d, dp } = this.dims;
    const rows = this.f64(this.persistent.pretrainRows);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let m = 0;
      for (let k = 0; k < d; k++) m += rows[i * dp + k] * this.groundTruth[k];
      out[i] = m > 0 ? 1 : 0;
    }
    return out;
  }
}

/** The fraction of positions where two label arrays agree. */
export function agreement(a: Uint8Array, b: Uint8Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) same += a[i] === b[i] ? 1 : 0;
  return same / a.length;
}
