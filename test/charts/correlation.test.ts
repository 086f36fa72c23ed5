/**
 * The sweep dashboard's importance statistics (charts/correlation.ts) against scipy 1.x:
 * scipy.stats.pearsonr, spearmanr and rankdata on the same data, values pasted from
 *   python3 -c "import scipy.stats as st; print(repr(st.pearsonr(x, y).statistic), repr(st.spearmanr(x, y).statistic), st.rankdata(x))"
 */
import { describe, expect, it } from 'vitest';
import { pearson, ranks, spearman } from '../../src/charts/correlation';

const CASES: { name: string; x: number[]; y: number[]; pearson: number; spearman: number; ranks: number[] }[] = [
  { name: 'near-linear', x: [1, 2, 3, 4, 5], y: [2.1, 3.9, 6.2, 7.8, 10.1], pearson: 0.9986517555689656, spearman: 0.9999999999999999, ranks: [1, 2, 3, 4, 5] },
  { name: 'ties in both', x: [0.5, 0.5, 1, 1, 2, 2], y: [0.01, 0.03, 0.02, 0.05, 0.04, 0.09], pearson: 0.724568837309472, spearman: 0.7171371656006363, ranks: [1.5, 1.5, 3.5, 3.5, 5.5, 5.5] },
  { name: 'monotone, not linear (log-spaced x)', x: [0.1, 1, 10, 100, 1000], y: [0.2, 0.25, 0.3, 0.31, 0.9], pearson: 0.9933392418868103, spearman: 0.9999999999999999, ranks: [1, 2, 3, 4, 5] },
  { name: 'decreasing, three replicates a value', x: [50, 50, 50, 100, 100, 100, 200, 200, 200], y: [0.3, 0.28, 0.35, 0.2, 0.22, 0.18, 0.1, 0.12, 0.05], pearson: -0.9437563868792382, spearman: -0.9486832980505139, ranks: [2, 2, 2, 5, 5, 5, 8, 8, 8] },
];

describe('pearson, spearman and ranks against scipy.stats', () => {
  for (const c of CASES) {
    it(c.name, () => {
      expect(pearson(c.x, c.y)).toBeCloseTo(c.pearson, 13);
      expect(spearman(c.x, c.y)).toBeCloseTo(c.spearman, 13);
      expect(ranks(c.x)).toEqual(c.ranks);
    });
  }

  it('obeys the laws: symmetric, in [−1, 1], sign flips with y, Spearman unchanged by a monotone map of x', () => {
    for (const c of CASES) {
      expect(pearson(c.y, c.x)).toBeCloseTo(pearson(c.x, c.y), 14);
      expect(Math.abs(pearson(c.x, c.y))).toBeLessThanOrEqual(1);
      expect(pearson(c.x, c.y.map((v) => -v))).toBeCloseTo(-pearson(c.x, c.y), 14);
      expect(spearman(c.x.map(Math.log), c.y)).toBeCloseTo(spearman(c.x, c.y), 14);
    }
  });

  it('is NaN when undefined (a constant variable, fewer than two pairs), and skips non-finite pairs', () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(spearman([1, 2, 3], [5, 5, 5])).toBeNaN();
    expect(pearson([1], [2])).toBeNaN();
    expect(pearson([1, 2, NaN, 3, 4, 5], [2.1, 3.9, 99, 6.2, 7.8, 10.1])).toBeCloseTo(CASES[0].pearson, 13);
    expect(() => pearson([1, 2], [1])).toThrow(/same length/);
  });
});
