/**
 * The summary of what a store holds of an experiment, after a local run (Lab.finalize, lab.ts) and
 * after a Slurm sweep is collected (cluster/collect.ts): runs never finished count as cancelled,
 * runs never started are left out.
 */
import { cellsOf } from '../engine/grid';
import { resolvePath } from '../engine/spec';
import { type ExperimentSummary, type RunOutcome, summarizeExperiment } from '../engine/summary';
import type { RunRecord, RunStore } from './store/store';

export function summarizeStored(store: RunStore, id: number): ExperimentSummary {
  const experiment = store.getExperiment(id);
  if (experiment === null) throw new RangeError(`no experiment ${id}`);
  const outcomes: RunOutcome[] = store
    .loadExperimentRuns(id)
    .filter(({ run }) => run.descriptor !== null)
    .map(({ run, series }) => ({
      key: run.key,
      status: run.status === 'queued' || run.status === 'interrupted' || run.status === 'running' ? 'cancelled' : run.status,
      descriptor: run.descriptor as NonNullable<RunRecord['descriptor']>,
      series,
    }));
  const spec = experiment.spec;
  return summarizeExperiment(spec, resolvePath(spec), cellsOf(spec), outcomes);
}
