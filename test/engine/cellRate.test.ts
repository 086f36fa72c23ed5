/**
 * The cell's learning rate (engine/cellRate.ts) against a direct computation: runs whose peaks are
 * known, ties, missing and empty runs, the teacher-agreement rule, and a real small experiment whose
 * summary must name the same rate.
 */
import { describe, expect, it } from 'vitest';
import { cellLearningRate, cellRateIndex, rateGains, runGain } from '../../src/engine/cellRate';
import { cellsOf } from '../../src/engine/grid';
import { summarizeExperiment } from '../../src/engine/summary';
import { runAll } from '../helpers/experiment';

/** A run's series from a list of cosines (agreement given or equal to cos). */
const run = (lr: number, cos: number[], agreement = cos) => ({ lr, series: { cos: Float64Array.from(cos), agreement: Float64Array.from(agreement) } });

describe('the cell learning rate', () => {
  it('is the rate with the highest mean early-stopped gain over the teachers', () => {
    // Rate 0: gains 0.1 and 0.3 (mean 0.2); rate 1: 0.25 and 0.05 (0.15); rate 2: both 0.18.
    const runs = [run(0, [0.5, 0.6, 0.55]), run(0, [0.5, 0.7, 0.8]), run(1, [0.5, 0.75, 0.6]), run(1, [0.5, 0.55, 0.52]), run(2, [0.5, 0.68]), run(2, [0.5, 0.6, 0.68])];
    const gains = rateGains(runs, 'oracle', 3);
    expect(gains.map((g) => g.n)).toEqual([2, 2, 2]);
    expect(gains[0].gainMean).toBeCloseTo(0.2, 14);
    expect(gains[1].gainMean).toBeCloseTo(0.15, 14);
    expect(gains[2].gainMean).toBeCloseTo(0.18, 14);
    expect(cellLearningRate(runs, 'oracle', 3)).toBe(0);
  });

  it('excludes step 0 (a run that only hurts has a negative gain) and leaves out runs with nothing past it', () => {
    expect(runGain({ cos: Float64Array.of(0.8, 0.7, 0.75), agreement: Float64Array.of(0, 0, 0) }, 'oracle')).toBeCloseTo(-0.05, 14);
    expect(runGain({ cos: Float64Array.of(0.8), agreement: Float64Array.of(0) }, 'oracle')).toBeNaN();
    const gains = rateGains([run(0, [0.8]), run(1, [0.8, 0.7]), run(1, [0.8, 0.9])], 'oracle', 3);
    expect(gains[0]).toEqual({ lrIndex: 0, gainMean: NaN, n: 0 });
    expect(gains[1].n).toBe(2);
    expect(gains[1].gainMean).toBeCloseTo(0, 14);
    expect(gains[2]).toEqual({ lrIndex: 2, gainMean: NaN, n: 0 });
    expect(cellLearningRate([run(0, [0.8])], 'oracle', 2)).toBeNull();
  });

  it('breaks ties towards the lower rate, whatever the order of the runs', () => {
    expect(cellRateIndex([{ lrIndex: 2, gainMean: 0.1 }, { lrIndex: 1, gainMean: 0.1 }, { lrIndex: 0, gainMean: 0.05 }])).toBe(1);
  });

  it("reads the rule's own criterion for the stopping step (teacher agreement), the gain still in cos", () => {
    // Agreement peaks at step 1 (cos 0.6 there), cos itself at step 2 (0.9).
    const r = run(0, [0.5, 0.6, 0.9], [0.5, 0.95, 0.7]);
    expect(runGain(r.series, 'teacher')).toBeCloseTo(0.1, 14);
    expect(runGain(r.series, 'oracle')).toBeCloseTo(0.4, 14);
  });

  it('is what the summary of a real small experiment stores, per cell, from every teacher run', () => {
    const { spec, outcomes } = runAll({ seed: 5, data: { d: 20 }, student: { norm: [0.5, 3] }, teachers: { count: 6 }, sft: { steps: 60, batchSize: 300, learningRates: [0.01, 0.1, 1] } });
    const summary = summarizeExperiment(spec, 'reduced', cellsOf(spec), outcomes);
    for (const cell of summary.cells) {
      const mine = outcomes.filter((o) => o.key.cell === cell.cell && o.key.teacher >= 0);
      // Directly: per rate, the mean over teachers of max_{t ≥ 1} cos − cos_0.
      const direct = spec.sft.learningRates.map((_, k) => {
        const g = mine.filter((o) => o.key.lr === k).map((o) => Math.max(...Array.from(o.series.cos).slice(1)) - o.series.cos[0]);
        return g.reduce((a, b) => a + b, 0) / g.length;
      });
      expect(cell.learningRates?.map((r) => r.n)).toEqual([6, 6, 6]);
      cell.learningRates?.forEach((r, k) => expect(r.gainMean).toBeCloseTo(direct[k], 14));
      expect(cell.cellLrIndex).toBe(direct.indexOf(Math.max(...direct)));
    }
  });
});
