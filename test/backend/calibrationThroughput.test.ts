/**
 * The time estimate's arithmetic (src/backend/calibration.ts) on a real history file with engine
 * work written into it: the work unit of each path, the pool of the 20 newest experiments of a
 * path, the estimate over min(workers, runs) engine processes, the order history → stored probe →
 * new probe, and a failed probe tried again. (The lab's own accounting of that work, across a
 * cancel and a resume, is in calibration.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runKeys } from '../../src/engine/grid';
import { resolvePath, validateSpec } from '../../src/engine/spec';
import { EngineCalibration, historyThroughput, probeSpec, specWork, workUnits } from '../../src/backend/calibration';
import { EnginePool, forkSpawner } from '../../src/backend/pool';
import { EngineWorkRecords } from '../../src/backend/store/engineWork';
import { RunStore } from '../../src/backend/store/store';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

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
    let probeMs = NaN;
    const calibration = new EngineCalibration(store, async (input) => {
      probes++;
      const result = await pool.runDetached(input);
      probeMs = result.computeMs;
      return result;
    });
    // No engine to run the probe on (a closed pool refuses it): no estimate, and nothing stored.
    expect(await calibration.estimate(small, 1)).toEqual({ seconds: null, basis: 'no measurement of the reduced path yet: it is taken with the first experiment' });
    expect(new EngineWorkRecords(store).getCalibration('reduced')).toBeNull();
    pool = new EnginePool(forkSpawner(), 1);
    cleanups.push(() => pool.close());
    // Two callers at once share one probe.
    const [probed, shared] = await Promise.all([calibration.estimate(small, 1), calibration.estimate(small, 1)]);
    expect(probes).toBe(2);
    expect(shared).toEqual(probed);
    expect(probed.basis).toBe(`calibration probe just run (reduced path, ${Math.round(probeMs)} ms): no experiment on it in the history yet, 1 engine process`);
    const stored = new EngineWorkRecords(store).getCalibration('reduced')!;
    // ns per unit = the probe's engine time over its work units (1 500 steps × 10 000 samples).
    expect(stored.nsPerUnit).toBeCloseTo((probeMs * 1e6) / (1500 * 10_000), 9);
    expect(probed.seconds).toBeCloseTo((specWork(small).samples * stored.nsPerUnit) / 1e9, 12);
    // A later lab without an engine reads the stored probe, dated.
    const later = await new EngineCalibration(store, null).estimate(small, 1);
    expect(later.basis).toBe(`calibration probe of ${stored.measuredAt.slice(0, 10)} (reduced path): no experiment on it in the history yet, 1 engine process`);
    expect(stored.measuredAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(later.seconds).toBeCloseTo((specWork(small).samples * stored.nsPerUnit) / 1e9, 12);
    expect(probes).toBe(2);
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
