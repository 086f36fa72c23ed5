/**
 * The builder's time estimate without a benchmark: every experiment stores the engine time its
 * jobs took and the samples and steps they computed; the estimate pools the recent experiments of
 * the spec's engine path, and on a history with none runs a sub-second calibration probe once, in
 * a real engine process, and remembers it in the history.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runKeys } from '../../src/engine/grid';
import { resolvePath, validateSpec } from '../../src/engine/spec';
import { EngineCalibration, historyThroughput, probeSpec, specWork, workUnits } from '../../src/backend/calibration';
import { type Lab, type LabEvent } from '../../src/backend/lab';
import { EngineWorkRecords } from '../../src/backend/store/engineWork';
import {  openLabFixture } from '../helpers/labFixture';

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

  it('a cancelled and resumed experiment adds only the steps each resumed job computed', async () => {
    const lab = openLab(1);
    const spec = validateSpec({ ...small, seed: 6, sft: { ...small.sft, steps: 3000 } });
    const id = lab.submit(spec);
    // Cancel once some runs have checkpointed part-way.
    await new Promise<void>((resolve) => {
      const off = lab.on((e) => {
        if (e.type === 'progress' && e.fraction > 0.3) {
          off();
          lab.cancel(id);
          resolve();
        }
      });
    });
    expect((await lab.finished(id)).status).toBe('cancelled');
    lab.resume(id);
    expect((await lab.finished(id)).status).toBe('done');
    const [{ work }] = new EngineWorkRecords(lab.store).recentEngineWork(10);
    // Work cut off by the cancel was never reported; the total is at most the whole experiment
    // and at least the part run after the resume.
    expect(work.samples).toBeLessThanOrEqual(specWork(spec).samples);
    expect(work.samples % spec.sft.batchSize).toBe(0);
    expect(work.steps * spec.sft.batchSize).toBe(work.samples);
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
