/**
 * Early stopping and the learning-rate sweep (src/engine/selection.ts, docs/spec.md §7) on series
 * written out by hand: the first maximum over recorded points t ≥ 1 of the rule's criterion, the
 * true cosine when the rule's column was not recorded, and among a teacher's learning rates the
 * highest criterion, the lowest rate on a tie, whatever order the runs come in.
 */
import { describe, expect, it } from 'vitest';
import { criterionOf, type CriterionSeries, selectLearningRate, selectStep } from '../../src/engine/selection';

const series = (cos: number[], agreement: number[] = cos.map(() => 0.5), validation?: number[]): CriterionSeries => ({
  cos: Float64Array.from(cos),
  agreement: Float64Array.from(agreement),
  ...(validation === undefined ? {} : { validation: Float64Array.from(validation) }),
});

describe('selectStep: the first maximum over t ≥ 1', () => {
  it('ignores step 0, even when it is the highest point', () => {
    expect(selectStep(series([0.9, 0.1, 0.3, 0.2]), 'oracle')).toEqual({ index: 2, score: 0.3 });
  });

  it('takes the first of equal maxima', () => {
    expect(selectStep(series([0, 0.4, 0.7, 0.5, 0.7, 0.7]), 'oracle')).toEqual({ index: 2, score: 0.7 });
  });

  it('takes the last point when it is the maximum, and a negative maximum when nothing is above zero', () => {
    expect(selectStep(series([0, 0.1, 0.2, 0.3]), 'oracle')).toEqual({ index: 3, score: 0.3 });
    expect(selectStep(series([0, -0.5, -0.2, -0.9]), 'oracle')).toEqual({ index: 2, score: -0.2 });
  });

  it('has no stop (index −1) with nothing recorded past step 0, or only NaN there', () => {
    expect(selectStep(series([0.8]), 'oracle')).toEqual({ index: -1, score: -Infinity });
    expect(selectStep(series([]), 'oracle')).toEqual({ index: -1, score: -Infinity });
    expect(selectStep(series([0.8, NaN, NaN]), 'oracle').index).toBe(-1);
    // A NaN among numbers is never the maximum.
    expect(selectStep(series([0.8, NaN, 0.1, NaN]), 'oracle')).toEqual({ index: 2, score: 0.1 });
  });

  it('reads the rule’s column: the cosine, the agreement with the teacher, the validation accuracy', () => {
    const s = series([0, 0.3, 0.1, 0.2], [0.5, 0.1, 0.9, 0.2], [0.5, 0.2, 0.3, 0.95]);
    expect(selectStep(s, 'oracle')).toEqual({ index: 1, score: 0.3 });
    expect(selectStep(s, 'teacher')).toEqual({ index: 2, score: 0.9 });
    expect(selectStep(s, 'validation')).toEqual({ index: 3, score: 0.95 });
  });

  it('falls back to the cosine when the rule’s column is missing or empty', () => {
    const cosOnly = series([0, 0.3, 0.1]);
    expect(selectStep(cosOnly, 'validation')).toEqual({ index: 1, score: 0.3 });
    const noAgreement = { cos: Float64Array.from([0, 0.1, 0.4]), agreement: new Float64Array(0) };
    expect(selectStep(noAgreement, 'teacher')).toEqual({ index: 2, score: 0.4 });
    expect(criterionOf(noAgreement, 'teacher')).toBeUndefined();
    expect(criterionOf(cosOnly, 'validation')).toBeUndefined();
    expect(criterionOf(cosOnly, 'oracle')).toBe(cosOnly.cos);
    expect(criterionOf(cosOnly, 'teacher')).toBe(cosOnly.agreement);
    const empty = { cos: new Float64Array(0), agreement: new Float64Array(0) };
    expect(criterionOf(empty, 'oracle')).toBeUndefined();
  });
});

describe('selectLearningRate: the highest early-stopped criterion, the lowest rate on a tie', () => {
  const run = (lr: number, cos: number[]) => ({ lr, series: series(cos), name: `lr ${lr}` });

  it('picks the run whose stopped criterion is highest, with its stop', () => {
    const best = selectLearningRate([run(0, [0, 0.2, 0.1]), run(1, [0, 0.1, 0.5, 0.4]), run(2, [0, 0.3])], 'oracle');
    expect(best?.run.name).toBe('lr 1');
    expect(best?.selection).toEqual({ index: 2, score: 0.5 });
  });

  it('on a tie the lowest learning-rate index wins, in whatever order the runs are given', () => {
    const tied = [run(2, [0, 0.6]), run(0, [0, 0.1, 0.6]), run(1, [0, 0.6, 0.2])];
    for (const order of [tied, [...tied].reverse(), [tied[1], tied[0], tied[2]]]) {
      const best = selectLearningRate(order, 'oracle');
      expect(best?.run.name).toBe('lr 0');
      expect(best?.selection.index).toBe(2);
    }
  });

  it('leaves out runs with nothing past step 0; null when no run has anything', () => {
    expect(selectLearningRate([run(0, [0.9]), run(1, [0, -0.3])], 'oracle')?.run.name).toBe('lr 1');
    expect(selectLearningRate([run(0, [0.9]), run(1, [])], 'oracle')).toBeNull();
    expect(selectLearningRate([], 'oracle')).toBeNull();
  });

  it('does not reorder the caller’s list', () => {
    const runs = [run(2, [0, 0.1]), run(0, [0, 0.2])];
    selectLearningRate(runs, 'oracle');
    expect(runs.map((r) => r.lr)).toEqual([2, 0]);
  });
});
