/**
 * The run store's schema, one migration per version (PRAGMA user_version). An upgrade runs under
 * the write lock in one transaction; the file is copied aside first (migrate.ts).
 */

import type Database from 'better-sqlite3';
import { float64Block } from '../../shared/seriesCodec';
import { encodeBlock } from './seriesEncoding';

export interface Migration {
  readonly version: number;
  readonly sql: string;
  /** Rows rewritten in code after `sql`, in the same transaction. */
  readonly convert?: (db: Database.Database) => void;
  /**
   * The migration rebuilds a table that others reference: foreign keys are off while it runs
   * (dropping the old table would otherwise cascade into them) and checked before it commits.
   */
  readonly rebuildsTables?: boolean;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE experiments (
        id           INTEGER PRIMARY KEY,
        name         TEXT NOT NULL,
        setup        TEXT NOT NULL,
        spec         TEXT NOT NULL,
        seed         INTEGER NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
        created_at   TEXT NOT NULL,
        finished_at  TEXT,
        app_version  TEXT NOT NULL,
        notes        TEXT NOT NULL DEFAULT '',
        summary      TEXT,
        error        TEXT
      );
      CREATE TABLE tags (
        experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        tag           TEXT NOT NULL,
        PRIMARY KEY (experiment_id, tag)
      );
      CREATE TABLE runs (
        id             INTEGER PRIMARY KEY,
        experiment_id  INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        cell           INTEGER NOT NULL,
        teacher        INTEGER NOT NULL,
        lr_index       INTEGER NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'diverged', 'failed', 'cancelled', 'interrupted')),
        descriptor     TEXT,
        columns        TEXT NOT NULL,
        recorded       INTEGER NOT NULL DEFAULT 0,
        checkpoint     TEXT,
        error          TEXT,
        UNIQUE (experiment_id, cell, teacher, lr_index)
      );
      CREATE INDEX runs_by_experiment ON runs(experiment_id, status);
      -- Series: metric-major Float64 blocks of \`count\` points starting at point \`start\`.
      CREATE TABLE series_chunks (
        run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        start   INTEGER NOT NULL,
        count   INTEGER NOT NULL,
        data    BLOB NOT NULL,
        PRIMARY KEY (run_id, start)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Provenance of duplicated experiments; the process running an experiment (so that a second
    // process on the same file does not take live runs for interrupted ones); a run's progress.
    version: 2,
    sql: `
      ALTER TABLE experiments ADD COLUMN duplicated_from INTEGER REFERENCES experiments(id) ON DELETE SET NULL;
      ALTER TABLE experiments ADD COLUMN runner_pid INTEGER;
      ALTER TABLE runs ADD COLUMN steps_done INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX experiments_by_created ON experiments(created_at);
    `,
  },
  {
    // The engine's measured throughput, for time estimates without a benchmark: per experiment
    // the engine time its jobs took and the samples and steps they computed (summed over resumes),
    // and per path the result of the one-off calibration probe run on an empty history.
    version: 3,
    sql: `
      ALTER TABLE experiments ADD COLUMN engine_ms REAL NOT NULL DEFAULT 0;
      ALTER TABLE experiments ADD COLUMN engine_samples REAL NOT NULL DEFAULT 0;
      ALTER TABLE experiments ADD COLUMN engine_steps REAL NOT NULL DEFAULT 0;
      CREATE TABLE engine_calibration (
        path         TEXT PRIMARY KEY,
        ns_per_unit  REAL NOT NULL,
        measured_at  TEXT NOT NULL
      );
    `,
  },
  {
    // Sweeps run as a Slurm job array (src/backend/cluster): the job directory and its shard plan
    // per experiment, and per array task its latest submission, its state and its imported shard.
    // The experiment itself stays an ordinary one (queued until every shard is in).
    version: 4,
    sql: `
      CREATE TABLE cluster_jobs (
        experiment_id  INTEGER PRIMARY KEY REFERENCES experiments(id) ON DELETE CASCADE,
        sweep          TEXT NOT NULL UNIQUE,
        dir            TEXT NOT NULL,
        tasks          INTEGER NOT NULL CHECK (tasks >= 1),
        options        TEXT NOT NULL,
        created_at     TEXT NOT NULL,
        collected_at   TEXT
      );
      CREATE TABLE cluster_tasks (
        experiment_id  INTEGER NOT NULL REFERENCES cluster_jobs(experiment_id) ON DELETE CASCADE,
        task           INTEGER NOT NULL CHECK (task >= 0),
        runs           INTEGER NOT NULL,
        job_id         TEXT,
        submissions    INTEGER NOT NULL DEFAULT 0,
        state          TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'missing')),
        slurm_state    TEXT,
        error          TEXT,
        shard_sha256   TEXT,
        engine_ms      REAL,
        wall_ms        REAL,
        imported_at    TEXT,
        PRIMARY KEY (experiment_id, task)
      ) WITHOUT ROWID;
    `,
  },
  {
    // The runner's host and start time: a history on a shared disk holds other machines' live runs,
    // and a pid can be reused. A change counter of the experiments list (rows, statuses, names,
    // notes, tags): another process reading the history sees at a glance whether to reload it.
    version: 5,
    sql: `
      ALTER TABLE experiments ADD COLUMN runner_host TEXT;
      ALTER TABLE experiments ADD COLUMN runner_start TEXT;
      CREATE TABLE history_revision (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
      INSERT INTO history_revision (id, revision) VALUES (1, 0);
      CREATE TRIGGER experiments_added AFTER INSERT ON experiments BEGIN UPDATE history_revision SET revision = revision + 1; END;
      CREATE TRIGGER experiments_changed AFTER UPDATE ON experiments BEGIN UPDATE history_revision SET revision = revision + 1; END;
      CREATE TRIGGER experiments_removed AFTER DELETE ON experiments BEGIN UPDATE history_revision SET revision = revision + 1; END;
      CREATE TRIGGER tags_added AFTER INSERT ON tags BEGIN UPDATE history_revision SET revision = revision + 1; END;
      CREATE TRIGGER tags_removed AFTER DELETE ON tags BEGIN UPDATE history_revision SET revision = revision + 1; END;
    `,
  },
  {
    // Experiment ids are never reused: rowids without AUTOINCREMENT hand the deleted newest
    // experiment's id to the next one, and sidecars, notes ("re-run of #10"), duplicatedFrom and
    // compare URLs would then name another experiment. The table is rebuilt with AUTOINCREMENT,
    // every row keeping its id (sqlite_sequence starts at the largest); its index and the
    // history's change triggers are made again.
    version: 6,
    rebuildsTables: true,
    sql: `
      CREATE TABLE experiments_v6 (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        name            TEXT NOT NULL,
        setup           TEXT NOT NULL,
        spec            TEXT NOT NULL,
        seed            INTEGER NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
        created_at      TEXT NOT NULL,
        finished_at     TEXT,
        app_version     TEXT NOT NULL,
        notes           TEXT NOT NULL DEFAULT '',
        summary         TEXT,
        error           TEXT,
        duplicated_from INTEGER REFERENCES experiments(id) ON DELETE SET NULL,
        runner_pid      INTEGER,
        engine_ms       REAL NOT NULL DEFAULT 0,
        engine_samples  REAL NOT NULL DEFAULT 0,
        engine_steps    REAL NOT NULL DEFAULT 0,
        runner_host     TEXT,
        runner_start    TEXT
      );
      INSERT INTO experiments_v6 (id, name, setup, spec, seed, status, created_at, finished_at, app_version, notes, summary, error,
                                  duplicated_from, runner_pid, engine_ms, engine_samples, engine_steps, runner_host, runner_start)
        SELECT id, name, setup, spec, seed, status, created_at, finished_at, app_version, notes, summary, error,
               duplicated_from, runner_pid, engine_ms, engine_samples, engine_steps, runner_host, runner_start FROM experiments;
      DROP TABLE experiments;
      ALTER TABLE experiments_v6 RENAME TO experiments;
      CREATE INDEX experiments_by_created ON experiments(created_at);
      CREATE TRIGGER experiments_added AFTER INSERT ON experiments BEGIN UPDATE history_revision SET revision = revision + 1; END;
      CREATE TRIGGER experiments_changed AFTER UPDATE ON experiments BEGIN UPDATE history_revision SET revision = revision + 1; END;
      CREATE TRIGGER experiments_removed AFTER DELETE ON experiments BEGIN UPDATE history_revision SET revision = revision + 1; END;
    `,
  },
  {
    // A grid of more than a few thousand runs has its runs stored in batches after the experiment
    // (lab.ts): the next run index to store, while some are left. A process that dies meanwhile
    // leaves the row, and resuming the experiment stores the rest first.
    version: 7,
    sql: `
      CREATE TABLE run_inserts (
        experiment_id  INTEGER PRIMARY KEY REFERENCES experiments(id) ON DELETE CASCADE,
        next           INTEGER NOT NULL CHECK (next >= 0)
      );
    `,
  },
  {
    // A summary's per-step mean trajectories, one per cell, as metric-major Float64 chunks (the
    // columns of engine/summary.ts TRAJECTORY_COLUMNS), apart from the summary's JSON: as JSON they
    // grew with the steps (183 MB at 10⁶ steps) until one could not be written at all. Summaries
    // stored before keep their trajectories inline and are read as they are.
    version: 8,
    sql: `
      CREATE TABLE summary_trajectories (
        experiment_id  INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        cell           INTEGER NOT NULL,
        start          INTEGER NOT NULL,
        count          INTEGER NOT NULL,
        data           BLOB NOT NULL,
        PRIMARY KEY (experiment_id, cell, start)
      ) WITHOUT ROWID;
    `,
  },
  {
    // The label a user gives an experiment for comparisons ("preview", "β = 2"); null: compare names
    // it by the spec fields that differ (charts/labels.ts).
    version: 9,
    sql: `
      ALTER TABLE experiments ADD COLUMN label TEXT;
    `,
  },
  {
    // Series chunks stored compactly (seriesEncoding.ts): cos and accuracy left out where they are
    // exactly inner / norm and accuracyFromCos(cos), the rest as brotli of second differences;
    // a third of the raw doubles, read back bit for bit. The table becomes a rowid table: its
    // leaves hold a BLOB of up to a page and fill overflow pages whole (a WITHOUT ROWID leaf keeps
    // at most a quarter page and leaves the last overflow page part empty). Every chunk is
    // re-encoded into it (convertSeriesChunks); migrate.ts then packs the file into 4 KiB pages.
    version: 10,
    sql: `
      CREATE TABLE series_chunks_v10 (
        run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        start   INTEGER NOT NULL,
        count   INTEGER NOT NULL,
        data    BLOB NOT NULL,
        UNIQUE (run_id, start)
      );
    `,
    convert: convertSeriesChunks,
  },
];

/** Schema 10: each run's raw metric-major Float64 chunks re-encoded, run by run, into the new table. */
function convertSeriesChunks(db: Database.Database): void {
  const runs = db.prepare('SELECT id, columns FROM runs ORDER BY id').all() as { id: number; columns: string }[];
  const chunks = db.prepare('SELECT start, count, data FROM series_chunks WHERE run_id = ? ORDER BY start');
  const insert = db.prepare('INSERT INTO series_chunks_v10 (run_id, start, count, data) VALUES (?, ?, ?, ?)');
  for (const run of runs) {
    const columns = JSON.parse(run.columns) as string[];
    for (const chunk of chunks.all(run.id) as { start: number; count: number; data: Buffer }[]) {
      insert.run(run.id, chunk.start, chunk.count, encodeBlock(columns, float64Block(chunk.data, chunk.count * columns.length), chunk.count));
    }
  }
  db.exec('DROP TABLE series_chunks; ALTER TABLE series_chunks_v10 RENAME TO series_chunks;');
}

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The page size of a history: schema 10's chunks (~15 kB) fill 4 KiB overflow pages whole. */
export const PAGE_SIZE = 4096;

/** The first schema of compact series chunks (seriesEncoding.ts), in PAGE_SIZE pages (migrate.ts repacks older files once). */
export const PACKED_SINCE = 10;
