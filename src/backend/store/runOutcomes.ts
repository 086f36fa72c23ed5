/**
 * Runs' outcomes written many at a time, for the lab's write-behind (lab.ts): the shape of an ended
 * run, and the lab's two calls, which are RunStore methods (store.ts `storeRunEnds`,
 * `setRunStatuses`: the store's one write path for series and run statuses).
 */
import type { EngineDescriptor } from '../../shared/jobs';
import type { RunSeries } from '../../engine/run';
import type { RunRecordStatus } from './records';

/** A run that ended: its points from `from` on (every column the same length), and its status. */
export interface RunEnd {
  readonly runId: number;
  readonly chunk: Partial<RunSeries>;
  readonly from: number;
  readonly stepsDone: number;
  readonly status: RunRecordStatus;
  /** Stored with it, when the run has none stored yet. */
  readonly descriptor: EngineDescriptor | null;
}

/** What the lab calls: the store's own methods. */
interface RunEndWriter {
  storeRunEnds(ends: readonly RunEnd[], statuses?: readonly { runId: number; status: RunRecordStatus; error: string | null }[]): void;
  setRunStatuses(runIds: readonly number[], status: RunRecordStatus): void;
}

/** Store ended runs and set the status of others, in one write transaction (RunStore.storeRunEnds). */
export function storeRunEnds(store: RunEndWriter, ends: readonly RunEnd[], statuses: readonly { runId: number; status: RunRecordStatus; error: string | null }[] = []): void {
  store.storeRunEnds(ends, statuses);
}

/** Set several runs' status in one write transaction (RunStore.setRunStatuses). */
export function setRunStatuses(store: RunEndWriter, runIds: readonly number[], status: RunRecordStatus): void {
  store.setRunStatuses(runIds, status);
}
