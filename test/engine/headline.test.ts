/**
 * The paper's headline (Fig. 1): an 80 % student and 70 % random teachers at d = 100, β = 1,
 * batch 10 000: at least 95 % of teachers improve the student. Fewer steps and learning rates than
 * the figure (100 steps, η ∈ {0.1, 1}) keep the test short; the early-stopped gain is already there.
 */
import { describe, expect, it } from 'vitest';
import { summarizeCell } from '../../src/engine/summary';
import { runAll } from '../helpers/experiment';

describe('weak-to-strong generalization is nearly inevitable', () => {
  it('80 % student, 70 % teachers, d = 100: at least 95 % of 100 teachers give gain > 0', () => {
    const { spec, context, outcomes } = runAll({
      seed: 2026,
      data: { d: 100 },
      student: { accuracy: 0.8, norm: 1 },
      teachers: { count: 100, accuracy: 0.7 },
      sft: { batchSize: 10_000, steps: 100, learningRates: [0.1, 1], ceiling: false },
    });
    const summary = summarizeCell(spec, context.cells[0], outcomes);
    expect(summary.teachers).toHaveLength(100);
    expect(summary.fractionImproved).toBeGreaterThanOrEqual(0.95);
    expect(summary.gainMean).toBeGreaterThan(0);
    // Every teacher really is weaker than the student.
    for (const t of summary.teachers) expect(t.accuracy).toBeCloseTo(0.7, 12);
    expect(summary.initial.accuracy).toBeCloseTo(0.8, 12);
  });
});
