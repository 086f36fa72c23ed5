/**
 * Messages between a coordinator and an engine process (child_process.fork or Electron's
 * utilityProcess). One job = one SFT run (teacher × learning rate) of an experiment.
 */
import type { RunDescriptor, RunKey } from '../engine/grid';
import type { RunCheckpoint, RunSeries, RunStatus } from '../engine/run';
import type { ExperimentSpec } from '../engine/spec';

/** Coordinator → engine process. */
export type JobRequest = {
  readonly type: 'run';
  readonly id: number;
  readonly spec: ExperimentSpec;
  readonly key: RunKey;
  /** Resume from here instead of step 0, with the series recorded up to it. */
  readonly resume?: { readonly checkpoint: RunCheckpoint; readonly series: Partial<RunSeries> };
  /** Send a checkpoint with the new points this often (ms); none when absent. */
  readonly checkpointIntervalMs?: number;
};

/** Points [from, from + length) of a run's series, one array per column. */
export type SeriesChunk = Partial<RunSeries>;

/** Engine process → coordinator. */
export type JobReply =
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly id: number; readonly step: number; readonly total: number }
  | {
      readonly type: 'checkpoint';
      readonly id: number;
      readonly descriptor: RunDescriptor;
      readonly checkpoint: RunCheckpoint;
      /** New points since the last checkpoint (or the resume point). */
      readonly from: number;
      readonly chunk: SeriesChunk;
    }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly status: Exclude<RunStatus, 'running'>;
      readonly descriptor: RunDescriptor;
      /** The whole series, from point 0. */
      readonly series: RunSeries;
      /** Time the engine spent on this job (ms), for measuring what the pool adds. */
      readonly computeMs: number;
    }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
