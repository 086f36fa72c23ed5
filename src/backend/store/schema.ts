/**
 * The run store's schema, one migration per version (PRAGMA user_version). An upgrade runs under
 * the write lock in one transaction; the file is copied aside first (migrate.ts).
 */

export interface Migration {
  readonly version: number;
  readonly sql: string;
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
    // The label a user gives an experiment for comparisons ("preview", "β = 2"); null: compare names
    // it by the spec fields that differ (charts/labels.ts).
    version: 6,
    sql: `
      ALTER TABLE experiments ADD COLUMN label TEXT;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
