/**
 * The engine pool with real worker processes (child_process.fork): jobs give the same results as
 * in-process runs, whether a job holds one run or several, and a process killed with SIGKILL
 * mid-job fails only the run it was running; the pool replaces it and carries on. A cancel stops a
 * running job in its process, which stays; engine processes exit with a SIGKILLed coordinator.
 * Interactive jobs go ahead of queued batch jobs and take turns among themselves; the order is read
 * from the order the runs end in on one process (no clock).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExperimentContext } from '../../src/engine/experiment';
import { runKeys } from '../../src/engine/grid';
import { type RunSeries, SftRun } from '../../src/engine/run';
import { validateSpec } from '../../src/engine/spec';
import { EnginePool, type EngineProcess, forkSpawner, JobCancelledError } from '../../src/backend/pool';
import { RunStore } from '../../src/backend/store/store';
import { seriesOf } from '../helpers/jobSeries';
import { until } from '../helpers/until';

const spec = validateSpec({
  seed: 21,
  teachers: { count: 3, accuracy: 0.7 },
  sft: { batchSize: 500, steps: 40, learningRates: [0.1, 1] },
});

let pool: EnginePool | null = null;
afterEach(() => pool?.close());

describe('engine pool', () => {
  it('runs every job of an experiment on 2 processes with the results of in-process runs', async () => {
    pool = new EnginePool(forkSpawner(), 2);
    const keys = runKeys(spec);
    const results = await Promise.all(keys.map((key) => pool!.run({ spec, key })));
    const context = new ExperimentContext(spec);
    keys.forEach((key, i) => {
      const local = SftRun.start(context, key).complete();
      expect(results[i].status).toBe('done');
      expect(Array.from(seriesOf(results[i]).cos)).toEqual(Array.from(local.series.cos));
      expect(Array.from(seriesOf(results[i]).norm)).toEqual(Array.from(local.series.norm));
      expect(results[i].lastStep).toBe(local.series.step[local.recorded - 1]);
      expect(results[i].descriptor).toEqual(local.descriptor);
    });
  });

  it('a process killed with SIGKILL fails only its job; the replacement runs the rest', async () => {
    const spawned: EngineProcess[] = [];
    const fork = forkSpawner();
    pool = new EnginePool(() => {
      const p = fork();
      spawned.push(p);
      return p;
    }, 2);
    const long = validateSpec({ ...spec, sft: { ...spec.sft, steps: 1_000_000, batchSize: 10_000 } });
    let killed = false;
    const doomed = pool.run({ spec: long, key: { cell: 0, teacher: 0, lr: 0 } }, () => {
      // The first progress message: the job is running.
      if (!killed) {
        killed = true;
        spawned[0].kill(); // SIGKILL the process running this job, mid-run
      }
    });
    const others = runKeys(spec).slice(0, 6).map((key) => pool!.run({ spec, key }));
    await expect(doomed).rejects.toThrow(/SIGKILL/);
    const results = await Promise.all(others);
    expect(results.every((r) => r.status === 'done' && seriesOf(r).cos.length === 41)).toBe(true);
    expect(spawned.length).toBe(3); // two at start, one replacement
    const after = await pool.run({ spec, key: { cell: 0, teacher: 2, lr: 1 } });
    expect(after.status).toBe('done');
  });

  it('a job that throws in the engine fails with its message and the process lives on', async () => {
    pool = new EnginePool(forkSpawner(), 1);
    await expect(pool.run({ spec, key: { cell: 5, teacher: 0, lr: 0 } })).rejects.toThrow(/run key out of range/);
    const ok = await pool.run({ spec, key: { cell: 0, teacher: 0, lr: 0 } });
    expect(ok.status).toBe('done');
  });

  it('jobs of several runs give series bit-identical to jobs of one run, whatever their grouping', async () => {
    pool = new EnginePool(forkSpawner(), 2);
    const preview = validateSpec({ ...spec, sft: { ...spec.sft, batchSize: 1000, steps: 200 }, engine: { path: 'preview' } });
    const keys = runKeys(preview);
    const single = await Promise.all(keys.map((key) => pool!.run({ spec: preview, key })));
    const grouped = await Promise.all(
      [keys.slice(0, 5), keys.slice(5, 6), keys.slice(6)].flatMap((group) => pool!.runBatch({ spec: preview, runs: group.map((key) => ({ key })) })),
    );
    expect(grouped).toHaveLength(keys.length);
    keys.forEach((_, i) => {
      expect(grouped[i].status).toBe(single[i].status);
      expect(grouped[i].descriptor).toEqual(single[i].descriptor);
      for (const name of Object.keys(seriesOf(single[i])) as (keyof RunSeries)[]) {
        expect(Array.from(seriesOf(grouped[i])[name] as Float64Array)).toEqual(Array.from(seriesOf(single[i])[name] as Float64Array));
      }
    });
  });

  it('a process killed mid-job fails the run it was running; the job’s later runs run in its replacement with the same results', async () => {
    const spawned: EngineProcess[] = [];
    const fork = forkSpawner();
    pool = new EnginePool(() => {
      const p = fork();
      spawned.push(p);
      return p;
    }, 1);
    // Runs of ~0.3 s, long enough to report progress.
    const slow = validateSpec({ ...spec, sft: { ...spec.sft, steps: 20_000, batchSize: 2000 } });
    const keys = runKeys(slow).slice(0, 3);
    const runsSeen: number[] = [];
    const results = pool.runBatch({ spec: slow, runs: keys.map((key) => ({ key })) }, (message) => {
      runsSeen.push(message.run);
      if (runsSeen.length === 1) spawned[0].kill(); // SIGKILL, during the job's first run
    });
    await expect(results[0]).rejects.toThrow(/SIGKILL/);
    const rest = await Promise.all(results.slice(1));
    expect(runsSeen[0]).toBe(0);
    expect(spawned.length).toBe(2);
    // Events of the requeued runs keep their indices in the original job.
    expect(runsSeen.slice(1).every((i) => i >= 1)).toBe(true);
    for (const [i, result] of rest.entries()) {
      const single = await pool.run({ spec: slow, key: keys[i + 1] });
      expect(Array.from(seriesOf(result).cos)).toEqual(Array.from(seriesOf(single).cos));
      expect(Array.from(seriesOf(result).inner)).toEqual(Array.from(seriesOf(single).inner));
    }
  });

  it('cancel stops a running job in its process, which stays and runs the next job', async () => {
    const spawned: EngineProcess[] = [];
    const fork = forkSpawner();
    pool = new EnginePool(() => {
      const p = fork();
      spawned.push(p);
      return p;
    }, 1);
    // Hours of steps: only a cancel ends it.
    const long = validateSpec({ ...spec, sft: { ...spec.sft, steps: 10_000_000, batchSize: 10_000, recordEvery: 1000 } });
    let cancelled = 0;
    const doomed = pool.run({ spec: long, key: { cell: 0, teacher: 0, lr: 0 } }, () => {
      if (cancelled === 0) cancelled = pool!.cancel('long');
    }, 'long');
    await expect(doomed).rejects.toBeInstanceOf(JobCancelledError);
    expect(cancelled).toBe(1);
    // The next job waits for the stop, then runs in the same process, with in-process results.
    const key = { cell: 0, teacher: 1, lr: 1 };
    const next = await pool.run({ spec, key });
    expect(Array.from(seriesOf(next).cos)).toEqual(Array.from(SftRun.start(new ExperimentContext(spec), key).complete().series.cos));
    expect(spawned).toHaveLength(1);
    expect(pool.pids).toEqual([spawned[0].pid]);
  });
});

/** Linux's view of a process: its parent and whether it still runs (a zombie has exited; this machine's init may not reap it). */
function procStat(pid: number): { ppid: number; state: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}
const running = (pid: number) => {
  const stat = procStat(pid);
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
};
/** The engine processes among a process's children (tsx's esbuild is another child). */
const enginesOf = (pid: number) =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
        // The engine process: the worker's source through tsx, or the CLI bundle's worker (bin/bundle.cjs).
    .filter((p) => procStat(p)?.ppid === pid && running(p) && [join('src', 'worker', 'index.ts'), join('out', 'cli', 'bundle', 'worker.cjs')].some((entry) => cmdline(p).includes(entry)));
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return ''; // gone meanwhile
  }
}

describe('engine processes and their coordinator', () => {
  it('a SIGKILLed `w2s run` leaves no engine process computing: each exits within a second, mid-job', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-orphans-'));
    const file = join(dir, 'lab.sqlite');
    const specFile = join(dir, 'spec.json');
    // One teacher and its ceiling at one learning rate, 10⁶ steps of 10 000 samples: minutes each.
    writeFileSync(specFile, JSON.stringify({ seed: 3, teachers: { count: 1 }, sft: { steps: 1_000_000, batchSize: 10_000, recordEvery: 1000, learningRates: [0.1] } }));
    const w2s = join(__dirname, '..', '..', 'bin', 'w2s.cjs');
    const coordinator: ChildProcess = spawn(process.execPath, [w2s, 'run', specFile, '--db', file, '--workers', '2', '--checkpoint-seconds', '0.1'], { stdio: 'ignore' });
    let engines: number[] = [];
    try {
      // Both runs have checkpointed: each engine process is inside its job's loop.
      await until(() => {
        try {
          const store = RunStore.open(file, 'test');
          const runs = store.listRuns(1);
          store.close();
          return runs.length === 2 && runs.every((r) => r.checkpoint !== null);
        } catch {
          return false; // not created or migrated yet
        }
      }, 'both runs to checkpoint', 120_000, 50);
      engines = enginesOf(coordinator.pid as number);
      expect(engines).toHaveLength(2);
      coordinator.kill('SIGKILL');
      const killedAt = Date.now();
      // Synchronisation, not a sleep: /proc is polled until every engine is gone, with a one-second deadline.
      await until(() => engines.every((pid) => !running(pid)), `engine processes ${engines.join(', ')} to exit`, 1000, 10);
      expect(Date.now() - killedAt).toBeLessThan(1100);
    } finally {
      coordinator.kill('SIGKILL');
      for (const pid of engines) if (running(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('interactive jobs', () => {
  /** Queue a job and record, when each of its runs ends, its label in `ended`. */
  const track = (ended: string[], label: string, promises: Promise<unknown>[]) => promises.map((p, i) => p.then(() => ended.push(promises.length === 1 ? label : `${label}${i}`)));

  it('go ahead of every queued batch job: on one process, right after the job it is running', async () => {
    pool = new EnginePool(forkSpawner(), 1);
    const keys = runKeys(spec);
    const ended: string[] = [];
    // Six batch jobs; the first is in the process at once, the other five wait.
    const batch = keys.slice(0, 6).flatMap((key, i) => track(ended, `batch${i}`, [pool!.run({ spec, key }, undefined, { group: 'exact' })]));
    const interactive = track(ended, 'explore', [pool.run({ spec, key: keys[0] }, undefined, { group: 'explore', priority: 'interactive' })]);
    await Promise.all([...batch, ...interactive]);
    expect(ended).toEqual(['batch0', 'explore', 'batch1', 'batch2', 'batch3', 'batch4', 'batch5']);
  });

  it('of several experiments take turns job by job, so a small one does not wait for a big one', async () => {
    pool = new EnginePool(forkSpawner(), 1);
    const keys = runKeys(spec);
    const ended: string[] = [];
    const batch = track(ended, 'batch', [pool.run({ spec, key: keys[0] }, undefined, { group: 'exact' })]);
    const big = keys.slice(0, 4).flatMap((key, i) => track(ended, `big${i}`, [pool!.run({ spec, key }, undefined, { group: 'big', priority: 'interactive' })]));
    const small = track(ended, 'small', [pool.run({ spec, key: keys[1] }, undefined, { group: 'small', priority: 'interactive' })]);
    const later = track(ended, 'batch-later', [pool.run({ spec, key: keys[2] }, undefined, { group: 'exact' })]);
    await Promise.all([...batch, ...big, ...small, ...later]);
    expect(ended).toEqual(['batch', 'big0', 'small', 'big1', 'big2', 'big3', 'batch-later']);
  });

  it('the rest of a batch job whose process died waits behind a queued interactive job', async () => {
    const spawned: EngineProcess[] = [];
    const fork = forkSpawner();
    pool = new EnginePool(() => {
      const p = fork();
      spawned.push(p);
      return p;
    }, 1);
    const slow = validateSpec({ ...spec, sft: { ...spec.sft, steps: 20_000, batchSize: 2000 } });
    const keys = runKeys(slow).slice(0, 3);
    const ended: string[] = [];
    let killed = false;
    const batch = pool.runBatch({ spec: slow, runs: keys.map((key) => ({ key })) }, () => {
      if (!killed) {
        killed = true;
        spawned[0].kill(); // during its first run: the other two are queued again, at the head
      }
    }, { group: 'exact' });
    const interactive = track(ended, 'explore', [pool.run({ spec, key: keys[0] }, undefined, { group: 'explore', priority: 'interactive' })]);
    await expect(batch[0]).rejects.toThrow(/SIGKILL/);
    await Promise.all([...track(ended, 'batch-rest', batch.slice(1)), ...interactive]);
    expect(ended).toEqual(['explore', 'batch-rest0', 'batch-rest1']);
  });

  it('position says what a group waits for: runs running and queued, busy processes and when the first frees', async () => {
    pool = new EnginePool(forkSpawner(), 1);
    const keys = runKeys(spec);
    const slow = validateSpec({ ...spec, sft: { ...spec.sft, steps: 4000, batchSize: 2000 } });
    const running = pool.run({ spec: slow, key: keys[0] }, undefined, { group: 'exact', expectedRunMs: 5000 });
    const queuedBatch = pool.run({ spec, key: keys[1] }, undefined, { group: 'exact' });
    const waiting = pool.runBatch({ spec, runs: keys.slice(0, 3).map((key) => ({ key })) }, undefined, { group: 'explore', priority: 'interactive' });
    const explore = pool.position('explore');
    expect(explore).toMatchObject({ priority: 'interactive', runsRunning: 0, runsQueued: 3, processesRunning: 0, msPerRun: null, interactiveRunsQueued: 0, batchRunsQueued: 1, processes: 1, processesBusy: 1 });
    // The running job's group guessed 5 s a run: it frees within that.
    expect(explore!.nextFreeMs).toBeGreaterThanOrEqual(0);
    expect(explore!.nextFreeMs).toBeLessThanOrEqual(5000);
    expect(pool.position('exact')).toMatchObject({ priority: 'batch', runsRunning: 1, runsQueued: 1, processesRunning: 1, msPerRun: 5000, interactiveRunsQueued: 3, processesBusy: 0, nextFreeMs: null });
    await running;
    // Once a run has ended, its measured time replaces the guess.
    const measured = pool.position('exact')?.msPerRun;
    expect(measured).toBeGreaterThan(0);
    expect(measured).not.toBe(5000);
    expect(pool.position('nobody')).toBeNull();
    await Promise.all([running, queuedBatch, ...waiting]);
    expect(pool.position('explore')).toBeNull();
    expect(pool.position('exact')).toBeNull();
  });
});
