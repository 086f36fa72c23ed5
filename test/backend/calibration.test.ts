/**
 * The builder's time estimate without a benchmark: every experiment stores the engine time its
 * jobs took and the samples and steps they computed; the estimate pools the recent experiments of
 * the spec's engine path, and on a history with none runs a sub-second calibration probe once, in
 * a real engine process, and remembers it in the history.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/engine/spec';
import { checkpointStep } from '../../src/shared/jobs';
import { EngineCalibration, historyThroughput, specWork } from '../../src/backend/calibration';
import { type Lab, type LabEvent } from '../../src/backend/lab';
import { EngineWorkRecords } from '../../src/backend/store/engineWork';
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
        if (lab.store.listRuns(id).some((r) => r.status === 'running' && (r.checkpoint === null ? 0 : checkpointStep(r.checkpoint)) > 0)) {
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
    const resumedFrom = afterCancel.filter((r) => r.status !== 'done').map((r) => r.checkpoint === null ? 0 : checkpointStep(r.checkpoint));
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

