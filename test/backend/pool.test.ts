/**
 * The engine pool with real worker processes (child_process.fork): jobs give the same results as
 * in-process runs, and a process killed with SIGKILL mid-job fails only that job; the pool
 * replaces it and carries on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ExperimentContext } from '../../src/engine/experiment';
import { runKeys } from '../../src/engine/grid';
import { SftRun } from '../../src/engine/run';
import { validateSpec } from '../../src/engine/spec';
import { EnginePool, type EngineProcess, forkSpawner } from '../../src/backend/pool';

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
      expect(Array.from(results[i].series.cos)).toEqual(Array.from(local.series.cos));
      expect(Array.from(results[i].series.norm)).toEqual(Array.from(local.series.norm));
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
    expect(results.every((r) => r.status === 'done' && r.series.cos.length === 41)).toBe(true);
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
});
