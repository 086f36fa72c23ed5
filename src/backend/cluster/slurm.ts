/**
 * Talking to Slurm through its commands: `sbatch` submits, `squeue` and `sacct` say what became of
 * each array task. The parsers are pure functions of the commands' text output. We schedule
 * nothing ourselves: Slurm does.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ClusterError } from './errors';

/** Slurm could not be reached or refused: the message is one line, Slurm's own words included. */
export class SlurmError extends ClusterError {}

/** One array task as squeue or sacct report it. */
export interface SlurmTaskRecord {
  readonly jobId: string;
  readonly task: number;
  /** Slurm's state word: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, … */
  readonly state: string;
  readonly reason: string | null;
  /** "exit:signal", as sacct writes it. */
  readonly exitCode: string | null;
}

/** What a Slurm state means for a task: still to run, running, finished, or ended without finishing. */
export type TaskPhase = 'pending' | 'running' | 'completed' | 'failed';

const PENDING = new Set(['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESIZING', 'SUSPENDED', 'STOPPED', 'RESV_DEL_HOLD']);
const RUNNING = new Set(['RUNNING', 'COMPLETING', 'SIGNALING', 'STAGE_OUT']);

export function taskPhase(state: string): TaskPhase {
  if (PENDING.has(state)) return 'pending';
  if (RUNNING.has(state)) return 'running';
  if (state === 'COMPLETED') return 'completed';
  // FAILED, CANCELLED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, PREEMPTED, BOOT_FAIL, DEADLINE, …
  return 'failed';
}

/** "0-3,5,7-9%2" or "[0-3,5]" → the indices (a `%` throttle is ignored). */
export function parseArrayIndices(text: string): number[] {
  const body = text.replace(/^\[|\]$/g, '').replace(/%\d+$/, '');
  const out: number[] = [];
  for (const part of body.split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part.trim());
    if (m === null) throw new SlurmError(`unexpected array index list '${text}' from Slurm`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    const stride = m[3] === undefined ? 1 : Number(m[3]);
    for (let i = from; i <= to; i += stride) out.push(i);
  }
  return out;
}

/** Indices as sbatch's `--array` takes them: runs of consecutive indices as ranges. */
export function arrayIndices(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j;
  }
  return parts.join(',');
}

/** squeue's raw exit status (wait(2) format) as sacct's "exit:signal". */
function exitFromStatus(raw: string): string | null {
  const n = Number(raw);
  if (raw === '' || !Number.isInteger(n) || n < 0) return null;
  return `${(n >> 8) & 0xff}:${n & 0x7f}`;
}

/**
 * `squeue --noheader --array --states=all --Format=ArrayJobID:|,ArrayTaskID:|,State:|,Reason:|,exit_code:|`:
 * one `job|task|STATE|reason|status|` line per array task (a pending range, if not expanded, as
 * `2-4`). Jobs that are not arrays (task `N/A`) are not ours and are skipped.
 */
export function parseSqueue(text: string): SlurmTaskRecord[] {
  const out: SlurmTaskRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [jobId, tasks, state, reason, status] = line.split('|').map((f) => f.trim());
    if (state === undefined || !/^\d+$/.test(jobId) || tasks === 'N/A') continue;
    for (const task of parseArrayIndices(tasks)) {
      out.push({ jobId, task, state, reason: reason === undefined || reason === '' || reason === 'None' ? null : reason, exitCode: exitFromStatus(status ?? '') });
    }
  }
  return out;
}

/**
 * `sacct --noheader --parsable2 --allocations --format=JobID,State,ExitCode`: `123_4|COMPLETED|0:0`,
 * `123_[5-9]|PENDING|0:0` for tasks not started, `123_1|CANCELLED by 0|0:15`. Steps are left out by
 * --allocations; a plain job id (not an array task) is skipped.
 */
export function parseSacct(text: string): SlurmTaskRecord[] {
  const out: SlurmTaskRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [id, stateField, exitCode] = line.split('|').map((f) => f.trim());
    const m = /^(\d+)_(\[[^\]]+\]|\d+)$/.exec(id ?? '');
    if (m === null || stateField === undefined) continue;
    const state = stateField.split(/\s+/)[0];
    for (const task of parseArrayIndices(m[2])) out.push({ jobId: m[1], task, state, reason: null, exitCode: exitCode === undefined || exitCode === '' ? null : exitCode });
  }
  return out;
}

/** Is `command` an executable on PATH? */
export function onPath(command: string, path = process.env['PATH'] ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Refuse early, before anything is stored, on a machine without Slurm's sbatch. */
export function requireSbatch(what: string, hint = ''): void {
  if (!onPath('sbatch')) throw new SlurmError(`sbatch is not on PATH: run ${what} on the cluster's login node, where Slurm's commands are${hint}`);
}

interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[]): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new SlurmError(`${command} is not on PATH: run this on the cluster's login node (where Slurm's commands are)`));
        return;
      }
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Slurm's messages on one line. */
function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join('; ');
}

/**
 * Submit `script` as an array of the given task indices; returns the array job id. Options in
 * `args` come before the script, so they override its `#SBATCH` lines.
 */
export async function submitArray(script: string, indices: readonly number[], args: readonly string[] = []): Promise<string> {
  requireSbatch('w2s sweep --slurm');
  const r = await run('sbatch', ['--parsable', `--array=${arrayIndices(indices)}`, ...args, script]);
  if (r.code !== 0) throw new SlurmError(`Slurm refused the job: ${oneLine(r.stderr) || `sbatch exited with code ${r.code}`}`);
  // --parsable prints "jobid" or "jobid;cluster".
  const jobId = r.stdout.trim().split(';')[0];
  if (!/^\d+$/.test(jobId)) throw new SlurmError(`sbatch did not print a job id (got '${oneLine(r.stdout)}')`);
  return jobId;
}

/**
 * The state of every task of the given array jobs: squeue for jobs it still knows (running,
 * pending, and finished ones for MinJobAge, 5 min by default), then sacct for the rest. Records of
 * one task: the last one listed wins. `notes` says what could not be asked.
 */
export async function queryTasks(jobIds: readonly string[]): Promise<{ records: SlurmTaskRecord[]; notes: string[] }> {
  const notes: string[] = [];
  if (jobIds.length === 0) return { records: [], notes };
  const records: SlurmTaskRecord[] = [];
  if (!onPath('squeue')) {
    notes.push('squeue is not on PATH: task states unknown (run w2s collect on the login node); shards found in the job directory are still imported');
    return { records, notes };
  }
  const q = await run('squeue', ['--noheader', '--array', '--states=all', `--jobs=${jobIds.join(',')}`, '--Format=ArrayJobID:|,ArrayTaskID:|,State:|,Reason:|,exit_code:|']);
  // Every job id unknown to the controller: squeue exits 1 with "Invalid job id specified".
  if (q.code === 0) records.push(...parseSqueue(q.stdout));
  else if (!/Invalid job id/i.test(q.stderr)) notes.push(`squeue failed: ${oneLine(q.stderr)}`);
  const known = new Set(records.map((r) => r.jobId));
  const rest = jobIds.filter((j) => !known.has(j));
  if (rest.length > 0 && onPath('sacct')) {
    const a = await run('sacct', ['--noheader', '--parsable2', '--allocations', `--jobs=${rest.join(',')}`, '--format=JobID,State,ExitCode']);
    if (a.code === 0) records.push(...parseSacct(a.stdout));
    else notes.push(`sacct could not say what became of job ${rest.join(', ')}: ${oneLine(a.stderr)}`);
  }
  return { records, notes };
}
