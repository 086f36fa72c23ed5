/**
 * The run history: one SQLite file (better-sqlite3, WAL, foreign keys). Experiments, their runs
 * (teacher × learning rate), checkpoints, tags and notes; series as metric-major Float64 BLOB
 * chunks appended in transactions, never a row per point.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { RunDescriptor, RunKey } from '../../engine/experiment';
import type { RunCheckpoint, RunSeries } from '../../engine/run';
import { type ExperimentSpec, validateSpec } from '../../engine/spec';
import type { ExperimentSummary } from '../../engine/summary';
import { MIGRATIONS, SCHEMA_VERSION } from './schema';

export type ExperimentStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';
export type RunRecordStatus = 'queued' | 'running' | 'done' | 'diverged' | 'failed' | 'cancelled' | 'interrupted';

export interface ExperimentRecord {
  readonly id: number;
  readonly name: string;
  readonly setup: string;
  readonly spec: ExperimentSpec;
  readonly seed: number;
  readonly status: ExperimentStatus;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly appVersion: string;
  readonly notes: string;
  readonly tags: string[];
  readonly summary: ExperimentSummary | null;
  readonly error: string | null;
  readonly duplicatedFrom: number | null;
}

export interface RunRecord {
  readonly id: number;
  readonly experimentId: number;
  readonly key: RunKey;
  readonly status: RunRecordStatus;
  readonly descriptor: RunDescriptor | null;
  readonly columns: string[];
  readonly recorded: number;
  readonly stepsDone: number;
  readonly checkpoint: RunCheckpoint | null;
  readonly error: string | null;
}

interface ExperimentRow {
  id: number;
  name: string;
  setup: string;
  spec: string;
  seed: number;
  status: ExperimentStatus;
  created_at: string;
  finished_at: string | null;
  app_version: string;
  notes: string;
  summary: string | null;
  error: string | null;
  duplicated_from: number | null;
}

interface RunRow {
  id: number;
  experiment_id: number;
  cell: number;
  teacher: number;
  lr_index: number;
  status: RunRecordStatus;
  descriptor: string | null;
  columns: string;
  recorded: number;
  steps_done: number;
  checkpoint: string | null;
  error: string | null;
}

/** Series columns in stored order: the step, the metrics, and validation when recorded. */
export function seriesColumns(spec: ExperimentSpec): string[] {
  const columns = ['step', 'inner', 'norm', 'cos', 'accuracy', 'agreement'];
  if (spec.sft.earlyStopping === 'validation') columns.push('validation');
  return columns;
}

/** Pack the first `count` points of each column, metric-major, into one buffer. */
export function packSeries(chunk: Partial<RunSeries>, columns: string[], count: number): Buffer {
  const block = new Float64Array(count * columns.length);
  columns.forEach((name, c) => {
    const values = (chunk as Record<string, Float64Array | undefined>)[name];
    if (values === undefined || values.length < count) throw new Error(`series '${name}' has fewer than ${count} points`);
    block.set(values.subarray(0, count), c * count);
  });
  return Buffer.from(block.buffer, block.byteOffset, block.byteLength);
}

export class SchemaTooNewError extends Error {}

/** Engine time (ms) and the work it did: samples drawn and SGD steps taken. */
export interface EngineWork {
  readonly ms: number;
  readonly samples: number;
  readonly steps: number;
}

export interface StoreOptions {
  /** better-sqlite3's compiled binding to load instead of the one in node_modules (Electron's ABI). */
  readonly nativeBinding?: string;
}

export class RunStore {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(
    readonly file: string,
    private readonly appVersion: string,
    options: StoreOptions = {},
  ) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding });
    // Series chunks are ~50 kB BLOBs: large pages keep their overflow chains short (effective only
    // when the file is created), and memory-mapped reads skip a copy per page.
    if (this.schemaVersion === 0) this.db.pragma('page_size = 65536');
    this.db.pragma('mmap_size = 1073741824');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('synchronous = NORMAL');
  }

  /** Open (creating it if needed) and migrate to the current schema. */
  static open(file: string, appVersion: string, options: StoreOptions = {}): RunStore {
    const store = new RunStore(file, appVersion, options);
    try {
      store.migrate();
    } catch (error) {
      store.close();
      throw error;
    }
    return store;
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /**
   * Apply every migration above the file's user_version, each in its own transaction. An existing
   * database is first copied to FILE.bak-v<old version> (after a WAL checkpoint, so the copy is
   * whole). A file from a newer app is refused untouched.
   */
  private migrate(target = SCHEMA_VERSION): void {
    const current = this.schemaVersion;
    if (current > SCHEMA_VERSION) {
      throw new SchemaTooNewError(`${this.file} has schema version ${current}; this app (${this.appVersion}) knows up to ${SCHEMA_VERSION}: update W2S Lab`);
    }
    if (current >= target) return;
    if (current > 0 && this.file !== ':memory:' && existsSync(this.file)) {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      copyFileSync(this.file, `${this.file}.bak-v${current}`);
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= current || migration.version > target) continue;
      this.db.transaction(() => {
        this.db.exec(migration.sql);
        this.db.pragma(`user_version = ${migration.version}`);
      })();
    }
  }

  /** For tests of upgrades: open a file and migrate only up to `version`. */
  static openAtVersion(file: string, appVersion: string, version: number): RunStore {
    const store = new RunStore(file, appVersion);
    store.migrate(version);
    return store;
  }

  close(): void {
    if (this.db.open) this.db.close();
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

  /** Store a new experiment (status queued) with one queued run per key. */
  createExperiment(spec: ExperimentSpec, keys: RunKey[], options: { name?: string; duplicatedFrom?: number } = {}): number {
    const columns = JSON.stringify(seriesColumns(spec));
    const insert = this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO experiments (name, setup, spec, seed, status, created_at, app_version, duplicated_from)
           VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)`,
        )
        .run(options.name ?? spec.name ?? `${spec.setup} ${new Date().toISOString().slice(0, 16)}`, spec.setup, JSON.stringify(spec), spec.seed, new Date().toISOString(), this.appVersion, options.duplicatedFrom ?? null);
      const id = Number(info.lastInsertRowid);
      const run = this.db.prepare(`INSERT INTO runs (experiment_id, cell, teacher, lr_index, status, columns) VALUES (?, ?, ?, ?, 'queued', ?)`);
      for (const key of keys) run.run(id, key.cell, key.teacher, key.lr, columns);
      return id;
    });
    return insert();
  }

  getExperiment(id: number): ExperimentRecord | null {
    const row = this.sql('SELECT * FROM experiments WHERE id = ?').get(id) as ExperimentRow | undefined;
    return row === undefined ? null : this.toExperiment(row);
  }

  listExperiments(): ExperimentRecord[] {
    const rows = this.db.prepare('SELECT * FROM experiments ORDER BY id').all() as ExperimentRow[];
    return rows.map((row) => this.toExperiment(row));
  }

  private toExperiment(row: ExperimentRow): ExperimentRecord {
    const tags = (this.sql('SELECT tag FROM tags WHERE experiment_id = ? ORDER BY tag').all(row.id) as { tag: string }[]).map((t) => t.tag);
    return {
      id: row.id,
      name: row.name,
      setup: row.setup,
      spec: JSON.parse(row.spec) as ExperimentSpec,
      seed: row.seed,
      status: row.status,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      appVersion: row.app_version,
      notes: row.notes,
      tags,
      summary: row.summary === null ? null : (JSON.parse(row.summary) as ExperimentSummary),
      error: row.error,
      duplicatedFrom: row.duplicated_from,
    };
  }

  /** Set an experiment's status; `running` records this process as its runner. */
  setExperimentStatus(id: number, status: ExperimentStatus, error: string | null = null): void {
    const finished = status === 'done' || status === 'failed' || status === 'cancelled' ? new Date().toISOString() : null;
    const runner = status === 'running' ? process.pid : null;
    this.db.prepare('UPDATE experiments SET status = ?, error = ?, finished_at = ?, runner_pid = ? WHERE id = ?').run(status, error, finished, runner, id);
  }

  setSummary(id: number, summary: ExperimentSummary): void {
    this.db.prepare('UPDATE experiments SET summary = ? WHERE id = ?').run(JSON.stringify(summary), id);
  }

  rename(id: number, name: string): void {
    this.mustChange(this.db.prepare('UPDATE experiments SET name = ? WHERE id = ?').run(name, id), id);
  }

  setNotes(id: number, notes: string): void {
    this.mustChange(this.db.prepare('UPDATE experiments SET notes = ? WHERE id = ?').run(notes, id), id);
  }

  setTags(id: number, tags: string[]): void {
    this.db.transaction(() => {
      if (this.getExperiment(id) === null) throw new RangeError(`no experiment ${id}`);
      this.db.prepare('DELETE FROM tags WHERE experiment_id = ?').run(id);
      const insert = this.db.prepare('INSERT OR IGNORE INTO tags (experiment_id, tag) VALUES (?, ?)');
      for (const tag of tags) insert.run(id, tag);
    })();
  }

  /** Delete an experiment with its runs, series and tags. */
  deleteExperiment(id: number): void {
    this.mustChange(this.db.prepare('DELETE FROM experiments WHERE id = ?').run(id), id);
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
    const rows = this.sql('SELECT * FROM runs WHERE experiment_id = ? ORDER BY cell, teacher, lr_index').all(experimentId) as RunRow[];
    return rows.map(toRun);
  }

  getRun(runId: number): RunRecord | null {
    const row = this.sql('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
    return row === undefined ? null : toRun(row);
  }

  setRunStatus(runId: number, status: RunRecordStatus, error: string | null = null): void {
    this.db.prepare('UPDATE runs SET status = ?, error = ? WHERE id = ?').run(status, error, runId);
  }

  setRunDescriptor(runId: number, descriptor: RunDescriptor): void {
    this.db.prepare('UPDATE runs SET descriptor = ? WHERE id = ?').run(JSON.stringify(descriptor), runId);
  }

  /**
   * Append a chunk (points from, from + 1, …; every column the same length) of a run's series and,
   * in the same transaction, its checkpoint and progress: what is stored is always a consistent
   * prefix of the run, and a checkpoint always matches the points stored with it.
   */
  appendSeries(runId: number, chunk: Partial<RunSeries>, from: number, progress: { stepsDone: number; checkpoint: RunCheckpoint | null; status?: RunRecordStatus }): void {
    this.db.transaction(() => {
      const run = this.getRun(runId);
      if (run === null) throw new RangeError(`no run ${runId}`);
      if (from !== run.recorded) throw new Error(`run ${runId}: append at point ${from}, but ${run.recorded} are stored`);
      const count = chunk.step?.length ?? 0;
      const to = from + count;
      if (progress.checkpoint !== null && progress.checkpoint.recorded !== to) {
        throw new Error(`run ${runId}: checkpoint after point ${progress.checkpoint.recorded}, chunk ends at ${to}`);
      }
      if (count > 0) {
        this.sql('INSERT INTO series_chunks (run_id, start, count, data) VALUES (?, ?, ?, ?)').run(runId, from, count, packSeries(chunk, run.columns, count));
      }
      this
        .sql('UPDATE runs SET recorded = ?, steps_done = ?, checkpoint = ?, status = COALESCE(?, status) WHERE id = ?')
        .run(to, progress.stepsDone, progress.checkpoint === null ? null : JSON.stringify(progress.checkpoint), progress.status ?? null, runId);
    })();
  }

  /** A run's stored series, one Float64Array per column. */
  loadSeries(runId: number): RunSeries {
    const run = this.getRun(runId);
    if (run === null) throw new RangeError(`no run ${runId}`);
    return this.readSeries(run);
  }

  private readSeries(run: RunRecord): RunSeries {
    const chunks = this.sql('SELECT start, count, data FROM series_chunks WHERE run_id = ? ORDER BY start').all(run.id) as { start: number; count: number; data: Buffer }[];
    const columns = run.columns;
    const out: Record<string, Float64Array> = {};
    for (const name of columns) out[name] = new Float64Array(run.recorded);
    for (const chunk of chunks) {
      const block = float64View(chunk.data, chunk.count * columns.length);
      columns.forEach((name, c) => out[name].set(block.subarray(c * chunk.count, (c + 1) * chunk.count), chunk.start));
    }
    return out as unknown as RunSeries;
  }

  /** Every run of an experiment with its series, read in one transaction (a consistent snapshot). */
  loadExperimentRuns(experimentId: number): { run: RunRecord; series: RunSeries }[] {
    return this.db.transaction(() => this.listRuns(experimentId).map((run) => ({ run, series: this.readSeries(run) })))();
  }

  /**
   * Every run's series of an experiment in one metric-major block, for drawing: run i's column c
   * is data[offset_i + c·recorded_i …]. One query, one copy; read in one transaction.
   */
  loadSeriesBlock(experimentId: number, keep?: (run: RunRecord) => boolean): { runs: RunRecord[]; columns: string[]; data: Float64Array<ArrayBuffer> } {
    return this.db.transaction(() => {
      const all = this.listRuns(experimentId);
      const runs = keep === undefined ? all : all.filter(keep);
      const columns = runs[0]?.columns ?? [];
      const offsets = new Map<number, { offset: number; recorded: number }>();
      let total = 0;
      for (const run of runs) {
        offsets.set(run.id, { offset: total, recorded: run.recorded });
        total += run.recorded * columns.length;
      }
      const data = new Float64Array(total);
      // A subset is read by run id, so the chunks of runs left out are never read from the file.
      const chunks = (
        keep === undefined
          ? this.sql('SELECT c.run_id AS runId, c.start AS start, c.count AS count, c.data AS data FROM series_chunks c JOIN runs r ON r.id = c.run_id WHERE r.experiment_id = ?').iterate(experimentId)
          : this.sql('SELECT run_id AS runId, start, count, data FROM series_chunks WHERE run_id IN (SELECT value FROM json_each(?))').iterate(JSON.stringify(runs.map((r) => r.id)))
      ) as IterableIterator<{ runId: number; start: number; count: number; data: Buffer }>;
      const width = columns.length;
      for (const chunk of chunks) {
        const place = offsets.get(chunk.runId) as { offset: number; recorded: number };
        const block = float64View(chunk.data, chunk.count * width);
        for (let c = 0; c < width; c++) data.set(block.subarray(c * chunk.count, (c + 1) * chunk.count), place.offset + c * place.recorded + chunk.start);
      }
      return { runs, columns, data };
    })();
  }

  // ---- engine throughput (time estimates) -----------------------------------------------------

  /** Add a finished job's engine time and the samples and SGD steps it computed to its experiment. */
  addEngineTime(experimentId: number, work: EngineWork): void {
    this.sql('UPDATE experiments SET engine_ms = engine_ms + ?, engine_samples = engine_samples + ?, engine_steps = engine_steps + ? WHERE id = ?').run(work.ms, work.samples, work.steps, experimentId);
  }

  /** The engine work of the most recent experiments that did any, newest first, with their specs. */
  recentEngineWork(limit: number): { spec: ExperimentSpec; work: EngineWork }[] {
    const rows = this.sql('SELECT spec, engine_ms, engine_samples, engine_steps FROM experiments WHERE engine_ms > 0 ORDER BY id DESC LIMIT ?').all(limit) as {
      spec: string;
      engine_ms: number;
      engine_samples: number;
      engine_steps: number;
    }[];
    return rows.map((r) => ({ spec: JSON.parse(r.spec) as ExperimentSpec, work: { ms: r.engine_ms, samples: r.engine_samples, steps: r.engine_steps } }));
  }

  /** The calibration probe's figure for an engine path, if it ever ran on this history. */
  getCalibration(path: string): { nsPerUnit: number; measuredAt: string } | null {
    const row = this.sql('SELECT ns_per_unit, measured_at FROM engine_calibration WHERE path = ?').get(path) as { ns_per_unit: number; measured_at: string } | undefined;
    return row === undefined ? null : { nsPerUnit: row.ns_per_unit, measuredAt: row.measured_at };
  }

  setCalibration(path: string, nsPerUnit: number): void {
    this.sql('INSERT OR REPLACE INTO engine_calibration (path, ns_per_unit, measured_at) VALUES (?, ?, ?)').run(path, nsPerUnit, new Date().toISOString());
  }

  /**
   * After a crash: experiments left `running` by a process that is gone, and their running runs,
   * become `interrupted`. Returns how many runs. (A live runner on this machine keeps its own.)
   */
  markInterrupted(isAlive: (pid: number) => boolean = processIsAlive): number {
    return this.db.transaction(() => {
      const orphans = (this.db.prepare(`SELECT id, runner_pid FROM experiments WHERE status = 'running'`).all() as { id: number; runner_pid: number | null }[])
        .filter((e) => e.runner_pid === null || e.runner_pid === process.pid || !isAlive(e.runner_pid))
        .map((e) => e.id);
      let runs = 0;
      for (const id of orphans) {
        runs += this.db.prepare(`UPDATE runs SET status = 'interrupted' WHERE experiment_id = ? AND status = 'running'`).run(id).changes;
        this.db.prepare(`UPDATE experiments SET status = 'interrupted', runner_pid = NULL WHERE id = ?`).run(id);
      }
      return runs;
    })();
  }
}

/** The doubles in a BLOB: a view when the Buffer is 8-byte aligned, else an aligned copy. */
function float64View(data: Buffer, length: number): Float64Array {
  if (data.byteOffset % 8 === 0) return new Float64Array(data.buffer, data.byteOffset, length);
  const copy = new Float64Array(length);
  new Uint8Array(copy.buffer).set(data.subarray(0, length * 8));
  return copy;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    experimentId: row.experiment_id,
    key: { cell: row.cell, teacher: row.teacher, lr: row.lr_index },
    status: row.status,
    descriptor: row.descriptor === null ? null : (JSON.parse(row.descriptor) as RunDescriptor),
    columns: JSON.parse(row.columns) as string[],
    recorded: row.recorded,
    stepsDone: row.steps_done,
    checkpoint: row.checkpoint === null ? null : (JSON.parse(row.checkpoint) as RunCheckpoint),
    error: row.error,
  };
}
