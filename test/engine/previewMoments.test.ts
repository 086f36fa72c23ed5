/**
 * The preview path's per-sample moments (src/engine/sft/previewMoments.ts, docs/preview.md §2–§5)
 * against independent computations: 2-D adaptive quadrature of the definitions
 * (test/fixtures/preview_moments.py → preview-moments.json, no conditioning, no closed forms), the
 * same rule refined, mpmath's erf, exact Gaussian moments for the inner rules, and Monte Carlo
 * batches of the exact kernel.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/rng';
import { accumulateBatch } from '../../src/engine/sft/batch';
import { erf } from '../../src/engine/sft/previewErf';
import { gaussHermite, gaussLegendre, sampleMoments, softConditional } from '../../src/engine/sft/previewMoments';
import { meanVariance } from '../helpers/stats';

interface State {
  beta: number;
  norm: number;
  p: number;
  labelNoise: number;
  softLambda: number | null;
  mean: number[];
  cov: number[];
}
const fixtures = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'preview-moments.json'), 'utf8')) as { states: State[] };
const special = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'special-functions.json'), 'utf8')) as { erf: { x: number; erf: number }[] };

/** Powers of β in (μ1, μ2, μ3, C11, C12, C22, C13, C23, C33): the moments' natural scales. */
const POWERS = [1, 1, 2, 2, 2, 2, 3, 3, 4];

function moments(beta: number, norm: number, p: number, labelNoise: number, softLambda: number | null, dx?: number): Float64Array {
  const out = new Float64Array(9);
  sampleMoments(beta, norm, p, Math.sqrt(1 - p * p), { labelNoise, softLambda }, out, dx);
  return out;
}

describe('preview moments', () => {
  it('equal 2-D adaptive quadrature of their definitions (hard, noisy and soft labels) within 1e-8 · β^k', () => {
    expect(fixtures.states.length).toBeGreaterThanOrEqual(15);
    for (const s of fixtures.states) {
      const got = moments(s.beta, s.norm, s.p, s.labelNoise, s.softLambda);
      const expected = [...s.mean, ...s.cov];
      expected.forEach((e, i) => expect(Math.abs(got[i] - e)).toBeLessThan(1e-8 * s.beta ** POWERS[i]));
    }
  });

  it('have converged: the rule with Δx = 0.2 is within 1e-8 · β^k of Δx = 0.05 over 400 states of every regime', () => {
    const rng = new Rng([21, 22, 23, 24]);
    let worst = 0;
    for (let n = 0; n < 400; n++) {
      const beta = Math.pow(10, -1 + 2.3 * rng.uniform());
      const norm = Math.pow(10, -1.5 + 3.1 * rng.uniform());
      // Teachers up to cos 1 − 1e-6 with the student (q/p down to 1.4e-3).
      const p = rng.uniform() < 0.6 ? 1 - Math.pow(10, -6 + 6.3 * rng.uniform()) : 2 * rng.uniform() - 1;
      const noise = [0, 0.1, 0.3][rng.below(3)];
      const soft = rng.uniform() < 0.2 ? Math.pow(10, -1 + 2.5 * rng.uniform()) : null;
      const coarse = moments(beta, norm, Math.max(-1 + 1e-12, Math.min(1 - 1e-12, p)), noise, soft);
      const fine = moments(beta, norm, Math.max(-1 + 1e-12, Math.min(1 - 1e-12, p)), noise, soft, 0.05);
      for (let i = 0; i < 9; i++) worst = Math.max(worst, Math.abs(coarse[i] - fine[i]) / beta ** POWERS[i]);
    }
    expect(worst).toBeLessThan(1e-8);
  });

  it("a covariance is positive semi-definite and the label noise enters only through ε' = 1 − 2ε", () => {
    // ε = 1/2: labels are coin flips, independent of x, so E[c g2] = 0 and E[c g1] = E[g1 T(g1)] − 0.
    const coin = moments(1.5, 2, 0.4, 0.5 - 1e-15, null);
    expect(Math.abs(coin[1])).toBeLessThan(1e-12);
    for (const s of fixtures.states) {
      const m = moments(s.beta, s.norm, s.p, s.labelNoise, s.softLambda);
      const [c11, c12, c22, c13, c23, c33] = Array.from(m.subarray(3));
      const det = c11 * (c22 * c33 - c23 * c23) - c12 * (c12 * c33 - c23 * c13) + c13 * (c12 * c23 - c22 * c13);
      expect(c11).toBeGreaterThan(0);
      expect(c11 * c22 - c12 * c12).toBeGreaterThan(0);
      expect(det).toBeGreaterThan(-1e-15);
    }
  });

  it("erf (Cody's rational approximations) equals mpmath to 2e-16", () => {
    expect(special.erf.length).toBeGreaterThan(10);
    for (const { x, erf: expected } of special.erf) {
      expect(Math.abs(erf(x) - expected)).toBeLessThanOrEqual(2e-16 * Math.max(1, Math.abs(expected)));
      expect(erf(-x) + erf(x)).toBe(0);
    }
  });

  it('the inner rules integrate what they must exactly: Gauss–Hermite E[g^{2m}] = (2m − 1)!!, Gauss–Legendre ∫ x^{2m}', () => {
    const gh = gaussHermite(48);
    const gl = gaussLegendre(48);
    let doubleFactorial = 1;
    for (let m = 0; m <= 12; m++) {
      if (m > 0) doubleFactorial *= 2 * m - 1;
      let hermite = 0;
      let legendre = 0;
      for (let i = 0; i < 48; i++) {
        hermite += gh.w[i] * gh.x[i] ** (2 * m);
        legendre += gl.w[i] * gl.x[i] ** (2 * m);
      }
      expect(Math.abs(hermite / doubleFactorial - 1)).toBeLessThan(1e-13);
      expect(Math.abs(legendre - 2 / (2 * m + 1))).toBeLessThan(1e-14);
    }
  });

  it("a soft label's conditional moments equal a fine trapezoid rule in g2, for smooth and sharp teachers", () => {
    const out = new Float64Array(9);
    for (const [v, p, lambda] of [[0.3, 0.6, 0.5], [1.2, -0.5, 3], [2.5, 0.9, 8], [0.01, 0.999, 50], [4, 0.2, 200]]) {
      const q = Math.sqrt(1 - p * p);
      softConditional(v, p, q, lambda, out);
      const brute = new Float64Array(9);
      const h = 2e-5;
      for (let g = -10; g <= 10; g += h) {
        const y = Math.tanh(lambda * (p * v + q * g));
        const w = (h * Math.exp(-0.5 * g * g)) / Math.sqrt(2 * Math.PI);
        const terms = [y, y * y, y ** 3, y ** 4, y * g, y * y * g, y ** 3 * g, y * g * g, y * y * g * g];
        terms.forEach((t, i) => (brute[i] += w * t));
      }
      for (let i = 0; i < 9; i++) expect(Math.abs(out[i] - brute[i])).toBeLessThan(2e-9);
    }
  });

  it("are the mean and covariance of the exact kernel's per-sample sums (Monte Carlo, z-scores < 4)", () => {
    // 400 exact batches of B = 2 000 (0.8 M samples) per state: the batch means' mean and variance.
    const B = 2000;
    const batches = 400;
    const scratch = new Float64Array(2 * B);
    const out = new Float64Array(3);
    for (const [beta, norm, p, noise, soft] of [[1, 1.3, 0.5, 0, null], [2, 4, -0.2, 0.2, null], [1, 0.7, 0.95, 0, 2]] as const) {
      const q = Math.sqrt(1 - p * p);
      const exact = moments(beta, norm, p, noise, soft);
      const rng = new Rng([7, 7, 7, 7]);
      const draws: number[][] = [[], [], []];
      for (let b = 0; b < batches; b++) {
        accumulateBatch(rng, scratch, B, beta, norm, p, q, { softBeta: soft === null ? null : 2 * soft, teacherNorm: 1, labelNoise: noise }, null, out);
        for (let k = 0; k < 3; k++) draws[k].push(out[k] / B);
      }
      const variances = [exact[3], exact[5], exact[8]];
      for (let k = 0; k < 3; k++) {
        const { mean, variance } = meanVariance(draws[k]);
        // Mean: z against the exact per-batch standard error √(C_kk / B / batches).
        expect(Math.abs(mean - exact[k]) / Math.sqrt(variances[k] / B / batches)).toBeLessThan(4);
        // Variance of a batch mean, C_kk / B: its sample variance has relative s.e. ≈ √(2/(n − 1)).
        expect(Math.abs(variance / (variances[k] / B) - 1)).toBeLessThan(4 * Math.sqrt(2 / (batches - 1)));
      }
    }
  });
});
