/**
 * The random-features trajectories figure (charts/randomFeatures.ts): a line per teacher in each
 * of the accuracy, agreement and head-norm panels, its points the stored series' (accuracies in %),
 * the ceiling left out.
 */
import { describe, expect, it } from 'vitest';
import { randomFeaturesTrajectories } from '../../src/charts/randomFeatures';
import { packBlock } from '../../src/shared/seriesBlock';

describe('random-features trajectories', () => {
  it('draws each teacher run in three panels with its own points, and leaves the ceiling out', () => {
    const runs = [
      { recorded: 2, key: { cell: 0, teacher: -1, lr: 0 } },
      { recorded: 3, key: { cell: 0, teacher: 0, lr: 1 } },
      { recorded: 3, key: { cell: 0, teacher: 1, lr: 0 } },
    ];
    const series = runs.map((r, i) => ({
      step: Float64Array.from({ length: r.recorded }, (_, k) => 10 * k),
      accuracy: Float64Array.from({ length: r.recorded }, (_, k) => 0.8 + 0.01 * k + i / 1000),
      agreement: Float64Array.from({ length: r.recorded }, (_, k) => 0.7 - 0.01 * k),
      headNorm: Float64Array.from({ length: r.recorded }, (_, k) => 3 + k + i),
      changed: new Float64Array(r.recorded),
    }));
    const option = randomFeaturesTrajectories(packBlock(runs, series, ['step', 'accuracy', 'agreement', 'headNorm', 'changed']), 900);
    const lines = option.series as { name: string; xAxisIndex: number; data: number[][] }[];
    expect(lines).toHaveLength(6);
    expect(lines.map((l) => [l.name, l.xAxisIndex])).toEqual([
      ['teacher 0', 0], ['teacher 1', 0], ['teacher 0', 1], ['teacher 1', 1], ['teacher 0', 2], ['teacher 1', 2],
    ]);
    expect(lines[1].data).toEqual([0, 1, 2].map((k) => [10 * k, 100 * (0.8 + 0.01 * k + 2 / 1000)]));
    expect(lines[2].data).toEqual([0, 1, 2].map((k) => [10 * k, 100 * (0.7 - 0.01 * k)]));
    expect(lines[5].data).toEqual([0, 1, 2].map((k) => [10 * k, 3 + k + 2]));
  });
});
