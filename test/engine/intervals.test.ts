import { describe, expect, it } from 'vitest';
import { meanInterval, t975, wilsonInterval } from '../../src/engine/intervals';

describe('intervals', () => {
  it('t975 matches published quantiles, on the table and past it (Cornish–Fisher)', () => {
    // R: qt(0.975, df)
    expect(t975(1)).toBeCloseTo(12.7062, 4);
    expect(t975(9)).toBeCloseTo(2.262157, 4);
    expect(t975(31)).toBeCloseTo(2.039513, 5);
    expect(t975(40)).toBeCloseTo(2.021075, 5);
    expect(t975(120)).toBeCloseTo(1.979930, 5);
    expect(t975(1e6)).toBeCloseTo(1.959966, 5);
    expect(() => t975(0)).toThrow(/df/);
    expect(() => t975(2.5)).toThrow(/df/);
  });

  it('meanInterval: mean ± t·s/√n with s over n − 1', () => {
    const r = meanInterval([1, 2, 3, 4]);
    // mean 2.5, s = √(5/3), t_{0.975,3} = 3.182446
    const half = (3.182446 * Math.sqrt(5 / 3)) / 2;
    expect(r.estimate).toBe(2.5);
    expect(r.lo).toBeCloseTo(2.5 - half, 5);
    expect(r.hi).toBeCloseTo(2.5 + half, 5);
    expect(r.n).toBe(4);
    expect(meanInterval([0.3])).toEqual({ estimate: 0.3, lo: 0.3, hi: 0.3, n: 1 });
    expect(Number.isNaN(meanInterval([]).estimate)).toBe(true);
  });

  it('wilsonInterval matches the closed form and published values', () => {
    // 5 of 10: [0.2366, 0.7634] (Wilson 1927; e.g. R's prop.test without correction)
    const half = wilsonInterval(5, 10);
    expect(half.lo).toBeCloseTo(0.236593, 5);
    expect(half.hi).toBeCloseTo(0.763407, 5);
    // 0 of n: upper bound z²/(n + z²)
    const z2 = 1.959963984540054 ** 2;
    expect(wilsonInterval(0, 10)).toMatchObject({ estimate: 0, lo: 0 });
    expect(wilsonInterval(0, 10).hi).toBeCloseTo(z2 / (10 + z2), 12);
    expect(wilsonInterval(10, 10).hi).toBe(1);
    expect(wilsonInterval(10, 10).lo).toBeCloseTo(10 / (10 + z2), 12);
    // 81 of 100 (scipy: the Wilson formula at z = norm.ppf(0.975)): [0.722212, 0.874852]
    expect(wilsonInterval(81, 100).lo).toBeCloseTo(0.722212, 5);
    expect(wilsonInterval(81, 100).hi).toBeCloseTo(0.874852, 5);
    expect(() => wilsonInterval(11, 10)).toThrow(/successes/);
  });
});
