/**
 * Messages between a coordinator and an engine process (child_process.fork or Electron's
 * utilityProcess). A job is a list of SFT runs (teacher × learning rate) of one experiment, run one
 * after another: one run for a long run, several for short ones (a preview run takes a millisecond
 * or two, less than a round trip to the coordinator under load). Every run of a job gets its own
 * reply, `result` or `error`, in the order of the list, as soon as it ends.
 */
import type { RunDescriptor, RunKey } from '../engine/grid';
import type { RandomFeaturesCheckpoint, RandomFeaturesDescriptor } from '../engine/randomFeatures';
import type { RunCheckpoint, RunSeries, RunStatus } from '../engine/run';
import type { ExperimentSpec } from '../engine/spec';

/** A run's checkpoint: the linear setups' (engine/run.ts) or the random-features setup's (its `setup` names it). */
export type EngineCheckpoint = RunCheckpoint | RandomFeaturesCheckpoint;

/** What is known of a run before SFT: the linear setups' descriptor or the random-features setup's. */
export type EngineDescriptor = RunDescriptor | RandomFeaturesDescriptor;

/** The steps a checkpoint has taken, whichever setup's it is. */
export function checkpointStep(checkpoint: EngineCheckpoint): number {
  return 'kernel' in checkpoint ? checkpoint.kernel.step : checkpoint.step;
}

/** One run of a job. */
export interface RunOrder {
  readonly key: RunKey;
  /** Resume from here instead of step 0, with the series recorded up to it. */
  readonly resume?: { readonly checkpoint: EngineCheckpoint; readonly series: Partial<RunSeries> };
}

/** Coordinator → engine process. */
export type JobRequest = {
  readonly type: 'run';
  readonly id: number;
  readonly spec: ExperimentSpec;
  /** Run in this order; replies name a run by its index here. */
  readonly runs: readonly RunOrder[];
  /** Send a checkpoint with the new points this often (ms) during a run; none when absent. */
  readonly checkpointIntervalMs?: number;
};

/**
 * Coordinator → engine process: stop job `id` at its next check (a few hundred milliseconds), or
 * now if it is not running; the process answers `stopped` either way and takes the next job.
 */
export type JobCancel = { readonly type: 'cancel'; readonly id: number };

/** Everything a coordinator sends an engine process. */
export type EngineMessage = JobRequest | JobCancel;

/** Points [from, from + length) of a run's series, one array per column (shared/seriesBlock.ts copyRange). */
export type SeriesChunk = Partial<RunSeries>;

/** Engine process → coordinator. `run` is the index of the run in the job's `runs`. */
export type JobReply =
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly id: number; readonly run: number; readonly step: number; readonly total: number }
  | {
      readonly type: 'checkpoint';
      readonly id: number;
      readonly run: number;
      readonly descriptor: EngineDescriptor;
      readonly checkpoint: EngineCheckpoint;
      /** New points since the last checkpoint (or the resume point). */
      readonly from: number;
      readonly chunk: SeriesChunk;
    }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly run: number;
      readonly status: Exclude<RunStatus, 'running'>;
      readonly descriptor: EngineDescriptor;
      /** The points the coordinator does not have yet: from the last checkpoint (or the resume point, or 0) to the end. */
      readonly from: number;
      readonly chunk: SeriesChunk;
      /** The step of the run's last recorded point (0 when none is). */
      readonly lastStep: number;
      /** Time the engine spent on this run (ms; the job's first run includes building the experiment's context). */
      readonly computeMs: number;
    }
  | { readonly type: 'error'; readonly id: number; readonly run: number; readonly message: string }
  /** The answer to a `cancel`: job `id` sends nothing more. */
  | { readonly type: 'stopped'; readonly id: number };
