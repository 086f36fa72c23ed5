/**
 * src/engine/sigmoid.ts: the exact σ and softplus against mpmath, their stable branches, and the
 * tabulated σ against the exact one (claimed absolute error ≤ 1e-7 everywhere).
 */
import { describe, expect, it } from 'vitest';
import {
  SIGMOID_TABLE_DENSITY,
  SIGMOID_TABLE_RANGE,
  sigmoid,
  sigmoidTable,
  softplus,
} from '../../src/engine/sigmoid';
import reference from '../fixtures/special-functions.json';
import { nextDown, nextUp } from '../helpers/float';
import { report } from '../helpers/stats';

const EPS = Number.EPSILON;
const TABLE_TOLERANCE = 1e-7;

/** Evenly spaced points a, …, b (count of them, endpoints included). */
function grid(a: number, b: number, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = a + ((b - a) * i) / (count - 1);
  return out;
}

/** The largest |sigmoidTable(t) − sigmoid(t)| over `points`, and where it occurs. */
function worstTableError(points: ArrayLike<number>): { error: number; at: number } {
  let error = 0;
  let at = NaN;
  for (let i = 0; i < points.length; i++) {
    const t = points[i];
    const e = Math.abs(sigmoidTable(t) - sigmoid(t));
    if (!(e <= error)) {
      error = e;
      at = t;
    }
  }
  return { error, at };
}

describe('sigmoid (exact)', () => {
  it('matches mpmath within 2 ulps, relative, from −800 to 800', () => {
    for (const r of reference.sigmoid) {
      const actual = sigmoid(r.t);
      expect(Math.abs(actual - r.sigmoid), `σ(${r.t}) = ${actual}`).toBeLessThanOrEqual(
        2 * EPS * r.sigmoid + Number.MIN_VALUE,
      );
    }
  });

  it('obeys σ(t) + σ(−t) = 1 to one ulp of 1 on [−40, 40]', () => {
    // 1e-16 is below the spacing of doubles just under 1 (2^-53 ≈ 1.1e-16): even correctly rounded
    // values can sum to 1 − 2^-53. One ulp of 1, 2^-52, is the tightest meaningful bound.
    let worst = 0;
    for (const t of grid(-40, 40, 2_000_001)) worst = Math.max(worst, Math.abs(sigmoid(t) + sigmoid(-t) - 1));
    report('max |σ(t) + σ(−t) − 1|', worst);
    expect(worst).toBeLessThanOrEqual(EPS);
  });

  it('is non-decreasing and stays in [0, 1]', () => {
    let previous = -Infinity;
    for (const t of grid(-800, 800, 1_600_001)) {
      const s = sigmoid(t);
      if (!(s >= previous && s >= 0 && s <= 1)) expect.unreachable(`σ(${t}) = ${s} after ${previous}`);
      previous = s;
    }
  });

  it('saturates without NaN or overflow at ±800 and ±Infinity', () => {
    expect(sigmoid(800)).toBe(1);
    expect(sigmoid(-800)).toBeGreaterThanOrEqual(0);
    expect(sigmoid(-800)).toBeLessThan(1e-300); // e^{-800} ≈ 3.7e-348 underflows to 0
    expect(sigmoid(Infinity)).toBe(1);
    expect(sigmoid(-Infinity)).toBe(0);
    expect(sigmoid(0)).toBe(0.5);
    // Deep in the left tail σ(t) = e^t/(1 + e^t) keeps full relative precision.
    expect(Math.abs(sigmoid(-700) / Math.exp(-700) - 1)).toBeLessThanOrEqual(2 * EPS);
  });
});

describe('softplus', () => {
  it('matches mpmath within 2 ulps, relative, from −800 to 800', () => {
    for (const r of reference.softplus) {
      const actual = softplus(r.t);
      expect(Math.abs(actual - r.softplus), `softplus(${r.t}) = ${actual}`).toBeLessThanOrEqual(
        2 * EPS * r.softplus + Number.MIN_VALUE,
      );
    }
  });

  it('is stable at ±800 and ±Infinity', () => {
    expect(softplus(800)).toBe(800);
    const left = softplus(-800); // log(1 + e^{-800}) ≈ 3.7e-348
    expect(Number.isFinite(left)).toBe(true);
    expect(left).toBeGreaterThanOrEqual(0);
    expect(left).toBeLessThanOrEqual(1e-300);
    expect(softplus(Infinity)).toBe(Infinity);
    expect(softplus(-Infinity)).toBe(0);
    expect(softplus(0)).toBe(Math.LN2);
  });

  it('matches the naive log1p(exp(t)) within 1e-15, relative, for |t| < 30', () => {
    let worst = 0;
    let at = NaN;
    for (const t of grid(-29.999, 29.999, 600_001)) {
      const naive = Math.log1p(Math.exp(t));
      const e = Math.abs(softplus(t) - naive) / naive;
      if (e > worst) {
        worst = e;
        at = t;
      }
    }
    report('max relative |softplus − log1p(exp)| on (−30, 30)', `${worst} at t = ${at}`);
    expect(worst).toBeLessThanOrEqual(1e-15);
  });

  it('obeys softplus(t) − softplus(−t) = t', () => {
    for (const t of grid(-60, 60, 120_001)) {
      const lhs = softplus(t) - softplus(-t);
      if (!(Math.abs(lhs - t) <= 4 * EPS * Math.max(1, Math.abs(t)))) expect.unreachable(`t = ${t}: ${lhs}`);
    }
  });
});

describe('sigmoidTable', () => {
  const range = SIGMOID_TABLE_RANGE;
  const density = SIGMOID_TABLE_DENSITY;

  it(`is within ${TABLE_TOLERANCE} of σ on a grid of 2^21 + 1 points on [−40, 40]`, () => {
    const { error, at } = worstTableError(grid(-40, 40, 2 ** 21 + 1));
    report('sigmoidTable max error, 2^21 + 1 points on [−40, 40]', `${error} at t = ${at}`);
    expect(error).toBeLessThanOrEqual(TABLE_TOLERANCE);
  });

  it('is within 1e-7 at interval boundaries, their neighbours and special points', () => {
    const points: number[] = [0, -0, 17, -17, 16.999, -16.999, 1e9, -1e9, Infinity, -Infinity];
    points.push(range, -range, range + 1e-12, -range - 1e-12, Number.MAX_VALUE, -Number.MAX_VALUE);
    for (let k = 0; k <= 2 * range * density; k++) {
      const t = k / density - range;
      points.push(t, t + 0.5 / density, nextUp(t), nextDown(t));
    }
    const { error, at } = worstTableError(points);
    report('sigmoidTable max error at boundaries/special points', `${error} at t = ${at}`);
    expect(error).toBeLessThanOrEqual(TABLE_TOLERANCE);
    expect(sigmoidTable(Infinity)).toBeGreaterThan(1 - TABLE_TOLERANCE);
    expect(sigmoidTable(-Infinity)).toBeLessThan(TABLE_TOLERANCE);
  });

  it('meets the Hermite bound h⁴/384 · max|σ⁗| inside [−L, L]', () => {
    // σ⁗ = s(1 − s)(1 − 2s)(1 − 12s + 12s²) with s = σ(t); its maximum found on a fine grid.
    let maxFourth = 0;
    for (const t of grid(-10, 10, 2_000_001)) {
      const s = 1 / (1 + Math.exp(-t));
      maxFourth = Math.max(maxFourth, Math.abs(s * (1 - s) * (1 - 2 * s) * (1 - 12 * s + 12 * s * s)));
    }
    const h = 1 / density;
    const bound = (h ** 4 / 384) * maxFourth;
    const { error, at } = worstTableError(grid(-range, range, 2 ** 22 + 1));
    report('sigmoidTable max error inside [−17, 17]', `${error} at t = ${at} (Hermite bound ${bound})`);
    expect(error).toBeLessThanOrEqual(bound * (1 + 1e-6) + 1e-15);
  });

  it('maps NaN to a finite value in [0, 1]: σ(−L)', () => {
    const v = sigmoidTable(NaN);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
    expect(Math.abs(v - sigmoid(-range))).toBeLessThanOrEqual(1e-15);
  });
});
