/**
 * Sweeps on a real Slurm cluster (test/helpers/slurm.ts: munged, slurmctld and slurmd on this
 * machine), driven through the `w2s` command as a user drives it: a grid in 3 array tasks, one task
 * cancelled mid-run with scancel and resubmitted, the shards collected, and the merged series equal
 * a local `w2s run` of the same spec bit for bit (docs/spec.md §8). Refusals come from the real
 * sbatch; a job directory the compute node cannot see fails its tasks with the reason stored.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeys } from '../../../src/engine/grid';
import { validateSpec } from '../../../src/engine/spec';
import { RunStore } from '../../../src/backend/store/store';
import { removeCluster, type SlurmCluster, startSlurm, taskState } from '../../helpers/slurm';

const W2S = join(__dirname, '..', '..', '..', 'bin', 'w2s.cjs');
let cluster: SlurmCluster;
let dir: string;

beforeAll(async () => {
  cluster = await startSlurm();
  dir = mkdtempSync(join(cluster.root, 'work-'));
}, 60_000);

afterAll(async () => {
  if (cluster !== undefined) {
    await cluster.stop();
    removeCluster(cluster);
  }
}, 60_000);

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function w2s(args: string[], env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync(process.execPath, [W2S, ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...cluster.env, ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function oneLine(r: Result): string {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^w2s: \S/);
  return lines[0];
}

async function until<T>(probe: () => T | null | undefined | false, what: string, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Report {
  status: string;
  counts: Record<'done' | 'running' | 'pending' | 'failed' | 'missing', number>;
  tasks: { task: number; state: string; slurmState: string | null; jobId: string | null; error: string | null }[];
  imported: number;
}

function collect(db: string, id: number): Report {
  const r = w2s(['collect', String(id), '--json', '--db', db]);
  expect([0, 1], r.stderr).toContain(r.code);
  return JSON.parse(r.stdout) as Report;
}

/** The task's own store, read-only while the task writes it; null until it has runs. */
function taskRuns(file: string): { status: string; checkpoint: string | null }[] | null {
  if (!existsSync(file)) return null;
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.prepare('SELECT status, checkpoint FROM runs ORDER BY cell, teacher, lr_index').all() as { status: string; checkpoint: string | null }[];
    return rows.length > 0 ? rows : null;
  } catch {
    return null; // being created
  } finally {
    db?.close();
  }
}

/** Every row of every table of a history, hashed: equal hashes, nothing changed. */
function fingerprint(file: string): string {
  const db = new Database(file, { readonly: true });
  const hash = createHash('sha256');
  for (const table of ['experiments', 'runs', 'series_chunks', 'tags', 'cluster_jobs', 'cluster_tasks']) {
    for (const row of db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all()) {
      hash.update(JSON.stringify(row, (_, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v)));
    }
  }
  db.close();
  return hash.digest('hex');
}

describe('w2s sweep --slurm refuses with one line, and leaves nothing behind', () => {
  it('no sbatch on PATH: nothing is created, not even the history', () => {
    const spec = join(dir, 'refused.json');
    writeFileSync(spec, JSON.stringify({ teachers: { count: 1 }, sft: { steps: 10, learningRates: [0.1] } }));
    const db = join(dir, 'no-sbatch.sqlite');
    // A PATH with node on it and nothing else.
    const bin = mkdtempSync(join(dir, 'bin-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const line = oneLine(w2s(['sweep', spec, '--slurm', '--db', db], { PATH: bin }));
    expect(line).toContain('sbatch is not on PATH');
    expect(existsSync(db)).toBe(false);
  });

  it("a partition Slurm does not have: Slurm's own message, no experiment, no job directory", () => {
    const spec = join(dir, 'refused.json');
    const db = join(dir, 'partition.sqlite');
    const jobs = join(dir, 'refused-job');
    const line = oneLine(w2s(['sweep', spec, '--slurm', '--partition', 'nope', '--dir', jobs, '--db', db]));
    expect(line).toContain('Slurm refused the job');
    expect(line).toContain('invalid partition specified: nope');
    expect(JSON.parse(w2s(['list', '--json', '--db', db]).stdout)).toEqual([]);
    expect(existsSync(jobs)).toBe(false);
  });
});

describe('a job directory the compute node cannot see', () => {
  it('fails its task; collect stores why and imports nothing', async () => {
    const spec = join(dir, 'hidden.json');
    writeFileSync(spec, JSON.stringify({ seed: 2, teachers: { count: 1 }, sft: { steps: 20, learningRates: [0.1] } }));
    const db = join(dir, 'hidden.sqlite');
    const jobs = join(cluster.hidden, 'sweep');
    const sent = w2s(['sweep', spec, '--slurm', '--tasks', '1', '--dir', jobs, '--db', db]);
    expect(sent.code, sent.stderr).toBe(0);
    const [id, jobId] = sent.stdout.trim().split(' ');
    await until(() => taskState(cluster, jobId, 0) === 'FAILED', 'the task to fail');
    const report = collect(db, Number(id));
    expect(report.counts).toEqual({ done: 0, running: 0, pending: 0, failed: 1, missing: 0 });
    expect(report.tasks[0].error).toContain(`cannot read or write the job directory ${jobs}`);
    expect(report.tasks[0].error).toContain('JobLaunchFailure');
    expect(report.status).toBe('queued');
    const store = RunStore.open(db, 'test');
    expect(store.listRuns(Number(id)).every((r) => r.status === 'queued' && r.recorded === 0)).toBe(true);
    store.close();
  });

  it("a plan the node cannot read: the script's exit code 66 names the directory; once readable, a resubmit completes it", async () => {
    const spec = join(dir, 'unreadable.json');
    writeFileSync(spec, JSON.stringify({ seed: 3, teachers: { count: 1 }, sft: { steps: 20, learningRates: [0.1] } }));
    const db = join(dir, 'unreadable.sqlite');
    const jobs = join(dir, 'unreadable-job');
    // Held, so that the plan is gone before the task starts.
    const sent = w2s(['sweep', spec, '--slurm', '--tasks', '1', '--dir', jobs, '--sbatch-arg', '--hold', '--db', db]);
    expect(sent.code, sent.stderr).toBe(0);
    const [id, jobId] = sent.stdout.trim().split(' ');
    // Away while the task runs (then back, for collect on the "login node", which is this machine too).
    const plan = join(jobs, 'plan.json');
    renameSync(plan, `${plan}.away`);
    expect(spawnSync('scontrol', ['release', jobId], { env: cluster.env }).status).toBe(0);
    await until(() => taskState(cluster, jobId, 0) === 'FAILED', 'the task to fail');
    renameSync(`${plan}.away`, plan);
    const failed = collect(db, Number(id));
    expect(failed.tasks[0].error).toBe(`the compute node could not read the job directory ${jobs} (Slurm: FAILED (NonZeroExitCode), exit 66:0): put --dir on a filesystem the compute nodes share`);
    expect(readFileSync(join(jobs, 'logs', 'task-0.log'), 'utf8')).toContain(`cannot read the job directory ${jobs}`);
    const again = w2s(['sweep', '--resubmit', id, '--sbatch-arg', '--no-requeue', '--db', db]);
    expect(again.code, again.stderr).toBe(0);
    // The script's own #SBATCH --hold holds the resubmitted task too.
    expect(spawnSync('scontrol', ['release', again.stdout.trim().split(' ')[1]], { env: cluster.env }).status).toBe(0);
    const done = await until(() => {
      const r = collect(db, Number(id));
      return r.status === 'done' ? r : null;
    }, 'the resubmitted task');
    expect(done.tasks[0].error).toBeNull();
    expect(done.counts.done).toBe(1);
  }, 180_000);
});

describe('a grid in 3 array tasks, one cancelled mid-run and resubmitted', () => {
  const input = { name: 'slurm grid', seed: 11, student: { norm: [1, 3] }, teachers: { count: 2, accuracy: 0.7 }, sft: { steps: 2000, batchSize: 40_000, learningRates: [0.1, 1] } };

  it('collects into an ordinary experiment whose series equal a local w2s run bit for bit', async () => {
    const spec = join(dir, 'grid.json');
    writeFileSync(spec, JSON.stringify(input));
    const db = join(dir, 'cluster.sqlite');
    const jobs = join(dir, 'grid-job');
    const runs = runKeys(validateSpec(input)).length;
    expect(runs).toBe(12);

    const sent = w2s(['sweep', spec, '--slurm', '--tasks', '3', '--cpus-per-task', '1', '--checkpoint-seconds', '0.2', '--dir', jobs, '--db', db]);
    expect(sent.code, sent.stderr).toBe(0);
    const [id, jobId] = sent.stdout.trim().split(' ').map(String);
    expect(JSON.parse(w2s(['list', '--json', '--db', db]).stdout)).toMatchObject([{ id: Number(id), status: 'queued' }]);
    expect(JSON.parse(readFileSync(join(jobs, 'plan.json'), 'utf8')).tasks.map((t: number[]) => t.length)).toEqual([4, 4, 4]);

    // The same spec on this machine, meanwhile.
    const localDb = join(dir, 'local.sqlite');
    const local = spawn(process.execPath, [W2S, 'run', spec, '--workers', '2', '--db', localDb], { cwd: dir, stdio: 'ignore', env: cluster.env });
    const localDone = new Promise<number | null>((resolve) => local.on('exit', resolve));

    // Task 1 is cancelled once one of its runs has a checkpoint, mid-run.
    const store1 = join(jobs, 'tasks', 'task-1.sqlite');
    await until(() => taskRuns(store1)?.some((r) => r.status === 'running' && r.checkpoint !== null), "a checkpoint of task 1's first run");
    expect(spawnSync('scancel', [`${jobId}_1`], { env: cluster.env }).status).toBe(0);
    await until(() => taskState(cluster, jobId, 1) === 'CANCELLED', 'task 1 to be cancelled');
    expect(existsSync(join(jobs, 'shards', 'task-1.w2s'))).toBe(false);
    const atKill = taskRuns(store1) ?? [];
    const done = atKill.filter((r) => r.status === 'done' || r.status === 'diverged').length;
    const checkpointed = atKill.filter((r) => r.status !== 'done' && r.status !== 'diverged' && r.checkpoint !== null).length;
    expect(checkpointed).toBeGreaterThan(0);

    const afterCancel = collect(db, Number(id));
    expect(afterCancel.tasks[1]).toMatchObject({ state: 'failed', slurmState: 'CANCELLED' });
    expect(afterCancel.tasks[1].error).toContain('CANCELLED');

    const again = w2s(['sweep', '--resubmit', id, '--db', db]);
    expect(again.code, again.stderr).toBe(0);
    const [, resubmitted] = again.stdout.trim().split(' ');
    expect(resubmitted).not.toBe(jobId);

    const final = await until(() => {
      const r = collect(db, Number(id));
      return r.counts.done === 3 ? r : null;
    }, 'every shard to be collected', 180_000);
    expect(final.status).toBe('done');
    expect(final.tasks.map((t) => t.jobId)).toEqual([jobId, resubmitted, jobId]);
    // The resubmitted task continued from what the cancelled one had stored.
    expect(readFileSync(join(jobs, 'logs', 'task-1.log'), 'utf8')).toContain(`task 1: continuing: ${done} of 4 runs done, ${checkpointed} resume from their checkpoints`);

    // Collecting again changes nothing.
    const before = fingerprint(db);
    expect(collect(db, Number(id)).imported).toBe(0);
    expect(fingerprint(db)).toBe(before);

    expect(await localDone).toBe(0);
    const a = RunStore.open(db, 'test');
    const b = RunStore.open(localDb, 'test');
    try {
      const [merged] = [a.getExperiment(Number(id))];
      const [reference] = b.listExperiments();
      const ra = a.loadExperimentRuns(Number(id));
      const rb = b.loadExperimentRuns(reference.id);
      expect(ra.map((r) => [r.run.key, r.run.status, r.run.descriptor])).toEqual(rb.map((r) => [r.run.key, r.run.status, r.run.descriptor]));
      ra.forEach(({ run, series }, i) => {
        for (const column of run.columns) {
          const x = (series as unknown as Record<string, Float64Array>)[column];
          const y = (rb[i].series as unknown as Record<string, Float64Array>)[column];
          expect(Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength)), `${JSON.stringify(run.key)} ${column}`).toBe(true);
        }
      });
      expect(merged?.summary).toEqual(reference.summary);
    } finally {
      a.close();
      b.close();
    }

    // An ordinary experiment: the CSV export equals the local one's, and a bundle reaches a desktop history.
    const csv = (file: string, which: string) => {
      const out = join(dir, `export-${which}-${file.endsWith('local.sqlite') ? 'local' : 'cluster'}.csv`);
      expect(w2s(['export', which, '--format', 'csv', '--out', out, '--db', file]).code).toBe(0);
      return readFileSync(out, 'utf8').split('\n').map((l) => l.replace(/^\d+,/, ''));
    };
    const exported = csv(db, id);
    expect(exported).toHaveLength(1 + 12 * 2001 + 1);
    expect(exported).toEqual(csv(localDb, '1'));
    const bundle = join(dir, 'grid.w2s');
    expect(w2s(['bundle', id, bundle, '--db', db]).code).toBe(0);
    const desktop = join(dir, 'desktop.sqlite');
    const imported = w2s(['import', bundle, '--db', desktop]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(w2s(['show', imported.stdout.trim(), '--json', '--db', desktop]).stdout)).toMatchObject({ status: 'done', runs: { done: 12 } });
    rmSync(bundle);
  }, 300_000);
});
