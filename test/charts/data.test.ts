/**
 * From a series block to what figures plot (src/charts/data.ts), on blocks and columns written out
 * by hand: the per-run views, each teacher's selected run (the engine's rule) and its gain, cell
 * labels and colour groups, the per-learning-rate groups, the statistics across teachers (sample
 * std, SEM, Student-t 95 % interval against scipy's quantiles, min–max), EMA smoothing, thinning
 * and what a log axis can draw.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  asRunSeries,
  bandAcross,
  cellGroups,
  cellLabel,
  cellRateGroups,
  drawable,
  ema,
  figureInput,
  longestSteps,
  lrGroups,
  meanStd,
  metricColumn,
  onGrid,
  pick,
  runViews,
  scatterGroups,
  selectedTeachersOf,
  selectTeachers,
  startCos,
  stepIndex,
  stopsSpanDecade,
  summaryTeachers,
  thinIndices,
  tQuantile975,
  unionGrid,
} from '../../src/charts/data';
import type { FigureInput, SeriesBundle } from '../../src/charts/types';
import { CEILING, cellsOf } from '../../src/engine/grid';
import { validateSpec } from '../../src/engine/spec';
import type { StoredSummary } from '../../src/engine/summary';
import { makeSpec, pack, type SyntheticRun } from '../helpers/synthetic';

const quantiles = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 't-quantiles.json'), 'utf8')) as { quantiles: { df: number; t975: number }[] };

const descriptor = { studentCos: 0.8, studentNorm: 1, studentAccuracy: 0.795, teacherCos: 0.6, teacherAccuracy: 0.705, kappa: 0.2 };

/** A run whose columns are the given cos (and the rest derived from it, distinctly). */
function run(cell: number, teacher: number, lr: number, cos: number[], steps = cos.map((_, i) => 10 * i)): SyntheticRun {
  return {
    key: { cell, teacher, lr },
    descriptor,
    cols: {
      step: steps,
      inner: cos.map((c) => 2 * c),
      norm: cos.map((_, i) => 1 + i),
      cos,
      accuracy: cos.map((c) => c / 2 + 0.3),
      agreement: cos.map((c) => 1 - c),
    },
  };
}

describe('runViews and asRunSeries', () => {
  it('cut each run’s metric-major columns out of the block as views of it', () => {
    const bundle = pack([run(0, 0, 0, [0.1, 0.2, 0.3]), run(0, 1, 0, [0.5, 0.6])]);
    const [a, b] = runViews(bundle);
    expect(a.recorded).toBe(3);
    expect(Array.from(a.columns.cos)).toEqual([0.1, 0.2, 0.3]);
    expect(Array.from(a.columns.step)).toEqual([0, 10, 20]);
    expect(Array.from(b.columns.inner)).toEqual([1, 1.2]);
    expect(Array.from(b.columns.agreement)).toEqual([0.5, 0.4]);
    expect(b.columns.cos.buffer).toBe(bundle.data.buffer);
    expect(b.key).toEqual({ cell: 0, teacher: 1, lr: 0 });
    expect(b.status).toBe('done');
    const series = asRunSeries(a);
    for (const column of ['step', 'inner', 'norm', 'cos', 'accuracy', 'agreement'] as const) expect(series[column], column).toBe(a.columns[column]);
    expect(series.validation).toBeUndefined();
  });

  it('refuse a block shorter than its runs say; a missing column is empty', () => {
    const bundle = pack([run(0, 0, 0, [0.1, 0.2, 0.3])]);
    const short: SeriesBundle = { ...bundle, data: bundle.data.subarray(0, bundle.data.length - 1) };
    expect(() => runViews(short)).toThrow(/holds 17 values, runs need 18/);
    const noAgreement: SeriesBundle = { ...bundle, columns: bundle.columns.slice(0, 5), data: bundle.data.subarray(0, 15) };
    const series = asRunSeries(runViews(noAgreement)[0]);
    expect(series.agreement).toHaveLength(0);
    expect(Array.from(series.cos)).toEqual([0.1, 0.2, 0.3]);
    // A block of the step and cos only: every other column empty.
    const stepAndCos: SeriesBundle = { ...bundle, columns: ['step', 'cos'], data: Float64Array.from([0, 10, 20, 0.1, 0.2, 0.3]) };
    const two = asRunSeries(runViews(stepAndCos)[0]);
    expect([two.inner.length, two.norm.length, two.accuracy.length, two.agreement.length]).toEqual([0, 0, 0, 0]);
    expect([Array.from(two.step), Array.from(two.cos)]).toEqual([[0, 10, 20], [0.1, 0.2, 0.3]]);
    const none: SeriesBundle = { ...bundle, columns: [], data: new Float64Array(0) };
    expect([asRunSeries(runViews(none)[0]).step.length, asRunSeries(runViews(none)[0]).cos.length]).toEqual([0, 0]);
  });
});

describe('selectTeachers', () => {
  const spec = makeSpec({ student: { norm: 1 }, teachers: { count: 2, accuracy: 0.7 }, sft: { steps: 30, learningRates: [0.01, 0.1], recordEvery: 10, batchSize: 100 } });

  it('per teacher the early-stopped run of its best learning rate, with its step and gain; the ceiling and runs with one point left out', () => {
    const views = runViews(
      pack([
        run(0, CEILING, 0, [0.1, 0.9, 0.95, 0.99]),
        run(0, 1, 0, [0.2, 0.25, 0.5, 0.3]),
        run(0, 1, 1, [0.2, 0.6, 0.4, 0.1]),
        run(0, 0, 0, [0.3, 0.35, 0.31, 0.32]),
        run(0, 0, 1, [0.3]),
      ]),
    );
    const selected = selectTeachers(spec, views);
    expect(selected.map((t) => [t.teacher, t.learningRate, t.index, t.step])).toEqual([
      [0, 0.01, 1, 10],
      [1, 0.1, 1, 10],
    ]);
    expect(selected[0].gain).toBeCloseTo(0.35 - 0.3, 15);
    expect(selected[1].gain).toBeCloseTo(0.6 - 0.2, 15);
    expect(selected[1].view?.key).toEqual({ cell: 0, teacher: 1, lr: 1 });
    expect(selected[1].descriptor).toEqual(descriptor);
  });

  it('a selected run without a descriptor takes its teacher’s other run’s; none at all is null', () => {
    const withOut = { ...run(0, 0, 1, [0.2, 0.9]), descriptor: null };
    const selected = selectTeachers(spec, runViews(pack([run(0, 0, 0, [0.2, 0.3]), withOut])));
    expect(selected[0].learningRate).toBe(0.1);
    expect(selected[0].descriptor).toEqual(descriptor);
    // Whatever the order of the teacher's runs: the first one with a descriptor, not the first one.
    expect(selectTeachers(spec, runViews(pack([withOut, run(0, 0, 0, [0.2, 0.3])])))[0].descriptor).toEqual(descriptor);
    const alone = selectTeachers(spec, runViews(pack([withOut])));
    expect(alone[0].descriptor).toBeNull();
  });

  it('sorts by cell, then teacher', () => {
    const grid = makeSpec({ student: { norm: [1, 2] }, teachers: { count: 3, accuracy: 0.7 }, sft: { steps: 10, learningRates: [0.1], recordEvery: 10, batchSize: 100 } });
    const views = runViews(pack([run(1, 0, 0, [0, 1]), run(0, 2, 0, [0, 1]), run(0, 10, 0, [0, 1]), run(1, 1, 0, [0, 1])].map((r) => r)));
    expect(selectTeachers(grid, views).map((t) => [t.cell, t.teacher])).toEqual([
      [0, 2],
      [0, 10],
      [1, 0],
      [1, 1],
    ]);
  });
});

describe('labels and colour groups', () => {
  it('cellLabel names the norm, the teacher accuracy when the grid has several, and κ when the spec sets it', () => {
    const one = makeSpec({ student: { norm: [0.5, 3] }, teachers: { count: 2, accuracy: 0.7 } });
    expect(cellsOf(one).map((c) => cellLabel(one, c))).toEqual(['‖w₀‖ = 0.5', '‖w₀‖ = 3']);
    const grid = makeSpec({ student: { norm: 1 }, teachers: { count: 2, accuracy: [0.6, 0.725], kappa: [0, 0.5] } });
    expect(cellsOf(grid).map((c) => cellLabel(grid, c))).toEqual([
      '‖w₀‖ = 1, teacher 60 %, κ = 0',
      '‖w₀‖ = 1, teacher 60 %, κ = 0.5',
      '‖w₀‖ = 1, teacher 72.5 %, κ = 0',
      '‖w₀‖ = 1, teacher 72.5 %, κ = 0.5',
    ]);
    const shared = makeSpec({ setup: 'shared-pretraining' });
    expect(cellLabel(shared, cellsOf(shared)[0])).toBe('shared pretraining');
  });

  it('scatterGroups: the cells, except in a grid of norms × accuracies, where one norm is one colour', () => {
    const input = (spec: ReturnType<typeof makeSpec>, runs: SyntheticRun[]) => ({ id: 1, name: 'x', seed: 1, spec, summary: null, bundle: pack(runs) });
    const grid = makeSpec({ student: { norm: [1, 3] }, teachers: { count: 1, accuracy: [0.6, 0.7] }, sft: { steps: 10, learningRates: [0.1], recordEvery: 10, batchSize: 100 } });
    const groups = scatterGroups(input(grid, [0, 1, 2, 3].map((cell) => run(cell, 0, 0, [0, 0.1 * (cell + 1)]))));
    expect(groups.map((g) => [g.label, g.teachers.map((t) => t.cell)])).toEqual([
      ['‖w₀‖ = 1', [0, 1]],
      ['‖w₀‖ = 3', [2, 3]],
    ]);
    const norms = makeSpec({ student: { norm: [1, 3] }, teachers: { count: 1, accuracy: 0.7 }, sft: { steps: 10, learningRates: [0.1], recordEvery: 10, batchSize: 100 } });
    // A cell with no teacher yet has no colour.
    const cells = scatterGroups(input(norms, [run(1, 0, 0, [0, 0.5])]));
    expect(cells.map((g) => [g.label, g.teachers.length])).toEqual([['‖w₀‖ = 3', 1]]);
  });

  it('startCos = c₀ c_T + s₀ s_T κ, exactly', () => {
    expect(startCos({ studentCos: 0.8, teacherCos: 0.6, kappa: 0.5 })).toBeCloseTo(0.8 * 0.6 + 0.6 * 0.8 * 0.5, 15);
    expect(startCos({ studentCos: 1, teacherCos: 0.6, kappa: 0.9 })).toBe(0.6);
    expect(startCos({ studentCos: -0.6, teacherCos: 0.8, kappa: -1 })).toBeCloseTo(-0.48 - 0.48, 15);
    // Cosines rounded past 1 leave no perpendicular part.
    expect(startCos({ studentCos: 1 + 1e-16, teacherCos: 1 + 1e-16, kappa: 1 })).toBe((1 + 1e-16) ** 2);
  });
});

describe('lrGroups and longestSteps', () => {
  const spec = makeSpec({ student: { norm: 1 }, teachers: { count: 2, accuracy: 0.7 }, sft: { steps: 20, learningRates: [0.01, 0.1], recordEvery: 10, batchSize: 100 } });

  it('per cell and learning rate every teacher’s run (ceiling and one-point runs left out)', () => {
    const input = { id: 1, name: 'x', seed: 1, spec, summary: null, bundle: pack([run(0, CEILING, 0, [0, 1]), run(0, 0, 0, [0, 1, 2]), run(0, 0, 1, [0, 3]), run(0, 1, 0, [0, 1]), run(0, 1, 1, [0])]) };
    const groups = lrGroups(input);
    expect(groups.map((g) => [g.cell.index, g.lr, g.learningRate, g.runs.map((r) => r.teacher)])).toEqual([
      [0, 0, 0.01, [0, 1]],
      [0, 1, 0.1, [0]],
    ]);
    expect(Array.from(longestSteps(groups[0].runs))).toEqual([0, 10, 20]);
    expect(longestSteps([])).toHaveLength(0);
  });

  it('refuses a block of each teacher’s selected run only', () => {
    const input = { id: 1, name: 'x', seed: 1, spec, summary: null, bundle: pack([run(0, 0, 1, [0, 1]), run(0, 1, 0, [0, 1])]) };
    expect(() => lrGroups(input)).toThrow(/needs every run of the experiment/);
    // With one learning rate a block of selected runs is every run.
    const single = makeSpec({ student: { norm: 1 }, teachers: { count: 2, accuracy: 0.7 }, sft: { steps: 20, learningRates: [0.1], recordEvery: 10, batchSize: 100 } });
    expect(lrGroups({ ...input, spec: single, bundle: pack([run(0, 0, 0, [0, 1]), run(0, 1, 0, [0, 1])]) })[0].runs).toHaveLength(2);
    // A block with no run yet is not refused: every group is empty.
    expect(lrGroups({ ...input, bundle: pack([]) }).map((g) => g.runs.length)).toEqual([0, 0]);
  });

  it('a running experiment where one teacher has both rates stored and the other one is every run so far, not refused', () => {
    const input = { id: 1, name: 'x', seed: 1, spec, summary: null, bundle: pack([run(0, 0, 0, [0, 1]), run(0, 0, 1, [0, 2]), run(0, 1, 0, [0, 3])]) };
    expect(lrGroups(input).map((g) => g.runs.map((r) => r.teacher))).toEqual([[0, 1], [0]]);
  });

  it('each cell’s groups hold that cell’s runs only', () => {
    const two = makeSpec({ student: { norm: [1, 2] }, teachers: { count: 1, accuracy: 0.7 }, sft: { steps: 20, learningRates: [0.01, 0.1], recordEvery: 10, batchSize: 100 } });
    const runs = [run(0, 0, 0, [0, 1]), run(0, 0, 1, [0, 2]), run(1, 0, 0, [0, 3]), run(1, 0, 1, [0, 4])];
    const groups = lrGroups({ id: 1, name: 'x', seed: 1, spec: two, summary: null, bundle: pack(runs) });
    expect(groups.map((g) => [g.cell.index, g.lr, g.runs.map((r) => r.view.key.cell)])).toEqual([
      [0, 0, [0]],
      [0, 1, [0]],
      [1, 0, [1]],
      [1, 1, [1]],
    ]);
  });
});

describe('stopsSpanDecade', () => {
  it('is true when the largest positive stop is more than 10 times the smallest', () => {
    expect(stopsSpanDecade([{ step: 5 }, { step: 51 }])).toBe(true);
    expect(stopsSpanDecade([{ step: 5 }, { step: 50 }])).toBe(false);
    expect(stopsSpanDecade([{ step: 0 }, { step: 3 }, { step: 20 }])).toBe(false);
    expect(stopsSpanDecade([{ step: 0 }, { step: -4 }])).toBe(false);
    expect(stopsSpanDecade([])).toBe(false);
  });
});

describe('statistics across teachers', () => {
  it('tQuantile975 equals scipy’s t.ppf(0.975, df): exactly the table to df = 30, within 2e-6 beyond', () => {
    expect(quantiles.quantiles.length).toBeGreaterThan(60);
    // The expansion's error is largest at df = 31 (−1.75e-6); a wrong sign of its 15z term gives +3.4e-6 there.
    for (const { df, t975 } of quantiles.quantiles) {
      expect(Math.abs(tQuantile975(df) - t975), `df ${df}`).toBeLessThan(df <= 30 ? 5e-7 : 2e-6);
    }
    expect(tQuantile975(0)).toBeNaN();
    expect(tQuantile975(-1)).toBeNaN();
    expect(tQuantile975(NaN)).toBeNaN();
  });

  it('bandAcross: mean ± sample std, SEM, Student-t 95 % and min–max, step by step, over the teachers that reached the step', () => {
    const columns = [Float64Array.from([1, 2, 4]), Float64Array.from([3, 4]), Float64Array.from([2, 9, NaN])];
    const s0 = Math.sqrt(((1 - 2) ** 2 + (3 - 2) ** 2 + (2 - 2) ** 2) / 2); // step 0: 1, 3, 2 → mean 2, s = 1
    const std = bandAcross(columns, 'std');
    expect(Array.from(std.n)).toEqual([3, 3, 1]);
    expect(Array.from(std.mean)).toEqual([2, 5, 4]);
    expect(std.lower[0]).toBeCloseTo(2 - s0, 15);
    expect(std.upper[0]).toBeCloseTo(2 + s0, 15);
    const s1 = Math.sqrt(((2 - 5) ** 2 + (4 - 5) ** 2 + (9 - 5) ** 2) / 2);
    expect(std.upper[1]).toBeCloseTo(5 + s1, 14);
    // One finite value: no spread.
    expect([std.lower[2], std.upper[2]]).toEqual([4, 4]);
    const sem = bandAcross(columns, 'sem');
    expect(sem.upper[1]).toBeCloseTo(5 + s1 / Math.sqrt(3), 14);
    const ci = bandAcross(columns, 'ci95');
    // The table keeps t₀.₉₇₅(2) = 4.302653 to 6 decimals.
    expect(ci.lower[1]).toBeCloseTo(5 - (4.302653 * s1) / Math.sqrt(3), 12);
    expect([ci.lower[2], ci.upper[2]]).toEqual([4, 4]);
    const range = bandAcross(columns, 'minmax');
    expect(Array.from(range.lower)).toEqual([1, 2, 4]);
    expect(Array.from(range.upper)).toEqual([3, 9, 4]);
    expect(Array.from(range.mean)).toEqual([2, 5, 4]);
  });

  it('bandAcross: a step no teacher has a finite value at is NaN with n = 0; no columns, no steps', () => {
    const b = bandAcross([Float64Array.from([1, Infinity]), Float64Array.from([2, NaN])], 'std');
    expect(Array.from(b.n)).toEqual([2, 0]);
    expect([b.mean[1], b.lower[1], b.upper[1]].every(Number.isNaN)).toBe(true);
    expect(bandAcross([], 'std').mean).toHaveLength(0);
  });

  it('meanStd: mean, sample std (n − 1) and count of the finite values', () => {
    expect(meanStd([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3), n: 4 });
    expect(meanStd([5, NaN, Infinity, 7])).toEqual({ mean: 6, std: Math.SQRT2, n: 2 });
    expect(meanStd([3])).toEqual({ mean: 3, std: 0, n: 1 });
    const none = meanStd([NaN]);
    expect(none.n).toBe(0);
    expect(Number.isNaN(none.mean) && Number.isNaN(none.std)).toBe(true);
  });
});

describe('smoothing, thinning and what an axis can draw', () => {
  it('ema: y′ᵢ = α y′ᵢ₋₁ + (1 − α) yᵢ from y₀; a non-finite value carries the last one', () => {
    expect(Array.from(ema([4, 8, 0], 0.25))).toEqual([4, 0.25 * 4 + 0.75 * 8, 0.25 * 7 + 0]);
    expect(Array.from(ema([NaN, 2, Infinity, 6], 0.5))).toEqual([NaN, 2, 2, 4]);
    expect(Array.from(ema([1, 2, 3], 0))).toEqual([1, 2, 3]);
  });

  it('thinIndices: ends kept, each bucket’s minimum and maximum in order, at most maxPoints', () => {
    const y = [0, 5, 1, 9, 2, 3, -4, 8, 0, 1];
    // 10 points into 6: 2 buckets of the 8 interior points, [1, 5) and [5, 9).
    expect(thinIndices(y, 6)).toEqual([0, 2, 3, 6, 7, 9]);
    expect(thinIndices(y, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(thinIndices(y, null)).toHaveLength(10);
    expect(thinIndices(y, 3)).toEqual([0, 9]);
    expect(thinIndices(y, 1)).toEqual([0]);
    // A flat bucket gives one point.
    expect(thinIndices([0, 1, 1, 1, 1, 0], 4)).toEqual([0, 1, 5]);
  });

  it('thinIndices on a log axis: buckets even in log x keep the early steps', () => {
    const x = Array.from({ length: 1001 }, (_, i) => i);
    const y = x.map((i) => Math.sin(i));
    const byLog = thinIndices(y, 42, x);
    const byIndex = thinIndices(y, 42);
    expect(byLog.length).toBeLessThanOrEqual(42);
    expect(byLog[0]).toBe(0);
    expect(byLog[byLog.length - 1]).toBe(1000);
    for (let i = 1; i < byLog.length; i++) expect(byLog[i]).toBeGreaterThan(byLog[i - 1]);
    // Steps 1–10 are a third of the log range (of 1 … 999): a third of the 20 buckets, against none by index.
    expect(byLog.filter((i) => i >= 1 && i <= 10).length).toBeGreaterThanOrEqual(6);
    expect(byIndex.filter((i) => i >= 1 && i <= 10).length).toBeLessThanOrEqual(2);
  });

  it('drawable: finite points, x > 0 on a log x axis, y > 0 on a log y axis', () => {
    const x = [0, 1, 2, 3, NaN];
    const y = [1, -1, NaN, 2, 3];
    expect(drawable(x, [y], false, false)).toEqual([0, 1, 3]);
    expect(drawable(x, [y], true, false)).toEqual([1, 3]);
    expect(drawable(x, [y], false, true)).toEqual([0, 3]);
    expect(drawable(x, [y, [1, 1, 1]], false, false)).toEqual([0, 1]);
  });

  it('pick: a view for consecutive indices of a Float64Array, a copy otherwise', () => {
    const a = Float64Array.from([0, 1, 2, 3, 4]);
    expect(pick(a, [0, 1, 2, 3, 4])).toBe(a);
    const run = pick(a, [1, 2, 3]);
    expect(Array.from(run)).toEqual([1, 2, 3]);
    expect(run.buffer).toBe(a.buffer);
    const gaps = pick(a, [0, 2, 4]);
    expect(Array.from(gaps)).toEqual([0, 2, 4]);
    expect(gaps.buffer).not.toBe(a.buffer);
    expect(Array.from(pick([5, 6, 7], [2, 0]))).toEqual([7, 5]);
    expect(pick(a, [])).toHaveLength(0);
  });
});

/** An input of the builders: a spec, the runs packed, and a stored summary or none. */
const inputOf = (spec: ReturnType<typeof makeSpec>, runs: SyntheticRun[], summary: StoredSummary | null = null, cellLearningRates?: (number | null)[]): FigureInput => ({
  id: 1,
  name: 'x',
  seed: 1,
  spec,
  summary,
  bundle: { ...pack(runs), ...(cellLearningRates === undefined ? {} : { cellLearningRates }) },
});

/** A stored summary's teacher, written out by hand: only what the figures read of it. */
function storedTeacher(teacher: number, bestLearningRate: number | null, bestLrIndex: number | null, bestStep: number | null, gain: number | null) {
  return { teacher, cos: 0.55, accuracy: 0.68, kappa: 0.3, bestLearningRate, bestLrIndex, bestStep, peakCos: null, peakAccuracy: null, gain, gainAccuracy: null, pgr: null };
}
/** A stored summary of these cells (the rest of a summary is not read by the selection). */
const storedSummary = (cells: { cell: number; teachers: ReturnType<typeof storedTeacher>[]; cellLrIndex?: number | null }[]): StoredSummary =>
  ({ cells: cells.map((c) => ({ ...c, norm: 1, teacherAccuracy: 0.7, initial: { cos: 0.75, accuracy: 0.77, norm: 1.5 } })) }) as unknown as StoredSummary;

describe('the selection as the summary stored it', () => {
  it('stepIndex: the index of a step by binary search, −1 for a step not recorded', () => {
    const steps = [0, 10, 20, 30, 40, 50, 60];
    steps.forEach((step, i) => expect(stepIndex(steps, step)).toBe(i));
    for (const missing of [-10, 5, 15, 35, 55, 70]) expect(stepIndex(steps, missing)).toBe(-1);
    expect(stepIndex([7], 7)).toBe(0);
    expect(stepIndex([7], 8)).toBe(-1);
    expect(stepIndex([], 0)).toBe(-1);
  });

  const spec = makeSpec({ student: { norm: [1, 2] }, teachers: { count: 3, accuracy: 0.7 }, sft: { steps: 30, learningRates: [0.01, 0.1], recordEvery: 10, batchSize: 100 } });

  it('summaryTeachers: each stored selection with its run when the block holds it, the step found in it; sorted by cell, then teacher', () => {
    const withOut = { ...run(1, 0, 0, [0.1, 0.3, 0.2]), descriptor: null };
    const views = runViews(pack([run(0, 2, 1, [0.2, 0.4, 0.5, 0.45]), run(0, 1, 0, [0.2, 0.3]), withOut]));
    const summary = storedSummary([
      { cell: 1, teachers: [storedTeacher(0, 0.01, 0, 10, 0.2)] },
      {
        cell: 0,
        teachers: [
          storedTeacher(2, 0.1, 1, 20, 0.3),
          // No index stored (an older summary): found from the rate.
          storedTeacher(1, 0.1, null, 10, 0.25),
          // Nothing recorded past step 0: no selection.
          storedTeacher(0, null, null, null, null),
          storedTeacher(0, 0.1, 1, null, 0.1),
          storedTeacher(0, 0.1, 1, 10, null),
        ],
      },
    ]);
    const selected = summaryTeachers(spec, summary, views);
    expect(selected.map((t) => [t.cell, t.teacher, t.learningRate, t.lrIndex, t.index, t.step, t.gain])).toEqual([
      [0, 1, 0.1, 1, -1, 10, 0.25],
      [0, 2, 0.1, 1, 2, 20, 0.3],
      [1, 0, 0.01, 0, 1, 10, 0.2],
    ]);
    expect(selected[1].view).toBe(views[0]);
    expect(selected[1].descriptor).toEqual(descriptor);
    // Teacher 1's selected run (lr 1) is not in the block: no view, the descriptor from its other run.
    expect(selected[0].view).toBeNull();
    expect(selected[0].descriptor).toEqual(descriptor);
    // A run without a descriptor: the cell's student and the teacher as the summary stored them.
    expect(selected[2].view).toBe(views[2]);
    expect(selected[2].descriptor).toEqual({ studentCos: 0.75, studentNorm: 1.5, studentAccuracy: 0.77, teacherCos: 0.55, teacherAccuracy: 0.68, kappa: 0.3 });
  });

  it('selectedTeachersOf: the summary’s selection once there is one, the rule’s on the block before (or with a summary of no cells)', () => {
    const runs = [run(0, 0, 0, [0.2, 0.3, 0.25]), run(0, 0, 1, [0.2, 0.5, 0.1])];
    const summary = storedSummary([{ cell: 0, teachers: [storedTeacher(0, 0.01, 0, 20, 0.05)] }]);
    expect(selectedTeachersOf(inputOf(spec, runs, summary)).map((t) => [t.lrIndex, t.step, t.gain])).toEqual([[0, 20, 0.05]]);
    const byRule = [[1, 10, 0.5 - 0.2]];
    expect(selectedTeachersOf(inputOf(spec, runs)).map((t) => [t.lrIndex, t.step, t.gain])).toEqual(byRule);
    expect(selectedTeachersOf(inputOf(spec, runs, storedSummary([]))).map((t) => [t.lrIndex, t.step, t.gain])).toEqual(byRule);
  });

  it('cellGroups: every cell in order with its label and its teachers (a cell with none kept), computed once per input', () => {
    const input = inputOf(spec, [run(1, 2, 0, [0, 0.1]), run(1, 0, 0, [0, 0.2])]);
    const groups = cellGroups(input);
    expect(groups.map((g) => [g.cell.index, g.label, g.teachers.map((t) => t.teacher)])).toEqual([
      [0, '‖w₀‖ = 1', []],
      [1, '‖w₀‖ = 2', [0, 2]],
    ]);
    expect(cellGroups(input)).toBe(groups);
  });

  it('selectTeachers in a sweep over the learning rate: each cell’s rate is its own', () => {
    const sweep = validateSpec({ seed: 1, data: { d: 10 }, student: { norm: 1 }, teachers: { count: 1, accuracy: 0.7 }, sft: { learningRate: [0.05, 0.5], steps: 10, recordEvery: 10, batchSize: 100 } });
    expect(cellsOf(sweep).map((c) => c.axes['sft.learningRate'])).toEqual([0.05, 0.5]);
    const selected = selectTeachers(sweep, runViews(pack([run(0, 0, 0, [0, 0.1]), run(1, 0, 0, [0, 0.2])])));
    expect(selected.map((t) => [t.cell, t.learningRate, t.lrIndex])).toEqual([
      [0, 0.05, 0],
      [1, 0.5, 0],
    ]);
  });
});

describe('cellRateGroups: each cell at its learning rate', () => {
  const spec = makeSpec({ student: { norm: [1, 2] }, teachers: { count: 2, accuracy: 0.7 }, sft: { steps: 30, learningRates: [0.01, 0.1, 1], recordEvery: 10, batchSize: 100 } });
  // Cell 0, by hand: mean early-stopped gain per rate (oracle: the first maximum of cos past step 0)
  //   lr 0: teacher 0 0.4 − 0.2 = 0.2, teacher 1 0.3 − 0.1 = 0.2 → 0.2
  //   lr 1: teacher 0 0.7 − 0.2 = 0.5, teacher 1 0.1 − 0.1 = 0 (its maximum past 0 is 0.1, at step 10) → 0.25
  //   lr 2: teacher 0 alone, 0.2 − 0.2 = 0 → 0
  // so the cell's rate is lr 1. Cell 1 has one run with one point only: no rate.
  const runs = [
    run(0, CEILING, 1, [0.2, 0.9, 0.95]),
    run(0, 1, 1, [0.1, 0.1, 0.05, 0.02]),
    run(0, 0, 0, [0.2, 0.4, 0.3]),
    run(0, 1, 0, [0.1, 0.2, 0.3]),
    run(0, 0, 1, [0.2, 0.6, 0.7, 0.65]),
    run(0, 0, 2, [0.2, 0.2, 0.2]),
    run(1, 0, 0, [0.5]),
  ];

  it('from the block’s runs: the rate of the highest mean gain, each teacher’s run there with its stop and gain', () => {
    const input = inputOf(spec, runs);
    const groups = cellRateGroups(input);
    expect(groups.map((g) => [g.cell.index, g.label, g.lrIndex, g.learningRate])).toEqual([
      [0, '‖w₀‖ = 1', 1, 0.1],
      [1, '‖w₀‖ = 2', null, null],
    ]);
    expect(groups[0].runs.map((r) => [r.teacher, r.view.key.lr, r.index, r.step])).toEqual([
      [0, 1, 2, 20],
      [1, 1, 1, 10],
    ]);
    expect(groups[0].runs[0].gain).toBeCloseTo(0.5, 15);
    expect(groups[0].runs[1].gain).toBe(0);
    expect(groups[1].runs).toEqual([]);
    expect(cellRateGroups(input)).toBe(groups);
  });

  it('the block’s rate first, else the summary’s, else the runs’', () => {
    const summary = storedSummary([
      { cell: 0, teachers: [], cellLrIndex: 0 },
      { cell: 1, teachers: [], cellLrIndex: null },
    ]);
    const fromSummary = cellRateGroups(inputOf(spec, runs, summary));
    expect(fromSummary.map((g) => [g.lrIndex, g.learningRate])).toEqual([
      [0, 0.01],
      [null, null],
    ]);
    expect(fromSummary[0].runs.map((r) => [r.teacher, r.index, r.step])).toEqual([
      [0, 1, 10],
      [1, 2, 20],
    ]);
    const fromBlock = cellRateGroups(inputOf(spec, runs, summary, [2, 0]));
    expect(fromBlock.map((g) => [g.lrIndex, g.learningRate, g.runs.map((r) => r.teacher)])).toEqual([
      [2, 1, [0]],
      [0, 0.01, []],
    ]);
  });
});

describe('lines on a common grid', () => {
  it('onGrid: linear interpolation inside each line’s x range, its own values at its points, NaN outside', () => {
    const [a, b, c, d] = onGrid(
      [
        { x: [0, 10, 20, 40], y: [0, 1, 4, 0] },
        { x: [5], y: [3] },
        { x: [], y: [] },
        // y shorter than x: the line ends at its last y.
        { x: [0, 10, 20], y: [2, 6] },
      ],
      [-5, 0, 2.5, 5, 10, 15, 20, 30, 35, 40, 45],
    );
    expect(Array.from(a)).toEqual([NaN, 0, 0.25, 0.5, 1, 2.5, 4, 2, 1, 0, NaN]);
    expect(Array.from(b)).toEqual([NaN, NaN, NaN, 3, NaN, NaN, NaN, NaN, NaN, NaN, NaN]);
    expect(Array.from(c).every(Number.isNaN)).toBe(true);
    expect(c).toHaveLength(11);
    expect(Array.from(d)).toEqual([NaN, 2, 3, 4, 6, NaN, NaN, NaN, NaN, NaN, NaN]);
  });

  it('unionGrid: the sorted distinct finite x values of every line', () => {
    expect(Array.from(unionGrid([{ x: [0, 10, 20] }, { x: [5, 10, NaN, 30, Infinity] }, { x: [] }, { x: [20, 2] }]))).toEqual([0, 2, 5, 10, 20, 30]);
    expect(unionGrid([])).toHaveLength(0);
    expect(Array.from(unionGrid([{ x: [3, 3, 3] }]))).toEqual([3]);
  });

  it('metricColumn: the teacher’s run’s column, empty without a run or that column', () => {
    const [view] = runViews(pack([run(0, 0, 0, [0.1, 0.2])]));
    expect(Array.from(metricColumn({ view }, 'cos'))).toEqual([0.1, 0.2]);
    expect(metricColumn({ view: null }, 'cos')).toHaveLength(0);
    expect(metricColumn({ view: { ...view, columns: {} } }, 'norm')).toHaveLength(0);
  });

  it('figureInput: the experiment’s fields and the block, nothing else', () => {
    const spec = makeSpec();
    const bundle = pack([run(0, 0, 0, [0, 1])]);
    const experiment = { id: 4, name: 'n', seed: 9, spec, summary: null, label: 'L', status: 'done' };
    expect(figureInput(experiment, bundle)).toEqual({ id: 4, name: 'n', seed: 9, spec, summary: null, label: 'L', bundle });
  });
});

describe('labels and colour groups of one varying axis', () => {
  const input = (spec: ReturnType<typeof makeSpec>) => inputOf(spec, cellsOf(spec).map((c) => run(c.index, 0, 0, [0, 0.1])));
  const sft = { steps: 10, learningRates: [0.1], recordEvery: 10, batchSize: 100 };

  it('scatterGroups: named and ordered by the one axis that varies (norm, teacher accuracy or κ), else by cell', () => {
    const norms = scatterGroups(input(makeSpec({ student: { norm: [3, 0.31622776601683794] }, teachers: { count: 1, accuracy: 0.7 }, sft })));
    expect(norms.map((g) => [g.label, g.order])).toEqual([
      ['‖w₀‖ = 3', 3],
      ['‖w₀‖ = 0.3162', 0.31622776601683794],
    ]);
    const accuracies = scatterGroups(input(makeSpec({ student: { norm: 1 }, teachers: { count: 1, accuracy: [0.6, 0.725] }, sft })));
    expect(accuracies.map((g) => [g.label, g.order])).toEqual([
      ['teacher 60 %', 0.6],
      ['teacher 72.5 %', 0.725],
    ]);
    const kappas = scatterGroups(input(makeSpec({ student: { norm: 1 }, teachers: { count: 1, accuracy: 0.7, kappa: [-0.5, 0.25] }, sft })));
    expect(kappas.map((g) => [g.label, g.order])).toEqual([
      ['κ = -0.5', -0.5],
      ['κ = 0.25', 0.25],
    ]);
    const one = scatterGroups(input(makeSpec({ student: { norm: 2 }, teachers: { count: 1, accuracy: 0.7 }, sft })));
    expect(one.map((g) => [g.label, g.order, g.teachers.length])).toEqual([['‖w₀‖ = 2', 0, 1]]);
    // One prescribed κ does not vary: the cell keeps its own label and its index as order.
    const oneKappa = makeSpec({ student: { norm: 2 }, teachers: { count: 1, accuracy: 0.7, kappa: 0.5 }, sft });
    expect(scatterGroups(input(oneKappa)).map((g) => [g.label, g.order])).toEqual([[cellLabel(oneKappa, cellsOf(oneKappa)[0]), 0]]);
  });

  it('scatterGroups in a grid of norms × accuracies: one colour per norm, ordered by it', () => {
    const groups = scatterGroups(input(makeSpec({ student: { norm: [1, 3] }, teachers: { count: 1, accuracy: [0.6, 0.7] }, sft })));
    expect(groups.map((g) => [g.label, g.order, g.teachers.length])).toEqual([
      ['‖w₀‖ = 1', 1, 2],
      ['‖w₀‖ = 3', 3, 2],
    ]);
  });

  it('cellLabel in a sweep: the point first, then the cell; the point alone under shared pretraining', () => {
    const sweep = validateSpec({ seed: 1, data: { d: 10 }, student: { norm: 1 }, teachers: { count: 1, accuracy: 0.7 }, beta: [0.5, 2], sft });
    expect(cellsOf(sweep).map((c) => cellLabel(sweep, c))).toEqual(['β = 0.5 · ‖w₀‖ = 1', 'β = 2 · ‖w₀‖ = 1']);
    const shared = validateSpec({ seed: 1, data: { d: 10 }, setup: 'shared-pretraining', beta: [0.5, 2], sft });
    expect(cellsOf(shared).map((c) => cellLabel(shared, c))).toEqual(['β = 0.5', 'β = 2']);
  });
});

describe('edges of the statistics and of thinning', () => {
  it('tQuantile975 between table entries (a non-integer df) lies between its neighbours, and near scipy’s', () => {
    // scipy.stats.t.ppf(0.975, df) for df = 2.5 and 29.5.
    const t25 = tQuantile975(2.5);
    expect(t25).toBeLessThan(tQuantile975(2));
    expect(t25).toBeGreaterThan(tQuantile975(3));
    expect(Math.abs(t25 - 3.5746548420036817)).toBeLessThan(0.06);
    expect(Math.abs(tQuantile975(29.5) - 2.043724966772122)).toBeLessThan(1e-5);
    expect(tQuantile975(1)).toBe(12.706205);
  });

  it('thinIndices on a log axis whose x does not grow is thinned by index', () => {
    const y = [0, 5, 1, 9, 2, 3, -4, 8, 0, 1];
    expect(thinIndices(y, 6, new Array(10).fill(1))).toEqual(thinIndices(y, 6));
  });
});

describe('the survivors of the 2026-12-08 mutation run (docs/mutation.md), each by a value worked out by hand', () => {
  it('minmax at a step where no teacher has a finite value is NaN (no ±Infinity), and the next step is the range', () => {
    const b = bandAcross([Float64Array.of(NaN, 1), Float64Array.of(NaN, 2)], 'minmax');
    expect([b.mean[0], b.lower[0], b.upper[0], b.n[0]]).toEqual([NaN, NaN, NaN, 0]);
    expect([b.mean[1], b.lower[1], b.upper[1], b.n[1]]).toEqual([1.5, 1, 2, 2]);
  });

  it("a diverged teacher's NaN is left out of the sum of squares: mean 2 ± √2 from 1 and 3", () => {
    const b = bandAcross([[1], [3], [NaN]], 'std');
    expect(b.n[0]).toBe(2);
    expect(b.mean[0]).toBe(2);
    expect(b.upper[0]).toBe(2 + Math.SQRT2);
    expect(b.lower[0]).toBe(2 - Math.SQRT2);
  });

  it('a series exactly as long as maxPoints keeps every point', () => {
    expect(thinIndices([0, 1, 1, 0], 4)).toEqual([0, 1, 2, 3]);
  });

  it('y = 0 cannot be drawn on a log y axis (nor x = 0 on a log x axis)', () => {
    expect(drawable([1, 2, 3], [[0, 1, 2]], false, true)).toEqual([1, 2]);
    expect(drawable([0, 2, 3], [[5, 1, 2]], true, false)).toEqual([1, 2]);
  });

  it("a grid point on a line's own last x takes that point's y as it is, not an interpolation (1 + (1e-17 − 1) = 0)", () => {
    const [out] = onGrid([{ x: [0, 1], y: [1, 1e-17] }], [1]);
    expect(out[0]).toBe(1e-17);
  });

  it('thinIndices on a log x axis: buckets equal in log x from x[1], worked out by hand', () => {
    // x = 10·2ᵏ: log edges log 20 and log(20·√128) ≈ log 226: buckets [1, 5) and [5, 9), min and max of each.
    const x = Array.from({ length: 10 }, (_, k) => 10 * 2 ** k);
    expect(thinIndices([0, 5, 1, 2, 3, 9, 4, 6, 7, 0], 6, x)).toEqual([0, 1, 2, 5, 6, 9]);
    // x = 0, 1, 2, 3, 4, 8, 16, 32: the middle edge is exactly log 4 (log 16 / 2), which opens the second
    // bucket [4, 7); the last bucket reaches x[length − 2] = 16, where y has its maximum.
    expect(Math.log(16) / 2).toBe(Math.log(4));
    expect(thinIndices([0, 1, 2, 3, 10, 5, 20, 0], 6, [0, 1, 2, 3, 4, 8, 16, 32])).toEqual([0, 1, 3, 5, 6, 7]);
  });

  it('the sum of squares about the mean, not Σc² − n·m² in disguise: teachers at 1e8 + 0.1 and 1e8 + 0.3 have std √0.02', () => {
    const b = bandAcross([[1e8 + 0.1], [1e8 + 0.3]], 'std');
    // The doubles nearest 1e8 + 0.1 and 1e8 + 0.3 are 1.5e-8 apart from them: s within 1e-6 of √0.02.
    expect(Math.abs(b.upper[0] - b.mean[0] - Math.sqrt(0.02))).toBeLessThan(1e-6);
  });

  it('pick of no index is a view of the array (no copy), empty or not', () => {
    const empty = new Float64Array(0);
    expect(pick(empty, [])).toBe(empty);
    const five = Float64Array.of(1, 2, 3, 4, 5);
    const none = pick(five, []);
    expect(none.length).toBe(0);
    expect(none.buffer).toBe(five.buffer);
  });

  it('a cell whose runs have two points (step 0 and one more) has a rate and those runs', () => {
    const spec = makeSpec({ student: { norm: 1 }, teachers: { count: 2, accuracy: 0.7 }, sft: { steps: 10, learningRates: [0.1], recordEvery: 10, batchSize: 100 } });
    const [group] = cellRateGroups(inputOf(spec, [run(0, 0, 0, [0.2, 0.5]), run(0, 1, 0, [0.1, 0.3])]));
    expect(group.lrIndex).toBe(0);
    expect(group.runs.map((r) => [r.teacher, r.step])).toEqual([
      [0, 10],
      [1, 10],
    ]);
  });

  it('stops given largest first still span a decade (51 and 5)', () => {
    expect(stopsSpanDecade([{ step: 51 }, { step: 5 }])).toBe(true);
    expect(stopsSpanDecade([{ step: 49 }, { step: 5 }])).toBe(false);
  });
});
