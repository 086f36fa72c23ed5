/**
 * Population gradient and flow (docs/spec.md §5) and the theory of docs/spec.md §6, each against an independent
 * computation: Monte Carlo, a vector computation of T1/T2, and the initial slope of SGD.
 */
import { describe, expect, it } from 'vitest';
import { fillNormal } from '../../src/engine/distributions';
import { ExperimentContext } from '../../src/engine/experiment';
import { runKeys } from '../../src/engine/grid';
import { kFunction, populationFlow, populationGradient } from '../../src/engine/flow';
import { Rng } from '../../src/engine/rng';
import { SftRun } from '../../src/engine/run';
import { validateSpec } from '../../src/engine/spec';
import { theory } from '../../src/engine/theory';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** k(γ) = E[σ(γz) z] by Simpson's rule on a very fine grid in z: a second, independent quadrature. */
function kReference(gamma: number): number {
  const n = 400_000;
  const a = -14;
  const h = 28 / n;
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const z = a + i * h;
    const f = (z / (1 + Math.exp(-gamma * z))) * INV_SQRT_2PI * Math.exp(-0.5 * z * z);
    sum += f * (i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2);
  }
  return (sum * h) / 3;
}

describe('k(γ) = E[σ(γz) z]', () => {
  it('matches an independent quadrature from γ = 0.01 to 50', () => {
    for (const gamma of [0.01, 0.3, 1, 1.7, 5, 20, 50]) {
      expect(Math.abs(kFunction(gamma) - kReference(gamma))).toBeLessThan(1e-9);
    }
  });

  it('equals the full-line rule it replaced (h = 0.02 on [−12, 12] or [−min(40, 12γ), …]) within 1e-12', () => {
    const sigmoidPrime = (t: number) => {
      const s = t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
      return s * (1 - s);
    };
    const fullLine = (gamma: number) => {
      const h = 0.02;
      let sum = 0;
      if (gamma <= 1) {
        for (let z = -12; z <= 12 + 1e-9; z += h) sum += gamma * sigmoidPrime(gamma * z) * INV_SQRT_2PI * Math.exp(-0.5 * z * z);
      } else {
        const half = Math.min(40, 12 * gamma);
        const steps = Math.ceil((2 * half) / h);
        for (let i = 0; i <= steps; i++) {
          const u = (-half + i * h) / gamma;
          sum += sigmoidPrime(-half + i * h) * INV_SQRT_2PI * Math.exp(-0.5 * u * u);
        }
      }
      return sum * h;
    };
    let worst = 0;
    for (let i = 0; i <= 400; i++) {
      const gamma = Math.pow(10, -4 + (9 * i) / 400); // 1e-4 … 1e5
      worst = Math.max(worst, Math.abs(kFunction(gamma) - fullLine(gamma)));
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('has the limits γ/4 at 0 and 1/√(2π) at ∞', () => {
    expect(kFunction(1e-5) / (1e-5 / 4)).toBeCloseTo(1, 8);
    expect(Math.abs(kFunction(1e5) - INV_SQRT_2PI)).toBeLessThan(1e-8);
    expect(kFunction(0)).toBe(0);
  });
});

describe('population gradient', () => {
  it('equals the Monte Carlo mean of β (σ(β<w,x>) − y) x within 5 standard errors', () => {
    const d = 4;
    const beta = 1.5;
    const w = Float64Array.from([0.8, -0.5, 0.3, 0.2]);
    const teacher = Float64Array.from([0.6, 0.6, 0, Math.sqrt(1 - 0.72)]);
    const n = 400_000;
    const rng = new Rng([7, 8, 9, 10]);
    const x = new Float64Array(d);
    const sum = new Float64Array(d);
    const sumSq = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      fillNormal(rng, x);
      let m = 0;
      let t = 0;
      for (let j = 0; j < d; j++) {
        m += w[j] * x[j];
        t += teacher[j] * x[j];
      }
      const c = beta * (1 / (1 + Math.exp(-beta * m)) - (t > 0 ? 1 : 0));
      for (let j = 0; j < d; j++) {
        sum[j] += c * x[j];
        sumSq[j] += c * c * x[j] * x[j];
      }
    }
    const exact = populationGradient(w, teacher, beta, new Float64Array(d));
    for (let j = 0; j < d; j++) {
      const mean = sum[j] / n;
      const se = Math.sqrt((sumSq[j] / n - mean * mean) / n);
      expect(Math.abs(mean - exact[j])).toBeLessThan(5 * se);
    }
  });
});

describe('theory (docs/spec.md §6)', () => {
  /** T1 and T2 from their vector definitions, with u = −∇L in an explicit 3-D frame. */
  function vectorTerms(c0: number, r: number, cT: number, kappa: number, beta: number) {
    const s0 = Math.sqrt(1 - c0 * c0);
    const sT = Math.sqrt(1 - cT * cT);
    const w = Float64Array.from([r * c0, r * s0, 0]);
    const teacher = Float64Array.from([cT, sT * kappa, sT * Math.sqrt(1 - kappa * kappa)]);
    const u = populationGradient(w, teacher, beta, new Float64Array(3)).map((g) => -g);
    const norm = Math.hypot(w[0], w[1], w[2]);
    const a = w[0];
    const wPerp = [0, w[1], w[2]];
    const uPerp = [0, u[1], u[2]];
    const perp2 = wPerp[1] ** 2 + wPerp[2] ** 2;
    const T1 = (u[0] * perp2) / norm ** 3;
    const T2 = (-a * (wPerp[1] * uPerp[1] + wPerp[2] * uPerp[2])) / norm ** 3;
    return { T1, T2 };
  }

  it('T1 and T2 match their vector definitions and sum to the closed-form rate', () => {
    for (const [c0, r, cT, kappa, beta] of [
      [0.809, 1, 0.5878, 0.1, 1],
      [0.809, 10, 0.5878, -0.3, 1],
      [0.5, 0.3, 0.9, 0.7, 2],
      [0.95, 3, 0.2, 0.9, 0.5],
    ]) {
      const t = theory({ studentCos: c0, studentNorm: r, teacherCos: cT, kappa, beta });
      const v = vectorTerms(c0, r, cT, kappa, beta);
      expect(t.T1).toBeCloseTo(v.T1, 12);
      expect(t.T2).toBeCloseTo(v.T2, 12);
      expect(t.T1 + t.T2).toBeCloseTo(t.rate, 12);
    }
  });

  it('condition 2 decides the sign of the rate at the threshold κ = tanθ/tanθ_T', () => {
    const base = { studentCos: 0.9, studentNorm: 2, teacherCos: 0.7, beta: 1 };
    const threshold = theory({ ...base, kappa: 0 }).conditions.kappaThreshold;
    const below = theory({ ...base, kappa: threshold - 1e-3 });
    const above = theory({ ...base, kappa: threshold + 1e-3 });
    expect(below.conditions.errorsNotTooAligned && below.improves).toBe(true);
    expect(above.conditions.errorsNotTooAligned || above.improves).toBe(false);
    expect(theory({ ...base, teacherCos: -0.1, kappa: 0 }).conditions.teacherBeatsChance).toBe(false);
  });

  it("the closed-form rate is SGD's initial slope with a large batch and a small learning rate", () => {
    const spec = validateSpec({
      seed: 3,
      student: { accuracy: 0.8, norm: [1, 4] },
      teachers: { count: 4, accuracy: 0.7 },
      sft: { batchSize: 1_000_000, steps: 1, learningRates: [0.001], ceiling: false },
    });
    const context = new ExperimentContext(spec);
    for (const key of runKeys(spec)) {
      const run = SftRun.start(context, key).complete();
      const { studentCos, studentNorm, teacherCos, kappa } = run.descriptor;
      const rate = theory({ studentCos, studentNorm, teacherCos, kappa, beta: 1 }).rate;
      // One step of η = 0.001: the O(η) discretisation error and the O(1/√B) noise are both well under 1 %.
      const slope = (run.series.cos[1] - run.series.cos[0]) / 0.001;
      expect(Math.abs(slope - rate)).toBeLessThan(0.02 * Math.abs(rate));
    }
  });
});

describe('population flow', () => {
  it('is the B → ∞ limit of SFT: the mean SGD trajectory follows it', () => {
    const spec = validateSpec({
      seed: 4,
      data: { d: 20 },
      student: { accuracy: 0.8, norm: 1 },
      teachers: { count: 1, accuracy: 0.7 },
      sft: { batchSize: 100_000, steps: 40, learningRates: [0.3], ceiling: false },
      engine: { path: 'projected' },
    });
    const context = new ExperimentContext(spec);
    const key = { cell: 0, teacher: 0, lr: 0 };
    const run = SftRun.start(context, key).complete();
    const init = context.explicitInit(key);
    const flow = populationFlow({
      student: init.student,
      teacherDirection: init.teacher,
      groundTruth: context.groundTruth(),
      spectrum: null,
      beta: 1,
      learningRate: 0.3,
      steps: 40,
      recordEvery: 1,
    });
    for (const t of [1, 10, 40]) {
      expect(Math.abs(run.series.cos[t] - flow.cos[t])).toBeLessThan(3e-3);
      expect(Math.abs(run.series.norm[t] - flow.norm[t])).toBeLessThan(3e-3 * flow.norm[t]);
    }
    // The flow itself shows the weak-to-strong gain, then drifts towards the teacher.
    expect(Math.max(...flow.cos.slice(1))).toBeGreaterThan(flow.cos[0]);
  });
});
