/**
 * A sweep's job directory, on a filesystem the login and compute nodes share:
 *
 *   spec.json            the validated spec, every default filled in
 *   plan.json            the shard plan (plan.ts)
 *   sweep.sbatch         the generated script (script.ts)
 *   tasks/task-<i>.sqlite  task i's own run store: its checkpoints, so a requeued task continues
 *   tasks/task-<i>.error   task i's last error, when it failed
 *   shards/task-<i>.w2s    task i's shard, written atomically once all its runs are done
 *   logs/task-<i>.log      what Slurm captured of task i (appended across attempts)
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { parseSpec, type ExperimentSpec } from '../../engine/spec';
import { parsePlan, type ShardPlan } from './plan';
import { refuse } from '../refusals';
import { ClusterError } from './errors';
import { errorMessage } from '../../shared/errorMessage';

export const jobFiles = (dir: string) => ({
  spec: join(dir, 'spec.json'),
  plan: join(dir, 'plan.json'),
  script: join(dir, 'sweep.sbatch'),
  tasks: join(dir, 'tasks'),
  shards: join(dir, 'shards'),
  logs: join(dir, 'logs'),
  taskStore: (task: number) => join(dir, 'tasks', `task-${task}.sqlite`),
  taskError: (task: number) => join(dir, 'tasks', `task-${task}.error`),
  shard: (task: number) => join(dir, 'shards', `task-${task}.w2s`),
  log: (task: number) => join(dir, 'logs', `task-${task}.log`),
});

/** The job directory cannot be read, or holds something else than a sweep. */
export class JobDirError extends ClusterError {}

export interface JobDir {
  readonly dir: string;
  readonly spec: ExperimentSpec;
  readonly plan: ShardPlan;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new JobDirError(`cannot read the job directory's ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}: is it on a filesystem this node shares?`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new JobDirError(`${file} is not valid JSON (${errorMessage(error)}): the job directory is damaged`);
  }
}

/** Read and check a job directory's spec and plan. */
export function readJobDir(dir: string): JobDir {
  const files = jobFiles(dir);
  const parsed = parseSpec(readJson(files.spec, 'spec'));
  if (!parsed.ok) throw new JobDirError(`${files.spec}: ${refuse.invalidSpec(parsed.errors).message}`);
  try {
    return { dir, spec: parsed.spec, plan: parsePlan(readJson(files.plan, 'plan'), parsed.spec) };
  } catch (error) {
    if (error instanceof RangeError) throw new JobDirError(`${dir}/${error.message}`);
    throw error;
  }
}

/**
 * Write a file so that readers see the old content or the whole new one, never a part: a temporary
 * file in the same directory, flushed to disk, renamed over the target, and the directory flushed.
 */
export function writeFileAtomic(file: string, content: string | Buffer): void {
  const temporary = `${file}.partial-${hostname()}-${process.pid}`;
  try {
    const fd = openSync(temporary, 'w');
    try {
      writeFileSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  try {
    const fd = openSync(dirname(file), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems cannot flush a directory; the rename is done either way.
  }
}

/** Task i's last error, as `w2s shard` stored it (null when none). */
export function readTaskError(dir: string, task: number): string | null {
  try {
    const text = readFileSync(jobFiles(dir).taskError(task), 'utf8').trim();
    return text === '' ? null : text;
  } catch {
    return null;
  }
}

/** The last line of task i's Slurm log that looks like an error (else its last line), or null. */
export function lastLogLine(dir: string, task: number): string | null {
  let text: string;
  try {
    text = readFileSync(jobFiles(dir).log(task), 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const errors = lines.filter((l) => /^(w2s|slurmstepd|error)\b/i.test(l) || /error/i.test(l));
  return errors.at(-1) ?? lines.at(-1) ?? null;
}
