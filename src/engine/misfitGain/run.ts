/**
 * One strong-student run of the misfit–gain setup (docs/random-features.md §7): θ = U_s c from c = 0,
 * SGD with the squared loss on the weak model's outputs ⟨θ_w, x⟩ (the ceiling: on true targets), a
 * fresh batch each step from the run's stream (seed, sft, teacher, learning rate); the population
 * error, misfit and gain at the recorded steps, and the validation error when early stopping uses it.
 */
import { columnRange } from '../columns';
import { CEILING, type RunKey } from '../grid';
import { recordedLength, type RunStatus } from '../run';
import { Rng, type RngState, StreamKind } from '../rng';
import { type MisfitGainContext, type PopulationPoint, sgdStep, streamOf, type WeakTeacher } from './context';

export type MisfitGainSeries = {
  step: Float64Array;
  /** ‖θ − θ*‖²_Σ. */
  error: Float64Array;
  /** ‖θ − θ_w‖²_Σ. */
  misfit: Float64Array;
  /** ‖θ_w − θ*‖²_Σ − ‖θ − θ*‖²_Σ. */
  gain: Float64Array;
  /** Mean squared error against true targets on the validation rows (early stopping 'validation'). */
  validation?: Float64Array;
};

export interface MisfitGainDescriptor {
  /** ‖θ_w − θ*‖²_Σ. */
  readonly weakError: number;
  /** The population strong fit θ_sw = P_s θ_w. */
  readonly population: PopulationPoint;
  /** ‖θ* − P_s θ*‖²_Σ. */
  readonly targetOutside: number;
}

export interface MisfitGainCheckpoint {
  readonly setup: 'misfit-gain';
  readonly step: number;
  readonly recorded: number;
  /** c, the coordinates of θ in U_s. */
  readonly coordinates: number[];
  readonly rng: RngState;
}

const OVERFLOW = 1e100;

export class MisfitGainRun {
  readonly series: MisfitGainSeries;
  readonly totalSteps: number;
  readonly descriptor: MisfitGainDescriptor;
  step: number;
  recorded = 0;
  status: RunStatus = 'running';
  private readonly teacher: WeakTeacher;
  private readonly rows: Float64Array;
  private readonly hyper: { beta: number; learningRate: number; batchSize: number };

  private constructor(
    readonly context: MisfitGainContext,
    readonly key: RunKey,
    private readonly coordinates: Float64Array,
    private readonly rng: Rng,
    step: number,
  ) {
    const { config } = context;
    if (!(key.cell === 0 && Number.isInteger(key.teacher) && key.teacher >= (config.sft.ceiling ? CEILING : 0) && key.teacher < config.teachers.count && Number.isInteger(key.lr) && key.lr >= 0 && key.lr < config.sft.learningRates.length)) {
      throw new RangeError(`run key out of range: ${JSON.stringify(key)}`);
    }
    if (coordinates.length !== config.strong.dimension) throw new RangeError(`a strong model has ${config.strong.dimension} coordinates, not ${coordinates.length}`);
    this.teacher = context.teacher(key.teacher);
    this.totalSteps = config.sft.steps;
    this.step = step;
    this.rows = new Float64Array(config.sft.batchSize * config.data.d);
    this.hyper = { beta: config.beta, learningRate: config.sft.learningRates[key.lr], batchSize: config.sft.batchSize };
    const n = recordedLength(config.sft.steps, config.sft.recordEvery);
    this.series = {
      step: new Float64Array(n),
      error: new Float64Array(n),
      misfit: new Float64Array(n),
      gain: new Float64Array(n),
      ...(context.validation === null ? {} : { validation: new Float64Array(n) }),
    };
    this.descriptor = { weakError: this.teacher.weakError, population: this.teacher.population, targetOutside: context.targetOutside };
  }

  static start(context: MisfitGainContext, key: RunKey): MisfitGainRun {
    const rng = key.teacher === CEILING ? streamOf(context.seed, StreamKind.ceiling, key.lr) : streamOf(context.seed, StreamKind.sft, key.teacher, key.lr);
    const run = new MisfitGainRun(context, key, new Float64Array(context.config.strong.dimension), rng, 0);
    run.record();
    return run;
  }

  static resume(context: MisfitGainContext, key: RunKey, checkpoint: MisfitGainCheckpoint, seriesSoFar: Partial<MisfitGainSeries>): MisfitGainRun {
    if (checkpoint.setup !== 'misfit-gain') throw new RangeError(`not a misfit-gain checkpoint: setup ${String(checkpoint.setup)}`);
    if (!(Number.isInteger(checkpoint.step) && checkpoint.step >= 0 && checkpoint.step <= context.config.sft.steps)) throw new RangeError(`checkpoint step ${checkpoint.step} out of range`);
    const capacity = recordedLength(context.config.sft.steps, context.config.sft.recordEvery);
    const n = checkpoint.recorded;
    if (!(Number.isInteger(n) && n >= 1 && n <= capacity)) throw new RangeError(`checkpoint recorded ${n}, not an integer in [1, ${capacity}]`);
    const run = new MisfitGainRun(context, key, Float64Array.from(checkpoint.coordinates), new Rng(checkpoint.rng), checkpoint.step);
    for (const name of Object.keys(run.series) as (keyof MisfitGainSeries)[]) {
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

  /** The strong model θ = U_s c now. */
  theta(): Float64Array {
    return this.context.strong.combine(this.coordinates);
  }

  advance(maxSteps: number): number {
    const { context, coordinates } = this;
    const { recordEvery } = context.config.sft;
    let taken = 0;
    while (taken < maxSteps && this.status === 'running') {
      sgdStep(context.strong.columns, context.lambdaRoot, this.teacher.theta, coordinates, this.rng, this.hyper, this.rows);
      taken++;
      this.step++;
      let norm2 = 0;
      for (const c of coordinates) norm2 += c * c;
      if (!(Math.sqrt(norm2) < OVERFLOW)) {
        this.status = 'diverged';
        break;
      }
      const last = this.step >= this.totalSteps;
      if (this.step % recordEvery === 0 || last) this.record();
      if (last) this.status = 'done';
    }
    return taken;
  }

  complete(): this {
    while (!this.done) this.advance(this.totalSteps);
    return this;
  }

  checkpoint(): MisfitGainCheckpoint {
    return { setup: 'misfit-gain', step: this.step, recorded: this.recorded, coordinates: Array.from(this.coordinates), rng: this.rng.getState() };
  }

  recordedSeries(): MisfitGainSeries {
    return columnRange(this.series, 0, this.recorded);
  }

  private record(): void {
    const theta = this.theta();
    const point = this.context.point(theta, this.teacher);
    const i = this.recorded;
    const s = this.series;
    s.step[i] = this.step;
    s.error[i] = point.error;
    s.misfit[i] = point.misfit;
    s.gain[i] = point.gain;
    const validation = this.context.validation;
    if (s.validation !== undefined && validation !== null) {
      const d = theta.length;
      const n = validation.targets.length;
      let sum = 0;
      for (let r = 0; r < n; r++) {
        let p = 0;
        for (let m = 0; m < d; m++) p += theta[m] * validation.rows[r * d + m];
        sum += (p - validation.targets[r]) ** 2;
      }
      s.validation[i] = sum / n;
    }
    this.recorded++;
  }
}
