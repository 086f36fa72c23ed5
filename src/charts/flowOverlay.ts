/**
 * The population gradient flow (docs/spec.md §5) next to SGD: per teacher, the Euler flow at that teacher's
 * selected learning rate in the 3-D frame its descriptor fixes, averaged over a cell's teachers.
 * Only exact for isotropic Gaussian data with hard, noise-free teacher labels.
 */
import type { RunDescriptor } from '../engine/experiment';
import { populationFlow } from '../engine/flow';
import { accuracyFromCos } from '../engine/accuracy';
import { type ExperimentSpec, lossOf } from '../engine/spec';
import type { SelectedTeacher } from './data';
import type { Metric } from './types';

/** Whether the population flow describes this experiment's SFT (cross-entropy: not the auxiliary-confidence loss, docs/spec.md §11). */
export function flowApplies(spec: ExperimentSpec): boolean {
  return spec.data.law === 'gaussian' && spec.data.spectrum === 'isotropic' && spec.sft.softLabels === false && spec.sft.labelNoise === 0 && lossOf(spec).kind === 'crossEntropy';
}

/**
 * The frame (e1 = w*): student w0 = r (c0 e1 + s0 e2), teacher direction cT e1 + sT (κ e2 + √(1−κ²) e3),
 * so cos(w0, w*) = c0, cos(w_T, w*) = cT and the errors ⊥ w* have cosine κ, as in the descriptor.
 */
export function flowFrame(d: RunDescriptor): { student: Float64Array; teacherDirection: Float64Array; groundTruth: Float64Array } {
  const c0 = d.studentCos;
  const s0 = Math.sqrt(Math.max(0, 1 - c0 * c0));
  const cT = d.teacherCos;
  const sT = Math.sqrt(Math.max(0, 1 - cT * cT));
  const k = Math.max(-1, Math.min(1, d.kappa));
  const r = d.studentNorm;
  return {
    student: Float64Array.of(r * c0, r * s0, 0),
    teacherDirection: Float64Array.of(cT, sT * k, sT * Math.sqrt(1 - k * k)),
    groundTruth: Float64Array.of(1, 0, 0),
  };
}

/** The flow's metric for one teacher, recorded at the spec's steps. */
export function teacherFlow(spec: ExperimentSpec, d: RunDescriptor, learningRate: number, metric: Metric): { step: number[]; y: number[] } {
  const f = populationFlow({
    ...flowFrame(d),
    spectrum: null,
    beta: spec.beta,
    learningRate,
    steps: spec.sft.steps,
    recordEvery: spec.sft.recordEvery,
  });
  return { step: f.step, y: f[metric] };
}

/**
 * k(γ) from a table over u = γ/(1+γ) ∈ [0, 1] with cubic (Catmull–Rom) interpolation: engine/flow's
 * quadrature costs ~10³ evaluations a call, and a figure needs one call per teacher per step
 * (700 teachers × 1 000 steps took a minute); the table is built once (~2 000 kQuadrature calls, ~10 ms) and agrees
 * with kFunction to ~2e-8 absolute over γ in [1e-4, 1e4] (k is analytic and smooth in u, with k → 1/√(2π) as u → 1).
 */
const K_INTERVALS = 2048;
let kTable: Float64Array | null = null;

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * k(γ) = γ E[σ'(γz)] by the same trapezoidal rule as engine/flow's kFunction, using that the
 * integrand is even (half the points) and a step of 0.1: the rule converges geometrically for this
 * analytic integrand, so it agrees with kFunction to ~1e-14 at a tenth of the cost — the table is
 * built in ~10 ms, which matters because it is built on each page's first drawing.
 */
export function kQuadrature(gamma: number): number {
  if (gamma === Infinity) return INV_SQRT_2PI;
  const h = 0.1;
  const sp = (t: number) => {
    const s = 1 / (1 + Math.exp(-t));
    return s * (1 - s);
  };
  let sum = 0;
  if (gamma <= 1) {
    // ∫ γ σ'(γz) φ(z) dz over z ∈ [−12, 12]
    sum = 0.5 * gamma * 0.25 * INV_SQRT_2PI;
    for (let i = 1; i * h <= 12 + 1e-9; i++) {
      const z = i * h;
      sum += gamma * sp(gamma * z) * INV_SQRT_2PI * Math.exp(-0.5 * z * z);
    }
  } else {
    // y = γz: ∫ σ'(y) φ(y/γ) dy over |y| ≤ min(40, 12γ)
    const half = Math.min(40, 12 * gamma);
    sum = 0.5 * 0.25 * INV_SQRT_2PI;
    for (let i = 1; i * h <= half + 1e-9; i++) {
      const y = i * h;
      const u = y / gamma;
      sum += sp(y) * INV_SQRT_2PI * Math.exp(-0.5 * u * u);
    }
  }
  return 2 * sum * h;
}

export function kTabulated(gamma: number): number {
  if (!(gamma > 0)) return 0;
  kTable ??= Float64Array.from({ length: K_INTERVALS + 1 }, (_, i) => (i === 0 ? 0 : i === K_INTERVALS ? kQuadrature(Infinity) : kQuadrature(i / (K_INTERVALS - i))));
  const t = gamma === Infinity ? 1 : gamma / (1 + gamma);
  const s = t * K_INTERVALS;
  const i = Math.min(K_INTERVALS - 1, Math.floor(s));
  const f = s - i;
  const p0 = kTable[Math.max(0, i - 1)];
  const p1 = kTable[i];
  const p2 = kTable[i + 1];
  // Past the ends, extrapolate linearly so the spline stays third order there too.
  const p3 = i + 2 <= K_INTERVALS ? kTable[i + 2] : 2 * p2 - p1;
  const q0 = i === 0 ? 2 * p1 - p2 : p0;
  return p1 + 0.5 * f * (p2 - q0 + f * (2 * q0 - 5 * p1 + 4 * p2 - p3 + f * (3 * (p1 - p2) + p3 - q0)));
}

/**
 * populationFlow's Euler iteration w ← w − η β (k(β‖w‖) ŵ − ŵ_T/√(2π)) in the 3-D frame, with the
 * tabulated k: the same recorded steps and metrics, ~1 000× faster.
 */
export function fastTeacherFlow(spec: ExperimentSpec, d: RunDescriptor, learningRate: number, metric: Metric): { step: number[]; y: number[] } {
  const { student, teacherDirection: u } = flowFrame(d);
  const v = Float64Array.from(student);
  const beta = spec.beta;
  const { steps, recordEvery } = spec.sft;
  const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
  const step: number[] = [];
  const y: number[] = [];
  // Math.sqrt of the sum, not Math.hypot: hypot is several times slower in V8, and this runs ~10⁶ times.
  const record = (t: number) => {
    const norm = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    const cos = norm > 0 ? v[0] / norm : 0;
    step.push(t);
    y.push(metric === 'inner' ? v[0] : metric === 'norm' ? norm : metric === 'cos' ? cos : accuracyFromCos(cos));
  };
  record(0);
  for (let t = 1; t <= steps; t++) {
    const norm = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    const k = kTabulated(beta * norm);
    for (let j = 0; j < 3; j++) v[j] -= learningRate * beta * ((norm > 0 ? (k * v[j]) / norm : 0) - u[j] * INV_SQRT_2PI);
    if (t % recordEvery === 0 || t === steps) record(t);
  }
  return { step, y };
}

/** Mean over the teachers (with descriptors) of their flows' metric; null when none has a descriptor. */
export function cellFlow(spec: ExperimentSpec, teachers: SelectedTeacher[], metric: Metric): { step: Float64Array; y: Float64Array } | null {
  let step: number[] | null = null;
  let sum: Float64Array | null = null;
  let n = 0;
  for (const t of teachers) {
    if (t.descriptor === null) continue;
    const f = fastTeacherFlow(spec, t.descriptor, t.learningRate, metric);
    step ??= f.step;
    sum ??= new Float64Array(f.y.length);
    for (let i = 0; i < sum.length; i++) sum[i] += f.y[i];
    n++;
  }
  if (step === null || sum === null) return null;
  return { step: Float64Array.from(step), y: sum.map((v) => v / n) };
}
