/**
 * The summary layer (src/engine/summary.ts, with the selection of selection.ts): the numbers a
 * researcher reports, on runs written out by hand in test/fixtures/summary_reference.py and the
 * summary that script computes on its own from docs/spec.md §2 and §7 — per teacher the early-
 * stopped step and learning rate, the gain, PGR against the early-stopped ceiling; per cell and
 * pooled over cells the fraction improved, the gain's mean and std (n − 1), and the mean ± std
 * trajectory with its n. The script's means and standard deviations are exact and rounded once:
 * every number here is within k·EPS of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cellsOf, type RunDescriptor, type RunKey } from '../../src/engine/grid';
import type { RunSeries } from '../../src/engine/run';
import { validateSpec } from '../../src/engine/spec';
import { experimentPgr, type RunOutcome, summarizeCell, summarizeExperiment, teacherAccuracySpread } from '../../src/engine/summary';
import { report } from '../helpers/stats';

interface Scenario {
  name: string;
  spec: Record<string, unknown>;
  outcomes: { key: RunKey; status: RunOutcome['status']; descriptor: RunDescriptor; series: Record<string, number[]> }[];
  expected: Record<string, unknown> & { cells: Record<string, unknown>[] };
}

const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'summary-reference.json'), 'utf8')) as { scenarios: Scenario[] };

/** Relative tolerance in units of EPS: the engine sums left to right; on these runs it is within 1 EPS of the exact values. */
const K = 4;

function outcomesOf(s: Scenario): RunOutcome[] {
  return s.outcomes.map((o) => ({
    key: o.key,
    status: o.status,
    descriptor: o.descriptor,
    series: Object.fromEntries(Object.entries(o.series).map(([name, values]) => [name, Float64Array.from(values)])) as unknown as RunSeries,
  }));
}

/** Every expected field, recursively: numbers to K·EPS relative (at least K·EPS absolute), "NaN" as NaN, the rest equal. */
function expectClose(actual: unknown, expected: unknown, path: string, worst: { ulps: number }): void {
  if (expected === 'NaN') {
    expect(Number.isNaN(actual), `${path}: ${String(actual)} should be NaN`).toBe(true);
  } else if (typeof expected === 'number') {
    expect(typeof actual, `${path}`).toBe('number');
    const error = Math.abs((actual as number) - expected) / (Number.EPSILON * Math.max(Math.abs(expected), 1));
    worst.ulps = Math.max(worst.ulps, error);
    expect(error, `${path}: ${String(actual)} vs ${expected}`).toBeLessThanOrEqual(K);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    expected.forEach((e, i) => expectClose((actual as unknown[])[i], e, `${path}[${i}]`, worst));
  } else if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object', `${path} is an object`).toBe(true);
    // Every field of the reference (the summary may carry more); a cell's optional κ is there
    // exactly when the reference has it.
    for (const k of Object.keys(expected)) expect(Object.hasOwn(actual as object, k), `${path}.${k} is there`).toBe(true);
    if ('trajectory' in expected && 'cell' in expected) expect(Object.hasOwn(actual as object, 'kappa'), `${path}.kappa`).toBe(Object.hasOwn(expected, 'kappa'));
    for (const [k, e] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[k], e, `${path}.${k}`, worst);
  } else {
    expect(actual, path).toBe(expected);
  }
}

describe('the summary against an independent computation on hand-built runs', () => {
  it('the fixture covers what it claims: every rule, ties, partial runs, a grid, a missing ceiling', () => {
    const names = fixture.scenarios.map((s) => s.name);
    expect(names).toHaveLength(5);
    const rules = fixture.scenarios.map((s) => validateSpec(s.spec).sft.earlyStopping);
    expect(new Set(rules)).toEqual(new Set(['oracle', 'teacher', 'validation']));
    const grid = fixture.scenarios.find((s) => s.name.startsWith('grid'))!;
    expect(cellsOf(validateSpec(grid.spec))).toHaveLength(8);
  });

  for (const scenario of fixture.scenarios) {
    it(`${scenario.name}: every value of summarizeExperiment`, () => {
      const spec = validateSpec(scenario.spec);
      const summary = summarizeExperiment(spec, 'reduced', cellsOf(spec), outcomesOf(scenario));
      const { spec: specOut, ...rest } = summary;
      expect(specOut).toBe(spec);
      const worst = { ulps: 0 };
      expectClose(rest, scenario.expected, 'summary', worst);
      report(`${scenario.name}: largest error`, `${worst.ulps.toFixed(2)} EPS`);
    });
  }

  it('summarizeCell is the cell of the experiment summary, from runs in any order, other cells’ runs ignored', () => {
    const grid = fixture.scenarios.find((s) => s.name.startsWith('grid'))!;
    const spec = validateSpec(grid.spec);
    const outcomes = outcomesOf(grid);
    for (const cell of cellsOf(spec)) {
      const worst = { ulps: 0 };
      expectClose(summarizeCell(spec, cell, [...outcomes].reverse()), grid.expected.cells[cell.index], `cell ${cell.index}`, worst);
    }
  });
});

describe('the experiment’s PGR and teachers’ accuracy (what the dashboard and compare show)', () => {
  // The reference script's own per-teacher PGRs and accuracies (summary_reference.py), pooled
  // over cells here with math.fsum-like care: sums of ≤ 24 values, so K·EPS holds.
  for (const scenario of fixture.scenarios) {
    it(`${scenario.name}: the mean of the script's finite PGRs over every cell's teachers; accuracy mean ± std (n − 1)`, () => {
      const spec = validateSpec(scenario.spec);
      const summary = summarizeExperiment(spec, 'reduced', cellsOf(spec), outcomesOf(scenario));
      const teachers = scenario.expected.cells.flatMap((c) => c.teachers as { pgr: number | null | 'NaN'; accuracy: number }[]);
      const pgrs = teachers.flatMap((t) => (typeof t.pgr === 'number' ? [t.pgr] : []));
      const pgr = experimentPgr(summary);
      if (pgrs.length === 0) {
        expect(pgr).toBeNull();
      } else {
        const expected = pgrs.reduce((a, b) => a + b, 0) / pgrs.length;
        expect(Math.abs((pgr as number) - expected)).toBeLessThanOrEqual(K * Number.EPSILON * Math.max(1, Math.abs(expected)));
      }
      const acc = teachers.map((t) => t.accuracy);
      const mean = acc.reduce((a, b) => a + b, 0) / acc.length;
      const std = Math.sqrt(acc.reduce((a, b) => a + (b - mean) ** 2, 0) / (acc.length - 1));
      const spread = teacherAccuracySpread(summary);
      expect(spread?.mean).toBeCloseTo(mean, 14);
      expect(spread?.std).toBeCloseTo(std, 14);
    });
  }

  it('worked by hand: null and non-finite PGRs are left out, none at all is null, not NaN', () => {
    expect(experimentPgr({ teachers: [{ pgr: 0.5 }, { pgr: null }, { pgr: 1 }, { pgr: NaN }, { pgr: Infinity }, { pgr: 0 }] })).toBe(0.5);
    expect(experimentPgr({ teachers: [{ pgr: null }, { pgr: NaN }] })).toBeNull();
    expect(experimentPgr({ teachers: [] })).toBeNull();
    expect(experimentPgr(null)).toBeNull();
    expect(teacherAccuracySpread({ teachers: [{ accuracy: 0.6 }] })).toEqual({ mean: 0.6, std: 0 });
    expect(teacherAccuracySpread({ teachers: [{ accuracy: 0.5 }, { accuracy: NaN }, { accuracy: 0.7 }] })?.std).toBeCloseTo(Math.SQRT2 * 0.1, 15);
    expect(teacherAccuracySpread({ teachers: [{ accuracy: NaN }] })).toBeNull();
  });
});

describe('the summary on a few runs worked by hand', () => {
  // Two teachers, one learning rate, recorded at steps 0, 10, 20 (every 10): each number below is
  // written out from docs/spec.md §2 and §7.
  const spec = validateSpec({ data: { d: 10 }, teachers: { count: 2, accuracy: 0.7 }, sft: { steps: 20, recordEvery: 10, learningRates: [0.5], batchSize: 100 } });
  const descriptor = (teacherAccuracy: number): RunDescriptor => ({ studentCos: 0.8, studentNorm: 1, studentAccuracy: 0.795, teacherCos: 0.6, teacherAccuracy, kappa: 0.1 });
  const run = (teacher: number, cos: number[], accuracy: number[]): RunOutcome => ({
    key: { cell: 0, teacher, lr: 0 },
    status: 'done',
    descriptor: descriptor(teacher === 0 ? 0.7 : 0.65),
    series: {
      step: Float64Array.from([0, 10, 20]),
      inner: Float64Array.from(cos),
      norm: Float64Array.from([1, 1, 1]),
      cos: Float64Array.from(cos),
      accuracy: Float64Array.from(accuracy),
      agreement: Float64Array.from([0.5, 0.5, 0.5]),
    },
  });
  const outcomes = [
    run(-1, [0.8, 0.9, 0.85], [0.75, 0.875, 0.8]), // the ceiling peaks at step 10: accuracy 0.875
    run(0, [0.8, 0.75, 0.875], [0.75, 0.7, 0.8125]), // peak at step 20: gain 0.075, accuracy 0.8125
    run(1, [0.8, 0.8125, 0.8], [0.75, 0.76, 0.74]), // peak at step 10: gain 0.0125, accuracy 0.76
  ];
  const cell = summarizeCell(spec, cellsOf(spec)[0], outcomes);

  it('PGR = (peak accuracy − teacher accuracy) / (ceiling accuracy at its own early-stopped step − teacher accuracy)', () => {
    expect(cell.ceiling).toEqual({ accuracy: 0.875, bestLearningRate: 0.5, bestStep: 10 });
    expect(cell.teachers[0].pgr).toBeCloseTo((0.8125 - 0.7) / (0.875 - 0.7), 15);
    expect(cell.teachers[1].pgr).toBeCloseTo((0.76 - 0.65) / (0.875 - 0.65), 15);
    expect(cell.pgrMean).toBeCloseTo(((0.8125 - 0.7) / 0.175 + (0.76 - 0.65) / 0.225) / 2, 15);
  });

  it('gain, its accuracy, the best step; mean and sample std (n − 1) of the gains', () => {
    expect(cell.teachers.map((t) => [t.bestStep, t.peakCos, t.gain, t.gainAccuracy])).toEqual([
      [20, 0.875, 0.875 - 0.8, 0.8125 - 0.75],
      [10, 0.8125, 0.8125 - 0.8, 0.76 - 0.75],
    ]);
    const gains = [0.875 - 0.8, 0.8125 - 0.8];
    expect(cell.gainMean).toBeCloseTo((gains[0] + gains[1]) / 2, 15);
    // n − 1 = 1: the std of two values is |a − b| / √2.
    expect(cell.gainStd).toBeCloseTo(Math.abs(gains[0] - gains[1]) / Math.SQRT2, 15);
    expect(cell.fractionImproved).toBe(1);
  });

  it('the trajectory is the mean ± std over the selected runs at each recorded step', () => {
    expect(cell.trajectory.step).toEqual([0, 10, 20]);
    expect(cell.trajectory.n).toEqual([2, 2, 2]);
    expect(cell.trajectory.metrics.cos.mean[1]).toBeCloseTo((0.75 + 0.8125) / 2, 15);
    expect(cell.trajectory.metrics.cos.std[1]).toBeCloseTo((0.8125 - 0.75) / Math.SQRT2, 15);
  });

  it('the trajectory’s steps are the longest selected run’s, even when the first teacher’s run stopped early', () => {
    const short = { ...outcomes[1], series: Object.fromEntries(Object.entries(outcomes[1].series).map(([k, v]) => [k, (v as Float64Array).slice(0, 2)])) as unknown as RunSeries };
    const partial = summarizeCell(spec, cellsOf(spec)[0], [outcomes[0], short, outcomes[2]]);
    expect(partial.trajectory.step).toEqual([0, 10, 20]);
    expect(partial.trajectory.n).toEqual([2, 2, 1]);
    expect(partial.trajectory.metrics.cos.mean[2]).toBe(0.8);
    expect(partial.trajectory.metrics.cos.std[2]).toBe(0);
  });

  it('a cell’s κ is in its summary exactly when the cell sets one (null: no field)', () => {
    const base = cellsOf(spec)[0];
    expect(Object.hasOwn(summarizeCell(spec, { ...base, kappa: null }, outcomes), 'kappa')).toBe(false);
    expect(summarizeCell(spec, { ...base, kappa: 0.25 }, outcomes).kappa).toBe(0.25);
  });
});
