/**
 * Reproducibility (docs/spec.md §8) and the run driver: checkpoint and resume give the bit-identical series
 * of an uninterrupted run on every path, results do not depend on the order runs are computed in,
 * and an overflowing run ends `diverged` with its finite data so far.
 */
import { describe, expect, it } from 'vitest';
import { ExperimentContext } from '../../src/engine/experiment';
import { type RunKey, runKeys } from '../../src/engine/grid';
import { Rng } from '../../src/engine/rng';
import { recordedLength, SftRun } from '../../src/engine/run';
import { ReducedKernel } from '../../src/engine/sft/reduced';
import { validateSpec } from '../../src/engine/spec';
import { selectLearningRate, selectStep } from '../../src/engine/selection';

const base = {
  seed: 9,
  data: { d: 8 },
  student: { accuracy: 0.8, norm: 2 },
  teachers: { count: 2, accuracy: 0.7 },
  sft: { batchSize: 64, steps: 37, learningRates: [0.5], recordEvery: 3 },
};

const variants: [string, Record<string, unknown>][] = [
  ['reduced', { ...base, engine: { path: 'reduced' } }],
  ['reduced, Student-t and soft labels', { ...base, data: { d: 8, law: 'student-t', nu: 6 }, sft: { ...base.sft, softLabels: { beta: 2 } } }],
  ['projected with a validation set', { ...base, data: { d: 8, spectrum: { powerLaw: 1 } }, sft: { ...base.sft, earlyStopping: 'validation', validationSize: 50 } }],
  ['dense, finite reused set with label noise', { ...base, sft: { ...base.sft, finiteSet: 100, labelNoise: 0.1 }, engine: { path: 'dense' } }],
  ['dense, product law', { ...base, data: { d: 8, law: 'product-uniform', heldOutSize: 500 } }],
  ['shared pretraining', { ...base, setup: 'shared-pretraining', pretrain: { studentPoints: 300, teacherPoints: 100, studentSteps: 5, teacherSteps: 3 } }],
];

function seriesOf(run: SftRun): Record<string, number[]> {
  return Object.fromEntries(Object.entries(run.recordedSeries()).map(([k, v]) => [k, Array.from(v as Float64Array)]));
}

describe('checkpoint and resume', () => {
  for (const [name, input] of variants) {
    it(`${name}: interrupted at every few steps and resumed, the series are bit-identical`, () => {
      const spec = validateSpec(input);
      const key: RunKey = { cell: 0, teacher: 1, lr: 0 };
      const whole = SftRun.start(new ExperimentContext(spec), key).complete();
      expect(whole.status).toBe('done');
      expect(whole.recorded).toBe(recordedLength(37, 3));

      // Each leg runs in a fresh context, as after a restart, from a JSON round trip of the checkpoint.
      let run = SftRun.start(new ExperimentContext(spec), key);
      for (const leg of [5, 1, 13]) {
        run.advance(leg);
        const checkpoint = JSON.parse(JSON.stringify(run.checkpoint()));
        const sofar = run.recordedSeries();
        run = SftRun.resume(new ExperimentContext(spec), key, checkpoint, sofar);
      }
      run.complete();
      expect(seriesOf(run)).toEqual(seriesOf(whole));
      for (const values of Object.values(seriesOf(run))) for (const v of values) expect(Number.isFinite(v)).toBe(true);
    });
  }
});

describe('order independence', () => {
  it('runs computed in reverse order, each in its own context, equal the forward ones', () => {
    const spec = validateSpec({ ...base, teachers: { count: 3, accuracy: [0.6, 0.7] }, student: { accuracy: 0.8, norm: [1, 3] } });
    const keys = runKeys(spec);
    const shared = new ExperimentContext(spec);
    const forward = keys.map((k) => seriesOf(SftRun.start(shared, k).complete()));
    const backward = [...keys].reverse().map((k) => seriesOf(SftRun.start(new ExperimentContext(spec), k).complete())).reverse();
    expect(backward).toEqual(forward);
  });

  it('different teachers and learning rates draw from different streams', () => {
    const spec = validateSpec({ ...base, sft: { ...base.sft, learningRates: [0.5, 0.5] } });
    const context = new ExperimentContext(spec);
    const a = SftRun.start(context, { cell: 0, teacher: 0, lr: 0 }).complete().series.cos;
    const b = SftRun.start(context, { cell: 0, teacher: 0, lr: 1 }).complete().series.cos;
    expect(a[0]).toBe(b[0]);
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });
});

describe('divergence', () => {
  it('an overflowing run ends diverged with its data so far and no non-finite value', () => {
    const kernel = new ReducedKernel(
      10,
      // Far outside what a spec allows: the first step's update overflows to ±Infinity.
      { beta: 1e100, learningRate: 1e250, batchSize: 8 },
      { cT: 0.6, sT: 0.8 },
      { softBeta: null, teacherNorm: 1, labelNoise: 0 },
      null,
      { alpha: 1, b: 0.5, rho: 0.5 },
      new Rng([1, 2, 3, 4]),
    );
    const descriptor = { studentCos: NaN, studentNorm: NaN, studentAccuracy: NaN, teacherCos: 0.6, teacherAccuracy: NaN, kappa: 0 };
    const run = SftRun.fromKernel({ cell: 0, teacher: 0, lr: 0 }, descriptor, kernel, 20).complete();
    expect(run.status).toBe('diverged');
    const s = run.recordedSeries();
    expect(Array.from(s.step)).toEqual([0]);
    expect(s.cos[0]).toBeCloseTo(1 / Math.sqrt(1.5), 12);
    for (const values of Object.values(s)) for (const v of values as Float64Array) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('early stopping', () => {
  const series = {
    step: Float64Array.from([0, 1, 2, 3]),
    inner: new Float64Array(4),
    norm: new Float64Array(4),
    cos: Float64Array.from([0.9, 0.5, 0.7, 0.7]),
    accuracy: new Float64Array(4),
    agreement: Float64Array.from([0.1, 0.3, 0.2, 0.3]),
    validation: Float64Array.from([1, 0.2, 0.2, 0.6]),
  };
  it('picks the first maximum at steps ≥ 1 of the rule’s criterion', () => {
    expect(selectStep(series, 'oracle')).toEqual({ index: 2, score: 0.7 });
    expect(selectStep(series, 'teacher')).toEqual({ index: 1, score: 0.3 });
    expect(selectStep(series, 'validation')).toEqual({ index: 3, score: 0.6 });
  });

  it('reads the true cosine when the rule’s column was not recorded', () => {
    expect(selectStep({ ...series, validation: undefined }, 'validation')).toEqual(selectStep(series, 'oracle'));
  });

  it('selects the learning rate with the best early-stopped score, the lowest index on ties', () => {
    const at = (cos: number[]) => ({ ...series, cos: Float64Array.from(cos) });
    const runs = [
      { lr: 2, series: at([0.5, 0.6, 0.8]) },
      { lr: 0, series: at([0.5, 0.8, 0.1]) },
      { lr: 1, series: at([0.5, 0.7, 0.7]) },
      { lr: 3, series: at([0.5]) }, // nothing past step 0: never selected
    ];
    expect(selectLearningRate(runs, 'oracle')).toEqual({ run: runs[1], selection: { index: 1, score: 0.8 } });
    expect(selectLearningRate([runs[2], runs[3]], 'oracle')).toEqual({ run: runs[2], selection: { index: 1, score: 0.7 } });
    expect(selectLearningRate([runs[3]], 'oracle')).toBeNull();
  });
});
