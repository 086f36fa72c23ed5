/**
 * The run store's records of sweeps run as a Slurm job array (schema version 4): per experiment its
 * job directory and options, per array task its latest submission, state, error and imported
 * shard. The experiment and its runs are the store's ordinary rows; this is only the cluster's side.
 */
import type { ClusterTaskState } from '../../shared/experiment';
import type { RunStore } from './store';
import { connectionOf } from './connection';

/** A task as `w2s collect` last saw it: `done` once its shard is imported. */
export type { ClusterTaskState } from '../../shared/experiment';

export interface ClusterTaskRecord {
  readonly task: number;
  readonly runs: number;
  /** Slurm array job id of the task's latest submission (null before the first). */
  readonly jobId: string | null;
  readonly submissions: number;
  readonly state: ClusterTaskState;
  /** Slurm's own word for it (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, …), when known. */
  readonly slurmState: string | null;
  readonly error: string | null;
  readonly shardSha256: string | null;
  /** Engine time and wall time of the task, from its shard. */
  readonly engineMs: number | null;
  readonly wallMs: number | null;
  readonly importedAt: string | null;
}

export interface ClusterJobRecord {
  readonly experimentId: number;
  /** A random token naming the sweep in its plan and shards. */
  readonly sweep: string;
  readonly dir: string;
  readonly options: Record<string, unknown>;
  readonly createdAt: string;
  readonly collectedAt: string | null;
  readonly tasks: ClusterTaskRecord[];
}

interface JobRow {
  experiment_id: number;
  sweep: string;
  dir: string;
  tasks: number;
  options: string;
  created_at: string;
  collected_at: string | null;
}

interface TaskRow {
  task: number;
  runs: number;
  job_id: string | null;
  submissions: number;
  state: ClusterTaskState;
  slurm_state: string | null;
  error: string | null;
  shard_sha256: string | null;
  engine_ms: number | null;
  wall_ms: number | null;
  imported_at: string | null;
}

export class ClusterRecords {
  constructor(private readonly store: RunStore) {}

  private get db() {
    return connectionOf(this.store);
  }

  /** Record a sweep of `runsPerTask.length` tasks for a stored experiment; its tasks start `missing` (not submitted). */
  create(experimentId: number, job: { sweep: string; dir: string; options: Record<string, unknown>; runsPerTask: number[] }): void {
    this.store.write(() => {
        this.db
          .prepare('INSERT INTO cluster_jobs (experiment_id, sweep, dir, tasks, options, created_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(experimentId, job.sweep, job.dir, job.runsPerTask.length, JSON.stringify(job.options), new Date().toISOString());
        const task = this.db.prepare(`INSERT INTO cluster_tasks (experiment_id, task, runs, state) VALUES (?, ?, ?, 'missing')`);
        job.runsPerTask.forEach((runs, i) => task.run(experimentId, i, runs));
      });
  }

  get(experimentId: number): ClusterJobRecord | null {
    const row = this.db.prepare('SELECT * FROM cluster_jobs WHERE experiment_id = ?').get(experimentId) as JobRow | undefined;
    return row === undefined ? null : this.toJob(row);
  }

  list(): ClusterJobRecord[] {
    return (this.db.prepare('SELECT * FROM cluster_jobs ORDER BY experiment_id').all() as JobRow[]).map((row) => this.toJob(row));
  }

  /** Tasks submitted again (or the first time) as array job `jobId`: pending, their old error cleared. */
  recordSubmission(experimentId: number, tasks: number[], jobId: string): void {
    this.store.write(() => {
        const update = this.db.prepare(
          `UPDATE cluster_tasks SET job_id = ?, submissions = submissions + 1, state = 'pending', slurm_state = 'PENDING', error = NULL
           WHERE experiment_id = ? AND task = ? AND state != 'done'`,
        );
        for (const task of tasks) update.run(jobId, experimentId, task);
      });
  }

  /** What `w2s collect` saw of a task that is not imported. */
  setTaskState(experimentId: number, task: number, state: Exclude<ClusterTaskState, 'done'>, slurmState: string | null, error: string | null): void {
    this.db
      .prepare(`UPDATE cluster_tasks SET state = ?, slurm_state = ?, error = ? WHERE experiment_id = ? AND task = ? AND state != 'done'`)
      .run(state, slurmState, error, experimentId, task);
  }

  /** A task's shard is in: call inside the transaction that imports its runs. */
  markImported(experimentId: number, task: number, shard: { sha256: string; engineMs: number; wallMs: number; slurmState: string | null }): void {
    this.db
      .prepare(
        `UPDATE cluster_tasks SET state = 'done', slurm_state = ?, error = NULL, shard_sha256 = ?, engine_ms = ?, wall_ms = ?, imported_at = ?
         WHERE experiment_id = ? AND task = ?`,
      )
      .run(shard.slurmState, shard.sha256, shard.engineMs, shard.wallMs, new Date().toISOString(), experimentId, task);
  }

  setCollected(experimentId: number): void {
    this.db.prepare('UPDATE cluster_jobs SET collected_at = ? WHERE experiment_id = ?').run(new Date().toISOString(), experimentId);
  }

  private toJob(row: JobRow): ClusterJobRecord {
    const tasks = (this.db.prepare('SELECT * FROM cluster_tasks WHERE experiment_id = ? ORDER BY task').all(row.experiment_id) as TaskRow[]).map((t) => ({
      task: t.task,
      runs: t.runs,
      jobId: t.job_id,
      submissions: t.submissions,
      state: t.state,
      slurmState: t.slurm_state,
      error: t.error,
      shardSha256: t.shard_sha256,
      engineMs: t.engine_ms,
      wallMs: t.wall_ms,
      importedAt: t.imported_at,
    }));
    return {
      experimentId: row.experiment_id,
      sweep: row.sweep,
      dir: row.dir,
      options: JSON.parse(row.options) as Record<string, unknown>,
      createdAt: row.created_at,
      collectedAt: row.collected_at,
      tasks,
    };
  }
}
