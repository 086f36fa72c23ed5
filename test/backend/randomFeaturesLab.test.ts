/**
 * A random-features experiment through the lab (lab.ts, the engine processes of worker/index.ts,
 * the store): the stored series are the engine's own runs bit for bit, whatever the number of
 * engine processes and across a cancel (runs stopped mid-way, at their checkpoints) and a resume;
 * the stored columns are the setup's; the stored summary is summarizeRandomFeatures of the
 * engine's runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Lab } from '../../src/backend/lab';
import { LabApiService } from '../../src/backend/labApi';
import { blockViews } from '../../src/shared/seriesBlock';
import { directLabApi } from '../helpers/labFixture';
import { EnginePool, forkSpawner } from '../../src/backend/pool';
import { RunStore } from '../../src/backend/store/store';
import { randomFeaturesRunKeys, RandomFeaturesContext, RandomFeaturesRun, summarizeRandomFeatures, type RandomFeaturesOutcome } from '../../src/engine/randomFeatures';
import { randomFeaturesConfigOf } from '../../src/engine/randomFeatures/specConfig';
import { type ExperimentSpec, validateSpec } from '../../src/engine/spec';
import { checkpointStep } from '../../src/shared/jobs';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-rf-lab-'));
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

/** d = 10, M_s = 50, M_t = 10, 3 teachers and the ceiling, 2 learning rates. */
function smallSpec(sft: object = {}, data: object = {}): ExperimentSpec {
  return validateSpec({
    setup: 'random-features',
    seed: 11,
    data: { d: 10, ...data },
    features: { student: 50, teacher: 10 },
    teachers: { count: 3 },
    pretrain: { studentPoints: 600, teacherPoints: 120, studentSteps: 20, teacherSteps: 8 },
    sft: { batchSize: 40, steps: 60, learningRates: [0.05, 2], recordEvery: 5, ...sft },
    evaluation: { testPoints: 2000 },
  });
}

/** Every double as its bits: equal means bit for bit (−0 and NaN included). */
function bits(values: ArrayLike<number>): string[] {
  const f = new Float64Array(Array.from(values));
  return Array.from(new BigUint64Array(f.buffer), (b) => b.toString(16));
}

/** Each stored run's columns by name, as bits, in run-key order. */
function storedBits(lab: Lab, id: number): Record<string, string[]>[] {
  return lab.store.loadExperimentRuns(id).map(({ series }) => Object.fromEntries(Object.entries(series).map(([k, v]) => [k, bits(v as Float64Array)])));
}

/** The engine's own runs, in this process. */
function engineOutcomes(spec: ExperimentSpec): RandomFeaturesOutcome[] {
  const config = randomFeaturesConfigOf(spec);
  const context = new RandomFeaturesContext(config, spec.seed);
  return randomFeaturesRunKeys(config).map((key) => {
    const run = RandomFeaturesRun.start(context, key).complete();
    return { key, status: run.status, descriptor: run.descriptor, series: run.recordedSeries() };
  });
}

function outcomeBits(outcomes: readonly RandomFeaturesOutcome[]): Record<string, string[]>[] {
  return outcomes.map((o) => Object.fromEntries(Object.entries(o.series).map(([k, v]) => [k, bits(v as Float64Array)])));
}

describe('a random-features experiment in the lab', () => {
  it("stores the engine's series bit for bit on 1 and 2 processes, its columns and descriptors, and summarizeRandomFeatures as its summary", async () => {
    const spec = smallSpec();
    const outcomes = engineOutcomes(spec);
    const expected = outcomeBits(outcomes);
    const dir = tempDir();
    for (const workers of [1, 2]) {
      const lab = openLab(join(dir, `${workers}.sqlite`), workers);
      const id = lab.submit(spec);
      const record = await lab.finished(id);
      expect(record.status).toBe('done');
      const runs = lab.store.listRuns(id);
      expect(runs.map((r) => r.key)).toEqual(outcomes.map((o) => o.key));
      expect(runs.every((r) => r.status === 'done')).toBe(true);
      expect(runs[0].columns).toEqual(['step', 'accuracy', 'agreement', 'headNorm', 'changed']);
      expect(runs.map((r) => r.descriptor)).toEqual(outcomes.map((o) => o.descriptor));
      expect(storedBits(lab, id)).toEqual(expected);
      const summary = record.summary;
      expect(summary?.randomFeatures).toEqual(summarizeRandomFeatures(randomFeaturesConfigOf(spec), outcomes));
      expect(summary?.runs).toEqual({ total: 8, done: 8, diverged: 0, failed: 0, cancelled: 0 });
      expect(summary?.path).toBe('random-features');
      expect(summary?.randomFeatures?.teachers).toHaveLength(3);
      // The pretrained student beats its teachers (M_s = 50 features against 10).
      expect(summary?.randomFeatures?.studentAccuracy).toBeGreaterThan(summary?.randomFeatures?.meanTeacherAccuracy ?? 1);
    }
  });

  it('a cancel mid-run and a resume give the straight series bit for bit (pool and validation columns too)', async () => {
    // Long enough runs that each checkpoints several times before the cancel.
    const spec = smallSpec({ steps: 4000, recordEvery: 20, earlyStopping: 'validation', validationSize: 300 }, { pool: 400 });
    const expected = outcomeBits(engineOutcomes(spec));
    const lab = openLab(join(tempDir(), 'resumed.sqlite'), 2, 1);
    const id = lab.submit(spec);
    await new Promise<void>((resolve) => {
      const stop = lab.on(() => {
        if (lab.store.listRuns(id).some((r) => r.checkpoint !== null && checkpointStep(r.checkpoint) > 0)) {
          stop();
          lab.cancel(id);
          resolve();
        }
      });
    });
    expect((await lab.finished(id)).status).toBe('cancelled');
    const stopped = lab.store.listRuns(id);
    const midway = stopped.filter((r) => r.status === 'cancelled' && r.checkpoint !== null && checkpointStep(r.checkpoint) > 0 && checkpointStep(r.checkpoint) < 4000);
    expect(midway.length).toBeGreaterThan(0);
    for (const r of midway) expect(lab.store.loadSeries(r.id).step.length).toBe(r.checkpoint?.recorded);
    expect(stopped[0].columns).toEqual(['step', 'accuracy', 'agreement', 'headNorm', 'changed', 'validation']);
    lab.resume(id);
    const record = await lab.finished(id);
    expect(record.status).toBe('done');
    expect(storedBits(lab, id)).toEqual(expected);
    expect(record.summary?.runs.done).toBe(8);
  });

  it("the LabApi gives its detail and series across the contract's validation: the summary, the setup's columns, each teacher's selected run", async () => {
    const spec = smallSpec();
    const lab = openLab(join(tempDir(), 'api.sqlite'), 2);
    const id = lab.submit(spec);
    await lab.finished(id);
    const api = directLabApi(new LabApiService(lab));
    const detail = await api.getExperiment({ id });
    expect(detail.summary?.randomFeatures).toEqual(lab.store.getExperiment(id)?.summary?.randomFeatures);
    expect(detail.spec).toEqual(spec);
    const all = await api.getSeries({ id, runs: 'all' });
    expect(all.columns).toEqual(['step', 'accuracy', 'agreement', 'headNorm', 'changed']);
    const stored = lab.store.loadExperimentRuns(id);
    expect(blockViews(all).map((v) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, bits(x)])))).toEqual(stored.map(({ series }) => Object.fromEntries(Object.entries(series).map(([k, x]) => [k, bits(x as Float64Array)]))));
    const picked = await api.getSeries({ id, runs: 'selected', columns: ['accuracy', 'headNorm'] });
    const rates = spec.sft.learningRates;
    const chosen = (detail.summary?.randomFeatures?.teachers ?? []).map((t) => ({ cell: 0, teacher: t.teacher, lr: rates.indexOf(t.bestLearningRate as number) }));
    expect(picked.runs.map((r) => r.key)).toEqual(chosen);
    expect(picked.columns).toEqual(['step', 'accuracy', 'headNorm']);
    // No cell learning rate (the linear dashboards' default view): no runs, and the history stays readable after it.
    const none = await api.getSeries({ id, runs: 'cellRate', columns: ['cos'] });
    expect(none.runs).toEqual([]);
    expect((await api.getExperiment({ id })).id).toBe(id);
    expect((await api.listExperiments({})).map((e) => e.id)).toEqual([id]);
  });
});
