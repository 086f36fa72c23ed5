/**
 * Confidence intervals for the numbers a sweep reports (docs/spec.md §12): a mean's two-sided 95 %
 * Student-t interval, and a proportion's Wilson score interval (which, unlike the normal one, stays
 * inside [0, 1] and is not empty at 0 or n successes).
 */

/** An estimate with its 95 % interval and the number of values it rests on. */
export interface Interval {
  readonly estimate: number;
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
}

/** z_{0.975}: the standard normal's 97.5 % quantile. */
export const Z975 = 1.959963984540054;

/** t_{0.975, df} for df = 1…30 (standard tables, to 6 significant digits). */
const T975 = [
  12.7062, 4.30265, 3.18245, 2.77645, 2.57058, 2.44691, 2.36462, 2.306, 2.26216, 2.22814, 2.20099, 2.17881, 2.16037, 2.14479, 2.13145,
  2.11991, 2.10982, 2.10092, 2.09302, 2.08596, 2.07961, 2.07387, 2.06866, 2.0639, 2.05954, 2.05553, 2.05183, 2.04841, 2.04523, 2.04227,
];

/**
 * The Student-t distribution's 97.5 % quantile with `df` degrees of freedom: the table up to 30,
 * beyond it the Cornish–Fisher expansion in 1/df around z (error below 1e-5 for df > 30).
 */
export function t975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`t975: df must be a positive integer (got ${df})`);
  if (df <= T975.length) return T975[df - 1];
  const z = Z975;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

/**
 * The mean of `values` with its 95 % t interval (sample std over n − 1). One value: the interval
 * is the point itself, with n = 1 saying it has no spread to measure; none: NaN.
 */
export function meanInterval(values: readonly number[]): Interval {
  const n = values.length;
  if (n === 0) return { estimate: NaN, lo: NaN, hi: NaN, n: 0 };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  if (n === 1) return { estimate: mean, lo: mean, hi: mean, n };
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  const half = (t975(n - 1) * Math.sqrt(ss / (n - 1))) / Math.sqrt(n);
  return { estimate: mean, lo: mean - half, hi: mean + half, n };
}

/** The proportion successes/n with its 95 % Wilson score interval; n = 0: NaN. */
export function wilsonInterval(successes: number, n: number): Interval {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`wilsonInterval: need integers 0 ≤ successes ≤ n (got ${successes} of ${n})`);
  }
  if (n === 0) return { estimate: NaN, lo: NaN, hi: NaN, n: 0 };
  const p = successes / n;
  const z2 = Z975 * Z975;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z975 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  // At 0 and n successes the bound is exactly 0 or 1 (rounding would leave it a hair off).
  return { estimate: p, lo: successes === 0 ? 0 : centre - half, hi: successes === n ? 1 : centre + half, n };
}
