/**
 * src/engine/distributions.ts: every sampler against its exact law, by one-sample
 * Kolmogorov–Smirnov tests (p > 1e-3), moment checks (5 standard errors) and tail counts.
 * The CDFs come from test/helpers/special.ts, itself checked here against mpmath.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, StreamKind } from '../../src/engine/rng';
import {
  chiSquare,
  fillNormal,
  gamma,
  normal,
  normalSlowPath,
  sphereCoordinate,
  studentT,
  studentTScale,
  uniformUnitVector,
  ZIG_F,
  ZIG_K,
  ZIG_R,
  ZIG_W,
} from '../../src/engine/distributions';
import reference from '../fixtures/special-functions.json';
import {
  betaI,
  chiSquareCdf,
  chiSquareSurvival,
  erf,
  erfc,
  gammaP,
  gammaQ,
  kolmogorovSurvival,
  lnGamma,
  normalCdf,
  normalSurvival,
  sphereCoordinateCdf,
  studentTCdf,
} from '../helpers/special';
import { chiSquareTest, ksTest, meanVariance, report } from '../helpers/stats';

const SEED = 314159;
const KS_SIZE = 200_000;
const KS_LEVEL = 1e-3;

/** |actual − expected| ≤ tol · |expected| (plus the smallest subnormal, for expected = 0). */
function expectRelative(actual: number, expected: number, tol: number, label: string): void {
  expect(Math.abs(actual - expected), `${label}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    tol * Math.abs(expected) + Number.MIN_VALUE,
  );
}

function sample(n: number, draw: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = draw();
  return out;
}

function streamFor(test: number): Rng {
  return Rng.stream(SEED, StreamKind.validation, test);
}

function expectKs(label: string, values: Float64Array, cdf: (x: number) => number): void {
  const { statistic, pValue } = ksTest(values, cdf);
  report(`KS ${label}`, `p = ${pValue} (D = ${statistic}, n = ${values.length})`);
  expect(pValue, `${label}: D = ${statistic}`).toBeGreaterThan(KS_LEVEL);
}

/** |estimate − truth| ≤ 5 standard errors. */
function expectWithin5Se(label: string, estimate: number, truth: number, standardError: number): void {
  report(label, `${estimate} (truth ${truth}, z = ${(estimate - truth) / standardError})`);
  expect(Math.abs(estimate - truth), label).toBeLessThanOrEqual(5 * standardError);
}

describe('reference special functions (test/helpers) against mpmath', () => {
  it('erf and erfc', () => {
    for (const r of reference.erf) {
      expectRelative(erf(r.x), r.erf, 4e-15, `erf(${r.x})`);
      expectRelative(erfc(r.x), r.erfc, 4e-15, `erfc(${r.x})`);
      expectRelative(erf(-r.x), -r.erf, 4e-15, `erf(-${r.x})`);
      expectRelative(erfc(-r.x), 2 - r.erfc, 4e-15, `erfc(-${r.x})`);
    }
  });

  it('standard normal CDF', () => {
    for (const r of reference.normalCdf) {
      // Rounding x/√2 costs up to x²·2^-52 in relative terms: 3e-13 at x = −38.
      expectRelative(normalCdf(r.x), r.cdf, 1e-13, `Φ(${r.x})`);
      expectRelative(normalSurvival(-r.x), r.cdf, 1e-13, `1 − Φ(${-r.x})`);
    }
  });

  it('ln Γ', () => {
    for (const r of reference.lnGamma) {
      expect(Math.abs(lnGamma(r.x) - r.lnGamma), `lnΓ(${r.x})`).toBeLessThanOrEqual(
        1e-14 * Math.max(1, Math.abs(r.lnGamma)),
      );
    }
  });

  it('regularised incomplete gamma P and Q, and the chi-square tail', () => {
    for (const r of reference.gammaP) {
      expectRelative(gammaP(r.a, r.x), r.P, 1e-13, `P(${r.a}, ${r.x})`);
      expectRelative(gammaQ(r.a, r.x), r.Q, 1e-13, `Q(${r.a}, ${r.x})`);
    }
    for (const r of reference.chiSquareUpper) {
      expectRelative(chiSquareSurvival(r.df, r.x), r.Q, 1e-12, `chi-square tail (${r.df}, ${r.x})`);
    }
  });

  it('regularised incomplete beta, Student-t CDF and sphere-coordinate CDF', () => {
    for (const r of reference.betaI) {
      expectRelative(betaI(r.a, r.b, r.x), r.I, 1e-13, `I_${r.x}(${r.a}, ${r.b})`);
    }
    for (const r of reference.studentTCdf) {
      expectRelative(studentTCdf(r.nu, r.t), r.cdf, 1e-14, `t_${r.nu} CDF(${r.t})`);
    }
    // On S² the coordinate is uniform on [−1, 1] (Archimedes): F(t) = (t + 1)/2.
    for (const t of [-0.999, -0.5, -0.1, 0, 0.3, 0.77, 0.999]) {
      expect(Math.abs(sphereCoordinateCdf(3, t) - (t + 1) / 2), `S² CDF(${t})`).toBeLessThanOrEqual(1e-15);
    }
  });

  it('Kolmogorov distribution tail', () => {
    for (const r of reference.kolmogorovQ) {
      expect(Math.abs(kolmogorovSurvival(r.lambda) - r.Q), `Q_KS(${r.lambda})`).toBeLessThanOrEqual(
        1e-14 * r.Q + 1e-15,
      );
    }
  });

  it('KS test has power: rejects N(0, 1.05²) against Φ at n = 200 000', () => {
    const rng = streamFor(1);
    const scaled = sample(KS_SIZE, () => 1.05 * normal(rng));
    const { pValue, statistic } = ksTest(scaled, normalCdf);
    report('KS power check (normal × 1.05 vs Φ)', `p = ${pValue} (D = ${statistic})`);
    expect(pValue).toBeLessThan(1e-6);
  });

  it('KS test accepts the exact quantiles of the law it tests', () => {
    const n = 10_000;
    const quantiles = sample(n, () => 0).map((_, i) => (i + 0.5) / n);
    const { pValue, statistic } = ksTest(quantiles, (x) => x);
    expect(statistic).toBeCloseTo(0.5 / n, 15);
    expect(pValue).toBeGreaterThan(0.999);
  });

  it('chi-square test p-value matches the closed form for 2 df, e^{−X²/2}', () => {
    const { statistic, pValue } = chiSquareTest([1100, 1000, 900]);
    expect(statistic).toBeCloseTo(20, 12);
    expectRelative(pValue, Math.exp(-10), 1e-13, 'chi-square p, 2 df');
  });
});

describe('ziggurat tables', () => {
  const m = 2 ** 23;
  const density = (x: number): number => Math.exp(-0.5 * x * x);
  const layerArea = 0.00492867323399; // V of Marsaglia & Tsang (2000) for 256 layers

  it('base layer: R·f(R) + ∫_R^∞ f = V (the constants R and V agree)', () => {
    const base = ZIG_R * density(ZIG_R) + Math.sqrt(Math.PI / 2) * erfc(ZIG_R / Math.SQRT2);
    expectRelative(base, layerArea, 1e-11, 'base layer area');
    expectRelative(ZIG_W[0] * m * density(ZIG_R), layerArea, 1e-12, 'base layer width q · f(R)');
  });

  it('every rectangle x_i (f(x_{i−1}) − f(x_i)) has area V, up to the top one', () => {
    expect(ZIG_W[255] * m).toBe(ZIG_R);
    for (let i = 1; i <= 255; i++) {
      const x = ZIG_W[i] * m;
      expectRelative(ZIG_F[i], density(x), 1e-15, `f(x_${i})`);
      // The recursion from R down to x_1 amplifies the 12-digit V: allow 1e-8 at the top.
      expectRelative(x * (ZIG_F[i - 1] - ZIG_F[i]), layerArea, 1e-8, `area of layer ${i}`);
      if (i >= 2) {
        const inner = ZIG_W[i - 1] * m;
        expect(ZIG_K[i], `K[${i}]`).toBe(Math.floor((inner / x) * m));
      }
    }
  });
});

describe('normal (ziggurat)', () => {
  it('passes KS against Φ (n = 200 000)', () => {
    const rng = streamFor(2);
    expectKs('normal', sample(KS_SIZE, () => normal(rng)), normalCdf);
  });

  describe('2 000 000 draws', () => {
    const n = 2_000_000;
    const draws = new Float64Array(n);
    beforeAll(() => fillNormal(streamFor(3), draws));

    it('has mean 0 and variance 1 within 5 standard errors', () => {
      const { mean, variance } = meanVariance(draws);
      expectWithin5Se('normal mean', mean, 0, 1 / Math.sqrt(n));
      expectWithin5Se('normal variance', variance, 1, Math.sqrt(2 / n));
    });

    it('puts 2(1 − Φ(R)) of its mass beyond the tail cut R (binomial 5σ)', () => {
      const p = 2 * normalSurvival(ZIG_R);
      let beyond = 0;
      for (const x of draws) if (Math.abs(x) > ZIG_R) beyond++;
      const sigma = Math.sqrt(n * p * (1 - p));
      report('normal draws beyond R', `${beyond} (expected ${n * p}, z = ${(beyond - n * p) / sigma})`);
      expect(Math.abs(beyond - n * p)).toBeLessThanOrEqual(5 * sigma);
    });

    it('fills 200 equiprobable bins evenly (chi-square, 199 df)', () => {
      const bins = 200;
      const counts = new Float64Array(bins);
      for (const x of draws) counts[Math.min(bins - 1, Math.floor(normalCdf(x) * bins))]++;
      const { pValue, statistic } = chiSquareTest(counts);
      report('chi-square p, normal in 200 bins', `${pValue} (X² = ${statistic})`);
      expect(pValue).toBeGreaterThan(1e-4);
    });
  });

  it('samples the tail beyond R with the conditional normal law, on both sides (KS)', () => {
    // A draw whose layer is 0 and whose abscissa is outside the base rectangle goes to the tail.
    const outermost = 2 ** 23 - 1;
    expect(outermost).toBeGreaterThanOrEqual(ZIG_K[0]);
    const upperHz = outermost << 8; // layer 0, abscissa +(2^23 − 1)
    const lowerHz = (-(2 ** 23) << 8) | 0; // layer 0, abscissa −2^23
    const rng = streamFor(4);
    const n = 20_000;
    const upper = sample(n, () => normalSlowPath(rng, upperHz));
    const lower = sample(n, () => -normalSlowPath(rng, lowerHz));
    expect(upper.every((x) => x >= ZIG_R)).toBe(true);
    expect(lower.every((x) => x >= ZIG_R)).toBe(true);
    const tailMass = normalSurvival(ZIG_R);
    const tailCdf = (x: number): number => Math.max(0, 1 - normalSurvival(x) / tailMass);
    expectKs('normal tail x > R', upper, tailCdf);
    expectKs('normal tail x < −R (mirrored)', lower, tailCdf);
  });

  it('fillNormal (inlined generator and fast path) writes the same sequence as repeated normal()', () => {
    const a = streamFor(5);
    const b = streamFor(5);
    const filled = new Float64Array(50_000);
    fillNormal(a, filled);
    const one = sample(filled.length, () => normal(b));
    // The slow path and the tail hand the state back and forth; make sure both were taken.
    expect(filled.some((x) => Math.abs(x) > ZIG_R)).toBe(true);
    expect(filled.findIndex((x, i) => !Object.is(x, one[i]))).toBe(-1);
    expect(a.getState()).toEqual(b.getState());
  });

  it('fillNormal(rng, out, n) fills out[0 .. n) only, and n = 0 or an empty array draws nothing', () => {
    const a = streamFor(6);
    const b = streamFor(6);
    const out = new Float64Array(1000).fill(7);
    fillNormal(a, out, 600);
    const one = sample(600, () => normal(b));
    expect(out.subarray(0, 600).findIndex((x, i) => !Object.is(x, one[i]))).toBe(-1);
    expect(out.subarray(600).every((x) => x === 7)).toBe(true);
    expect(a.getState()).toEqual(b.getState());
    const before = a.getState();
    fillNormal(a, new Float64Array(0));
    fillNormal(a, out, 0);
    expect(a.getState()).toEqual(before);
    expect(out.subarray(600).every((x) => x === 7)).toBe(true);
  });
});

describe('gamma and chi-square', () => {
  for (const k of [1, 3, 97]) {
    it(`chiSquare(k = ${k}) passes KS against P(k/2, x/2) and has mean k, variance 2k`, () => {
      const rng = streamFor(10 + k);
      const draws = sample(KS_SIZE, () => chiSquare(rng, k));
      expect(draws.every((x) => x > 0)).toBe(true);
      expectKs(`chi-square k = ${k}`, draws, (x) => chiSquareCdf(k, x));
      const { mean, variance } = meanVariance(draws);
      expectWithin5Se(`chi-square k = ${k} mean`, mean, k, Math.sqrt((2 * k) / KS_SIZE));
      // Var of the sample variance ≈ (μ4 − σ⁴)/n with μ4 = 12k(k + 4) for χ²_k.
      expectWithin5Se(`chi-square k = ${k} variance`, variance, 2 * k, Math.sqrt((48 * k + 8 * k * k) / KS_SIZE));
    });
  }

  it('gamma(shape = 0.3) passes KS against P(0.3, x) (the shape < 1 boost)', () => {
    const rng = streamFor(20);
    expectKs('gamma shape 0.3', sample(KS_SIZE, () => gamma(rng, 0.3)), (x) => gammaP(0.3, x));
  });

  it('rejects shapes that are not positive', () => {
    const rng = streamFor(21);
    for (const shape of [0, -1, NaN, -Infinity]) expect(() => gamma(rng, shape), String(shape)).toThrow(RangeError);
  });
});

describe('Student-t', () => {
  const nu = 5;

  it('studentTScale(ν = 5) has the law of √((ν − 2)/χ²_ν) (KS)', () => {
    // P(s ≤ y) = P(χ²_ν ≥ (ν − 2)/y²) = Q(ν/2, (ν − 2)/(2y²)).
    const rng = streamFor(30);
    const scales = sample(KS_SIZE, () => studentTScale(rng, nu));
    expectKs('studentTScale nu = 5', scales, (y) => (y <= 0 ? 0 : gammaQ(nu / 2, (nu - 2) / (2 * y * y))));
  });

  it('x = s·g with s = studentTScale(ν = 5) has mean 0 and variance 1 (5 standard errors)', () => {
    const n = 1_000_000;
    const rng = streamFor(31);
    const x = sample(n, () => studentTScale(rng, nu) * normal(rng));
    const { mean, variance } = meanVariance(x);
    // Var(x²) = E x⁴ − 1 = 3 (ν − 2)/(ν − 4) − 1 = 8 for ν = 5.
    expectWithin5Se('s·g mean (nu = 5)', mean, 0, 1 / Math.sqrt(n));
    expectWithin5Se('s·g variance (nu = 5)', variance, 1, Math.sqrt(8 / n));
  });

  it('studentT(ν = 5) passes KS against the Student-t CDF', () => {
    const rng = streamFor(32);
    expectKs('studentT nu = 5', sample(KS_SIZE, () => studentT(rng, nu)), (t) => studentTCdf(nu, t));
  });
});

describe('sphereCoordinate and uniformUnitVector', () => {
  it('m = 2: the coordinate cos θ of a uniform angle, F(t) = 1 − arccos(t)/π (KS)', () => {
    const rng = streamFor(40);
    expectKs('sphereCoordinate m = 2', sample(KS_SIZE, () => sphereCoordinate(rng, 2)), (t) => 1 - Math.acos(t) / Math.PI);
  });

  it('m = 3: uniform on [−1, 1], F(t) = (t + 1)/2 (KS)', () => {
    const rng = streamFor(41);
    expectKs('sphereCoordinate m = 3', sample(KS_SIZE, () => sphereCoordinate(rng, 3)), (t) => (t + 1) / 2);
  });

  it('m = 99: t² ~ Beta(1/2, 49) (KS)', () => {
    const rng = streamFor(42);
    const draws = sample(KS_SIZE, () => sphereCoordinate(rng, 99));
    expect(draws.every((t) => t >= -1 && t <= 1)).toBe(true);
    expectKs('sphereCoordinate m = 99', draws, (t) => sphereCoordinateCdf(99, t));
  });

  it('rejects dimensions below 2', () => {
    const rng = streamFor(43);
    for (const m of [1, 0, -3, NaN]) expect(() => sphereCoordinate(rng, m), String(m)).toThrow(RangeError);
  });

  it('uniformUnitVector in R^5: unit norm, coordinates with the sphere law, uncorrelated', () => {
    const dim = 5;
    const vectors = 100_000;
    const rng = streamFor(44);
    const v = new Float64Array(dim);
    const first = new Float64Array(vectors);
    const last = new Float64Array(vectors);
    const product = new Float64Array(vectors);
    let worstNorm = 0;
    for (let j = 0; j < vectors; j++) {
      uniformUnitVector(rng, v);
      let norm2 = 0;
      for (const c of v) norm2 += c * c;
      worstNorm = Math.max(worstNorm, Math.abs(norm2 - 1));
      first[j] = v[0];
      last[j] = v[dim - 1];
      product[j] = v[1] * v[2];
    }
    report('uniformUnitVector max |‖u‖² − 1|', worstNorm);
    expect(worstNorm).toBeLessThanOrEqual(8 * Number.EPSILON);
    expectKs('uniformUnitVector R^5, first coordinate', first, (t) => sphereCoordinateCdf(dim, t));
    expectKs('uniformUnitVector R^5, last coordinate', last, (t) => sphereCoordinateCdf(dim, t));
    // E[u1 u2] = 0 and E[u1² u2²] = 1/(n(n + 2)) on S^{n−1}.
    expectWithin5Se('uniformUnitVector E[u1 u2]', meanVariance(product).mean, 0, Math.sqrt(1 / (dim * (dim + 2)) / vectors));
  });

  it('uniformUnitVector in R^1 is ±1 with equal probability, and unit-norm in R^1000', () => {
    const rng = streamFor(45);
    const v = new Float64Array(1);
    const n = 20_000;
    let plus = 0;
    for (let i = 0; i < n; i++) {
      uniformUnitVector(rng, v);
      expect(Math.abs(Math.abs(v[0]) - 1)).toBeLessThanOrEqual(2 * Number.EPSILON); // g·(1/√(g²)), rounded
      if (v[0] > 0) plus++;
    }
    expect(Math.abs(plus - n / 2)).toBeLessThanOrEqual(5 * Math.sqrt(n / 4));
    const big = new Float64Array(1000);
    uniformUnitVector(rng, big);
    let norm2 = 0;
    for (const c of big) norm2 += c * c;
    expect(Math.abs(norm2 - 1)).toBeLessThanOrEqual(1e-13);
  });
});
