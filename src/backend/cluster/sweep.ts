/**
 * `w2s sweep SPEC --slurm`: store the experiment (queued, its cluster job recorded), write its job
 * directory (spec, shard plan, sbatch script) and submit one `sbatch --array`. If anything fails
 * before Slurm has the job, the experiment and the directory are removed again: nothing is left
 * half-made. `w2s sweep --resubmit ID` submits again only the tasks that failed or are missing.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { eachRunKey, runCount } from '../../engine/grid';
import type { ExperimentSpec } from '../../engine/spec';
import { APP_VERSION } from '../../shared/app';
import { ClusterRecords } from '../store/cluster';
import type { RunStore } from '../store/store';
import { type CollectReport, collect, sweepStatus } from './collect';
import { jobFiles, writeFileAtomic } from './jobDir';
import { makePlan, planTasks, type ShardPlan } from './plan';
import { checkDir, sbatchScript, type SlurmOptions } from './script';
import { requireSbatch, submitArray } from './slurm';

export interface SweepRequest {
  readonly spec: ExperimentSpec;
  readonly options: SlurmOptions;
  /** The job directory (absolute); default `<cwd>/w2s-sweeps/experiment-<id>-<sweep>`. */
  readonly dir?: string;
  /** How a compute node starts w2s: node's path and bin/w2s.cjs's. */
  readonly launcher: readonly string[];
}

export interface SweepSubmitted {
  readonly experimentId: number;
  readonly jobId: string;
  readonly dir: string;
  readonly plan: ShardPlan;
  readonly script: string;
}

/** The options as recorded with the sweep (and shown by collect). */
function recorded(options: SlurmOptions): Record<string, unknown> {
  return { ...options, sbatchArgs: [...options.sbatchArgs] };
}

/** The plan and script `--dry-run` prints: nothing is stored, written or submitted. */
export function previewSweep(request: SweepRequest): { plan: ShardPlan; script: string; dir: string } {
  const dir = request.dir ?? join(process.cwd(), 'w2s-sweeps', 'experiment-ID');
  const plan = makePlan(request.spec, request.options.tasks, 'dry-run', 0);
  const script = sbatchScript({ experimentId: null, dir: checkDir(dir), runs: plan.runs, balance: plan.balance, options: request.options, launcher: request.launcher, appVersion: APP_VERSION });
  return { plan, script, dir };
}

/** The job directory's files and folders (jobDir.ts lists them). */
export function writeJobDir(dir: string, spec: ExperimentSpec, plan: ShardPlan, script: string): void {
  const files = jobFiles(dir);
  for (const sub of [files.tasks, files.shards, files.logs]) mkdirSync(sub, { recursive: true });
  writeFileAtomic(files.spec, `${JSON.stringify(spec, null, 1)}\n`);
  writeFileAtomic(files.plan, `${JSON.stringify(plan)}\n`);
  writeFileAtomic(files.script, script);
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (other sweeps), or gone: leave it.
  }
}

function isEmptyOrAbsent(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

export async function submitSweep(store: RunStore, request: SweepRequest): Promise<SweepSubmitted> {
  // Refusals that need nothing stored come first.
  requireSbatch('w2s sweep --slurm');
  if (request.dir !== undefined) {
    checkDir(request.dir);
    if (!isEmptyOrAbsent(request.dir)) throw new RangeError(`--dir ${request.dir} is not empty: give each sweep a directory of its own`);
  }
  const sweep = randomUUID();
  planTasks(runCount(request.spec), request.options.tasks); // --tasks against the run count, before anything is stored
  const records = new ClusterRecords(store);
  const { experimentId, dir, plan } = store.write(() => {
      const id = store.createExperiment(request.spec, eachRunKey(request.spec));
      const where = checkDir(request.dir ?? join(process.cwd(), 'w2s-sweeps', `experiment-${id}-${sweep.slice(0, 8)}`));
      const made = makePlan(request.spec, request.options.tasks, sweep, id);
      records.create(id, { sweep, dir: where, options: recorded(request.options), runsPerTask: made.tasks.map((t) => t.length) });
      return { experimentId: id, dir: where, plan: made };
    });
  const createdDir = !existsSync(dir);
  try {
    const files = jobFiles(dir);
    const script = sbatchScript({ experimentId, dir, runs: plan.runs, balance: plan.balance, options: request.options, launcher: request.launcher, appVersion: APP_VERSION });
    writeJobDir(dir, request.spec, plan, script);
    const all = plan.tasks.map((_, i) => i);
    const jobId = await submitArray(files.script, all);
    records.recordSubmission(experimentId, all, jobId);
    return { experimentId, jobId, dir, plan, script };
  } catch (error) {
    store.deleteExperiment(experimentId);
    if (createdDir) rmSync(dir, { recursive: true, force: true });
    else for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
    // The default parent folder, if this refused sweep was its first.
    if (request.dir === undefined) rmdirQuietly(dirname(dir));
    throw error;
  }
}

export interface Resubmitted {
  /** The new array job, or null when no task needed it. */
  readonly jobId: string | null;
  readonly tasks: number[];
  readonly report: CollectReport;
}

/**
 * Collect first (finished shards are imported, states refreshed), then submit the tasks that failed
 * or are missing as one new array of the same script. `args` (sbatch options) override the
 * script's, e.g. a longer --time.
 */
export async function resubmitSweep(store: RunStore, id: number, args: readonly string[] = []): Promise<Resubmitted> {
  requireSbatch('w2s sweep --resubmit');
  const report = await collect(store, id);
  const tasks = report.tasks.filter((t) => t.state === 'failed' || t.state === 'missing').map((t) => t.task);
  if (tasks.length === 0) return { jobId: null, tasks, report };
  const files = jobFiles(report.dir);
  // The old errors are the previous attempt's: a new failure writes its own.
  for (const task of tasks) rmSync(files.taskError(task), { force: true });
  const jobId = await submitArray(files.script, tasks, args);
  new ClusterRecords(store).recordSubmission(id, tasks, jobId);
  // The task states as just recorded (no second Slurm query).
  return { jobId, tasks, report: { ...(sweepStatus(store, id) ?? report), imported: report.imported, notes: report.notes } };
}
