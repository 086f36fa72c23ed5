/**
 * One SFT run driven step by step: records the metrics of docs/spec.md §2 every `recordEvery` steps (and
 * the last), stops on divergence with the data so far, and checkpoints so that a resumed run
 * records exactly the series of an uninterrupted one.
 */
import { type ExperimentContext } from './experiment';
import { columnRange } from './columns';
import { recordedLength, type RunDescriptor, type RunKey } from './grid';
import { type KernelCheckpoint, METRIC_COUNT, METRICS, type SftKernel, VALIDATION_INDEX } from './sft/kernel';

export type RunStatus = 'running' | 'done' | 'diverged';

/** Recorded series: the step numbers and one array per metric, all of the same length (a SeriesColumns, engine/columns.ts). */
export type RunSeries = {
  step: Float64Array;
  inner: Float64Array;
  norm: Float64Array;
  cos: Float64Array;
  accuracy: Float64Array;
  agreement: Float64Array;
  /** Validation accuracy (early stopping `validation` only). */
  validation?: Float64Array;
};

export const SERIES_NAMES = ['step', ...METRICS] as const;

/** A run's checkpoint: the kernel's state and how many points were recorded. */
export interface RunCheckpoint {
  readonly kernel: KernelCheckpoint;
  readonly recorded: number;
}

/** Weights beyond this norm have overflowed for any practical purpose. */
const OVERFLOW_NORM = 1e100;

export { recordedLength } from './grid';

export class SftRun {
  readonly series: RunSeries;
  readonly totalSteps: number;
  private readonly recordEvery: number;
  private readonly buffer = new Float64Array(METRIC_COUNT + 1);
  recorded = 0;
  status: RunStatus = 'running';

  private constructor(
    readonly key: RunKey,
    readonly descriptor: RunDescriptor,
    private readonly kernel: SftKernel,
    totalSteps: number,
    recordEvery: number,
    hasValidation: boolean,
  ) {
    this.totalSteps = totalSteps;
    this.recordEvery = recordEvery;
    const n = recordedLength(totalSteps, recordEvery);
    this.series = {
      step: new Float64Array(n),
      inner: new Float64Array(n),
      norm: new Float64Array(n),
      cos: new Float64Array(n),
      accuracy: new Float64Array(n),
      agreement: new Float64Array(n),
      ...(hasValidation ? { validation: new Float64Array(n) } : {}),
    };
  }

  /** A run of an already built kernel (step 0 recorded): for kernels made outside a spec. */
  static fromKernel(key: RunKey, descriptor: RunDescriptor, kernel: SftKernel, totalSteps: number, recordEvery = 1): SftRun {
    const run = new SftRun(key, descriptor, kernel, totalSteps, recordEvery, false);
    run.recordInitial();
    return run;
  }

  /** A new run at step 0 (step 0 recorded). */
  static start(context: ExperimentContext, key: RunKey): SftRun {
    const { kernel, descriptor } = context.buildRun(key);
    const spec = context.locate(key).context.spec;
    const run = new SftRun(key, descriptor, kernel, spec.sft.steps, spec.sft.recordEvery, spec.sft.earlyStopping === 'validation');
    run.recordInitial();
    return run;
  }

  /**
   * Continue a run from a checkpoint; `seriesSoFar` holds at least `checkpoint.recorded` points
   * recorded before it (the rest is overwritten).
   */
  static resume(context: ExperimentContext, key: RunKey, checkpoint: RunCheckpoint, seriesSoFar: Partial<RunSeries>): SftRun {
    const { kernel, descriptor } = context.buildRun(key, checkpoint.kernel);
    const spec = context.locate(key).context.spec;
    const run = new SftRun(key, descriptor, kernel, spec.sft.steps, spec.sft.recordEvery, spec.sft.earlyStopping === 'validation');
    const n = checkpoint.recorded;
    for (const name of Object.keys(run.series) as (keyof RunSeries)[]) {
      const source = seriesSoFar[name];
      if (source === undefined || source.length < n) throw new Error(`resume: series '${name}' has fewer than ${n} points`);
      (run.series[name] as Float64Array).set(source.subarray(0, n));
    }
    run.recorded = n;
    if (kernel.step >= run.totalSteps) run.status = 'done';
    return run;
  }

  get step(): number {
    return this.kernel.step;
  }

  get done(): boolean {
    return this.status !== 'running';
  }

  /** Take up to `maxSteps` steps (fewer at the end or on divergence); returns the steps taken. */
  advance(maxSteps: number): number {
    let taken = 0;
    while (taken < maxSteps && this.status === 'running') {
      this.kernel.advance();
      taken++;
      const step = this.kernel.step;
      const last = step >= this.totalSteps;
      if (step % this.recordEvery === 0 || last) {
        this.kernel.metrics(this.buffer);
        if (!this.healthy()) {
          this.status = 'diverged';
          break;
        }
        this.record();
      } else if (!this.kernel.isFinite()) {
        this.status = 'diverged';
        break;
      }
      if (last) this.status = 'done';
    }
    return taken;
  }

  /** Run to the end. */
  complete(): this {
    while (!this.done) this.advance(this.totalSteps);
    return this;
  }

  checkpoint(): RunCheckpoint {
    return { kernel: this.kernel.checkpoint(), recorded: this.recorded };
  }

  /** The recorded part of the series (views, not copies). */
  recordedSeries(): RunSeries {
    return columnRange(this.series, 0, this.recorded);
  }

  private healthy(): boolean {
    const b = this.buffer;
    for (let i = 0; i < METRIC_COUNT; i++) if (!Number.isFinite(b[i])) return false;
    return b[1] < OVERFLOW_NORM && this.kernel.isFinite();
  }

  /** Step 0: the student before SFT. */
  private recordInitial(): void {
    this.kernel.metrics(this.buffer);
    this.record();
  }

  /** Append the metrics in the buffer as the next recorded point. */
  private record(): void {
    const i = this.recorded;
    const b = this.buffer;
    const s = this.series;
    s.step[i] = this.kernel.step;
    s.inner[i] = b[0];
    s.norm[i] = b[1];
    s.cos[i] = b[2];
    s.accuracy[i] = b[3];
    s.agreement[i] = b[4];
    if (s.validation !== undefined) s.validation[i] = b[VALIDATION_INDEX];
    this.recorded++;
  }
}
