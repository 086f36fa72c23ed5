/**
 * The random-features model against independent computations (docs/random-features.md §6):
 * - the scales s_σ against mpmath quadrature (test/fixtures/random-features.json);
 * - the features the engine stores, on 300 000 Gaussian test rows, against the ReLU closed forms:
 *   E φ_i = 0 (the centring b_i = ‖F_i‖/√(2πd)), E[φ_i φ_j] = s²(k(u_i, u_j) − b_i b_j) with the
 *   arc-cosine kernel k(u, v) = ‖u‖‖v‖(sin θ + (π − θ) cos θ)/2π, and E[φ_i x] = s u_i/2, where
 *   u_i = F_i/√d — each within 5 standard errors of its Monte Carlo estimate;
 * - the head's population gradient of the logistic loss, by the kernel SFT uses (headStep): at a = 0
 *   it is −β √(d/M) s ⟨u_i, w*⟩/(2√(2π)) (E[sign⟨w*, x⟩ relu⟨u, x⟩] = ⟨u, w*⟩/√(2π)), and its change
 *   at a small head a is (β²/4)(d/M) K a with K the closed-form E[φφᵀ] above (σ(t) = ½ + t/4 + O(t³)).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTIVATION, gaussianExpectation, RELU_SCALE, TANH_SCALE } from '../../../src/engine/randomFeatures/activation';
import { validateRandomFeaturesConfig } from '../../../src/engine/randomFeatures/config';
import { RandomFeaturesContext } from '../../../src/engine/randomFeatures/context';
import { type Kernels } from '../../../src/engine/randomFeatures/kernels';
import { WasmKernels } from '../../../src/engine/randomFeatures/wasmKernels';
import { report } from '../../helpers/stats';

const reference = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'random-features.json'), 'utf8')) as Record<string, number>;

/** Mean and standard error of a sample given by its values. */
function estimate(values: Float64Array): { mean: number; se: number } {
  let m = 0;
  for (const v of values) m += v;
  m /= values.length;
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  return { mean: m, se: Math.sqrt(ss / (values.length - 1) / values.length) };
}

/** The arc-cosine kernel of order 1: E[relu⟨u, x⟩ relu⟨v, x⟩] for x ~ N(0, I). */
function arcCosine(u: Float64Array, v: Float64Array): number {
  let uv = 0;
  let uu = 0;
  let vv = 0;
  for (let k = 0; k < u.length; k++) {
    uv += u[k] * v[k];
    uu += u[k] * u[k];
    vv += v[k] * v[k];
  }
  const nu = Math.sqrt(uu);
  const nv = Math.sqrt(vv);
  const c = Math.max(-1, Math.min(1, uv / (nu * nv)));
  const theta = Math.acos(c);
  return (nu * nv * (Math.sin(theta) + (Math.PI - theta) * c)) / (2 * Math.PI);
}

const N = 300_000;
const D = 6;
const M = 8;

function reluContext(rows: 'gaussian' | 'orthonormal' = 'gaussian', activation: 'relu' | 'tanh' = 'relu', m = M) {
  const config = validateRandomFeaturesConfig({
    data: { d: D },
    features: { activation, student: m, teacher: 2, rows },
    pretrain: { studentPoints: 10, teacherPoints: 5, studentSteps: 0, teacherSteps: 0 },
    evaluation: { testPoints: N },
    teachers: { count: 1 },
  });
  const context = new RandomFeaturesContext(config, 20_260_101);
  const dims = context.dims;
  const features = context.f64(context.persistent.testFeatures);
  const rowsView = context.f64(context.persistent.testRows);
  /** u_i = F_i/√d, the rows of the first layer. */
  const u = Array.from({ length: m }, (_, i) => Float64Array.from({ length: D }, (_, k) => context.student.firstLayer[k * dims.mpStudent + i]));
  return { context, features, rows: rowsView, u, mp: dims.mpStudent, dp: dims.dp };
}

describe('activation constants', () => {
  it('the scales match mpmath quadrature (relu by its closed form, tanh by the trapezoidal rule)', () => {
    expect(Math.abs(RELU_SCALE - reference.reluScale)).toBeLessThan(4 * Number.EPSILON * reference.reluScale);
    expect(Math.abs(TANH_SCALE - reference.tanhScale)).toBeLessThan(1e-14);
    expect(Math.abs(ACTIVATION.relu.centre(1) - reference.reluMean)).toBeLessThan(4 * Number.EPSILON);
    expect(RELU_SCALE).toBeCloseTo(1.71, 2);
    expect(TANH_SCALE).toBeCloseTo(1.59, 2);
  });

  it('the trapezoidal rule gives the normal moments (E g² = 1, E g⁴ = 3, E |g| = √(2/π))', () => {
    expect(gaussianExpectation((z) => z * z)).toBeCloseTo(1, 14);
    expect(gaussianExpectation((z) => z ** 4)).toBeCloseTo(3, 13);
    expect(gaussianExpectation(Math.abs)).toBeCloseTo(Math.sqrt(2 / Math.PI), 3);
  });
});

describe('ReLU features against their closed forms', () => {
  const { context, features, rows, u, mp, dp } = reluContext();
  const s = RELU_SCALE;
  const b = u.map((ui) => Math.hypot(...ui) / Math.sqrt(2 * Math.PI));

  it('are centred: E φ_i = 0, and b_i = ‖F_i‖/√(2πd)', () => {
    for (let i = 0; i < M; i++) {
      expect(context.student.centre[i]).toBeCloseTo(b[i], 15);
      const e = estimate(Float64Array.from({ length: N }, (_, r) => features[r * mp + i]));
      expect(Math.abs(e.mean)).toBeLessThan(5 * e.se);
    }
  });

  it('have the arc-cosine second moments E[φ_i φ_j] = s²(k(u_i, u_j) − b_i b_j)', () => {
    let worst = 0;
    for (let i = 0; i < M; i++) {
      for (let j = i; j < M; j++) {
        const e = estimate(Float64Array.from({ length: N }, (_, r) => features[r * mp + i] * features[r * mp + j]));
        const exact = s * s * (arcCosine(u[i], u[j]) - b[i] * b[j]);
        worst = Math.max(worst, Math.abs(e.mean - exact) / e.se);
        expect(Math.abs(e.mean - exact)).toBeLessThan(5 * e.se);
      }
    }
    report('ReLU second moments, worst |error| / SE', worst.toFixed(2));
  });

  it('have the linear part E[φ_i x] = s u_i / 2', () => {
    for (let i = 0; i < M; i++) {
      for (let k = 0; k < D; k++) {
        const e = estimate(Float64Array.from({ length: N }, (_, r) => features[r * mp + i] * rows[r * dp + k]));
        expect(Math.abs(e.mean - (s * u[i][k]) / 2)).toBeLessThan(5 * e.se);
      }
    }
  });

  /** The head gradient of the kernel SFT uses on all N rows with true labels: (1/N) Σ c_i φ_i, c = β(σ(βℓ) − y). */
  function headGradient(head: Float64Array, beta: number): { mean: Float64Array; se: Float64Array; coefficients: Float64Array } {
    const k = WasmKernels.create() as Kernels;
    const phi = 16;
    const headAt = phi + 8 * N * mp;
    const labels = headAt + 8 * mp;
    const gradient = labels + 8 * N;
    const coefficients = gradient + 8 * mp;
    const indices = coefficients + 8 * N;
    k.memory.reserve(indices + 4 * N);
    new Float64Array(k.memory.buffer, phi, N * mp).set(features.subarray(0, N * mp));
    new Float64Array(k.memory.buffer, headAt, mp).set(head);
    new Float64Array(k.memory.buffer, labels, N).set(context.testTruth);
    new Int32Array(k.memory.buffer, indices, N).set(Int32Array.from({ length: N }, (_, i) => i));
    k.headStep(phi, mp, indices, N, headAt, labels, beta, context.student.logitScale, gradient, coefficients);
    const g = new Float64Array(k.memory.buffer, gradient, mp);
    const c = Float64Array.from(new Float64Array(k.memory.buffer, coefficients, N));
    const se = Float64Array.from({ length: mp }, (_, i) => estimate(Float64Array.from({ length: N }, (_, r) => c[r] * features[r * mp + i])).se);
    return { mean: g.map((x) => x / N), se, coefficients: c };
  }

  it('give the head population gradient −β √(d/M) s ⟨u_i, w*⟩/(2√(2π)) at a = 0', () => {
    const beta = 1.5;
    const { mean, se } = headGradient(new Float64Array(mp), beta);
    const cm = context.student.logitScale;
    for (let i = 0; i < M; i++) {
      let uw = 0;
      for (let k = 0; k < D; k++) uw += u[i][k] * context.groundTruth[k];
      const exact = (-beta * s * uw) / (2 * Math.sqrt(2 * Math.PI));
      // The gradient of the loss is √(d/M)·(1/N) Σ c φ.
      expect(Math.abs(cm * mean[i] - cm * exact)).toBeLessThan(5 * cm * se[i]);
    }
  });

  it('change with a small head by (β²/4)(d/M) K a, K the closed-form E[φφᵀ]', () => {
    const beta = 1;
    const head = new Float64Array(mp);
    for (let i = 0; i < M; i++) head[i] = 0.02 * Math.cos(3 * i + 1);
    const at0 = headGradient(new Float64Array(mp), beta);
    const atA = headGradient(head, beta);
    const cm = context.student.logitScale;
    const K = (i: number, j: number) => s * s * (arcCosine(u[i], u[j]) - b[i] * b[j]);
    for (let i = 0; i < M; i++) {
      // Same rows and labels: the label terms cancel, the difference is (1/N) Σ β(σ(βℓ_r) − ½) φ_ir.
      const diff = Float64Array.from({ length: N }, (_, r) => (atA.coefficients[r] - at0.coefficients[r]) * features[r * mp + i]);
      const e = estimate(diff);
      let Ka = 0;
      for (let j = 0; j < M; j++) Ka += K(i, j) * head[j];
      const exact = (beta * beta * cm * Ka) / 4;
      // 5 standard errors, plus the cubic term of σ (relative (βℓ)²/12 < 1e-3 here).
      expect(Math.abs(e.mean - exact)).toBeLessThan(5 * e.se + 1e-3 * Math.abs(exact));
      expect(atA.mean[i] - at0.mean[i]).toBeCloseTo(e.mean, 12);
    }
  });
});

describe('unit variance', () => {
  for (const activation of ['relu', 'tanh'] as const) {
    it(`${activation} features of unit-norm rows have E φ² = 1 (orthonormal rows scaled by √d)`, () => {
      const { features, mp } = reluContext('orthonormal', activation, D);
      for (let i = 0; i < D; i++) {
        const e = estimate(Float64Array.from({ length: N }, (_, r) => features[r * mp + i] ** 2));
        expect(Math.abs(e.mean - 1)).toBeLessThan(5 * e.se);
      }
    });
  }
});
