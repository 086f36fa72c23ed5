/**
 * One array task on its compute node (`w2s shard DIR --task I`): its runs on the engine pool, with
 * checkpoints in a run store of its own in the job directory, so that a requeued or resubmitted
 * task continues each run from its last checkpoint (the series are bit-identical to an
 * uninterrupted run's, docs/spec.md §8); then its shard, written atomically.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { APP_VERSION } from '../../shared/app';
import { isFinished } from '../../shared/experiment';
import { Lab } from '../lab';
import { EnginePool, forkSpawner, type SpawnEngine } from '../pool';
import { EngineWorkRecords } from '../store/engineWork';
import { RunStore } from '../store/store';
import { JobDirError, jobFiles, type JobDir, writeFileAtomic } from './jobDir';
import { readBundleFile } from '../exchange';
import { checkShard, expectationOf, makeShard } from './shards';

export interface TaskOptions {
  /** Engine processes: the CPUs Slurm gave the task. */
  readonly workers: number;
  readonly checkpointIntervalMs: number;
  readonly spawn?: SpawnEngine;
  /** Told what the task found when it started (fresh, or resuming). */
  readonly onStart?: (line: string) => void;
  readonly onProgress?: (fraction: number, runsDone: number, runsTotal: number) => void;
}

export interface TaskOutcome {
  readonly shard: string;
  readonly runs: number;
  /** The shard was already there and whole: nothing was run. */
  readonly alreadyWritten: boolean;
  readonly engineMs: number;
  readonly wallMs: number;
}

/** A task that could not finish its runs: its message is what `w2s collect` shows. */
export class TaskError extends Error {}

const keyText = (k: { cell: number; teacher: number; lr: number }) => `${k.cell}/${k.teacher}/${k.lr}`;

export async function runShardTask(job: JobDir, task: number, options: TaskOptions): Promise<TaskOutcome> {
  const started = Date.now();
  const expected = expectationOf(job, task);
  const files = jobFiles(job.dir);
  const shardFile = files.shard(task);
  // Requeued after its shard was written: the shard is the task's whole result.
  if (existsSync(shardFile)) {
    try {
      const { header } = await checkShard(readBundleFile(shardFile), expected);
      options.onStart?.(`task ${task}: its shard is already written (${shardFile}); nothing to do`);
      return { shard: shardFile, runs: expected.keys.length, alreadyWritten: true, engineMs: header.engineMs, wallMs: header.wallMs };
    } catch {
      // A damaged shard is written again from the task's store below.
    }
  }
  mkdirSync(files.tasks, { recursive: true });
  mkdirSync(files.shards, { recursive: true });
  const local = RunStore.open(files.taskStore(task), APP_VERSION);
  try {
    const localId = local.listExperiments()[0]?.id ?? local.createExperiment(job.spec, [...expected.keys], { name: `experiment ${expected.experimentId}, task ${task}` });
    const before = local.listRuns(localId);
    if (before.map((r) => keyText(r.key)).join() !== expected.keys.map(keyText).join()) {
      throw new JobDirError(`${files.taskStore(task)} holds other runs than task ${task}'s: the job directory mixes two sweeps`);
    }
    const finished = before.filter(isFinished).length;
    const checkpointed = before.filter((r) => !isFinished(r) && r.checkpoint !== null).length;
    options.onStart?.(
      finished + checkpointed === 0
        ? `task ${task}: ${before.length} runs on ${options.workers} engine processes (${hostname()})`
        : `task ${task}: continuing: ${finished} of ${before.length} runs done, ${checkpointed} resume from their checkpoints, on ${options.workers} engine processes (${hostname()})`,
    );
    if (local.getExperiment(localId)?.status !== 'done') {
      const pool = new EnginePool(options.spawn ?? forkSpawner(), options.workers);
      try {
        const lab = new Lab(local, pool, { checkpointIntervalMs: options.checkpointIntervalMs });
        const off = lab.on((event) => {
          if (event.type === 'progress') options.onProgress?.(event.fraction, event.runsDone, event.runsTotal);
        });
        lab.resume(localId);
        await lab.finished(localId);
        off();
      } finally {
        pool.close();
      }
    }
    const runs = local.listRuns(localId);
    const unfinished = runs.filter((r) => !isFinished(r));
    if (unfinished.length > 0) {
      const first = unfinished[0];
      throw new TaskError(`${unfinished.length} of task ${task}'s ${runs.length} runs did not finish; first (cell ${first.key.cell}, teacher ${first.key.teacher}, lr ${first.key.lr}) ${first.status}: ${first.error ?? 'no error recorded'}`);
    }
    const engineMs = new EngineWorkRecords(local).recentEngineWork(1)[0]?.work.ms ?? 0;
    const wallMs = Date.now() - started;
    writeFileAtomic(shardFile, makeShard(local, localId, { sweep: expected.sweep, experimentId: expected.experimentId, task, tasks: expected.tasks, host: hostname(), workers: options.workers, engineMs, wallMs }));
    rmSync(files.taskError(task), { force: true });
    return { shard: shardFile, runs: runs.length, alreadyWritten: false, engineMs, wallMs };
  } finally {
    local.close();
  }
}

/** Store a task's error in the job directory for `w2s collect`; false when even that is impossible. */
export function recordTaskError(dir: string, task: number, message: string): boolean {
  try {
    mkdirSync(jobFiles(dir).tasks, { recursive: true });
    writeFileAtomic(jobFiles(dir).taskError(task), `${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return true;
  } catch {
    return false;
  }
}
