/**
 * w2s sweep SPEC.json --slurm [--partition P] [--tasks N] [--cpus-per-task C] [--mem M] [--time HH:MM:SS]
 *           [--account A] [--dir DIR] [--sbatch-arg ARG…] [--checkpoint-seconds S] [--dry-run] [--db FILE]
 * w2s sweep --resubmit ID [--partition P] [--cpus-per-task C] [--mem M] [--time T] [--account A] [--sbatch-arg ARG…] [--db FILE]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runCount } from '../../engine/grid';
import { isRandomFeaturesSpec } from '../../engine/randomFeatures/spec';
import { clusterRefusal } from '../../backend/cluster/errors';
import { checkMem, checkName, checkSbatchArg, checkTime, SlurmOptionError, type SlurmOptions } from '../../backend/cluster/script';
import { requireSbatch } from '../../backend/cluster/slurm';
import { previewSweep } from '../../backend/cluster/sweep';
import { databasePath, experimentId, integerFlag, UsageError } from '../args';
import { withCommands } from '../session';
import { checkpointMs, readSpec } from './run';

const OPTIONS = {
  slurm: { type: 'boolean' },
  partition: { type: 'string' },
  tasks: { type: 'string' },
  'cpus-per-task': { type: 'string' },
  mem: { type: 'string' },
  time: { type: 'string' },
  account: { type: 'string' },
  dir: { type: 'string' },
  'sbatch-arg': { type: 'string', multiple: true },
  'checkpoint-seconds': { type: 'string' },
  'dry-run': { type: 'boolean' },
  resubmit: { type: 'string' },
  db: { type: 'string' },
} as const;

/** Tasks when --tasks is not given: one per run up to 100 (each task then has R/100 runs). */
const DEFAULT_TASKS = 100;

/** `--sbatch-arg --qos=high`: node's parseArgs refuses a value that starts with a dash; join it. */
function joinSbatchArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--sbatch-arg' && args[i + 1] !== undefined) {
      out.push(`--sbatch-arg=${args[i + 1]}`);
      i++;
    } else {
      out.push(args[i]);
    }
  }
  return out;
}

type Values = ReturnType<typeof parse>['values'];

function parse(args: string[]) {
  return parseArgs({ args: joinSbatchArgs(args), allowPositionals: true, options: OPTIONS });
}

/** The Slurm options given on the command line, each checked (the message names the flag). */
function slurmFlags(values: Values): Omit<SlurmOptions, 'tasks' | 'checkpointSeconds' | 'cpusPerTask'> & { cpusPerTask?: number } {
  try {
    return {
      cpusPerTask: values['cpus-per-task'] === undefined ? undefined : integerFlag(values['cpus-per-task'], 'cpus-per-task', 1, 1024, 1),
      partition: values.partition === undefined ? undefined : checkName('partition', values.partition),
      account: values.account === undefined ? undefined : checkName('account', values.account),
      mem: values.mem === undefined ? undefined : checkMem(values.mem),
      time: values.time === undefined ? undefined : checkTime(values.time),
      sbatchArgs: (values['sbatch-arg'] ?? []).map(checkSbatchArg),
    };
  } catch (error) {
    if (error instanceof SlurmOptionError) throw new UsageError(error.message);
    throw error;
  }
}

/** Errors that are the user's or Slurm's to fix: one line, exit code 2. */
function asUsage(error: unknown): never {
  const why = clusterRefusal(error);
  throw why === null ? error : new UsageError(why);
}

export async function sweepCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.resubmit !== undefined) return resubmit(values, positionals);
  if (positionals.length !== 1) throw new UsageError('sweep takes one spec file: w2s sweep SPEC.json --slurm [--tasks N] …');
  if (values.slurm !== true) throw new UsageError('sweep needs --slurm: it runs the grid as a Slurm job array (w2s run runs it on this machine)');
  const flags = slurmFlags(values);
  const spec = readSpec(positionals[0]);
  // Its shards would travel as bundles, which have no schema for its runs yet (exchange.ts bundlePayload).
  if (isRandomFeaturesSpec(spec)) throw new UsageError("a sweep of setup 'random-features' on Slurm is not wired yet: run it on this machine with w2s run");
  const runs = runCount(spec);
  const tasks = integerFlag(values.tasks, 'tasks', 1, Math.min(runs, 1000), Math.min(runs, DEFAULT_TASKS));
  const options: SlurmOptions = { ...flags, tasks, cpusPerTask: flags.cpusPerTask ?? 1, checkpointSeconds: checkpointMs(values['checkpoint-seconds']) / 1000 };
  const dir = values.dir === undefined ? undefined : resolve(values.dir);
  // A compute node starts w2s as this process was started: the same node and the same bin/w2s.cjs.
  const launcher = [process.execPath, resolve(__dirname, '..', '..', '..', 'bin', 'w2s.cjs')];
  try {
    if (values['dry-run'] === true) {
      const preview = previewSweep({ spec, options, dir, launcher });
      const sizes = preview.plan.tasks.map((t) => t.length);
      process.stderr.write(`dry run: ${runs} runs in ${tasks} tasks of ${Math.min(...sizes)}–${Math.max(...sizes)} runs (shard plan balance ${preview.plan.balance.toFixed(3)}); nothing stored, written or submitted\n`);
      process.stdout.write(preview.script);
      return 0;
    }
    // Before the history is even opened: a machine without Slurm gets one line and no changes.
    requireSbatch('w2s sweep --slurm', ' (--dry-run only prints the script)');
    return await withCommands(databasePath(values.db), async (commands) => {
      const sent = await commands.submitSweep({ spec, options, dir, launcher });
      const sizes = sent.plan.tasks.map((t) => t.length);
      process.stderr.write(
        `experiment ${sent.experimentId}: ${runs} runs as Slurm array job ${sent.jobId}, ${tasks} tasks of ${Math.min(...sizes)}–${Math.max(...sizes)} runs (balance ${sent.plan.balance.toFixed(3)}), job directory ${sent.dir}; follow it with w2s collect ${sent.experimentId}\n`,
      );
      process.stdout.write(`${sent.experimentId} ${sent.jobId}\n`);
      return 0;
    });
  } catch (error) {
    return asUsage(error);
  }
}

async function resubmit(values: Values, positionals: string[]): Promise<number> {
  const id = experimentId(values.resubmit, 'sweep --resubmit');
  if (positionals.length > 0) throw new UsageError('sweep --resubmit ID takes no spec file: the job directory has it');
  for (const flag of ['tasks', 'dir', 'dry-run', 'slurm', 'checkpoint-seconds'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} cannot change with --resubmit: the sweep's plan and job directory are fixed`);
  }
  const flags = slurmFlags(values);
  // Given again, an option overrides the script's #SBATCH line for the resubmitted tasks.
  const args = [
    ...(flags.cpusPerTask === undefined ? [] : [`--cpus-per-task=${flags.cpusPerTask}`]),
    ...(flags.partition === undefined ? [] : [`--partition=${flags.partition}`]),
    ...(flags.account === undefined ? [] : [`--account=${flags.account}`]),
    ...(flags.mem === undefined ? [] : [`--mem=${flags.mem}`]),
    ...(flags.time === undefined ? [] : [`--time=${flags.time}`]),
    ...flags.sbatchArgs,
  ];
  try {
    requireSbatch('w2s sweep --resubmit');
  } catch (error) {
    asUsage(error);
  }
  return withCommands(databasePath(values.db), async (commands) => {
    const r = await commands.resubmitSweep(id, args);
    if (r.jobId === null) {
      const c = r.report.counts;
      process.stderr.write(`experiment ${id}: no task failed or is missing (${c.done} done, ${c.running} running, ${c.pending} pending): nothing resubmitted\n`);
      return 0;
    }
    process.stderr.write(`experiment ${id}: tasks ${r.tasks.join(', ')} resubmitted as Slurm array job ${r.jobId}; each continues from its checkpoints\n`);
    process.stdout.write(`${id} ${r.jobId}\n`);
    return 0;
  });
}
