/**
 * The exact paths with the options of issue 15 have the law of the dense reference (as
 * test/engine/paths.test.ts does without them): teachers with a prescribed κ (docs/spec.md §10) and the
 * auxiliary-confidence loss (§11) with either threshold, composed with label noise, soft labels and
 * Student-t data. Two-sample Kolmogorov–Smirnov tests of (cos, norm, agreement) after a few steps,
 * fixed seeds; negative controls show the tests see the options.
 */
import { describe, expect, it } from 'vitest';
import { finalValues, runAll } from '../helpers/experiment';
import { ksTwoSample } from '../helpers/twoSample';

const RUNS = 1200;

type Path = 'reduced' | 'projected' | 'dense';

function small(path: Path, sft: Record<string, unknown> = {}, data: Record<string, unknown> = {}, teachers: Record<string, unknown> = {}, runs = RUNS) {
  return {
    seed: path === 'dense' ? 31 : 32,
    data: { d: 6, ...data },
    beta: 2,
    student: { accuracy: 0.75, norm: 1.5 },
    teachers: { count: runs, accuracy: 0.65, ...teachers },
    sft: { batchSize: 16, steps: 5, learningRates: [0.8], ceiling: false, ...sft },
    engine: { path },
  };
}

function pValues(a: ReturnType<typeof runAll>, b: ReturnType<typeof runAll>): number[] {
  return (['cos', 'norm', 'agreement'] as const).map((m) => ksTwoSample(finalValues(a.outcomes, m), finalValues(b.outcomes, m)).p);
}

const adaptive = { loss: { kind: 'auxConfidence', alpha: 0.7, warmup: 0.2, threshold: 'adaptive' } };
const fixed = { loss: { kind: 'auxConfidence', alpha: 0.7, warmup: 0, threshold: 'fixed', ramp: 'reference-code' } };

describe('reduced path vs dense reference, with the new options', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>][] = [
    ['κ = 0.6', {}, {}, { kappa: 0.6 }],
    ['κ = −0.8 with soft labels', { softLabels: { beta: 3 } }, {}, { kappa: -0.8 }],
    ['aux-confidence, adaptive τ (the fast loop)', adaptive, {}, {}],
    ['aux-confidence, adaptive τ, B = 400 (the band)', { ...adaptive, batchSize: 400 }, {}, {}],
    ['aux-confidence, fixed τ, reference-code ramp', fixed, {}, {}],
    ['aux-confidence with label noise', { ...adaptive, labelNoise: 0.2 }, {}, {}],
    ['aux-confidence with soft labels', { ...adaptive, softLabels: { beta: 3 } }, {}, {}],
    ['aux-confidence on Student-t data (ν = 5), with κ = 0.3', fixed, { law: 'student-t', nu: 5 }, { kappa: 0.3 }],
  ];
  for (const [name, sft, data, teachers] of cases) {
    it(name, () => {
      const p = pValues(runAll(small('reduced', sft, data, teachers)), runAll(small('dense', sft, data, teachers)));
      for (const x of p) expect(x).toBeGreaterThan(0.001);
    });
  }

  it('has the power to see κ, the auxiliary loss and its threshold (negative controls)', () => {
    const dense = runAll(small('dense'));
    expect(Math.min(...pValues(runAll(small('reduced', {}, {}, { kappa: 0.6 })), dense))).toBeLessThan(1e-6);
    expect(Math.min(...pValues(runAll(small('reduced', adaptive)), dense))).toBeLessThan(1e-6);
    // The threshold too: the adaptive τ against τ = 0 on the dense path (measured min p 5·10⁻⁷).
    const fixedDense = runAll(small('dense', { loss: { ...adaptive.loss, threshold: 'fixed' } }));
    expect(Math.min(...pValues(runAll(small('reduced', adaptive)), fixedDense))).toBeLessThan(1e-4);
  });
});

describe('projected path vs dense reference, with the new options', () => {
  // As test/engine/paths.test.ts: a shared seed (w*, the student) and disjoint teachers per path.
  const spectrum = [3, 1, 0.5, 0.2, 2, 0.7];
  const anisotropic = (path: 'projected' | 'dense', sft: Record<string, unknown>, teachers: Record<string, unknown>) =>
    runAll(
      { ...small(path, sft, { spectrum }, teachers, 2 * RUNS), seed: 5 },
      (key) => (path === 'projected' ? key.teacher < RUNS : key.teacher >= RUNS),
    );
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['κ = 0.5 (whitened coordinates)', {}, { kappa: 0.5 }],
    ['aux-confidence, adaptive τ', adaptive, {}],
    ['aux-confidence, fixed τ, label noise, κ = −0.4', { ...fixed, labelNoise: 0.15 }, { kappa: -0.4 }],
  ];
  for (const [name, sft, teachers] of cases) {
    it(name, () => {
      const p = pValues(anisotropic('projected', sft, teachers), anisotropic('dense', sft, teachers));
      for (const x of p) expect(x).toBeGreaterThan(0.001);
    });
  }
});
