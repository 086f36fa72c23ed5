/**
 * `w2s collect ID` and the app's Collect button: ask Slurm what became of each array task, import
 * every finished shard (each in one transaction; a shard already imported is skipped, so collecting
 * twice changes nothing), store each failed task's error, and once every shard is in, summarise the
 * experiment as a local run is summarised: from then on it is an ordinary experiment.
 */
import { existsSync } from 'node:fs';
import { readBundleFile } from '../exchange';
import { summarizeStored } from '../storedSummary';
import { type ClusterJobRecord, ClusterRecords, type ClusterTaskState } from '../store/cluster';
import type { ExperimentStatus, RunStore } from '../store/store';
import { JobDirError, jobFiles, lastLogLine, readJobDir, readTaskError } from './jobDir';
import { balance } from './plan';
import { checkShard, expectationOf, importShard, ShardError } from './shards';
import { queryTasks, type SlurmTaskRecord, taskPhase } from './slurm';

export interface TaskView {
  readonly task: number;
  readonly runs: number;
  readonly state: ClusterTaskState;
  readonly slurmState: string | null;
  readonly jobId: string | null;
  readonly submissions: number;
  readonly error: string | null;
}

export type TaskCounts = Record<ClusterTaskState, number>;

export interface SweepStatus {
  readonly experimentId: number;
  readonly status: ExperimentStatus;
  readonly dir: string;
  /** Array job ids of the submissions, oldest first. */
  readonly jobIds: string[];
  readonly counts: TaskCounts;
  readonly tasks: TaskView[];
  readonly collectedAt: string | null;
  /** Measured once every shard is in: the tasks' engine time, slowest ÷ mean. */
  readonly balance: number | null;
}

export interface CollectReport extends SweepStatus {
  /** Shards imported by this collect. */
  readonly imported: number;
  /** What could not be asked of Slurm (the shards found were still imported). */
  readonly notes: string[];
}

/** The sweep's state as last collected, without asking Slurm; null when `id` is not a sweep. */
export function sweepStatus(store: RunStore, id: number): SweepStatus | null {
  const job = new ClusterRecords(store).get(id);
  const experiment = store.getExperiment(id);
  return job === null || experiment === null ? null : statusOf(job, experiment.status);
}

export function listSweeps(store: RunStore): SweepStatus[] {
  return new ClusterRecords(store).list().flatMap((job) => {
    const experiment = store.getExperiment(job.experimentId);
    return experiment === null ? [] : [statusOf(job, experiment.status)];
  });
}

function statusOf(job: ClusterJobRecord, status: ExperimentStatus): SweepStatus {
  const counts: TaskCounts = { done: 0, running: 0, pending: 0, failed: 0, missing: 0 };
  for (const t of job.tasks) counts[t.state]++;
  const engine = job.tasks.map((t) => t.engineMs ?? 0);
  return {
    experimentId: job.experimentId,
    status,
    dir: job.dir,
    jobIds: [...new Set(job.tasks.flatMap((t) => (t.jobId === null ? [] : [t.jobId])))].sort((a, b) => Number(a) - Number(b)),
    counts,
    tasks: job.tasks.map((t) => ({ task: t.task, runs: t.runs, state: t.state, slurmState: t.slurmState, jobId: t.jobId, submissions: t.submissions, error: t.error })),
    collectedAt: job.collectedAt,
    balance: counts.done === job.tasks.length && engine.every((ms) => ms > 0) ? balance(engine) : null,
  };
}

/** Why a task ended without a shard, from what it stored, its log, and Slurm's account. */
function failure(dir: string, task: number, record: SlurmTaskRecord): string {
  const slurm = `Slurm: ${record.state}${record.reason === null ? '' : ` (${record.reason})`}${record.exitCode === null ? '' : `, exit ${record.exitCode}`}`;
  const stored = readTaskError(dir, task);
  if (stored !== null) return `${stored} (${slurm})`;
  if (record.exitCode?.startsWith('66:')) return `the compute node could not read the job directory ${dir} (${slurm}): put --dir on a filesystem the compute nodes share`;
  const log = lastLogLine(dir, task);
  if (log === null || record.reason === 'JobLaunchFailure') {
    return `the task left no log in ${jobFiles(dir).logs} (${slurm}): the compute nodes probably cannot read or write the job directory ${dir}; put --dir on a filesystem they share`;
  }
  return `${log} (${slurm})`;
}

export async function collect(store: RunStore, id: number): Promise<CollectReport> {
  const records = new ClusterRecords(store);
  const job = records.get(id);
  if (job === null) throw new RangeError(`experiment ${id} is not a Slurm sweep (w2s sweep --slurm makes one)`);
  const open = job.tasks.filter((t) => t.state !== 'done');
  let imported = 0;
  const notes: string[] = [];
  if (open.length > 0) {
    const dir = readJobDir(job.dir);
    if (dir.plan.sweep !== job.sweep || dir.plan.experimentId !== id) throw new JobDirError(`${job.dir} holds another sweep (experiment ${dir.plan.experimentId}) than experiment ${id}'s`);
    const jobIds = [...new Set(open.flatMap((t) => (t.jobId === null ? [] : [t.jobId])))];
    const answer = await queryTasks(jobIds);
    notes.push(...answer.notes);
    const slurm = new Map(answer.records.map((r) => [`${r.jobId}_${r.task}`, r]));
    const files = jobFiles(job.dir);
    for (const t of open) {
      const record = t.jobId === null ? undefined : slurm.get(`${t.jobId}_${t.task}`);
      const slurmState = record?.state ?? t.slurmState;
      const shard = files.shard(t.task);
      if (existsSync(shard)) {
        try {
          if (importShard(store, id, await checkShard(readBundleFile(shard), expectationOf(dir, t.task)), record?.state ?? null)) imported++;
        } catch (error) {
          if (!(error instanceof ShardError)) throw error;
          records.setTaskState(id, t.task, 'failed', slurmState, `shard ${shard} refused: ${error.message}`);
        }
        continue;
      }
      if (record === undefined) {
        const why = t.jobId === null ? 'never submitted' : `Slurm no longer lists job ${t.jobId}_${t.task}${answer.notes.length > 0 ? ` (${answer.notes.join('; ')})` : ''}, and there is no shard`;
        records.setTaskState(id, t.task, 'missing', slurmState, why);
        continue;
      }
      const phase = taskPhase(record.state);
      if (phase === 'pending' || phase === 'running') {
        records.setTaskState(id, t.task, phase, record.reason === null ? record.state : `${record.state} (${record.reason})`, null);
      } else if (phase === 'completed') {
        records.setTaskState(id, t.task, 'failed', record.state, readTaskError(job.dir, t.task) ?? `Slurm says it COMPLETED, but ${shard} is not there (on a network filesystem a new file can take seconds to appear: collect again, or resubmit)`);
      } else {
        records.setTaskState(id, t.task, 'failed', record.state, failure(job.dir, t.task, record));
      }
    }
    records.setCollected(id);
  }
  finalizeIfComplete(store, id);
  const status = sweepStatus(store, id) as SweepStatus;
  return { ...status, imported, notes };
}

/** Every shard in: summarise as a local run is summarised, and the experiment is done (once). */
function finalizeIfComplete(store: RunStore, id: number): void {
  const job = new ClusterRecords(store).get(id);
  const experiment = store.getExperiment(id);
  if (job === null || experiment === null || experiment.status === 'done' || job.tasks.some((t) => t.state !== 'done')) return;
  const { summary, trajectories } = summarizeStored(store, id);
  store.write(() => {
      if (store.getExperiment(id)?.status === 'done') return;
      store.setSummary(id, summary, trajectories);
      const failed = store.firstRunWithStatus(id, 'failed');
      store.setExperimentStatus(id, failed === null ? 'done' : 'failed', failed?.error ?? null);
    });
}
