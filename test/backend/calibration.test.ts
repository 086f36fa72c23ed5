/**
 * The builder's time estimate without a benchmark: every experiment stores the engine time its
 * jobs took and the samples and steps they computed; the estimate pools the recent experiments of
 * the spec's engine path, and on a history with none runs a sub-second calibration probe once, in
 * a real engine process, and remembers it in the history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runKeys } from '../../src/engine/grid';
import { resolvePath, validateSpec } from '../../src/engine/spec';
import { EngineCalibration, historyThroughput, probeSpec, specWork, workUnits } from '../../src/backend/calibration';
import { type Lab, type LabEvent } from '../../src/backend/lab';
import { EngineWorkRecords } from '../../src/backend/store/engineWork';
import { EnginePool, forkSpawner } from '../../src/backend/pool';
import { RunStore } from '../../src/backend/store/store';
import { openLabFixture } from '../helpers/labFixture';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function openLab(workers = 1): Lab {
  const fixture = openLabFixture('calibration', { workers, lab: { checkpointIntervalMs: 100 } });
  cleanups.push(() => fixture.close());
  return fixture.lab;
}

const small = validateSpec({ seed: 5, teachers: { count: 3 }, sft: { steps: 200, batchSize: 2000, learningRates: [0.1, 1] } });

describe('work units', () => {
  it('are samples on the O(B) paths and sample-coordinates on the dense O(B·d) path', () => {
    const work = specWork(small);
    // 3 teachers + the ceiling, 2 learning rates: 8 runs × 200 steps × 2 000 samples.
    expect(work).toEqual({ samples: 8 * 200 * 2000, steps: 8 * 200 });
    expect(workUnits('reduced', 100, work)).toBe(work.samples);
    expect(workUnits('dense', 300, work)).toBe(work.samples * 300);
  });

  it('the probe specs are valid one-run experiments on the path they measure', () => {
    for (const path of ['reduced', 'projected', 'dense', 'preview'] as const) {
      const spec = probeSpec(path);
      expect(resolvePath(spec)).toBe(path);
      expect(runKeys(spec)).toHaveLength(1);
    }
  });
});

describe('the history as calibration', () => {
  it('stores each job’s engine time and exactly the samples and steps the experiment computed', async () => {
    const lab = openLab(2);
    let computeMs = 0;
    lab.on((e: LabEvent) => {
      if (e.type === 'run' && e.computeMs !== undefined) computeMs += e.computeMs;
    });
    const id = lab.submit(small);
    expect((await lab.finished(id)).status).toBe('done');
    const [{ work }] = new EngineWorkRecords(lab.store).recentEngineWork(10);
    expect(work.samples).toBe(specWork(small).samples);
    expect(work.steps).toBe(specWork(small).steps);
    expect(work.ms).toBeCloseTo(computeMs, 6);
    const t = historyThroughput(lab.store, 'reduced')!;
    expect(t.nsPerUnit).toBeCloseTo((computeMs * 1e6) / specWork(small).samples, 6);
    expect(t.basis).toMatch(/1 experiment in the history/);
    // Another path has no measurement in this history.
    expect(historyThroughput(lab.store, 'dense')).toBeNull();
  });

  it('after a cancel and a resume the stored work is the steps computed: the first leg’s finished runs whole, then each other run from its stored checkpoint to its end', async () => {
    const lab = openLab(1);
    // 1 teacher and the ceiling × 2 learning rates, each run a few tenths of a second: checkpoints
    // (every 100 ms) land part-way.
    const spec = validateSpec({ seed: 6, teachers: { count: 1 }, sft: { steps: 10_000, batchSize: 10_000, learningRates: [0.1, 1], recordEvery: 100 } });
    const T = spec.sft.steps;
    let computeMs = 0;
    lab.on((e: LabEvent) => {
      if (e.type === 'run' && e.computeMs !== undefined) computeMs += e.computeMs;
    });
    const id = lab.submit(spec);
    // Cancel as soon as the store holds a running run's checkpoint part-way: the resume must
    // continue that run from it (cancel kills the job's process at once; the run has most of its
    // steps still to go).
    await new Promise<void>((resolve) => {
      const off = lab.on((e) => {
        if (e.type !== 'progress' || e.experimentId !== id) return;
        if (lab.store.listRuns(id).some((r) => r.status === 'running' && (r.checkpoint?.kernel.step ?? 0) > 0)) {
          off();
          lab.cancel(id);
          resolve();
        }
      });
    });
    expect((await lab.finished(id)).status).toBe('cancelled');
    const afterCancel = lab.store.listRuns(id);
    const firstLeg = new EngineWorkRecords(lab.store).recentEngineWork(10).find((r) => r.spec.seed === spec.seed)?.work ?? { ms: 0, samples: 0, steps: 0 };
    const finished = afterCancel.filter((r) => r.status === 'done');
    expect(firstLeg.steps).toBe(finished.length * T);
    // What the resume continues from, as stored: each unfinished run's checkpoint step (0 without one).
    const resumedFrom = afterCancel.filter((r) => r.status !== 'done').map((r) => r.checkpoint?.kernel.step ?? 0);
    expect(resumedFrom.some((step) => step > 0 && step < T), `checkpoint steps ${resumedFrom.join(', ')}`).toBe(true);

    lab.resume(id);
    expect((await lab.finished(id)).status).toBe('done');
    const [{ work }] = new EngineWorkRecords(lab.store).recentEngineWork(10);
    const steps = finished.length * T + resumedFrom.reduce((sum, from) => sum + (T - from), 0);
    expect(work.steps).toBe(steps);
    expect(work.samples).toBe(steps * spec.sft.batchSize);
    expect(work.steps).toBeLessThan(specWork(spec).steps);
    expect(work.ms).toBeCloseTo(computeMs, 6);
  });

  it('on an empty history the estimate runs the probe once, in an engine process, and stores it', async () => {
    const lab = openLab(1);
    let probes = 0;
    const calibration = new EngineCalibration(lab.store, (input) => {
      probes++;
      return lab.runDetached(input);
    });
    const [a, b] = await Promise.all([calibration.estimate(small, 2), calibration.estimate(small, 2)]);
    expect(probes).toBe(1);
    expect(a).toEqual(b);
    expect(a.basis).toMatch(/calibration probe just run \(reduced path/);
    const stored = new EngineWorkRecords(lab.store).getCalibration('reduced')!;
    expect(stored.nsPerUnit).toBeGreaterThan(0);
    // samples × ns per sample over min(workers, runs) processes.
    expect(a.seconds).toBeCloseTo((specWork(small).samples * stored.nsPerUnit) / 1e9 / 2, 9);
    // Stored: a second service on the same history does not probe again.
    let again = 0;
    const later = new EngineCalibration(lab.store, (input) => {
      again++;
      return lab.runDetached(input);
    });
    const c = await later.estimate(small, 1);
    expect(again).toBe(0);
    expect(c.basis).toMatch(/calibration probe of \d{4}-\d\d-\d\d/);
    expect(c.seconds).toBeCloseTo((specWork(small).samples * stored.nsPerUnit) / 1e9, 9);
  });

  it('without an engine to probe, says that the first experiment will measure it', async () => {
    const lab = openLab(1);
    const estimate = await new EngineCalibration(lab.store, null).estimate(small, 1);
    expect(estimate).toEqual({ seconds: null, basis: 'no measurement of the reduced path yet: it is taken with the first experiment' });
  });
});

describe('the history’s throughput, exactly', () => {
  function openStore(): RunStore {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-calibration-store-'));
    const store = RunStore.open(join(dir, 'lab.sqlite'), 'test');
    cleanups.push(() => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return store;
  }
  /** An experiment of `spec` whose jobs took `ms` for `samples` samples and `steps` steps. */
  function worked(store: RunStore, spec: ReturnType<typeof validateSpec>, ms: number, samples: number, steps: number): void {
    const id = store.createExperiment(spec, runKeys(spec));
    new EngineWorkRecords(store).addEngineTime(id, { ms, samples, steps });
  }
  const dense = validateSpec({ data: { law: 'product-uniform', d: 30 }, teachers: { count: 1 }, sft: { steps: 10, batchSize: 100, learningRates: [0.1] } });
  const preview = validateSpec({ teachers: { count: 1 }, sft: { steps: 10, batchSize: 100, learningRates: [0.1] }, engine: { path: 'preview' } });

  it('pools the 20 newest experiments of the path: total engine time over total work units', () => {
    const store = openStore();
    const reduced: { ms: number; samples: number }[] = [];
    for (let i = 0; i < 23; i++) {
      const ms = 10 + i;
      const samples = 1000 * (i + 1);
      worked(store, small, ms, samples, 7);
      reduced.push({ ms, samples });
      if (i % 5 === 0) worked(store, dense, 1000, 50, 5); // other paths in between are not counted
    }
    worked(store, small, 5, 0, 0); // no work units: left out, not counted as one of the 20
    const newest = reduced.slice(-20);
    const expected = (newest.reduce((a, r) => a + r.ms, 0) * 1e6) / newest.reduce((a, r) => a + r.samples, 0);
    const t = historyThroughput(store, 'reduced')!;
    expect(t.nsPerUnit).toBeCloseTo(expected, 9);
    expect(t.basis).toBe('engine speed measured over 20 experiments in the history (reduced path)');
    // The dense path's unit is a sample-coordinate: samples × d.
    const d = historyThroughput(store, 'dense')!;
    expect(d.nsPerUnit).toBeCloseTo((5 * 1000 * 1e6) / (5 * 50 * 30), 9);
    expect(d.basis).toBe('engine speed measured over 5 experiments in the history (dense path)');
    expect(historyThroughput(store, 'preview')).toBeNull();
  });

  it('the preview path’s unit is a step, whatever B and d; one experiment says so in the singular', () => {
    const store = openStore();
    worked(store, preview, 3, 1e9, 40);
    const t = historyThroughput(store, 'preview')!;
    expect(t.nsPerUnit).toBeCloseTo((3 * 1e6) / 40, 9);
    expect(t.basis).toBe('engine speed measured over 1 experiment in the history (preview path)');
    expect(workUnits('preview', 100, { samples: 1e9, steps: 40 })).toBe(40);
    expect(workUnits('projected', 100, { samples: 7, steps: 40 })).toBe(7);
  });

  it('the estimate: work units × ns per unit over min(workers, runs) processes, at least one', async () => {
    const store = openStore();
    worked(store, small, 20, 1e6, 10); // 20 ns a sample
    const calibration = new EngineCalibration(store, null);
    const units = specWork(small).samples;
    const runs = runKeys(small).length; // 8
    expect(await calibration.estimate(small, 2)).toEqual({ seconds: (units * 20) / 1e9 / 2, basis: 'engine speed measured over 1 experiment in the history (reduced path), 2 engine processes' });
    expect((await calibration.estimate(small, 64)).seconds).toBeCloseTo((units * 20) / 1e9 / runs, 12);
    const one = await calibration.estimate(small, 1);
    expect(one.seconds).toBeCloseTo((units * 20) / 1e9, 12);
    expect(one.basis).toMatch(/, 1 engine process$/);
    expect((await calibration.estimate(small, 0)).seconds).toBeCloseTo((units * 20) / 1e9, 12);
  });

  it('the history before a stored probe, a stored probe before running one; a probe that fails is tried again next time', async () => {
    const store = openStore();
    const closed = new EnginePool(forkSpawner(), 1);
    closed.close();
    let pool = closed;
    let probes = 0;
    const calibration = new EngineCalibration(store, (input) => {
      probes++;
      return pool.runDetached(input);
    });
    // No engine to run the probe on (a closed pool refuses it): no estimate, and nothing stored.
    expect(await calibration.estimate(small, 1)).toEqual({ seconds: null, basis: 'no measurement of the reduced path yet: it is taken with the first experiment' });
    expect(new EngineWorkRecords(store).getCalibration('reduced')).toBeNull();
    pool = new EnginePool(forkSpawner(), 1);
    cleanups.push(() => pool.close());
    const probed = await calibration.estimate(small, 1);
    expect(probes).toBe(2);
    expect(probed.basis).toMatch(/^calibration probe just run \(reduced path, \d+ ms\)/);
    const stored = new EngineWorkRecords(store).getCalibration('reduced')!;
    expect(probed.seconds).toBeCloseTo((specWork(small).samples * stored.nsPerUnit) / 1e9, 12);
    // An experiment in the history now wins over the stored probe.
    worked(store, small, 30, 1e6, 10);
    expect((await new EngineCalibration(store, null).estimate(small, 1)).seconds).toBeCloseTo((specWork(small).samples * 30) / 1e9, 12);
  });

  it('the probe specs are each about 0.1–0.4 s of work on their path, one run', () => {
    expect(specWork(probeSpec('reduced'))).toEqual({ samples: 1500 * 10_000, steps: 1500 });
    expect(specWork(probeSpec('preview'))).toEqual({ samples: 100_000 * 10_000, steps: 100_000 });
    expect(workUnits('dense', 100, specWork(probeSpec('dense')))).toBe(40 * 2000 * 100);
    expect(specWork(probeSpec('projected')).steps).toBe(1000);
    for (const path of ['reduced', 'projected', 'dense', 'preview'] as const) expect(probeSpec(path).name).toBe(`calibration probe (${path})`);
  });
});
