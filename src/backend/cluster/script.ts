/**
 * The sbatch script of a sweep, and the Slurm options it carries. Every option is checked here
 * before anything reaches Slurm (a value that could break out of its `#SBATCH` line is refused);
 * each refusal names the flag and what it accepts. Slurm itself judges what only it knows (does
 * the partition or account exist), and its message is passed on (slurm.ts).
 */

export interface SlurmOptions {
  readonly tasks: number;
  readonly cpusPerTask: number;
  readonly partition?: string;
  readonly account?: string;
  /** Memory per node, Slurm's syntax: an integer with an optional K, M, G or T suffix. */
  readonly mem?: string;
  /** Time limit, [D-]HH:MM:SS. */
  readonly time?: string;
  /** Further sbatch options, each one `--name[=value]`, written as `#SBATCH` lines. */
  readonly sbatchArgs: readonly string[];
  /** How often each task checkpoints its runs (s). */
  readonly checkpointSeconds: number;
}

export class SlurmOptionError extends RangeError {}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;

/** A partition or account name: letters, digits, `_ . + -` (Slurm's names; no spaces or commas here). */
export function checkName(flag: string, value: string): string {
  if (!NAME.test(value)) throw new SlurmOptionError(`--${flag} must be a Slurm name of 1–128 letters, digits, '_', '.', '+' or '-' (got '${value}')`);
  return value;
}

export function checkMem(value: string): string {
  if (!/^[1-9]\d{0,9}[KMGT]?$/.test(value)) throw new SlurmOptionError(`--mem must be a positive integer with an optional K, M, G or T suffix, as sbatch takes it (got '${value}')`);
  return value;
}

export function checkTime(value: string): string {
  const m = /^(?:(\d{1,3})-)?(\d{1,3}):([0-5]\d):([0-5]\d)$/.exec(value);
  if (m === null || (m[1] !== undefined && Number(m[2]) > 23)) throw new SlurmOptionError(`--time must be HH:MM:SS or D-HH:MM:SS (got '${value}')`);
  if (Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]) === 0) throw new SlurmOptionError(`--time must be longer than 00:00:00`);
  return value;
}

/** Options the script sets itself: given again through --sbatch-arg they would contradict it. */
const OWN = ['array', 'output', 'error', 'open-mode', 'job-name', 'cpus-per-task', 'partition', 'account', 'mem', 'time', 'wrap', 'parsable'];

export function checkSbatchArg(value: string): string {
  if (!/^--[a-z][a-z0-9-]*(=[^\n\r\0]*)?$/.test(value) || /[\n\r\0]/.test(value)) {
    throw new SlurmOptionError(`--sbatch-arg must be one long sbatch option on one line, as --name or --name=value (got '${value}')`);
  }
  const name = value.slice(2).split('=')[0];
  if (OWN.includes(name)) throw new SlurmOptionError(`--sbatch-arg ${value}: the sweep sets --${name} itself (use w2s sweep's own flag where there is one)`);
  return value;
}

/** The job directory goes into an `#SBATCH --output=` line, where sbatch splits on spaces and expands `%`. */
export function checkDir(dir: string): string {
  if (!/^\/[^\s%'"\\]*$/.test(dir)) throw new SlurmOptionError(`--dir must be an absolute path without spaces, quotes, backslashes or '%' (sbatch reads it in an #SBATCH line) (got '${dir}')`);
  return dir;
}

/** Bash single-quoting: safe for any path. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface ScriptInput {
  readonly experimentId: number | null;
  readonly dir: string;
  readonly runs: number;
  readonly balance: number;
  readonly options: SlurmOptions;
  /** The command that starts w2s on a compute node: node's path and bin/w2s.cjs's. */
  readonly launcher: readonly string[];
  readonly appVersion: string;
}

/** The job's `--job-name`: `w2s-<experiment id>`. */
export function jobName(experimentId: number | null): string {
  return experimentId === null ? 'w2s-sweep' : `w2s-${experimentId}`;
}

/**
 * The sbatch script. The array range is in the script for reading; `sbatch --array` on the command
 * line overrides it when only some tasks are submitted again. Logs are appended, so a requeued or
 * resubmitted task adds to its log instead of replacing it.
 */
export function sbatchScript(input: ScriptInput): string {
  const { options, dir } = input;
  checkDir(dir);
  const id = input.experimentId === null ? 'not stored (--dry-run)' : String(input.experimentId);
  const lines = [
    '#!/bin/bash',
    `# W2S Lab sweep: experiment ${id}, ${input.runs} runs in ${options.tasks} array tasks (shard plan balance ${input.balance.toFixed(3)}).`,
    `# Each task runs its runs on its CPUs, checkpointing into tasks/task-<i>.sqlite, and writes`,
    `# shards/task-<i>.w2s; \`w2s collect ${input.experimentId ?? 'ID'}\` merges the shards into the run history.`,
    `# Written by W2S Lab ${input.appVersion}.`,
    `#SBATCH --job-name=${jobName(input.experimentId)}`,
    `#SBATCH --array=0-${options.tasks - 1}`,
    `#SBATCH --cpus-per-task=${options.cpusPerTask}`,
    `#SBATCH --output=${dir}/logs/task-%a.log`,
    '#SBATCH --open-mode=append',
  ];
  if (options.partition !== undefined) lines.push(`#SBATCH --partition=${options.partition}`);
  if (options.account !== undefined) lines.push(`#SBATCH --account=${options.account}`);
  if (options.mem !== undefined) lines.push(`#SBATCH --mem=${options.mem}`);
  if (options.time !== undefined) lines.push(`#SBATCH --time=${options.time}`);
  for (const arg of options.sbatchArgs) lines.push(`#SBATCH ${arg}`);
  lines.push(
    'set -u',
    `DIR=${shellQuote(dir)}`,
    '# A node that cannot see the job directory says so in the log and by exit code 66 (EX_NOINPUT).',
    `[ -r "$DIR/plan.json" ] || { echo "w2s shard: $(hostname) cannot read the job directory $DIR: put --dir on a filesystem the compute nodes share" >&2; exit 66; }`,
    `exec ${input.launcher.map(shellQuote).join(' ')} shard "$DIR" --task "$SLURM_ARRAY_TASK_ID" --checkpoint-seconds ${options.checkpointSeconds}`,
    '',
  );
  return lines.join('\n');
}
