/**
 * An experiment brought in whole from elsewhere (a bundle, exchange.ts): its record, its runs with
 * their checkpoints and their series, written in one write transaction. What was live where it came
 * from is interrupted here (its runner is not this machine's).
 */
import type { ExperimentSpec } from '../../engine/spec';
import type { ExperimentSummary } from '../../engine/summary';
import type { ExperimentRecord, RunRecord } from './records';

export type ImportedExperiment = Pick<ExperimentRecord, 'name' | 'status' | 'createdAt' | 'finishedAt' | 'appVersion' | 'notes' | 'error' | 'tags'> & { readonly summary: ExperimentSummary | null };
/** A run as a bundle carries it; its descriptor and checkpoint are stored as the JSON they are. */
export type ImportedRun = Pick<RunRecord, 'key' | 'status' | 'columns' | 'recorded' | 'stepsDone' | 'error'> & { readonly descriptor: unknown; readonly checkpoint: unknown };

/** What the import needs of the store: its own method (RunStore.importExperiment), the one write path. */
interface Importer {
  importExperiment(spec: ExperimentSpec, experiment: ImportedExperiment, runs: readonly ImportedRun[], blocks: readonly Uint8Array[]): number;
}

/** Store the experiment and its runs; `blocks[i]` is run i's series, packed metric-major. Returns the new id. */
export function insertImportedExperiment(store: Importer, spec: ExperimentSpec, experiment: ImportedExperiment, runs: readonly ImportedRun[], blocks: readonly Uint8Array[]): number {
  return store.importExperiment(spec, experiment, runs, blocks);
}
