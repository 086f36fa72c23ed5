/**
 * Shards: what one array task hands back. A shard is a bundle (exchange.ts: gzipped, checksummed,
 * versioned) of the task's runs with a `shard` header naming the sweep, the experiment and the
 * task. Before anything is written, a shard is checked whole: a corrupt, truncated or newer file,
 * one from another sweep or experiment, one whose runs are not exactly its task's, or a run that is
 * not finished, and it is refused. A checked shard is merged in one transaction.
 */
import { z } from 'zod';
import type { RunDescriptor, RunKey } from '../../engine/grid';
import type { RunSeries } from '../../engine/run';
import type { ExperimentSpec } from '../../engine/spec';
import { isFinished } from '../../shared/experiment';
import { unpackColumns } from '../../shared/seriesCodec';
import { keyText } from '../bundleParts';
import { BundleError, type CheckedBundle, bundlePayload, readBundle, sealBundle } from '../exchange';
import { canonicalJson } from '../figures/sidecar';
import { ClusterRecords } from '../store/cluster';
import type { RunStore } from '../store/store';
import type { JobDir } from './jobDir';
import { taskKeys } from './plan';

/** A shard refused: the message says why; nothing was written. */
export class ShardError extends BundleError {}

const ShardHeaderSchema = z
  .object({
    sweep: z.string().min(1),
    experimentId: z.number().int().min(1),
    task: z.number().int().min(0),
    tasks: z.number().int().min(1),
    /** Where and how the task ran, for the record and the balance figure. */
    host: z.string(),
    workers: z.number().int().min(1),
    engineMs: z.number().min(0),
    wallMs: z.number().min(0),
  })
  .strict();

export type ShardHeader = z.output<typeof ShardHeaderSchema>;

/** The shard of a task whose runs are all finished in its own store (experiment `localId`). */
export function makeShard(local: RunStore, localId: number, header: ShardHeader): Buffer {
  const payload = bundlePayload(local, localId);
  // The task's partial summary means nothing on its own: collect summarises the whole experiment.
  return sealBundle({ ...payload, experiment: { ...payload.experiment, summary: null }, shard: header });
}

export interface ShardExpectation {
  readonly sweep: string;
  readonly experimentId: number;
  readonly task: number;
  readonly tasks: number;
  readonly spec: ExperimentSpec;
  readonly keys: readonly RunKey[];
}

export interface CheckedShard {
  readonly header: ShardHeader;
  readonly bundle: CheckedBundle;
}

/** What task `task` of a job directory must hand back. */
export function expectationOf(job: JobDir, task: number): ShardExpectation {
  if (!Number.isInteger(task) || task < 0 || task >= job.plan.tasks.length) {
    throw new RangeError(`--task must be an integer in [0, ${job.plan.tasks.length - 1}] (this sweep has ${job.plan.tasks.length} tasks) (got ${task})`);
  }
  return { sweep: job.plan.sweep, experimentId: job.plan.experimentId, task, tasks: job.plan.tasks.length, spec: job.spec, keys: taskKeys(job.spec, job.plan, task) };
}

/**
 * Check a shard file whole against what its task must hold: every part as any bundle's
 * (exchange.ts readBundle, bundleParts.ts), then what is a task's: its sweep, experiment and task,
 * its spec, exactly its runs, all finished. Throws ShardError; writes nothing.
 */
export async function checkShard(file: Uint8Array, expected: ShardExpectation): Promise<CheckedShard> {
  let bundle: CheckedBundle;
  try {
    bundle = await readBundle(file);
  } catch (error) {
    if (!(error instanceof BundleError)) throw error;
    throw new ShardError(error.message.replace(/\bbundle\b/, 'shard'));
  }
  const raw = bundle.payload.shard;
  if (raw === undefined) throw new ShardError('not a shard: an ordinary bundle (w2s import reads it)');
  const parsed = ShardHeaderSchema.safeParse(raw);
  if (!parsed.success) throw new ShardError(`malformed shard header: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const header = parsed.data;
  if (header.sweep !== expected.sweep || header.experimentId !== expected.experimentId) {
    throw new ShardError(`from another experiment: experiment ${header.experimentId} (sweep ${header.sweep.slice(0, 8)}), not experiment ${expected.experimentId} (sweep ${expected.sweep.slice(0, 8)})`);
  }
  if (header.task !== expected.task || header.tasks !== expected.tasks) throw new ShardError(`holds task ${header.task} of ${header.tasks}, not task ${expected.task} of ${expected.tasks}`);
  if (canonicalJson(bundle.spec) !== canonicalJson(expected.spec)) throw new ShardError("its spec differs from the experiment's");
  const want = new Set(expected.keys.map(keyText));
  for (const run of bundle.payload.runs) {
    const key = keyText(run.key);
    if (!want.has(key)) throw new ShardError(`run ${key} is not one of task ${expected.task}'s runs`);
    if (!isFinished(run)) throw new ShardError(`run ${key} is '${run.status}': a shard holds finished runs only`);
    want.delete(key);
  }
  if (want.size > 0) throw new ShardError(`${want.size} of task ${expected.task}'s runs are missing, first ${[...want][0]}`);
  return { header, bundle };
}

/** One run's block of bytes back into one array per column (shared/seriesCodec.ts). */
function unpack(block: Buffer, columns: readonly string[], count: number): Partial<RunSeries> {
  return unpackColumns(block, columns, count);
}

/**
 * Merge a checked shard into its experiment's runs and mark the task imported, in one immediate
 * transaction: all of the task's runs or none. Returns false (and changes nothing) when the task is
 * already imported. A run already finished in the history is left as it is (it is bit-identical
 * by construction, docs/spec.md §8); a run holding a part of a series is refused.
 */
export function importShard(store: RunStore, experimentId: number, checked: CheckedShard, slurmState: string | null = null): boolean {
  const records = new ClusterRecords(store);
  return store.write(() => {
      const job = records.get(experimentId);
      const task = job?.tasks.find((t) => t.task === checked.header.task);
      if (job === null || task === undefined) throw new ShardError(`experiment ${experimentId} has no task ${checked.header.task}`);
      if (task.state === 'done') return false;
      const runs = new Map(store.listRuns(experimentId).map((r) => [keyText(r.key), r]));
      const { payload, blocks } = checked.bundle;
      payload.runs.forEach((run, i) => {
        const target = runs.get(keyText(run.key));
        if (target === undefined) throw new ShardError(`experiment ${experimentId} has no run ${keyText(run.key)}`);
        if (isFinished(target)) return;
        if (target.recorded > 0) throw new ShardError(`run ${keyText(run.key)} already holds ${target.recorded} points computed here: the experiment was resumed locally`);
        store.setRunDescriptor(target.id, run.descriptor as RunDescriptor);
        store.appendSeries(target.id, unpack(blocks[i], run.columns, run.recorded), 0, { stepsDone: run.stepsDone, checkpoint: null, status: run.status as 'done' | 'diverged' });
        store.setRunStatus(target.id, run.status as 'done' | 'diverged', null);
      });
      records.markImported(experimentId, checked.header.task, { sha256: checked.bundle.sha256, engineMs: checked.header.engineMs, wallMs: checked.header.wallMs, slurmState });
      return true;
    });
}
