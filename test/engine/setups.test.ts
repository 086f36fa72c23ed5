/**
 * The setups of docs/spec.md §7 and the dense path's variants, against independent computations.
 */
import { describe, expect, it } from 'vitest';
import { ExperimentContext } from '../../src/engine/experiment';
import { runKeys } from '../../src/engine/grid';
import { SftRun } from '../../src/engine/run';
import { validateSpec } from '../../src/engine/spec';
import { summarizeCell } from '../../src/engine/summary';
import { mean } from '../helpers/twoSample';

describe('shared pretraining', () => {
  it('the documented defaults land the student near 80 % and teachers near 63 % (d = 100, β = 1, 8 seeds)', () => {
    const students: number[] = [];
    const teachers: number[] = [];
    for (let seed = 0; seed < 8; seed++) {
      const context = new ExperimentContext(validateSpec({ setup: 'shared-pretraining', seed, teachers: { count: 20 } }));
      students.push(context.accuracyOf(context.pretrainedStudent()));
      for (let j = 0; j < 20; j++) teachers.push(context.accuracyOf(context.pretrainedTeacher(j)));
    }
    expect(mean(students)).toBeGreaterThan(0.78);
    expect(mean(students)).toBeLessThan(0.82);
    expect(mean(teachers)).toBeGreaterThan(0.61);
    expect(mean(teachers)).toBeLessThan(0.65);
  });

  it('pretraining is full-batch gradient descent on ground-truth labels (independent re-implementation)', () => {
    const spec = validateSpec({
      setup: 'shared-pretraining',
      seed: 4,
      data: { d: 5 },
      teachers: { count: 2 },
      pretrain: { studentPoints: 40, teacherPoints: 10, studentSteps: 0, teacherSteps: 0 },
    });
    // With zero steps the weights are the inits; one more step of GD by hand must match the engine.
    const untrained = new ExperimentContext(spec).pretrainedStudent();
    const trained = new ExperimentContext(validateSpec({ ...spec, pretrain: { ...spec.pretrain, studentSteps: 1 } })).pretrainedStudent();
    // Reconstruct the data the engine drew: same seed and stream, via the context of the 1-step spec.
    const context = new ExperimentContext(validateSpec({ ...spec, pretrain: { ...spec.pretrain, studentSteps: 1 } }));
    const data = (context as unknown as { pretrainData(): { points: Float64Array; labels: Float64Array } }).pretrainData();
    const d = 5;
    const n = 40;
    const grad = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const x = data.points.subarray(i * d, i * d + d);
      const m = x.reduce((s, xj, j) => s + xj * untrained[j], 0);
      const truth = x.reduce((s, xj, j) => s + xj * context.groundTruth()[j], 0) > 0 ? 1 : 0;
      expect(data.labels[i]).toBe(truth);
      const c = 1 / (1 + Math.exp(-m)) - truth;
      for (let j = 0; j < d; j++) grad[j] += c * x[j];
    }
    for (let j = 0; j < d; j++) expect(trained[j]).toBeCloseTo(untrained[j] - (0.1 * grad[j]) / n, 14);
  });

  it('SFT on pretrained teachers: most teachers improve the student (Fig. 3, small)', () => {
    const spec = validateSpec({
      setup: 'shared-pretraining',
      seed: 0,
      teachers: { count: 30 },
      sft: { batchSize: 1000, steps: 100, learningRates: [0.1, 1], ceiling: false },
    });
    const context = new ExperimentContext(spec);
    const outcomes = runKeys(spec).map((key) => {
      const run = SftRun.start(context, key).complete();
      return { key, status: run.status, descriptor: run.descriptor, series: run.recordedSeries() };
    });
    const summary = summarizeCell(spec, context.cells[0], outcomes);
    expect(summary.fractionImproved).toBeGreaterThanOrEqual(0.8);
    // κ and the teacher's cosine describe the actual pretrained vectors.
    const t0 = context.pretrainedTeacher(0);
    expect(summary.teachers[0].accuracy).toBeCloseTo(context.accuracyOf(t0), 12);
  });
});

describe('dense path variants', () => {
  it('a finite SFT set with B = n is full-batch gradient descent on the teacher-labelled set', () => {
    const spec = validateSpec({
      seed: 6,
      data: { d: 4 },
      student: { accuracy: 0.8, norm: 1.2 },
      teachers: { count: 1, accuracy: 0.7 },
      sft: { batchSize: 30, finiteSet: 30, steps: 5, learningRates: [0.7], ceiling: false },
    });
    const context = new ExperimentContext(spec);
    const key = { cell: 0, teacher: 0, lr: 0 };
    const run = SftRun.start(context, key).complete();
    // The same set the engine drew, by the engine's own bookkeeping, labelled here by hand.
    const init = context.explicitInit(key);
    const points = (run as unknown as { kernel: { problem: { finiteSet: { points: Float64Array } } } }).kernel.problem.finiteSet.points;
    const w = Float64Array.from(init.student);
    const labels = Array.from({ length: 30 }, (_, i) => (points.subarray(i * 4, i * 4 + 4).reduce((s, x, j) => s + x * init.teacher[j], 0) > 0 ? 1 : 0));
    for (let step = 1; step <= 5; step++) {
      const grad = new Float64Array(4);
      for (let i = 0; i < 30; i++) {
        const x = points.subarray(i * 4, i * 4 + 4);
        const m = x.reduce((s, xj, j) => s + xj * w[j], 0);
        const c = 1 / (1 + Math.exp(-m)) - labels[i];
        for (let j = 0; j < 4; j++) grad[j] += c * x[j];
      }
      for (let j = 0; j < 4; j++) w[j] -= (0.7 * grad[j]) / 30;
      const norm = Math.hypot(...w);
      expect(run.series.norm[step]).toBeCloseTo(norm, 12);
    }
  });

  it('product law: accuracy is measured on the held-out sample and agrees with the geometry in high d', () => {
    const spec = validateSpec({
      seed: 8,
      data: { d: 60, law: 'product-uniform', heldOutSize: 20_000 },
      teachers: { count: 1, accuracy: 0.7 },
      sft: { batchSize: 200, steps: 3, learningRates: [0.1], ceiling: false },
    });
    const context = new ExperimentContext(spec);
    expect(context.path).toBe('dense');
    const run = SftRun.start(context, { cell: 0, teacher: 0, lr: 0 }).complete();
    // For a dense w* and d = 60 the margins are nearly Gaussian: accuracy ≈ 1 − arccos(cos)/π.
    const predicted = 1 - Math.acos(run.series.cos[0]) / Math.PI;
    expect(Math.abs(run.series.accuracy[0] - predicted)).toBeLessThan(0.015);
    // Measured, not computed: a multiple of 1/heldOutSize.
    expect(Number.isInteger(Math.round(run.series.accuracy[0] * 20_000 * 1e6) / 1e6)).toBe(true);
  });
});
