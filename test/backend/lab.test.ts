/**
 * The lab service on a real SQLite file and real engine processes: stored results equal the
 * engine's, queued experiments give the results of sequential runs, cancel keeps the data so far,
 * and a backend killed mid-experiment resumes (`w2s resume`) to the series of an uninterrupted run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExperimentContext } from '../../src/engine/experiment';
import { runKeys } from '../../src/engine/grid';
import { SftRun } from '../../src/engine/run';
import { wasmPreview } from '../../src/engine/sft/wasmPreview';
import { validateSpec } from '../../src/engine/spec';
import { Lab, type LabEvent } from '../../src/backend/lab';
import { EnginePool, type EngineProcess, forkSpawner } from '../../src/backend/pool';
import { RunStore } from '../../src/backend/store/store';

const ROOT = join(__dirname, '..', '..');
const W2S = join(ROOT, 'bin', 'w2s.cjs');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-lab-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function openLab(file: string, workers: number, checkpointIntervalMs = 3000): Lab {
  const store = RunStore.open(file, 'test');
  const pool = new EnginePool(forkSpawner(), workers);
  cleanups.push(() => {
    pool.close();
    store.close();
  });
  return new Lab(store, pool, { checkpointIntervalMs });
}

const small = validateSpec({ seed: 31, teachers: { count: 3 }, sft: { steps: 30, batchSize: 400, learningRates: [0.1, 1] } });

function seriesOfRuns(store: RunStore, id: number): Record<string, number[]>[] {
  return store.loadExperimentRuns(id).map(({ series }) => Object.fromEntries(Object.entries(series).map(([k, v]) => [k, Array.from(v as Float64Array)])));
}

describe('lab', () => {
  it('stores the series the engine computes, and their summary', async () => {
    const lab = openLab(join(tempDir(), 'lab.sqlite'), 2);
    const id = lab.submit(small);
    const record = await lab.finished(id);
    expect(record.status).toBe('done');
    const context = new ExperimentContext(small);
    const stored = lab.store.loadExperimentRuns(id);
    expect(stored.map((r) => r.run.key)).toEqual(runKeys(small));
    for (const { run, series } of stored) {
      const local = SftRun.start(context, run.key).complete();
      expect(Array.from(series.cos)).toEqual(Array.from(local.series.cos));
      expect(run.descriptor).toEqual(local.descriptor);
      expect(run.status).toBe('done');
    }
    expect(record.summary?.teachers).toHaveLength(3);
    expect(record.summary?.runs.done).toBe(runKeys(small).length);
  });

  it('experiments queued on 2 processes give the results of sequential runs', async () => {
    const dir = tempDir();
    const specs = [small, validateSpec({ ...small, seed: 32 }), validateSpec({ ...small, seed: 33, data: { ...small.data, d: 7 } })];
    const queued = openLab(join(dir, 'queued.sqlite'), 2);
    const ids = specs.map((s) => queued.submit(s));
    await Promise.all(ids.map((id) => queued.finished(id)));
    const sequential = openLab(join(dir, 'sequential.sqlite'), 1);
    for (const [i, s] of specs.entries()) {
      const id = sequential.submit(s);
      await sequential.finished(id);
      expect(seriesOfRuns(sequential.store, id)).toEqual(seriesOfRuns(queued.store, ids[i]));
    }
  });

  it('cancel kills the running jobs, keeps the data so far and marks the experiment cancelled', async () => {
    const lab = openLab(join(tempDir(), 'lab.sqlite'), 2, 100);
    const long = validateSpec({ ...small, sft: { ...small.sft, steps: 1_000_000, batchSize: 2000 } });
    const id = lab.submit(long);
    await new Promise<void>((resolve) => {
      const stop = lab.on(() => {
        if (lab.store.listRuns(id).some((r) => r.checkpoint !== null)) {
          stop();
          resolve();
        }
      });
    });
    lab.cancel(id);
    const record = await lab.finished(id);
    expect(record.status).toBe('cancelled');
    const runs = lab.store.listRuns(id);
    expect(runs.every((r) => r.status === 'cancelled')).toBe(true);
    expect(runs.some((r) => r.recorded > 1)).toBe(true);
    // The data kept is the prefix recorded up to each run's checkpoint.
    for (const r of runs) if (r.checkpoint !== null) expect(lab.store.loadSeries(r.id).cos.length).toBe(r.checkpoint.recorded);
  });
});

describe('short runs, several to an engine job', () => {
  // 42 preview runs of a few milliseconds: jobs of 6 runs on 1 process, of 3 on 2 (jobSizing.ts).
  const preview = validateSpec({ seed: 35, teachers: { count: 20 }, sft: { steps: 3000, batchSize: 1000, learningRates: [0.1, 1] }, engine: { path: 'preview' } });

  it('store the series of in-process runs, whatever the number of processes, and across a cancel and resume', async () => {
    const dir = tempDir();
    // The runs here and in the engine processes take the WebAssembly step (wasmPreview.ts), as Node has it.
    expect(wasmPreview()).not.toBeNull();
    const context = new ExperimentContext(preview);
    const expected = runKeys(preview).map((key) => Array.from(SftRun.start(context, key).complete().series.cos));
    const stored = (lab: Lab, id: number) => lab.store.loadExperimentRuns(id).map(({ series }) => Array.from(series.cos));
    for (const workers of [1, 2]) {
      const lab = openLab(join(dir, `${workers}.sqlite`), workers);
      const id = lab.submit(preview);
      expect((await lab.finished(id)).status).toBe('done');
      expect(stored(lab, id)).toEqual(expected);
    }
    const lab = openLab(join(dir, 'resumed.sqlite'), 2);
    const id = lab.submit(preview);
    const stop = lab.on((e) => {
      if (e.type === 'run') {
        stop();
        lab.cancel(id);
      }
    });
    expect((await lab.finished(id)).status).toBe('cancelled');
    const runs = lab.store.listRuns(id);
    expect(runs.some((r) => r.status === 'done')).toBe(true);
    expect(runs.some((r) => r.status === 'cancelled')).toBe(true);
    lab.resume(id);
    expect((await lab.finished(id)).status).toBe('done');
    expect(stored(lab, id)).toEqual(expected);
  });
});

describe('an engine process killed mid-run', () => {
  it('fails only its run, with the error stored; the experiment ends failed and can be resumed', async () => {
    const dir = tempDir();
    const store = RunStore.open(join(dir, 'lab.sqlite'), 'test');
    const spawned: EngineProcess[] = [];
    const fork = forkSpawner();
    const pool = new EnginePool(() => {
      const p = fork();
      spawned.push(p);
      return p;
    }, 1);
    cleanups.push(() => {
      pool.close();
      store.close();
    });
    const lab = new Lab(store, pool, { checkpointIntervalMs: 100 });
    const spec = validateSpec({ ...small, teachers: { count: 2 }, sft: { ...small.sft, steps: 400, batchSize: 20_000 } });
    let killed = false;
    lab.on((event) => {
      if (!killed && event.type === 'progress' && event.fraction > 0) {
        killed = true;
        spawned[0].kill();
      }
    });
    const id = lab.submit(spec);
    const record = await lab.finished(id);
    expect(record.status).toBe('failed');
    const runs = store.listRuns(id);
    const failed = runs.filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].error).toMatch(/SIGKILL/);
    expect(runs.filter((r) => r.status === 'done')).toHaveLength(runs.length - 1);
    expect(record.error).toMatch(/SIGKILL/);
    lab.resume(id);
    expect((await lab.finished(id)).status).toBe('done');
  });
});

describe('crash and resume', () => {
  it('a backend killed with SIGKILL mid-experiment leaves runs interrupted; w2s resume gives the uninterrupted series', async () => {
    const dir = tempDir();
    const specFile = join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify({ seed: 41, teachers: { count: 2 }, sft: { steps: 4000, batchSize: 3000, learningRates: [0.3, 3] } }));
    const crashed = join(dir, 'crashed.sqlite');
    const child: ChildProcess = spawn(process.execPath, [W2S, 'run', specFile, '--db', crashed, '--workers', '2', '--checkpoint-seconds', '0.1'], { stdio: 'ignore' });
    cleanups.push(() => child.kill('SIGKILL'));
    // Wait until a checkpoint is stored while runs are still going, then kill the backend outright.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        try {
          const store = RunStore.open(crashed, 'test');
          const runs = store.listRuns(1);
          store.close();
          if (runs.some((r) => r.checkpoint !== null) && runs.some((r) => r.status !== 'done')) {
            clearInterval(timer);
            child.kill('SIGKILL');
            resolve();
          }
        } catch (error) {
          if (!/no such table|database is locked|SQLITE_BUSY/.test(String(error))) {
            clearInterval(timer);
            reject(error);
          }
        }
      }, 20);
    });
    await new Promise((resolve) => child.once('exit', resolve));

    const listed = spawnSync(process.execPath, [W2S, 'list', '--json', '--db', crashed], { encoding: 'utf8' });
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)[0].status).toBe('interrupted');
    const resumed = spawnSync(process.execPath, [W2S, 'resume', '1', '--db', crashed, '--workers', '2'], { encoding: 'utf8' });
    expect(resumed.stderr).toMatch(/resuming [1-9]\d* runs/);
    expect(resumed.status).toBe(0);

    const whole = join(dir, 'whole.sqlite');
    const uninterrupted = spawnSync(process.execPath, [W2S, 'run', specFile, '--db', whole, '--workers', '1'], { encoding: 'utf8' });
    expect(uninterrupted.status).toBe(0);
    const a = RunStore.open(crashed, 'test');
    const b = RunStore.open(whole, 'test');
    cleanups.push(() => {
      a.close();
      b.close();
    });
    expect(a.getExperiment(1)?.status).toBe('done');
    expect(seriesOfRuns(a, 1)).toEqual(seriesOfRuns(b, 1));
    expect(a.getExperiment(1)?.summary?.teachers).toEqual(b.getExperiment(1)?.summary?.teachers);
  });
});

describe('another process on the same history', () => {
  it('its new experiment, its progress and its runner’s death reach this lab as events, and a resume of it while it runs is refused', async () => {
    const dir = tempDir();
    const file = join(dir, 'lab.sqlite');
    const lab = openLab(file, 1);
    const events: LabEvent[] = [];
    lab.on((e) => events.push(e));
    const watch = lab.watchHistory(50);
    cleanups.push(() => watch.stop());
    const specFile = join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify({ seed: 44, teachers: { count: 2 }, sft: { steps: 100_000, batchSize: 1000, learningRates: [0.1] } }));
    const child: ChildProcess = spawn(process.execPath, [W2S, 'run', specFile, '--db', file, '--workers', '1', '--checkpoint-seconds', '0.1'], { stdio: 'ignore' });
    cleanups.push(() => child.kill('SIGKILL'));
    const until = async (what: string, test: () => boolean) => {
      const end = Date.now() + 60_000;
      while (!test()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(events.slice(-5))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until('the list to change', () => events.some((e) => e.type === 'history'));
    await until('its progress', () => events.some((e) => e.type === 'progress' && e.experimentId === 1 && e.fraction > 0));
    expect(events.some((e) => e.type === 'experiment' && e.experimentId === 1 && e.status === 'running')).toBe(true);
    // Progress as stored by the other process: runs done never exceed the runs, the fraction only grows.
    const progress = events.filter((e): e is Extract<LabEvent, { type: 'progress' }> => e.type === 'progress');
    for (const p of progress) expect(p.runsDone).toBeLessThanOrEqual(p.runsTotal);
    for (let i = 1; i < progress.length; i++) expect(progress[i].fraction).toBeGreaterThanOrEqual(progress[i - 1].fraction);
    expect(() => lab.resume(1)).toThrow(/running in another process \(pid \d+/);
    child.kill('SIGKILL');
    await until('the interruption', () => events.some((e) => e.type === 'experiment' && e.experimentId === 1 && e.status === 'interrupted'));
    expect(lab.store.getExperiment(1)?.status).toBe('interrupted');
  });
});
