/**
 * The preview path's draws in law (docs/preview.md §1, §6): from one state, the batch sums a step
 * draws, (S1, S2, Q), have mean Bμ and covariance BC, with μ and C the per-sample moments of
 * previewMoments.ts (themselves checked against 2-D quadrature in previewMoments.test.ts). The
 * exact reduced path's sums, a sum of B i.i.d. samples, have exactly the same mean and covariance,
 * so the same test also holds the moments to the exact chain. The sums are read back from one step
 * of the public kernel (test/helpers/batchSums.ts), 10⁵ draws per state; each estimate is compared
 * with its target by its own standard error. The same test rejects an inflated covariance and a
 * decorrelated one (the sums' pairing broken, margins kept): it sees every covariance term.
 */
import { describe, expect, it } from 'vitest';
import { sampleMoments } from '../../src/engine/sft/previewMoments';
import type { ReducedState } from '../../src/engine/sft/reduced';
import { validateSpec } from '../../src/engine/spec';
import { decorrelated, type MomentEstimate, stepFrame, stepSums, sumMoments } from '../helpers/batchSums';
import { report } from '../helpers/stats';

const DRAWS = 100_000;
/** |z| under the null: 9 moments × 2 paths × 4 states, each |z| > 4.5 with probability 7e-6. */
const ACCEPT = 4.5;
/** What a negative control must reach: far beyond chance. */
const REJECT = 10;

interface LawCase {
  readonly name: string;
  readonly batchSize: number;
  readonly beta: number;
  /** ‖w‖, cos(w, w*) and κ = cos(w⊥, w_T⊥) of the state: (α, b, ρ) = r (c, s κ, s √(1 − κ²)). */
  readonly norm: number;
  readonly cos: number;
  readonly kappa: number;
  readonly sft?: Record<string, unknown>;
  /** Draws per path (10⁵ unless a preview step is slow: soft labels cost a 2-D integral a step). */
  readonly draws?: number;
}

const CASES: LawCase[] = [
  { name: 'B = 100, hard labels, ‖w‖ = 3 near the teacher', batchSize: 100, beta: 1, norm: 3, cos: 0.8, kappa: 0.9 },
  { name: 'B = 100, label noise 0.1, an 80 % student of norm 1', batchSize: 100, beta: 1, norm: 1, cos: Math.cos(0.2 * Math.PI), kappa: 0.3, sft: { labelNoise: 0.1 } },
  { name: 'B = 100, soft labels β_T = 4', batchSize: 100, beta: 1, norm: 2, cos: 0.7, kappa: 0.5, sft: { softLabels: { beta: 4 } }, draws: 10_000 },
  { name: "B = 1 000, β = 2", batchSize: 1000, beta: 2, norm: 1, cos: 0.6, kappa: 0, draws: 30_000 },
];

const TEACHER_COS = Math.cos(0.3 * Math.PI); // 70 % teachers

function specOf(c: LawCase, path: 'reduced' | 'preview') {
  return validateSpec({
    seed: 71 + CASES.indexOf(c),
    beta: c.beta,
    data: { d: 3 },
    teachers: { count: 1, accuracy: 0.7 },
    sft: { batchSize: c.batchSize, steps: 1, learningRates: [0.01], ceiling: false, ...c.sft },
    engine: { path },
  });
}

function stateOf(c: LawCase): ReducedState {
  const s = Math.sqrt(1 - c.cos * c.cos);
  return { alpha: c.norm * c.cos, b: c.norm * s * c.kappa, rho: c.norm * s * Math.sqrt(1 - c.kappa * c.kappa) };
}

/** B·(μ, C) of the state, from the moments the preview path draws with. */
function targetOf(c: LawCase): Float64Array {
  const spec = specOf(c, 'preview');
  const { norm, p, q } = stepFrame(stateOf(c), TEACHER_COS);
  const soft = spec.sft.softLabels;
  const out = new Float64Array(9);
  sampleMoments(spec.beta, norm, p, q, { labelNoise: spec.sft.labelNoise, softLambda: soft === false ? null : (soft.beta * spec.teachers.norm) / 2 }, out);
  return out.map((x) => c.batchSize * x);
}

const zScores = (estimates: MomentEstimate[], target: Float64Array) => estimates.map((e, j) => ({ name: e.name, z: (e.estimate - target[j]) / e.se }));

describe('the preview path draws the batch sums from N(Bμ, BC)', () => {
  for (const c of CASES) {
    it(`${c.name}: mean and covariance of ${c.draws ?? DRAWS} draws on both paths, each within ${ACCEPT} standard errors of B·(μ, C)`, () => {
      const target = targetOf(c);
      for (const path of ['preview', 'reduced'] as const) {
        const z = zScores(sumMoments(stepSums(specOf(c, path), stateOf(c), c.draws ?? DRAWS)), target);
        report(`${c.name}, ${path}`, z.map((x) => `${x.name} ${x.z.toFixed(2)}`).join(', '));
        for (const { name, z: value } of z) expect(Math.abs(value), `${path}: ${name}, z = ${value}`).toBeLessThan(ACCEPT);
      }
    });
  }

  describe('the same test rejects a wrong covariance (negative controls)', () => {
    const c = CASES[0];
    const target = targetOf(c);
    const preview = stepSums(specOf(c, 'preview'), stateOf(c), DRAWS);
    const zOf = (draws: typeof preview) => Object.fromEntries(zScores(sumMoments(draws), target).map((x) => [x.name, x.z]));

    it('the covariance inflated 1.5×: every variance and covariance of S1 and S2 is rejected, the means are not', () => {
      const z = zOf(stepSums(specOf(c, 'preview'), stateOf(c), DRAWS, 1.5));
      report('inflated 1.5×', JSON.stringify(z));
      for (const name of ['Var S1', 'Var S2', 'Cov(S1, S2)']) expect(Math.abs(z[name]), name).toBeGreaterThan(REJECT);
      for (const name of ['E S1', 'E S2', 'E Q']) expect(Math.abs(z[name]), name).toBeLessThan(ACCEPT);
    });

    it('Q decorrelated from S1 and S2 (ρ = 0.9 and −0.9 here): both covariances with Q are rejected', () => {
      const z = zOf(decorrelated(preview, 'g3', 5));
      report('Q decorrelated', JSON.stringify(z));
      expect(Math.abs(z['Cov(S1, Q)'])).toBeGreaterThan(REJECT);
      expect(Math.abs(z['Cov(S2, Q)'])).toBeGreaterThan(REJECT);
    });

    it('S2 decorrelated from S1: their covariance is rejected', () => {
      const z = zOf(decorrelated(preview, 's2', 6));
      report('S2 decorrelated', JSON.stringify(z));
      expect(Math.abs(z['Cov(S1, S2)'])).toBeGreaterThan(REJECT);
    });
  });
});
