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
import { gaussHermite, gaussLegendre, LEVELS, nodeTable, PREVIEW_STEP, sampleMoments, scaleLevel, softConditional } from '../../src/engine/sft/previewMoments';
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

describe('the quadrature’s scale levels and node tables (shared with the WebAssembly kernel, so checked here on their own)', () => {
  /** docs/preview.md §4: a = min(1, 1/γ, q/|p|), level ⌈−4 log2 a − 10⁻⁹⌉ clamped to [0, LEVELS − 1], by the logarithm. */
  const byLog = (gamma: number, p: number, q: number) => {
    const a = Math.min(1, gamma > 1 ? 1 / gamma : 1, q < Math.abs(p) ? q / Math.abs(p) : 1);
    const level = Math.ceil(-4 * Math.log2(a) - 1e-9);
    return Number.isNaN(level) ? LEVELS - 1 : Math.min(LEVELS - 1, Math.max(0, level));
  };

  it('scaleLevel equals ⌈−4 log2 a − 10⁻⁹⌉ (clamped) over 20 000 random states, at exact quarter powers of 2, and at the ends', () => {
    const rng = new Rng([61, 62, 63, 64]);
    for (let n = 0; n < 20_000; n++) {
      const gamma = Math.pow(10, -3 + 15 * rng.uniform());
      const p = (rng.uniform() < 0.5 ? -1 : 1) * (1 - Math.pow(10, -16 * rng.uniform()));
      const q = Math.sqrt(Math.max(0, 1 - p * p));
      // (+ 0: a level of −0 is level 0 as an index.)
      expect(scaleLevel(gamma, p, q) + 0, JSON.stringify({ gamma, p, q })).toBe(byLog(gamma, p, q));
    }
    // a = 2^(−j/4) exactly takes level j; just below it, level j + 1.
    for (const j of [0, 1, 2, 3, 4, 5, 7, 8, 40, 41, 100, 159, 160]) {
      const a = Math.pow(2, -j / 4);
      expect(scaleLevel(1 / a, 0, 1) + 0, `j ${j}`).toBe(j);
      expect(scaleLevel(1 / (a * (1 - 1e-6)), 0, 1), `j ${j} − `).toBe(Math.min(j + 1, LEVELS - 1));
    }
    expect(scaleLevel(0.5, 0.3, 0.9) + 0).toBe(0);
    expect(scaleLevel(1, 1, 0)).toBe(LEVELS - 1);
    expect(scaleLevel(1e300, 0, 1)).toBe(LEVELS - 1);
    expect(scaleLevel(NaN, 0, 1) + 0).toBe(0);
  });

  it('nodeTable: v_i = a sinh(iΔx), w_i = 2Δx a cosh(iΔx) φ(v_i) (half at 0) to ⌈asinh(8/a)/Δx⌉ + 1 nodes, padded to even with weight 0; cached for Δx = 0.2', () => {
    for (const [level, dx] of [[0, PREVIEW_STEP], [1, PREVIEW_STEP], [37, PREVIEW_STEP], [LEVELS - 1, PREVIEW_STEP], [6, 0.05], [3, 0.3]] as const) {
      const a = Math.pow(2, -level / 4);
      const count = Math.ceil(Math.asinh(8 / a) / dx) + 1;
      const t = nodeTable(level, dx);
      expect(t.count, `level ${level}`).toBe(count);
      expect(t.v.length).toBe(count + (count % 2));
      for (let i = 0; i < count; i++) {
        const v = a * Math.sinh(i * dx);
        const w = (i === 0 ? 0.5 : 1) * 2 * dx * a * Math.cosh(i * dx) * Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI);
        expect(Math.abs(t.v[i] - v)).toBeLessThanOrEqual(4e-16 * v);
        expect(Math.abs(t.w[i] - w)).toBeLessThanOrEqual(1e-15 * w);
      }
      if (count % 2 === 1) {
        expect(t.v[count]).toBe(t.v[count - 1]);
        expect(t.w[count]).toBe(0);
      }
      // The rule covers v up to 8 and no further than one step past it.
      expect(t.v[count - 1]).toBeGreaterThanOrEqual(8);
      expect(a * Math.sinh((count - 2) * dx)).toBeLessThan(8);
    }
    expect(nodeTable(5)).toBe(nodeTable(5, PREVIEW_STEP));
    expect(nodeTable(5, 0.1)).not.toBe(nodeTable(5, 0.1));
  });
});
