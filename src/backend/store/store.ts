/**
 * The run history: one SQLite file (better-sqlite3, WAL, foreign keys) that several processes use
 * at once. Experiments, their runs (teacher × learning rate), checkpoints, tags and notes; series
 * as metric-major Float64 BLOB chunks appended in transactions, never a row per point. Writes take
 * the write lock up front and wait for it (transactions.ts); opening migrates under it (migrate.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { eachRunKey, runCount, type RunKey } from '../../engine/grid';
import type { RunSeries } from '../../engine/run';
import type { EngineCheckpoint, EngineDescriptor } from '../../shared/jobs';
import { type ExperimentSpec, validateSpec } from '../../engine/spec';
import { type ExperimentSummary, type StoredSummary, type Trajectory, trajectoryFromColumns, withTrajectories } from '../../engine/summary';
import { currentRunner, orphanTest, type Runner } from '../liveness';
import { registerConnection } from './connection';
import { configure, migrate } from './migrate';
import { PACKED_SINCE } from './schema';
import {
  type ExperimentRecord,
  type ExperimentRow,
  type ExperimentStatus,
  assembleRunSeries,
  assembleSeriesBlock,
  blockSeries,
  chunkBlock,
  type RunRecord,
  type RunRecordStatus,
  type RunRow,
  type ChunkFormat,
  type SeriesChunkRow,
  seriesColumns,
  seriesPieces,
  toExperiment,
  toRun,
  toRunner,
} from './records';
import type { ImportedExperiment, ImportedRun } from './imports';
import type { RunEnd } from './runOutcomes';
import { readTrajectories, trajectoryColumns, writeTrajectories } from './trajectories';
import { type ContentionStats, DEFAULT_RETRY, readTransaction, type RetryPolicy, writeTransaction } from './transactions';

export { SchemaTooNewError } from './migrate';
export { seriesColumns } from './records';
export type { ExperimentRecord, ExperimentStatus, RunRecord, RunRecordStatus } from './records';

export type { RunEnd } from './runOutcomes';

/** loadSeriesBlock's runs: each cell's teachers at its learning-rate index (null: none of the cell's). */
export interface AtCellRates {
  readonly cellRates: readonly (number | null)[];
}

export interface StoreOptions {
  /** better-sqlite3's compiled binding to load instead of the one in node_modules (Electron's ABI). */
  readonly nativeBinding?: string;
  /** Lock waits (tests shorten them). */
  readonly retry?: Partial<RetryPolicy>;
}

/** A row of the history list: an experiment without its summary, but the two figures the list shows. */
export type HistoryEntry = Omit<ExperimentRecord, 'summary'> & { readonly fractionImproved: number | null; readonly gainMean: number | null };

/** Where an experiment in progress stands, from what its runners stored. */
export interface StoredProgress {
  readonly experimentId: number;
  readonly runsTotal: number;
  readonly runsDone: number;
  readonly stepsDone: number;
}

/** A summary's JSON row: every trajectory left out (they are stored binary). */
function stripTrajectories(summary: StoredSummary): StoredSummary {
  const { trajectory: _trajectory, cells, ...head } = summary;
  return { ...head, cells: cells.map(({ trajectory: _t, ...cell }) => cell) };
}

/** JSON with every object's keys sorted: equal for equal values, whatever order their keys were written in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

const SET_RUN_STATUS = 'UPDATE runs SET status = ?, error = ? WHERE id = ?';

const FINISHED_RUN = `('done', 'diverged', 'failed', 'cancelled')`;

export class RunStore {
  /** Private: other modules use the repository methods (the store's own modules: connection.ts). */
  private readonly db: Database.Database;
  readonly contention: ContentionStats = { retries: 0 };
  private readonly retry: RetryPolicy;
  private readonly statements = new Map<string, Database.Statement>();
  /** Compact from schema 10 on; a file opened at an older version (tests of upgrades) keeps its own. */
  private chunkFormat: ChunkFormat = 'compact';

  private constructor(
    readonly file: string,
    private readonly appVersion: string,
    options: StoreOptions = {},
  ) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: this.retry.busyTimeoutMs, ...(options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding }) });
    registerConnection(this, this.db);
    try {
      configure(this.db, this.retry, this.contention);
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  /** Open (creating it if needed) and migrate to the current schema. */
  static open(file: string, appVersion: string, options: StoreOptions = {}): RunStore {
    return RunStore.openAt(file, appVersion, options);
  }

  /** For tests of upgrades: open a file and migrate only up to `version`. */
  static openAtVersion(file: string, appVersion: string, version: number): RunStore {
    return RunStore.openAt(file, appVersion, {}, version);
  }

  private static openAt(file: string, appVersion: string, options: StoreOptions, version?: number): RunStore {
    const store = new RunStore(file, appVersion, options);
    try {
      migrate({ db: store.db, file, appVersion, retry: store.retry, stats: store.contention, nativeBinding: options.nativeBinding }, version);
      store.chunkFormat = store.schemaVersion >= PACKED_SINCE ? 'compact' : 'raw';
    } catch (error) {
      store.close();
      throw error;
    }
    return store;
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** A write transaction: the write lock from its start, waited for while another process holds it. */
  write<T>(fn: () => T): T {
    return writeTransaction(this.db, this.retry, this.contention, fn);
  }

  /** A read transaction: one consistent snapshot. */
  read<T>(fn: () => T): T {
    return readTransaction(this.db, this.retry, this.contention, fn);
  }

  /** Changes whenever another connection commits (PRAGMA data_version): the cheap "anything new?". */
  dataVersion(): number {
    return this.read(() => this.db.pragma('data_version', { simple: true }) as number);
  }

  /** Counts every change of the experiments list: rows, statuses, names, notes, tags (schema v3 triggers). */
  historyRevision(): number {
    return this.read(() => (this.sql('SELECT revision FROM history_revision').get() as { revision: number }).revision);
  }

  /** A prepared statement, prepared once per store (preparing costs more than running small ones). */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  // ---- experiments ---------------------------------------------------------------------------

  /**
   * Store a new experiment (status queued) with one queued run per key. A big grid's keys come
   * lazily (engine/grid.ts eachRunKey) and may be stored in several goes (addRuns, lab.ts).
   */
  createExperiment(spec: ExperimentSpec, keys: Iterable<RunKey>, options: { name?: string; duplicatedFrom?: number; runsFrom?: number } = {}): number {
    const name = options.name ?? spec.name ?? `${spec.setup} ${new Date().toISOString().slice(0, 16)}`;
    // The creating process is its runner from the start: if it dies before running it, it is an orphan.
    const runner = currentRunner();
    return this.write(() => {
      const info = this.sql(
        `INSERT INTO experiments (name, setup, spec, seed, status, created_at, app_version, duplicated_from, runner_pid, runner_host, runner_start)
         VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)`,
      ).run(name, spec.setup, JSON.stringify(spec), spec.seed, new Date().toISOString(), this.appVersion, options.duplicatedFrom ?? null, runner.pid, runner.host, runner.start);
      const id = Number(info.lastInsertRowid);
      this.insertRuns(id, spec, keys);
      // The grid's runs from `runsFrom` on are stored later, in batches (addRuns).
      if (options.runsFrom !== undefined) this.sql('INSERT INTO run_inserts (experiment_id, next) VALUES (?, ?)').run(id, options.runsFrom);
      return id;
    });
  }

  private insertRuns(experimentId: number, spec: ExperimentSpec, keys: Iterable<RunKey>): void {
    const columns = JSON.stringify(seriesColumns(spec));
    const run = this.sql(`INSERT INTO runs (experiment_id, cell, teacher, lr_index, status, columns) VALUES (?, ?, ?, ?, 'queued', ?)`);
    for (const key of keys) run.run(experimentId, key.cell, key.teacher, key.lr, columns);
  }

  /**
   * Store the grid's runs `from`…`to` − 1 (engine/grid.ts runKeyAt) of an experiment created with
   * `runsFrom`, in one write transaction with the index of the next run to store.
   */
  addRuns(experimentId: number, spec: ExperimentSpec, from: number, to: number): void {
    const total = runCount(spec);
    this.write(() => {
      this.insertRuns(experimentId, spec, eachRunKey(spec, from, to));
      if (to >= total) this.sql('DELETE FROM run_inserts WHERE experiment_id = ?').run(experimentId);
      else this.sql('UPDATE run_inserts SET next = ? WHERE experiment_id = ?').run(to, experimentId);
    });
  }

  /**
   * Replace a done experiment's spec with `spec`, whose `grid` extends the stored one (a boundary
   * search's next round, engine/search.ts): the same spec but for the grid, the stored grid a strict
   * prefix of the new one. A grid point's cells are outermost in the cell order (engine/grid.ts),
   * so the stored runs keep their keys and the new points' runs come after them: they are recorded
   * as still to store (run_inserts), which the lab's resume stores and runs. The summary, of the
   * old grid, is cleared. One write transaction; null, or why the spec is refused.
   */
  extendGrid(id: number, spec: ExperimentSpec): string | null {
    return this.write(() => {
      const row = this.sql('SELECT spec, status FROM experiments WHERE id = ?').get(id) as { spec: string; status: ExperimentStatus } | undefined;
      if (row === undefined) return `no experiment ${id}`;
      if (row.status !== 'done') return `its grid is extended only once its runs are done (it is ${row.status}): resume it first`;
      const old = JSON.parse(row.spec) as ExperimentSpec;
      const { grid: oldGrid = [], ...oldRest } = old;
      const { grid: newGrid = [], ...newRest } = spec;
      if (canonicalJson(oldRest) !== canonicalJson(newRest)) return 'the new spec differs from the stored one beyond its grid';
      if (newGrid.length <= oldGrid.length) return `the new grid (${newGrid.length} points) does not extend the stored one (${oldGrid.length})`;
      const differs = oldGrid.findIndex((point, i) => canonicalJson(point) !== canonicalJson(newGrid[i]));
      if (differs >= 0) return `the new grid is not the stored one extended: grid[${differs}] differs`;
      const stored = runCount(old);
      this.sql("UPDATE experiments SET spec = ?, summary = NULL, status = 'queued', error = NULL, finished_at = NULL, runner_pid = NULL, runner_host = NULL, runner_start = NULL WHERE id = ?").run(JSON.stringify(spec), id);
      this.sql('INSERT OR REPLACE INTO run_inserts (experiment_id, next) VALUES (?, ?)').run(id, stored);
      return null;
    });
  }

  /** The index of the next of an experiment's grid runs still to store, or null when all are stored. */
  runsToStore(experimentId: number): number | null {
    const row = this.read(() => this.sql('SELECT next FROM run_inserts WHERE experiment_id = ?').get(experimentId) as { next: number } | undefined);
    return row?.next ?? null;
  }

  /**
   * An experiment's status alone, or null when there is none: the lab's poll for a cancel from
   * another process (every 500 ms of a run) reads one column of one row, not the spec and tags.
   */
  experimentStatus(id: number): ExperimentStatus | null {
    const row = this.read(() => this.sql('SELECT status FROM experiments WHERE id = ?').get(id) as { status: ExperimentStatus } | undefined);
    return row?.status ?? null;
  }

  getExperiment(id: number): ExperimentRecord | null {
    return this.read(() => {
      const row = this.sql('SELECT * FROM experiments WHERE id = ?').get(id) as ExperimentRow | undefined;
      if (row === undefined) return null;
      const tags = (this.sql('SELECT tag FROM tags WHERE experiment_id = ? ORDER BY tag').all(id) as { tag: string }[]).map((t) => t.tag);
      return toExperiment(row, tags);
    });
  }

  listExperiments(): ExperimentRecord[] {
    return this.read(() => {
      const tags = this.allTags();
      return (this.sql('SELECT * FROM experiments ORDER BY id').all() as ExperimentRow[]).map((row) => toExperiment(row, tags.get(row.id) ?? []));
    });
  }

  /**
   * The history list: every experiment without its summary (a big experiment's summary holds its
   * whole mean trajectory), only the figures the list shows, read by SQLite from the JSON.
   */
  listHistory(): HistoryEntry[] {
    return this.read(() => {
      const tags = this.allTags();
      // Every column but the summary (tens of kB each: fetching it was most of the time).
      const rows = this.sql(
        `SELECT id, name, setup, spec, seed, status, created_at, finished_at, app_version, notes, label, NULL AS summary, error, duplicated_from, runner_pid, runner_host, runner_start,
           json_extract(summary, '$.fractionImproved') AS fraction_improved, json_extract(summary, '$.gainMean') AS gain_mean FROM experiments ORDER BY id`,
      ).all() as (ExperimentRow & { fraction_improved: number | null; gain_mean: number | null })[];
      return rows.map((row) => {
        const { summary: _summary, ...record } = toExperiment(row, tags.get(row.id) ?? []);
        return { ...record, fractionImproved: row.fraction_improved, gainMean: row.gain_mean };
      });
    });
  }

  private allTags(): Map<number, string[]> {
    const tags = new Map<number, string[]>();
    for (const { experiment_id: id, tag } of this.sql('SELECT experiment_id, tag FROM tags ORDER BY experiment_id, tag').all() as { experiment_id: number; tag: string }[]) {
      const list = tags.get(id);
      if (list === undefined) tags.set(id, [tag]);
      else list.push(tag);
    }
    return tags;
  }

  /** Every experiment's status, for noticing what another process changed. */
  experimentStatuses(): Map<number, ExperimentStatus> {
    return this.read(() => new Map((this.sql('SELECT id, status FROM experiments').all() as { id: number; status: ExperimentStatus }[]).map((r) => [r.id, r.status])));
  }

  /** Set an experiment's status; `running` records `runner` (this process by default) as its runner. */
  setExperimentStatus(id: number, status: ExperimentStatus, error: string | null = null, runner: Runner = currentRunner()): void {
    const finished = status === 'done' || status === 'failed' || status === 'cancelled' ? new Date().toISOString() : null;
    const r = status === 'running' ? runner : null;
    const update = this.sql('UPDATE experiments SET status = ?, error = ?, finished_at = ?, runner_pid = ?, runner_host = ?, runner_start = ? WHERE id = ?');
    this.write(() => update.run(status, error, finished, r?.pid ?? null, r?.host ?? null, r?.start ?? null, id));
  }

  /**
   * Take an experiment to run it: it becomes `running` with `runner` as its runner, unless another
   * live runner holds it (`isOrphan` says whether a stored runner is gone). Returns the runner that
   * holds it instead, or null when it is now this one's. One transaction: two processes resuming
   * the same experiment at once cannot both get it.
   */
  claimExperiment(id: number, isOrphan: (runner: Runner | null, id: number) => boolean, runner: Runner = currentRunner()): Runner | null {
    return this.write(() => {
      const row = this.sql('SELECT status, runner_pid, runner_host, runner_start FROM experiments WHERE id = ?').get(id) as
        | Pick<ExperimentRow, 'status' | 'runner_pid' | 'runner_host' | 'runner_start'>
        | undefined;
      if (row === undefined) throw new RangeError(`no experiment ${id}`);
      const holder = toRunner(row);
      // A queued experiment has its runner too: the process storing its runs, about to run it.
      if ((row.status === 'running' || row.status === 'queued') && holder !== null && !isOrphan(holder, id)) return holder;
      this.setExperimentStatus(id, 'running', null, runner);
      return null;
    });
  }

  /**
   * Store an experiment's summary: its JSON without the per-step trajectories, and those binary
   * (trajectories.ts), given as each cell's columns or taken from the summary's cells.
   */
  setSummary(id: number, summary: StoredSummary, trajectories?: readonly (readonly ArrayLike<number>[])[]): void {
    const columns = trajectories ?? summary.cells.map((c) => {
      if (c.trajectory === undefined) throw new RangeError(`setSummary: cell ${c.cell} has no trajectory`);
      return trajectoryColumns(c.trajectory);
    });
    const head = stripTrajectories(summary);
    this.write(() => {
      this.sql('UPDATE experiments SET summary = ? WHERE id = ?').run(JSON.stringify(head), id);
      writeTrajectories(this.db, id, columns);
    });
  }

  /** An experiment's whole summary, trajectories attached (binary ones, or those a summary of schema 7 or before holds inline); null when it has none. */
  loadSummary(id: number): ExperimentSummary | null {
    return this.read(() => {
      const summary = this.getExperiment(id)?.summary ?? null;
      if (summary === null) return null;
      const stored = readTrajectories(this.db, id);
      if (stored === null) {
        if (summary.cells.some((c) => c.trajectory === undefined)) throw new Error(`experiment ${id}: its summary's trajectories are missing`);
        return withTrajectories(summary, summary.cells.map((c) => c.trajectory as Trajectory));
      }
      return withTrajectories(summary, summary.cells.map((c) => stored.get(c.cell) ?? trajectoryFromColumns([])));
    });
  }

  /**
   * An experiment brought in whole from elsewhere (a bundle, exchange.ts): its record, its runs with
   * their checkpoints and `blocks[i]`, run i's series packed metric-major, in one write transaction.
   * What was live where it came from is interrupted here (its runner is not this machine's).
   * Returns the new id.
   */
  importExperiment(spec: ExperimentSpec, experiment: ImportedExperiment, runs: readonly ImportedRun[], blocks: readonly Uint8Array[]): number {
    return this.write(() => {
      const status = experiment.status === 'running' || experiment.status === 'queued' ? 'interrupted' : experiment.status;
      const info = this.sql(
        `INSERT INTO experiments (name, setup, spec, seed, status, created_at, finished_at, app_version, notes, summary, error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
      ).run(experiment.name, spec.setup, JSON.stringify(spec), spec.seed, status, experiment.createdAt, experiment.finishedAt, experiment.appVersion, experiment.notes, experiment.error);
      const id = Number(info.lastInsertRowid);
      // Its JSON, and its trajectories binary, as a local run's summary is stored.
      if (experiment.summary !== null && experiment.summary !== undefined) this.setSummary(id, experiment.summary);
      const tag = this.sql('INSERT OR IGNORE INTO tags (experiment_id, tag) VALUES (?, ?)');
      for (const t of experiment.tags) tag.run(id, t);
      const insertRun = this.sql(
        `INSERT INTO runs (experiment_id, cell, teacher, lr_index, status, descriptor, columns, recorded, steps_done, checkpoint, error)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
      );
      const setRecorded = this.sql('UPDATE runs SET recorded = ? WHERE id = ?');
      runs.forEach((run, i) => {
        const runStatus = run.status === 'running' ? 'interrupted' : run.status;
        const descriptor = run.descriptor === null || run.descriptor === undefined ? null : JSON.stringify(run.descriptor);
        const checkpoint = run.checkpoint === null || run.checkpoint === undefined ? null : JSON.stringify(run.checkpoint);
        const r = insertRun.run(id, run.key.cell, run.key.teacher, run.key.lr, runStatus, descriptor, JSON.stringify(run.columns), run.stepsDone, checkpoint, run.error);
        const runId = Number(r.lastInsertRowid);
        this.appendChunks(runId, blockSeries(blocks[i], run.columns, run.recorded), 0, run.recorded);
        setRecorded.run(run.recorded, runId);
      });
      return id;
    });
  }

  rename(id: number, name: string): void {
    this.mustChange(this.write(() => this.sql('UPDATE experiments SET name = ? WHERE id = ?').run(name, id)), id);
  }

  /** The experiment's label for comparisons; null or blank clears it. */
  setLabel(id: number, label: string | null): void {
    const value = label === null || label.trim() === '' ? null : label.trim();
    this.mustChange(this.write(() => this.sql('UPDATE experiments SET label = ? WHERE id = ?').run(value, id)), id);
  }

  setNotes(id: number, notes: string): void {
    this.mustChange(this.write(() => this.sql('UPDATE experiments SET notes = ? WHERE id = ?').run(notes, id)), id);
  }

  setTags(id: number, tags: string[]): void {
    this.write(() => {
      if (this.sql('SELECT 1 FROM experiments WHERE id = ?').get(id) === undefined) throw new RangeError(`no experiment ${id}`);
      this.sql('DELETE FROM tags WHERE experiment_id = ?').run(id);
      const insert = this.sql('INSERT OR IGNORE INTO tags (experiment_id, tag) VALUES (?, ?)');
      for (const tag of tags) insert.run(id, tag);
    });
  }

  /** Delete an experiment with its runs, series and tags. */
  deleteExperiment(id: number): void {
    this.mustChange(this.write(() => this.sql('DELETE FROM experiments WHERE id = ?').run(id)), id);
  }

  /** A copy of an experiment's spec to edit and run as a new experiment (validated again). */
  duplicateSpec(id: number): ExperimentSpec {
    const experiment = this.getExperiment(id);
    if (experiment === null) throw new RangeError(`no experiment ${id}`);
    return validateSpec({ ...experiment.spec, name: `${experiment.name} (copy)`.slice(0, 200) });
  }

  private mustChange(info: Database.RunResult, id: number): void {
    if (info.changes === 0) throw new RangeError(`no experiment ${id}`);
  }

  // ---- runs and series -----------------------------------------------------------------------

  listRuns(experimentId: number): RunRecord[] {
    return this.read(() => (this.sql('SELECT * FROM runs WHERE experiment_id = ? ORDER BY cell, teacher, lr_index').all(experimentId) as RunRow[]).map(toRun));
  }

  /**
   * The teachers' runs of each cell at that cell's learning-rate index (null: none), in key order:
   * chosen by SQLite, so that a Figure 2 dashboard reads the rows (and parses the descriptors) of
   * its 2 000 runs, not of all 14 140.
   */
  runsAtCellRates(experimentId: number, cellRates: readonly (number | null)[]): RunRecord[] {
    return this.read(() =>
      (
        this.sql('SELECT r.* FROM runs r JOIN json_each(?) j ON j.key = r.cell AND j.value = r.lr_index WHERE r.experiment_id = ? AND r.teacher >= 0 ORDER BY r.cell, r.teacher, r.lr_index').all(
          JSON.stringify(cellRates),
          experimentId,
        ) as RunRow[]
      ).map(toRun),
    );
  }

  /**
   * The runs of an experiment still to run (not done or diverged) after run id `afterId`, in id
   * order, at most `limit`: the lab reads a big experiment's runs a job at a time.
   */
  pendingRuns(experimentId: number, afterId: number, limit: number): RunRecord[] {
    return this.read(() =>
      (this.sql(`SELECT * FROM runs WHERE experiment_id = ? AND id > ? AND status NOT IN ('done', 'diverged') ORDER BY id LIMIT ?`).all(experimentId, afterId, limit) as RunRow[]).map(toRun),
    );
  }

  /** The runs still to run (as pendingRuns picks them) of each cell that has any, by cell index. */
  pendingRunsByCell(experimentId: number): Map<number, number> {
    const rows = this.read(
      () => this.sql(`SELECT cell, COUNT(*) AS n FROM runs WHERE experiment_id = ? AND status NOT IN ('done', 'diverged') GROUP BY cell`).all(experimentId) as { cell: number; n: number }[],
    );
    return new Map(rows.map((r) => [r.cell, r.n]));
  }

  /** An experiment's runs counted: all, finished (done or diverged), and the steps they hold (a finished run counts `steps`). */
  runTally(experimentId: number, steps: number): { runs: number; finished: number; stepsDone: number } {
    return this.read(
      () =>
        this.sql(
          `SELECT COUNT(*) AS runs, TOTAL(status IN ('done', 'diverged')) AS finished,
             TOTAL(CASE WHEN status IN ('done', 'diverged') THEN ? ELSE steps_done END) AS stepsDone FROM runs WHERE experiment_id = ?`,
        ).get(steps, experimentId) as { runs: number; finished: number; stepsDone: number },
    );
  }

  /** Runs of an experiment by status. */
  runStatusCounts(experimentId: number): Record<string, number> {
    const rows = this.read(() => this.sql('SELECT status, COUNT(*) AS n FROM runs WHERE experiment_id = ? GROUP BY status').all(experimentId) as { status: string; n: number }[]);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** The first run (in grid order) of an experiment with `status`, or null. */
  firstRunWithStatus(experimentId: number, status: RunRecordStatus): RunRecord | null {
    return this.read(() => {
      const row = this.sql('SELECT * FROM runs WHERE experiment_id = ? AND status = ? ORDER BY cell, teacher, lr_index LIMIT 1').get(experimentId, status) as RunRow | undefined;
      return row === undefined ? null : toRun(row);
    });
  }

  /** Up to `limit` runs of an experiment with `status`, in grid order. */
  runsWithStatus(experimentId: number, status: RunRecordStatus, limit: number): RunRecord[] {
    return this.read(() => (this.sql('SELECT * FROM runs WHERE experiment_id = ? AND status = ? ORDER BY cell, teacher, lr_index LIMIT ?').all(experimentId, status, limit) as RunRow[]).map(toRun));
  }

  getRun(runId: number): RunRecord | null {
    return this.read(() => {
      const row = this.sql('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
      return row === undefined ? null : toRun(row);
    });
  }

  setRunStatus(runId: number, status: RunRecordStatus, error: string | null = null): void {
    this.write(() => this.sql(SET_RUN_STATUS).run(status, error, runId));
  }

  /** Set several runs' status in one write transaction (or in the caller's). */
  setRunStatuses(runIds: readonly number[], status: RunRecordStatus): void {
    this.storeRunEnds([], runIds.map((runId) => ({ runId, status, error: null })));
  }

  setRunDescriptor(runId: number, descriptor: EngineDescriptor): void {
    this.write(() => this.sql('UPDATE runs SET descriptor = ? WHERE id = ?').run(JSON.stringify(descriptor), runId));
  }

  /** A run without a checkpoint starts over: its stored points go. */
  restartRun(runId: number): void {
    this.write(() => {
      this.sql('DELETE FROM series_chunks WHERE run_id = ?').run(runId);
      this.sql('UPDATE runs SET recorded = 0, steps_done = 0 WHERE id = ?').run(runId);
    });
  }

  /**
   * Append a chunk (points from, from + 1, …; every column the same length) of a run's series and,
   * in the same transaction, its checkpoint and progress: what is stored is always a consistent
   * prefix of the run, and a checkpoint always matches the points stored with it.
   */
  appendSeries(runId: number, chunk: Partial<RunSeries>, from: number, progress: { stepsDone: number; checkpoint: EngineCheckpoint | null; status?: RunRecordStatus }): void {
    this.write(() => {
      const count = chunk.step?.length ?? 0;
      const to = from + count;
      this.appendChunks(runId, chunk, from, count);
      if (progress.checkpoint !== null && progress.checkpoint.recorded !== to) {
        throw new Error(`run ${runId}: checkpoint after point ${progress.checkpoint.recorded}, chunk ends at ${to}`);
      }
      this
        .sql('UPDATE runs SET recorded = ?, steps_done = ?, checkpoint = ?, status = COALESCE(?, status) WHERE id = ?')
        .run(to, progress.stepsDone, progress.checkpoint === null ? null : JSON.stringify(progress.checkpoint), progress.status ?? null, runId);
    });
  }

  /**
   * Runs' outcomes many at a time, for the lab's write-behind (lab.ts): a preview run lasts a
   * millisecond or two, less than a commit. One write transaction (or the caller's) stores every
   * ended run — its last points, steps, descriptor when it has none stored yet, status; checkpoint
   * cleared — and sets the status of others (`statuses`: cancelled or failed ones, with their
   * error). Each append is checked as `appendSeries` checks it, by the same code.
   */
  storeRunEnds(ends: readonly RunEnd[], statuses: readonly { runId: number; status: RunRecordStatus; error: string | null }[] = []): void {
    this.write(() => {
      for (const end of ends) {
        const count = end.chunk.step?.length ?? 0;
        this.appendChunks(end.runId, end.chunk, end.from, count);
        this
          .sql('UPDATE runs SET recorded = ?, steps_done = ?, checkpoint = NULL, descriptor = COALESCE(?, descriptor), status = ? WHERE id = ?')
          .run(end.from + count, end.stepsDone, end.descriptor === null ? null : JSON.stringify(end.descriptor), end.status, end.runId);
      }
      const status = this.sql(SET_RUN_STATUS);
      for (const { runId, status: value, error } of statuses) status.run(value, error, runId);
    });
  }

  /**
   * The one place series chunks are added (appends, run ends, imports): `count` points of `chunk`
   * from point `from`, which must be where the run's stored points end. In the caller's transaction.
   */
  private appendChunks(runId: number, chunk: Partial<RunSeries>, from: number, count: number): void {
    const row = this.sql('SELECT recorded, columns FROM runs WHERE id = ?').get(runId) as { recorded: number; columns: string } | undefined;
    if (row === undefined) throw new RangeError(`no run ${runId}`);
    if (from !== row.recorded) throw new Error(`run ${runId}: append at point ${from}, but ${row.recorded} are stored`);
    const insert = this.sql('INSERT INTO series_chunks (run_id, start, count, data) VALUES (?, ?, ?, ?)');
    for (const [start, n, data] of seriesPieces(chunk, JSON.parse(row.columns) as string[], from, count, this.chunkFormat)) insert.run(runId, start, n, data);
  }

  /** Runs finished and steps done of experiments, as stored (a runner in another process reports nothing else). */
  storedProgress(experimentIds: readonly number[]): StoredProgress[] {
    const query = `SELECT experiment_id AS experimentId, COUNT(*) AS runsTotal, TOTAL(status IN ${FINISHED_RUN}) AS runsDone, TOTAL(steps_done) AS stepsDone
      FROM runs WHERE experiment_id IN (SELECT value FROM json_each(?)) GROUP BY experiment_id`;
    return experimentIds.length === 0 ? [] : this.read(() => this.sql(query).all(JSON.stringify(experimentIds)) as StoredProgress[]);
  }

  /** A cell's runs that have a descriptor (they were started), teachers `fromTeacher`…`toTeacher`, by teacher then learning rate. */
  describedRuns(experimentId: number, cell: number, fromTeacher: number, toTeacher: number): RunRecord[] {
    return this.read(() =>
      (this.sql('SELECT * FROM runs WHERE experiment_id = ? AND cell = ? AND teacher BETWEEN ? AND ? AND descriptor IS NOT NULL ORDER BY teacher, lr_index').all(experimentId, cell, fromTeacher, toTeacher) as RunRow[]).map(toRun),
    );
  }

  /** The runs that have a descriptor, counted by status. */
  describedRunStatusCounts(experimentId: number): Record<string, number> {
    const rows = this.read(() => this.sql('SELECT status, COUNT(*) AS n FROM runs WHERE experiment_id = ? AND descriptor IS NOT NULL GROUP BY status').all(experimentId) as { status: string; n: number }[]);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /**
   * One column of a run's stored series (undefined when the run does not record it), read chunk by
   * chunk: a long run's other columns are never in memory.
   */
  loadColumn(run: RunRecord, name: string): Float64Array | undefined {
    const c = run.columns.indexOf(name);
    if (c < 0) return undefined;
    const out = new Float64Array(run.recorded);
    this.read(() => {
      for (const chunk of this.sql('SELECT start, count, data FROM series_chunks WHERE run_id = ? ORDER BY start').iterate(run.id) as IterableIterator<SeriesChunkRow>) {
        const block = chunkBlock(chunk, run.columns, this.chunkFormat);
        out.set(block.subarray(c * chunk.count, (c + 1) * chunk.count), chunk.start);
      }
    });
    return out;
  }

  /** A run's stored series, one Float64Array per column. */
  loadSeries(runId: number): RunSeries {
    return this.read(() => {
      const run = this.getRun(runId);
      if (run === null) throw new RangeError(`no run ${runId}`);
      return this.readSeries(run);
    });
  }

  private readSeries(run: RunRecord): RunSeries {
    return assembleRunSeries(run, this.sql('SELECT start, count, data FROM series_chunks WHERE run_id = ? ORDER BY start').all(run.id) as SeriesChunkRow[], this.chunkFormat);
  }

  /** Every run of an experiment with its series, read in one transaction (a consistent snapshot). */
  loadExperimentRuns(experimentId: number): { run: RunRecord; series: RunSeries }[] {
    return this.read(() => this.listRuns(experimentId).map((run) => ({ run, series: this.readSeries(run) })));
  }

  /**
   * Every run's series of an experiment in one metric-major block, for drawing: run i's column c
   * is data[offset_i + c·recorded_i …]. One query, one copy; read in one transaction. With
   * `wanted`, only those of the runs' columns are decoded and kept (a chart's two of six).
   */
  loadSeriesBlock(experimentId: number, keep?: ((run: RunRecord) => boolean) | AtCellRates, wanted?: readonly string[]): { runs: RunRecord[]; columns: string[]; data: Float64Array<ArrayBuffer> } {
    return this.read(() => {
      const runs = keep === undefined ? this.listRuns(experimentId) : typeof keep === 'function' ? this.listRuns(experimentId).filter(keep) : this.runsAtCellRates(experimentId, keep.cellRates);
      // A subset is read by run id, so the chunks of runs left out are never read from the file.
      const chunks = (
        keep === undefined
          ? this.sql('SELECT c.run_id AS runId, c.start AS start, c.count AS count, c.data AS data FROM series_chunks c JOIN runs r ON r.id = c.run_id WHERE r.experiment_id = ?').iterate(experimentId)
          : this.sql('SELECT run_id AS runId, start, count, data FROM series_chunks WHERE run_id IN (SELECT value FROM json_each(?))').iterate(JSON.stringify(runs.map((r) => r.id)))
      ) as IterableIterator<SeriesChunkRow>;
      try {
        const { columns, data } = assembleSeriesBlock(runs, chunks, this.chunkFormat, wanted);
        return { runs, columns, data };
      } finally {
        // A block with no runs or no columns never reads its chunks (a random-features experiment
        // has no cell rate): the statement would stay open and keep the connection busy for every
        // later query.
        chunks.return?.();
      }
    });
  }

  /**
   * After a crash: experiments left `running` (or `queued`, by a process that died before starting
   * them) whose runner is gone (`isOrphan`, liveness.ts), and their running runs, become
   * `interrupted`. A Slurm sweep's experiment stays queued while its tasks run on the cluster
   * (its runner is the cluster, not the process that submitted it). Looked at without the write lock first, so that opening a busy history to read
   * it does not queue behind the writers.
   */
  markInterrupted(isOrphan: (runner: Runner | null, experimentId: number) => boolean = orphanTest()): { experiments: number[]; runs: number } {
    const orphans = () =>
      (this.sql(`SELECT id, runner_pid, runner_host, runner_start FROM experiments WHERE status IN ('running', 'queued') AND id NOT IN (SELECT experiment_id FROM cluster_jobs)`).all() as ExperimentRow[]).filter((e) => isOrphan(toRunner(e), e.id)).map((e) => e.id);
    if (this.read(orphans).length === 0) return { experiments: [], runs: 0 };
    return this.write(() => {
      const ids = orphans();
      let runs = 0;
      for (const id of ids) {
        runs += this.sql(`UPDATE runs SET status = 'interrupted' WHERE experiment_id = ? AND status = 'running'`).run(id).changes;
        this.sql(`UPDATE experiments SET status = 'interrupted', runner_pid = NULL, runner_host = NULL, runner_start = NULL WHERE id = ?`).run(id);
      }
      return { experiments: ids, runs };
    });
  }
}
