/**
 * The per-batch sums of the exact paths (S1 = Σ c g1, S2 = Σ c g2, Q = Σ c²) have the expectations
 * that one-dimensional integrals give, for the fused hard-label kernel and the general loop alike:
 * E[c g1] = β (k(βW) − p/√(2π)), E[c g2] = −β q/√(2π), E[c²] = β² E[(σ(βWz) − Φ-weighted label)²].
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/rng';
import { accumulateBatch } from '../../src/engine/sft/batch';
import { sigmoid } from '../../src/engine/sigmoid';
import { erfc } from '../helpers/special';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const Phi = (x: number) => 0.5 * erfc(-x / Math.SQRT2);

/** ∫ f(z) φ(z) dz by Simpson's rule on [−12, 12]. */
function gaussianIntegral(f: (z: number) => number): number {
  const n = 24_000;
  const h = 24 / n;
  let s = 0;
  for (let i = 0; i <= n; i++) {
    const z = -12 + i * h;
    s += f(z) * INV_SQRT_2PI * Math.exp(-0.5 * z * z) * (i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2);
  }
  return (s * h) / 3;
}

function expectations(beta: number, norm: number, p: number, q: number) {
  const sig = (z: number) => sigmoid(beta * norm * z);
  const py = (z: number) => Phi((p * z) / q); // P(y = 1 | g1 = z)
  return {
    s1: beta * gaussianIntegral((z) => (sig(z) - py(z)) * z),
    s2: -beta * q * INV_SQRT_2PI,
    sq: beta * beta * gaussianIntegral((z) => sig(z) * sig(z) - 2 * sig(z) * py(z) + py(z)),
  };
}

function batchMeans(labels: { softBeta: null; teacherNorm: number; labelNoise: number }, beta: number, norm: number, p: number, q: number, B = 4000) {
  const batches = 400;
  const rng = new Rng([5, 6, 7, 8]);
  const scratch = new Float64Array(2 * B);
  const out = new Float64Array(3);
  const sums = [0, 0, 0];
  const squares = [0, 0, 0];
  for (let b = 0; b < batches; b++) {
    accumulateBatch(rng, scratch, B, beta, norm, p, q, labels, null, out);
    for (let k = 0; k < 3; k++) {
      const v = out[k] / B;
      sums[k] += v;
      squares[k] += v * v;
    }
  }
  return sums.map((s, k) => ({ mean: s / batches, se: Math.sqrt((squares[k] / batches - (s / batches) ** 2) / batches) }));
}

describe('batch sums', () => {
  for (const [beta, norm, p, B] of [
    [1, 1, 0.5, 4000],
    [2, 3, -0.3, 4000],
    [0.5, 10, 0.9, 4000],
    [1, 2, 0.2, 7], // odd and small: the last sample takes the deferred route
  ]) {
    const q = Math.sqrt(1 - p * p);
    it(`fused hard-label kernel: E[S1], E[S2], E[Q] per sample (β = ${beta}, ‖w‖ = ${norm}, p = ${p}, B = ${B})`, () => {
      const exact = expectations(beta, norm, p, q);
      const [s1, s2, sq] = batchMeans({ softBeta: null, teacherNorm: 1, labelNoise: 0 }, beta, norm, p, q, B);
      expect(Math.abs(s1.mean - exact.s1)).toBeLessThan(5 * s1.se);
      expect(Math.abs(s2.mean - exact.s2)).toBeLessThan(5 * s2.se);
      expect(Math.abs(sq.mean - exact.sq)).toBeLessThan(5 * sq.se);
    });
  }

  it('the general loop (label noise 0+) agrees: with noise ε, E[S2] = −β (1 − 2ε) q/√(2π)', () => {
    const beta = 1.5;
    const p = 0.4;
    const q = Math.sqrt(1 - p * p);
    const [, s2] = batchMeans({ softBeta: null, teacherNorm: 1, labelNoise: 0.25 }, beta, 2, p, q);
    expect(Math.abs(s2.mean + beta * 0.5 * q * INV_SQRT_2PI)).toBeLessThan(5 * s2.se);
  });
});
