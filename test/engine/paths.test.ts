/**
 * The exact paths have the law of the dense reference (docs/spec.md §3–4): the joint randomness (teacher
 * draw and SGD noise) of many small runs gives the same distribution of (cos, norm) after k steps,
 * by two-sample Kolmogorov–Smirnov tests with a fixed seed. A negative control shows the test has
 * the power to see a wrong dimension.
 */
import { describe, expect, it } from 'vitest';
import { finalValues, runAll } from '../helpers/experiment';
import { ksTwoSample } from '../helpers/twoSample';

const RUNS = 1500;

function small(path: 'reduced' | 'projected' | 'dense', extra: Record<string, unknown> = {}, data: Record<string, unknown> = {}) {
  return {
    seed: path === 'dense' ? 11 : 12,
    data: { d: 6, ...data },
    beta: 2,
    student: { accuracy: 0.75, norm: 1.5 },
    teachers: { count: RUNS, accuracy: 0.65 },
    sft: { batchSize: 16, steps: 5, learningRates: [0.8], ceiling: false, ...extra },
    engine: { path },
  };
}

function compare(a: ReturnType<typeof runAll>, b: ReturnType<typeof runAll>) {
  return {
    cos: ksTwoSample(finalValues(a.outcomes, 'cos'), finalValues(b.outcomes, 'cos')),
    norm: ksTwoSample(finalValues(a.outcomes, 'norm'), finalValues(b.outcomes, 'norm')),
    agreement: ksTwoSample(finalValues(a.outcomes, 'agreement'), finalValues(b.outcomes, 'agreement')),
  };
}

describe('reduced path vs dense reference', () => {
  it('isotropic Gaussian, hard labels: same law of cos, norm and teacher agreement after 5 steps', () => {
    const r = compare(runAll(small('reduced')), runAll(small('dense')));
    expect(r.cos.p).toBeGreaterThan(0.001);
    expect(r.norm.p).toBeGreaterThan(0.001);
    expect(r.agreement.p).toBeGreaterThan(0.001);
  });

  it('soft labels and label noise', () => {
    const extra = { softLabels: { beta: 3 } };
    const r = compare(runAll(small('reduced', extra)), runAll(small('dense', extra)));
    expect(r.cos.p).toBeGreaterThan(0.001);
    expect(r.norm.p).toBeGreaterThan(0.001);
    const noisy = { labelNoise: 0.2 };
    const n = compare(runAll(small('reduced', noisy)), runAll(small('dense', noisy)));
    expect(n.cos.p).toBeGreaterThan(0.001);
    expect(n.norm.p).toBeGreaterThan(0.001);
  });

  it('multivariate Student-t (ν = 5): the scale-mixture reduction', () => {
    const data = { law: 'student-t', nu: 5 };
    const r = compare(runAll(small('reduced', {}, data)), runAll(small('dense', {}, data)));
    expect(r.cos.p).toBeGreaterThan(0.001);
    expect(r.norm.p).toBeGreaterThan(0.001);
  });

  it('has the power to reject a wrong dimension (negative control)', () => {
    const wrong = runAll(small('reduced', {}, { d: 12 }));
    const r = compare(wrong, runAll(small('dense')));
    expect(Math.min(r.cos.p, r.norm.p)).toBeLessThan(1e-6);
  });
});

describe('projected path vs dense reference', () => {
  // The law depends on where w* and the student sit relative to Σ's eigenvectors, so both paths
  // share the seed (hence w* and the student) and use disjoint teachers: teachers [0, N) on the
  // projected path, [N, 2N) on the dense one, each with its own SGD stream.
  const spectrum = [3, 1, 0.5, 0.2, 2, 0.7];
  const anisotropic = (path: 'projected' | 'dense', data: Record<string, unknown>) =>
    runAll(
      { ...small(path, {}, data), seed: 5, teachers: { count: 2 * RUNS, accuracy: 0.65 } },
      (key) => (path === 'projected' ? key.teacher < RUNS : key.teacher >= RUNS),
    );

  it('anisotropic Gaussian with a non-trivial spectrum', () => {
    const r = compare(anisotropic('projected', { spectrum }), anisotropic('dense', { spectrum }));
    expect(r.cos.p).toBeGreaterThan(0.001);
    expect(r.norm.p).toBeGreaterThan(0.001);
    expect(r.agreement.p).toBeGreaterThan(0.001);
  });

  it('anisotropic Student-t', () => {
    const data = { spectrum, law: 'student-t', nu: 4 };
    const r = compare(anisotropic('projected', data), anisotropic('dense', data));
    expect(r.cos.p).toBeGreaterThan(0.001);
    expect(r.norm.p).toBeGreaterThan(0.001);
  });

  it('has the power to reject the wrong spectrum (negative control)', () => {
    const r = compare(anisotropic('projected', { spectrum: [1, 1, 1, 1, 1, 1.5] }), anisotropic('dense', { spectrum }));
    expect(Math.min(r.cos.p, r.norm.p, r.agreement.p)).toBeLessThan(1e-6);
  });
});
