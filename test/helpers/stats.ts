/**
 * Goodness-of-fit statistics for the sampler tests. Every p-value goes through
 * test/helpers/special.ts, whose accuracy is itself tested against mpmath.
 */
import { chiSquareSurvival, kolmogorovSurvival } from './special';

export interface TestResult {
  statistic: number;
  pValue: number;
}

/**
 * One-sample Kolmogorov–Smirnov test of `sample` against the continuous CDF `cdf`:
 * D = sup |F_n − F|, p = Q_KS((√n + 0.12 + 0.11/√n) · D) (Stephens 1970, as in Numerical Recipes).
 */
export function ksTest(sample: ArrayLike<number>, cdf: (x: number) => number): TestResult {
  const n = sample.length;
  if (n === 0) throw new RangeError('ksTest needs a non-empty sample');
  const sorted = Float64Array.from(sample).sort();
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    if (!(f >= 0 && f <= 1)) throw new RangeError(`cdf(${sorted[i]}) = ${f} is not a probability`);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  const rootN = Math.sqrt(n);
  return { statistic: d, pValue: kolmogorovSurvival((rootN + 0.12 + 0.11 / rootN) * d) };
}

/**
 * Pearson chi-square goodness-of-fit test of observed counts against cell probabilities
 * (equal cells when `probabilities` is omitted); k − 1 degrees of freedom.
 */
export function chiSquareTest(counts: ArrayLike<number>, probabilities?: ArrayLike<number>): TestResult {
  const k = counts.length;
  let total = 0;
  for (let i = 0; i < k; i++) total += counts[i];
  let statistic = 0;
  for (let i = 0; i < k; i++) {
    const expected = total * (probabilities ? probabilities[i] : 1 / k);
    statistic += (counts[i] - expected) ** 2 / expected;
  }
  return { statistic, pValue: chiSquareSurvival(k - 1, statistic) };
}

/** Pearson correlation coefficient of two equal-length samples (two-pass, centred). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (y.length !== n || n < 2) throw new RangeError('pearson needs two samples of equal length ≥ 2');
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Sample mean and unbiased sample variance (two-pass). */
export function meanVariance(x: ArrayLike<number>): { mean: number; variance: number } {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i] - mean) ** 2;
  return { mean, variance: ss / (n - 1) };
}

/**
 * Print a measured statistic when W2S_TEST_REPORT is set, so the values behind an assertion can be
 * read off a run without making the default output noisy.
 */
export function report(label: string, value: number | string): void {
  if (process.env.W2S_TEST_REPORT) console.log(`[measured] ${label}: ${value}`);
}
