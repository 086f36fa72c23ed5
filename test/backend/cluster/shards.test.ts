/**
 * Shards without Slurm: a job directory written as `w2s sweep --slurm` writes it, its tasks run by
 * the real task runner (engine processes, task-local SQLite files), and their shards collected into
 * a history. A shard holds exactly its task's runs, bit-identical to the engine run in this process;
 * a corrupt, truncated, newer, foreign or incomplete shard is refused whole and changes nothing; an
 * import that fails half-way leaves nothing; importing twice changes nothing; once every shard is
 * in, the summary is the engine's summary of the runs (docs/spec.md §7).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellsOf, runKeys } from '../../../src/engine/grid';
import { resolvePath, validateSpec } from '../../../src/engine/spec';
import { summarizeExperiment } from '../../../src/engine/summary';
import { collect } from '../../../src/backend/cluster/collect';
import { jobFiles, readJobDir } from '../../../src/backend/cluster/jobDir';
import { makePlan } from '../../../src/backend/cluster/plan';
import { sbatchScript } from '../../../src/backend/cluster/script';
import { checkShard, expectationOf, importShard, ShardError } from '../../../src/backend/cluster/shards';
import { writeJobDir } from '../../../src/backend/cluster/sweep';
import { runShardTask } from '../../../src/backend/cluster/task';
import { BundleError, makeBundle, readBundle, sealBundle, importBundle } from '../../../src/backend/exchange';
import { ClusterRecords } from '../../../src/backend/store/cluster';
import { RunStore } from '../../../src/backend/store/store';
import { runAll } from '../../helpers/experiment';
import { connectionOf } from '../../../src/backend/store/connection';

const W2S = join(__dirname, '..', '..', '..', 'bin', 'w2s.cjs');
const input = { seed: 21, student: { norm: [1, 3] }, teachers: { count: 2, accuracy: 0.7 }, sft: { steps: 40, batchSize: 500, learningRates: [0.1, 1] } };
const spec = validateSpec(input);
const TASKS = 3;

let root: string;
let store: RunStore;

/** A sweep as submitSweep stores and writes it (without sbatch: these tasks are run here). */
function makeSweep(name: string): { id: number; dir: string; sweep: string } {
  const dir = join(root, name);
  const sweep = randomUUID();
  const id = store.createExperiment(spec, runKeys(spec));
  const plan = makePlan(spec, TASKS, sweep, id);
  new ClusterRecords(store).create(id, { sweep, dir, options: {}, runsPerTask: plan.tasks.map((t) => t.length) });
  const options = { tasks: TASKS, cpusPerTask: 1, sbatchArgs: [], checkpointSeconds: 3 };
  writeJobDir(dir, spec, plan, sbatchScript({ experimentId: id, dir, runs: plan.runs, balance: plan.balance, options, launcher: ['node', W2S], appVersion: 'test' }));
  return { id, dir, sweep };
}

async function runTasks(dir: string): Promise<void> {
  const job = readJobDir(dir);
  for (let task = 0; task < TASKS; task++) await runShardTask(job, task, { workers: 2, checkpointIntervalMs: 100 });
}

function fingerprint(): string {
  const hash = createHash('sha256');
  for (const table of ['experiments', 'runs', 'series_chunks', 'cluster_jobs', 'cluster_tasks']) {
    for (const row of connectionOf(store).prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all()) {
      hash.update(JSON.stringify(row, (_, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v)));
    }
  }
  return hash.digest('hex');
}

/** The shard's payload changed and sealed again with a valid checksum. */
async function reseal(file: Buffer, change: (payload: Record<string, unknown>) => void): Promise<Buffer> {
  const payload = JSON.parse(JSON.stringify((await readBundle(file)).payload)) as Record<string, unknown>;
  change(payload);
  return sealBundle(payload as never);
}

let main: { id: number; dir: string; sweep: string };
let other: { id: number; dir: string; sweep: string };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'w2s-shards-'));
  store = RunStore.open(join(root, 'lab.sqlite'), 'test');
  main = makeSweep('main');
  other = makeSweep('other');
  await runTasks(main.dir);
  await runTasks(other.dir);
});
afterAll(() => {
  store.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a task and its shard', () => {
  it("holds exactly its task's runs, bit-identical to the engine run in this process", async () => {
    const job = readJobDir(main.dir);
    const reference = runAll(input).outcomes;
    for (let task = 0; task < TASKS; task++) {
      const { bundle } = await checkShard(readFileSync(jobFiles(main.dir).shard(task)), expectationOf(job, task));
      expect(bundle.payload.runs.map((r) => r.key)).toEqual(job.plan.tasks[task].map((i) => runKeys(spec)[i]));
      bundle.payload.runs.forEach((run, i) => {
        const expected = reference.find((o) => o.key.cell === run.key.cell && o.key.teacher === run.key.teacher && o.key.lr === run.key.lr);
        const series = expected?.series as unknown as Record<string, Float64Array>;
        const block = Buffer.concat(run.columns.map((c) => Buffer.from(series[c].buffer, series[c].byteOffset, series[c].byteLength)));
        expect(bundle.blocks[i].equals(block), JSON.stringify(run.key)).toBe(true);
        expect(run.descriptor).toEqual(expected?.descriptor);
      });
    }
  });

  it('w2s shard on a finished task does nothing but say so', () => {
    const shard = jobFiles(main.dir).shard(0);
    const before = readFileSync(shard);
    const r = spawnSync(process.execPath, [W2S, 'shard', main.dir, '--task', '0', '--workers', '1'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('its shard is already written');
    expect(readFileSync(shard).equals(before)).toBe(true);
  });

  it('w2s shard on a damaged job directory: one line, exit 2, and the error stored for collect', () => {
    const dir = join(root, 'damaged');
    writeJobDir(dir, spec, makePlan(spec, TASKS, randomUUID(), 99), '#!/bin/bash\n');
    writeFileSync(jobFiles(dir).spec, '{"seed": ');
    const r = spawnSync(process.execPath, [W2S, 'shard', dir, '--task', '1'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^w2s: shard: .*spec\.json is not valid JSON/);
    expect(readFileSync(jobFiles(dir).taskError(1), 'utf8')).toContain('spec.json is not valid JSON');
    const outOfRange = spawnSync(process.execPath, [W2S, 'shard', main.dir, '--task', '3'], { encoding: 'utf8' });
    expect(outOfRange.status).toBe(2);
    expect(outOfRange.stderr).toContain('--task must be an integer in [0, 2]');
  });
});

describe('refusals: a bad shard is refused whole and nothing is written', () => {
  it('corrupt, truncated, newer, foreign, misplaced, incomplete or unfinished', async () => {
    const job = readJobDir(main.dir);
    const expected = expectationOf(job, 1);
    const shard = readFileSync(jobFiles(main.dir).shard(1));
    const before = fingerprint();
    const refuse = async (file: Buffer | Promise<Buffer>, message: RegExp) => {
      await expect(checkShard(await file, expected)).rejects.toThrow(ShardError);
      await expect(checkShard(await file, expected)).rejects.toThrow(message);
    };
    await refuse(shard.subarray(0, shard.length >> 1), /truncated or corrupt/);
    const outer = JSON.parse(gunzipSync(shard).toString('utf8'));
    await refuse(gzipSync(JSON.stringify({ ...outer, payload: outer.payload.replace('"done"', '"dune"') })), /checksum mismatch/);
    await refuse(gzipSync(JSON.stringify({ ...outer, formatVersion: 9 })), /shard format 9 is newer .* update W2S Lab/);
    await refuse(readFileSync(jobFiles(other.dir).shard(1)), new RegExp(`from another experiment: experiment ${other.id} .* not experiment ${main.id}`));
    await refuse(readFileSync(jobFiles(main.dir).shard(2)), /holds task 2 of 3, not task 1 of 3/);
    await refuse(makeBundle(store, main.id), /not a shard/);
    await refuse(reseal(shard, (p) => (p.runs as unknown[]).pop()), /1 of task 1's runs are missing/);
    await refuse(reseal(shard, (p) => ((p.runs as { status: string }[])[0].status = 'failed')), /is 'failed': a shard holds finished runs only/);
    await refuse(reseal(shard, (p) => ((p.runs as { recorded: number }[])[0].recorded = 3)), /series size does not match/);
    await refuse(reseal(shard, (p) => ((p.experiment as { spec: { seed: number } }).spec.seed = 22)), /its spec differs/);
    expect(fingerprint()).toBe(before);
    // A shard is not a bundle of a whole experiment: `w2s import` refuses it.
    await expect(importBundle(store, shard)).rejects.toThrow(BundleError);
    await expect(importBundle(store, shard)).rejects.toThrow(/shard of a Slurm sweep.*w2s collect/);
    expect(fingerprint()).toBe(before);
  });

  it('an import that fails on its last run leaves none of the task\'s runs imported', async () => {
    const sweep = makeSweep('half');
    const job = readJobDir(sweep.dir);
    // The task's shard is the main sweep's task 0 under this sweep's name: same spec, same runs.
    const checked = await checkShard(await reseal(readFileSync(jobFiles(main.dir).shard(0)), (p) => Object.assign(p.shard as object, { sweep: sweep.sweep, experimentId: sweep.id })), expectationOf(job, 0));
    const keys = checked.bundle.payload.runs.map((r) => r.key);
    const last = store.listRuns(sweep.id).find((r) => r.key.cell === keys.at(-1)?.cell && r.key.teacher === keys.at(-1)?.teacher && r.key.lr === keys.at(-1)?.lr);
    // Its last run already holds points computed here (the experiment was resumed locally).
    store.appendSeries(last?.id ?? 0, { step: Float64Array.of(0), inner: Float64Array.of(0), norm: Float64Array.of(1), cos: Float64Array.of(0.5), accuracy: Float64Array.of(0.6), agreement: Float64Array.of(0.7) }, 0, { stepsDone: 0, checkpoint: null });
    const before = fingerprint();
    expect(() => importShard(store, sweep.id, checked)).toThrow(/already holds 1 points computed here/);
    expect(fingerprint()).toBe(before);
    expect(store.listRuns(sweep.id).filter((r) => r.status !== 'queued')).toEqual([]);
  });
});

describe('collect', () => {
  it('imports every shard once, and the finished experiment is summarised as the engine summarises its runs', async () => {
    const first = await collect(store, main.id);
    expect(first.imported).toBe(TASKS);
    expect(first.counts.done).toBe(TASKS);
    expect(first.status).toBe('done');
    const record = store.getExperiment(main.id);
    const { outcomes } = runAll(input);
    expect(store.loadSummary(main.id)).toEqual(summarizeExperiment(spec, resolvePath(spec), cellsOf(spec), outcomes));
    expect(record?.summary?.cells[0].trajectory).toBeUndefined();
    expect(store.listRuns(main.id).every((r) => r.status === 'done' && r.checkpoint === null)).toBe(true);

    // Twice changes nothing, whether through collect or the shard itself.
    const before = fingerprint();
    expect((await collect(store, main.id)).imported).toBe(0);
    const again = await checkShard(readFileSync(jobFiles(main.dir).shard(0)), expectationOf(readJobDir(main.dir), 0));
    expect(importShard(store, main.id, again)).toBe(false);
    expect(fingerprint()).toBe(before);
  });

  it('a refused shard fails its task with the reason, and the others are still imported', async () => {
    const shard = jobFiles(other.dir).shard(2);
    const good = readFileSync(shard);
    writeFileSync(shard, good.subarray(0, 100));
    const report = await collect(store, other.id);
    expect(report.counts).toMatchObject({ done: 2, failed: 1 });
    expect(report.tasks[2].error).toMatch(/shard .*task-2\.w2s refused: not a W2S Lab shard, or truncated or corrupt/);
    expect(report.status).toBe('queued');
    expect(existsSync(shard)).toBe(true);
    writeFileSync(shard, good);
    expect((await collect(store, other.id)).status).toBe('done');
  });
});
