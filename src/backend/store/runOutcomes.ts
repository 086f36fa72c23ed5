/**
 * Runs' outcomes written many at a time, for the lab's write-behind (lab.ts): a preview run lasts
 * a millisecond or two, less than a commit and the dozen statements that `appendSeries`,
 * `setRunDescriptor` and `setRunStatus` spend on it one by one. Here one write transaction stores
 * every run that ended in the last few tens of milliseconds, with statements prepared once per
 * connection and no transaction nested per run. What is stored is what those methods store.
 */
import type Database from 'better-sqlite3';
import type { RunDescriptor } from '../../engine/grid';
import type { RunSeries } from '../../engine/run';
import { connectionOf } from './connection';
import { type RunRecordStatus, seriesPieces } from './records';
import type { RunStore } from './store';

/** A run that ended: its points from `from` on (every column the same length), and its status. */
export interface RunEnd {
  readonly runId: number;
  readonly chunk: Partial<RunSeries>;
  readonly from: number;
  readonly stepsDone: number;
  readonly status: RunRecordStatus;
  /** Stored with it, when the run has none stored yet. */
  readonly descriptor: RunDescriptor | null;
}

interface Statements {
  readonly run: Database.Statement;
  readonly chunk: Database.Statement;
  readonly end: Database.Statement;
  readonly status: Database.Statement;
}

const prepared = new WeakMap<Database.Database, Statements>();

function statementsOf(db: Database.Database): Statements {
  let s = prepared.get(db);
  if (s === undefined) {
    s = {
      run: db.prepare('SELECT recorded, columns FROM runs WHERE id = ?'),
      chunk: db.prepare('INSERT INTO series_chunks (run_id, start, count, data) VALUES (?, ?, ?, ?)'),
      end: db.prepare('UPDATE runs SET recorded = ?, steps_done = ?, checkpoint = NULL, descriptor = COALESCE(?, descriptor), status = ? WHERE id = ?'),
      status: db.prepare('UPDATE runs SET status = ?, error = ? WHERE id = ?'),
    };
    prepared.set(db, s);
  }
  return s;
}

/**
 * Store ended runs and set the status of others (`statuses`: cancelled or failed ones, with their
 * error), in one write transaction (or in the caller's). Each append is checked as `appendSeries`
 * checks it: it starts where the stored points end.
 */
export function storeRunEnds(store: RunStore, ends: readonly RunEnd[], statuses: readonly { runId: number; status: RunRecordStatus; error: string | null }[] = []): void {
  const s = statementsOf(connectionOf(store));
  store.write(() => {
    for (const end of ends) {
      const row = s.run.get(end.runId) as { recorded: number; columns: string } | undefined;
      if (row === undefined) throw new RangeError(`no run ${end.runId}`);
      if (end.from !== row.recorded) throw new Error(`run ${end.runId}: append at point ${end.from}, but ${row.recorded} are stored`);
      const count = end.chunk.step?.length ?? 0;
      for (const [start, n, data] of seriesPieces(end.chunk, JSON.parse(row.columns) as string[], end.from, count)) s.chunk.run(end.runId, start, n, data);
      s.end.run(end.from + count, end.stepsDone, end.descriptor === null ? null : JSON.stringify(end.descriptor), end.status, end.runId);
    }
    for (const { runId, status, error } of statuses) s.status.run(status, error, runId);
  });
}

/** Set several runs' status in one write transaction (or in the caller's). */
export function setRunStatuses(store: RunStore, runIds: readonly number[], status: RunRecordStatus): void {
  storeRunEnds(store, [], runIds.map((runId) => ({ runId, status, error: null })));
}
