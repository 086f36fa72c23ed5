/**
 * One SFT run of the random-features setup (docs/random-features.md §2): the pretrained student's
 * head (and, with `train: 'both'`, its first layer at γ·η) trained by SGD on the teacher's hard labels
 * (label noise as sft.labelNoise), a fresh batch each step or B rows of the pool in shuffled epochs;
 * metrics on the test rows at the recorded steps only (steps 0, k, 2k, …, T).
 *
 * Evaluation is deferred (head-only): the heads of recorded steps wait, up to EVAL_HEADS of them, and
 * are evaluated together in one pass over the test features, when the buffer is full, when the run
 * ends, or when a checkpoint or the series is asked for. Each head's logits are the same sums
 * whenever that happens, so the series does not depend on it, nor on how `advance` is called.
 */
import { columnRange } from '../columns';
import { CEILING, type RunKey } from '../grid';
import { recordedLength, type RunStatus } from '../run';
import { Rng, type RngState, StreamKind } from '../rng';
import { teacherLabel } from '../sft/labels';
import { agreement, type RandomFeaturesContext, streamOf, type Teacher } from './context';
import { EVAL_HEADS, evenUp, type Region } from './layout';

/** The recorded series: the step numbers and one array per metric, all of one length. */
export type RandomFeaturesSeries = {
  step: Float64Array;
  /** Accuracy against the ground truth on the test rows. */
  accuracy: Float64Array;
  /** Agreement with the teacher's labels on the test rows. */
  agreement: Float64Array;
  /** ‖a‖ (Euclidean, over the M_s head weights). */
  headNorm: Float64Array;
  /**
   * Fraction of test rows whose label differs from the pretrained student's. A changed row is right
   * now and wrong before or the reverse, so with gain g the paired standard error of g is √((changed − g²)/N).
   */
  changed: Float64Array;
  /** Accuracy on the validation rows (early stopping 'validation' only). */
  validation?: Float64Array;
  /** ‖F − F₀‖_F / ‖F₀‖_F (train 'both' only). */
  firstLayerShift?: Float64Array;
};

/** What is known of a run before SFT, measured on the test rows. */
export interface RandomFeaturesDescriptor {
  readonly studentAccuracy: number;
  readonly teacherAccuracy: number;
  /** The pretrained student's agreement with the teacher. */
  readonly agreement: number;
  readonly testPoints: number;
}

/** A run's checkpoint: from it the run continues to the same series bit for bit. */
export interface RandomFeaturesCheckpoint {
  readonly setup: 'random-features';
  readonly step: number;
  readonly recorded: number;
  /** The head a (padded to M_s rounded up to 8). */
  readonly head: number[];
  /** F/√d transposed, d (even) × M_s (padded) (train 'both'). */
  readonly firstLayer?: number[];
  /** The pool's epoch order and the position in it. */
  readonly order?: number[];
  readonly position?: number;
  readonly rng: RngState;
}

/** Heads beyond this norm have overflowed for any practical purpose (as run.ts's OVERFLOW_NORM). */
const OVERFLOW_NORM = 1e100;

interface Pending {
  readonly step: number;
  readonly head: Float64Array;
  readonly norm: number;
}

export class RandomFeaturesRun {
  readonly series: RandomFeaturesSeries;
  readonly totalSteps: number;
  readonly descriptor: RandomFeaturesDescriptor;
  step: number;
  recorded = 0;
  status: RunStatus = 'running';
  private readonly teacher: Teacher;
  private readonly head: Float64Array;
  private readonly firstLayer: Float64Array | null;
  private readonly rng: Rng;
  private readonly order: Int32Array | null;
  private position: number;
  private pending: Pending[] = [];
  private readonly learningRate: number;

  private constructor(
    readonly context: RandomFeaturesContext,
    readonly key: RunKey,
    state: { step: number; head: Float64Array; firstLayer: Float64Array | null; rng: Rng; order: Int32Array | null; position: number },
  ) {
    const { config, dims } = context;
    if (!(Number.isInteger(key.teacher) && key.teacher >= (config.sft.ceiling ? CEILING : 0) && key.teacher < config.teachers.count && Number.isInteger(key.lr) && key.lr >= 0 && key.lr < config.sft.learningRates.length && key.cell === 0)) {
      throw new RangeError(`run key out of range: ${JSON.stringify(key)}`);
    }
    this.totalSteps = config.sft.steps;
    this.learningRate = config.sft.learningRates[key.lr];
    this.teacher = context.teacher(key.teacher);
    this.step = state.step;
    this.head = state.head;
    this.firstLayer = state.firstLayer;
    this.rng = state.rng;
    this.order = state.order;
    this.position = state.position;
    const n = recordedLength(config.sft.steps, config.sft.recordEvery);
    this.series = {
      step: new Float64Array(n),
      accuracy: new Float64Array(n),
      agreement: new Float64Array(n),
      headNorm: new Float64Array(n),
      changed: new Float64Array(n),
      ...(dims.validation > 0 ? { validation: new Float64Array(n) } : {}),
      ...(dims.headOnly ? {} : { firstLayerShift: new Float64Array(n) }),
    };
    this.descriptor = {
      studentAccuracy: context.initialTestAccuracy,
      teacherAccuracy: this.teacher.accuracy,
      agreement: agreement(context.initialTestLabels, this.teacher.testLabels),
      testPoints: dims.test,
    };
  }

  /** A new run at step 0 (the pretrained student recorded). */
  static start(context: RandomFeaturesContext, key: RunKey): RandomFeaturesRun {
    const { dims, seed } = context;
    const rng = key.teacher === CEILING ? streamOf(seed, StreamKind.ceiling, key.lr) : streamOf(seed, StreamKind.sft, key.teacher, key.lr);
    const order = dims.pool > 0 ? Int32Array.from({ length: dims.pool }, (_, i) => i) : null;
    const run = new RandomFeaturesRun(context, key, {
      step: 0,
      head: Float64Array.from(context.pretrainedHead),
      firstLayer: dims.headOnly ? null : Float64Array.from(context.student.firstLayer),
      rng,
      order,
      position: dims.pool, // shuffle before the first batch
    });
    run.load();
    run.queueRecord();
    return run;
  }

  /** Continue from a checkpoint; `seriesSoFar` holds at least its `recorded` points (the rest is overwritten). */
  static resume(context: RandomFeaturesContext, key: RunKey, checkpoint: RandomFeaturesCheckpoint, seriesSoFar: Partial<RandomFeaturesSeries>): RandomFeaturesRun {
    const { dims } = context;
    const cp = checkpoint;
    const bad = (why: string) => new RangeError(`not a checkpoint of this random-features run: ${why}`);
    if (cp.setup !== 'random-features') throw bad(`setup is ${String(cp.setup)}`);
    if (cp.head.length !== dims.mpStudent) throw bad(`head has ${cp.head.length} numbers, not ${dims.mpStudent}`);
    if ((cp.firstLayer?.length ?? 0) !== (dims.headOnly ? 0 : dims.dp * dims.mpStudent)) throw bad('first layer of the wrong size');
    if ((cp.order?.length ?? 0) !== dims.pool) throw bad('pool order of the wrong size');
    if (!(Number.isInteger(cp.step) && cp.step >= 0 && cp.step <= context.config.sft.steps)) throw bad(`step ${cp.step}`);
    // A checkpoint may come from a store or a file: indices that would read outside the pool's
    // features, or records past the series' end, are refused here rather than read.
    const capacity = recordedLength(context.config.sft.steps, context.config.sft.recordEvery);
    if (!(Number.isInteger(cp.recorded) && cp.recorded >= 1 && cp.recorded <= capacity)) throw bad(`recorded ${cp.recorded}, not an integer in [1, ${capacity}]`);
    if (cp.order !== undefined) {
      const seen = new Uint8Array(dims.pool);
      for (const i of cp.order) {
        if (!(Number.isInteger(i) && i >= 0 && i < dims.pool) || seen[i] === 1) throw bad(`pool order is not a permutation of 0…${dims.pool - 1}`);
        seen[i] = 1;
      }
      const position = cp.position;
      if (!(position !== undefined && Number.isInteger(position) && position >= 0 && position <= dims.pool)) throw bad(`pool position ${String(position)}, not an integer in [0, ${dims.pool}]`);
    }
    const run = new RandomFeaturesRun(context, key, {
      step: cp.step,
      head: Float64Array.from(cp.head),
      firstLayer: cp.firstLayer === undefined ? null : Float64Array.from(cp.firstLayer),
      rng: new Rng(cp.rng),
      order: cp.order === undefined ? null : Int32Array.from(cp.order),
      position: cp.position ?? 0,
    });
    const n = cp.recorded;
    for (const name of Object.keys(run.series) as (keyof RandomFeaturesSeries)[]) {
      const source = seriesSoFar[name];
      if (source === undefined || source.length < n) throw new Error(`resume: series '${name}' has fewer than ${n} points`);
      (run.series[name] as Float64Array).set(source.subarray(0, n));
    }
    run.recorded = n;
    if (run.step >= run.totalSteps) run.status = 'done';
    return run;
  }

  get done(): boolean {
    return this.status !== 'running';
  }

  /** Take up to `maxSteps` SGD steps (fewer at the end or on divergence); returns the steps taken. */
  advance(maxSteps: number): number {
    if (this.status !== 'running') return 0;
    const { context } = this;
    const { recordEvery } = context.config.sft;
    this.load();
    const head = context.f64(context.scratch.head);
    let taken = 0;
    while (taken < maxSteps && this.status === 'running') {
      this.sgdStep();
      taken++;
      this.step++;
      let norm2 = 0;
      for (let j = 0; j < head.length; j++) norm2 += head[j] * head[j];
      if (!(Math.sqrt(norm2) < OVERFLOW_NORM)) {
        this.status = 'diverged';
        break;
      }
      const last = this.step >= this.totalSteps;
      if (this.step % recordEvery === 0 || last) this.queueRecord();
      if (last) this.status = 'done';
    }
    this.head.set(head);
    if (this.firstLayer !== null) this.firstLayer.set(context.f64(context.scratch.firstLayer));
    if (this.status !== 'running') this.flush();
    return taken;
  }

  /** Run to the end. */
  complete(): this {
    while (!this.done) this.advance(this.totalSteps);
    return this;
  }

  /** Evaluate the heads waiting for it and record them. */
  flush(): void {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    const counts = this.evaluate(pending.map((p) => p.head), null);
    pending.forEach((p, h) => this.record(p.step, counts, h, p.norm, NaN));
  }

  checkpoint(): RandomFeaturesCheckpoint {
    this.flush();
    return {
      setup: 'random-features',
      step: this.step,
      recorded: this.recorded,
      head: Array.from(this.head),
      ...(this.firstLayer === null ? {} : { firstLayer: Array.from(this.firstLayer) }),
      ...(this.order === null ? {} : { order: Array.from(this.order), position: this.position }),
      rng: this.rng.getState(),
    };
  }

  /** The recorded part of the series (views, not copies), waiting heads evaluated first. */
  recordedSeries(): RandomFeaturesSeries {
    this.flush();
    return columnRange(this.series, 0, this.recorded);
  }

  /** Put this run's head (and first layer) and its teacher in the context's scratch. */
  private load(): void {
    const { context } = this;
    const s = context.scratch;
    context.f64(s.head).set(this.head);
    if (this.firstLayer !== null) context.f64(s.firstLayer).set(this.firstLayer);
    context.loadTeacher(this.teacher);
  }

  /** The current step's record: waits for evaluation (head-only), or is evaluated now (two-layer). */
  private queueRecord(): void {
    const { context } = this;
    const head = Float64Array.from(context.f64(context.scratch.head));
    let norm2 = 0;
    for (let j = 0; j < head.length; j++) norm2 += head[j] * head[j];
    if (this.firstLayer === null) {
      this.pending.push({ step: this.step, head, norm: Math.sqrt(norm2) });
      if (this.pending.length === EVAL_HEADS) this.flush();
      return;
    }
    const counts = this.evaluate([head], context.scratch.firstLayer);
    this.record(this.step, counts, 0, Math.sqrt(norm2), this.firstLayerShift());
  }

  /** ‖F − F₀‖_F / ‖F₀‖_F of the first layer in the scratch. */
  private firstLayerShift(): number {
    const { context } = this;
    const now = context.f64(context.scratch.firstLayer);
    const initial = context.student.firstLayer;
    let moved = 0;
    let size = 0;
    for (let i = 0; i < initial.length; i++) {
      moved += (now[i] - initial[i]) ** 2;
      size += initial[i] * initial[i];
    }
    return Math.sqrt(moved / size);
  }

  /** Per head: correct, agreeing and changed test rows, and correct validation rows. */
  private evaluate(heads: Float64Array[], firstLayer: Region | null): { correct: number[]; agree: number[]; changed: number[]; valid: number[] } {
    const { context } = this;
    const layer = firstLayer ?? context.persistent.studentFirstLayer;
    const cm = context.student.logitScale;
    const count = heads.length;
    const correct = new Array<number>(count).fill(0);
    const agree = new Array<number>(count).fill(0);
    const changed = new Array<number>(count).fill(0);
    const valid = new Array<number>(count).fill(0);
    const truth = context.testTruth;
    const teacher = this.teacher.testLabels;
    const initial = context.initialTestLabels;
    context.predict('test', heads, layer, (start, rows, logits, stride) => {
      for (let r = 0; r < rows; r++) {
        const i = start + r;
        for (let h = 0; h < count; h++) {
          const label = cm * logits[r * stride + h] > 0 ? 1 : 0;
          correct[h] += label === truth[i] ? 1 : 0;
          agree[h] += label === teacher[i] ? 1 : 0;
          changed[h] += label === initial[i] ? 0 : 1;
        }
      }
    });
    const validationTruth = context.validationTruth;
    if (validationTruth !== null) {
      context.predict('validation', heads, layer, (start, rows, logits, stride) => {
        for (let r = 0; r < rows; r++) {
          for (let h = 0; h < count; h++) valid[h] += (cm * logits[r * stride + h] > 0 ? 1 : 0) === validationTruth[start + r] ? 1 : 0;
        }
      });
    }
    return { correct, agree, changed, valid };
  }

  private record(step: number, counts: ReturnType<RandomFeaturesRun['evaluate']>, h: number, norm: number, shift: number): void {
    const i = this.recorded;
    const s = this.series;
    const n = this.context.dims.test;
    s.step[i] = step;
    s.accuracy[i] = counts.correct[h] / n;
    s.agreement[i] = counts.agree[h] / n;
    s.changed[i] = counts.changed[h] / n;
    s.headNorm[i] = norm;
    if (s.validation !== undefined) s.validation[i] = counts.valid[h] / this.context.dims.validation;
    if (s.firstLayerShift !== undefined) s.firstLayerShift[i] = shift;
    this.recorded++;
  }

  /** One SGD step (docs/random-features.md §2) on the state in the scratch. */
  private sgdStep(): void {
    const { context, rng } = this;
    const { config, dims, kernels, student, scratch: s } = context;
    const { d, dp, batch: B, mpStudent: mp, headOnly } = dims;
    const labels = context.f64(s.labels);
    const index = context.i32(s.rowIndices);
    const firstLayer = headOnly ? context.persistent.studentFirstLayer : s.firstLayer;
    let features = s.batchFeatures;
    if (this.order !== null) {
      const pool = this.teacher.poolLabels as Float64Array;
      for (let i = 0; i < B; i++) {
        if (this.position >= this.order.length) this.shuffle();
        const row = this.order[this.position++];
        index[i] = row;
        labels[i] = pool[row];
      }
      if (headOnly) {
        features = context.persistent.poolFeatures;
      } else {
        const rows = context.f64(s.batchRows);
        const poolRows = context.f64(context.persistent.poolRows);
        for (let i = 0; i < B; i++) {
          rows.set(poolRows.subarray(index[i] * dp, index[i] * dp + dp), i * dp);
          index[i] = i;
        }
      }
    } else {
      const rows = context.f64(s.batchRows);
      context.sampleRows(rng, rows, B);
      const options = { softBeta: null, teacherNorm: 1, labelNoise: config.sft.labelNoise };
      const map = this.teacher.map;
      if (map === null) {
        const w = context.groundTruth;
        for (let i = 0; i < B; i++) {
          let m = 0;
          for (let k = 0; k < d; k++) m += rows[i * dp + k] * w[k];
          labels[i] = teacherLabel(m, options, rng);
        }
      } else {
        context.teacherLogits(map, s.batchRows.offset, evenUp(B), s.batchTeacherFeatures.offset, s.batchTeacherLogits.offset);
        const logits = context.f64(s.batchTeacherLogits);
        for (let i = 0; i < B; i++) labels[i] = teacherLabel(map.logitScale * logits[8 * i], options, rng);
      }
      for (let i = 0; i < B; i++) index[i] = i;
    }
    if (features === s.batchFeatures) {
      kernels.features(s.batchRows.offset, dp, 1, evenUp(B), d, firstLayer.offset, mp, mp, s.batchFeatures.offset, mp, student.activation.code, context.persistent.studentCentre.offset, student.activation.scale, headOnly ? 0 : s.batchPreactivations.offset);
    }
    const cm = student.logitScale;
    kernels.headStep(features.offset, mp, s.rowIndices.offset, B, s.head.offset, s.labels.offset, config.beta, cm, s.gradient.offset, s.coefficients.offset);
    if (!headOnly) {
      // ∂ℓ_i/∂(F/√d)_jk = c_i·√(d/M)·s·a_j·σ'(z_ij)·x_ik, with a before this step's update.
      kernels.delta(s.batchPreactivations.offset, mp, B, s.coefficients.offset, s.head.offset, cm * student.activation.scale, student.activation.code, s.batchDelta.offset);
      kernels.gemm(s.batchRows.offset, 1, dp, dp, B, s.batchDelta.offset, mp, mp, s.firstLayerGradient.offset, mp);
      // SGD on F at γη is SGD on F/√d at γη/d.
      const rate = (config.features.firstLayerRate * this.learningRate) / (d * B);
      const layer = context.f64(s.firstLayer);
      const g = context.f64(s.firstLayerGradient);
      for (let i = 0; i < d * mp; i++) layer[i] -= rate * g[i];
    }
    const a = context.f64(s.head);
    const g = context.f64(s.gradient);
    const step = (this.learningRate / B) * cm;
    for (let j = 0; j < mp; j++) a[j] -= step * g[j];
  }

  /** A new epoch of the pool: Fisher–Yates shuffle (as the dense path's finite set). */
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
}
