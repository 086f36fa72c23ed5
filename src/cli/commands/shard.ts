/**
 * w2s shard DIR --task I [--workers N] [--checkpoint-seconds S]
 *
 * One array task of a sweep, as the generated sbatch script runs it on a compute node. Its engine
 * processes are the CPUs Slurm gave it ($SLURM_CPUS_PER_TASK) unless --workers says otherwise.
 * A failure is stored in the job directory (tasks/task-I.error) for `w2s collect`.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { JobDirError, readJobDir } from '../../backend/cluster/jobDir';
import { recordTaskError, runShardTask, TaskError } from '../../backend/cluster/task';
import { integerFlag, UsageError } from '../args';
import { ProgressReporter } from '../progress';
import { defaultWorkers } from '../session';
import { checkpointMs } from './run';
import { errorMessage } from '../../shared/errorMessage';

/** The engine processes: --workers, else the CPUs Slurm allotted, else this machine's cores. */
function workers(flag: string | undefined): number {
  if (flag !== undefined) return integerFlag(flag, 'workers', 1, 1024, 1);
  const slurm = process.env['SLURM_CPUS_PER_TASK'];
  if (slurm === undefined) return defaultWorkers();
  const n = Number(slurm);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new UsageError(`$SLURM_CPUS_PER_TASK must be an integer in [1, 1024] (got '${slurm}')`);
  return n;
}

export async function shardCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { task: { type: 'string' }, workers: { type: 'string' }, 'checkpoint-seconds': { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('shard takes one job directory: w2s shard DIR --task I');
  if (values.task === undefined) throw new UsageError('shard needs --task I (Slurm gives it as $SLURM_ARRAY_TASK_ID)');
  const dir = resolve(positionals[0]);
  const engines = workers(values.workers);
  const interval = checkpointMs(values['checkpoint-seconds']);
  let task = -1;
  try {
    const job = readJobDir(dir);
    task = integerFlag(values.task, 'task', 0, job.plan.tasks.length - 1, 0);
    const progress = new ProgressReporter(process.stderr, `w2s shard task ${task}`);
    const outcome = await runShardTask(job, task, {
      workers: engines,
      checkpointIntervalMs: interval,
      onStart: (line) => process.stderr.write(`${line}\n`),
      onProgress: (fraction, done, total) => progress.update(fraction, `${done}/${total} runs`),
    });
    if (!outcome.alreadyWritten) progress.finish(`task ${task}: ${outcome.runs} runs, engine ${(outcome.engineMs / 1000).toFixed(1)} s, wall ${(outcome.wallMs / 1000).toFixed(1)} s`);
    process.stdout.write(`${outcome.shard}\n`);
    return 0;
  } catch (error) {
    const message = errorMessage(error);
    // Stored where collect looks, when the directory can be written at all.
    if (task < 0 && /^\d+$/.test(values.task)) task = Number(values.task);
    if (task >= 0) recordTaskError(dir, task, `w2s shard: ${message}`);
    if (error instanceof TaskError) {
      process.stderr.write(`w2s shard: ${message}\n`);
      return 1;
    }
    if (error instanceof JobDirError || error instanceof RangeError) throw new UsageError(`shard: ${message}`);
    throw error;
  }
}
