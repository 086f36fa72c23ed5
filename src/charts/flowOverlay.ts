/**
 * The population gradient flow (docs/spec.md §5) next to SGD: per teacher, the Euler flow at that teacher's
 * selected learning rate in the 3-D frame its descriptor fixes, averaged over a cell's teachers.
 * Only exact for isotropic Gaussian data with hard, noise-free teacher labels.
 */
import type { RunDescriptor } from '../engine/grid';
import { kFunction, populationFlow } from '../engine/flow';
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
/** Per interval i, the cubic's coefficients (c0 + f(c1 + f(c2 + f·c3)) at f ∈ [0, 1)): 4 doubles each, made once. */
let kCubic: Float64Array | null = null;

function kCoefficients(): Float64Array {
  const table = Float64Array.from({ length: K_INTERVALS + 1 }, (_, i) => (i === 0 ? 0 : i === K_INTERVALS ? kFunction(Infinity) : kFunction(i / (K_INTERVALS - i))));
  const cubic = new Float64Array(4 * K_INTERVALS);
  for (let i = 0; i < K_INTERVALS; i++) {
    const p1 = table[i];
    const p2 = table[i + 1];
    // Past the ends, extrapolate linearly so the spline stays third order there too.
    const p3 = i + 2 <= K_INTERVALS ? table[i + 2] : 2 * p2 - p1;
    const p0 = i === 0 ? 2 * p1 - p2 : table[i - 1];
    // Catmull–Rom: p1 + f/2·(p2 − p0 + f(2p0 − 5p1 + 4p2 − p3 + f(3(p1 − p2) + p3 − p0))).
    cubic.set([p1, 0.5 * (p2 - p0), 0.5 * (2 * p0 - 5 * p1 + 4 * p2 - p3), 0.5 * (3 * (p1 - p2) + p3 - p0)], 4 * i);
  }
  return cubic;
}

/**
 * k(γ) from a table of the engine's kFunction (built once, on a page's first drawing) and a cubic
 * spline in γ/(1 + γ), its coefficients stored per interval: this runs once per teacher per step
 * (Figure 2's dashboard: 2 × 10⁶ times).
 */
export function kTabulated(gamma: number): number {
  if (!(gamma > 0)) return 0;
  const cubic = (kCubic ??= kCoefficients());
  const s = (gamma === Infinity ? 1 : gamma / (1 + gamma)) * K_INTERVALS;
  const i = s >= K_INTERVALS ? K_INTERVALS - 1 : Math.floor(s);
  const f = s - i;
  const at = 4 * i;
  return cubic[at] + f * (cubic[at + 1] + f * (cubic[at + 2] + f * cubic[at + 3]));
}

/** The flow's recorded steps and every metric along it. */
export type FlowMetrics = { step: number[] } & Record<Metric, number[]>;

/**
 * populationFlow's Euler iteration w ← w − η β (k(β‖w‖) ŵ − ŵ_T/√(2π)) in the 3-D frame, with the
 * tabulated k: the same recorded steps and metrics, ~1 000× faster. It records ⟨w, w*⟩ and ‖w‖;
 * the cosine and the accuracy follow from them (a panelled figure draws three metrics, from one pass).
 */
function flowPath(spec: ExperimentSpec, d: RunDescriptor, learningRate: number): { step: Float64Array; inner: Float64Array; norm: Float64Array } {
  const { student, teacherDirection: u } = flowFrame(d);
  let v0 = student[0];
  let v1 = student[1];
  let v2 = student[2];
  const beta = spec.beta;
  const { steps, recordEvery } = spec.sft;
  const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
  // Recorded at 0, every recordEvery steps and the last: preallocated (2 000 teachers × 1 000 steps for Figure 2).
  const count = Math.floor(steps / recordEvery) + 1 + (steps % recordEvery === 0 ? 0 : 1);
  const out = { step: new Float64Array(count), inner: new Float64Array(count), norm: new Float64Array(count) };
  // Math.sqrt of the sum, not Math.hypot: hypot is several times slower in V8, and this runs ~10⁶
  // times. Plain loops and no closures: Figure 2 draws 2 000 teachers' flows on one page.
  out.step[0] = 0;
  out.inner[0] = v0;
  out.norm[0] = Math.sqrt(v0 * v0 + v1 * v1 + v2 * v2);
  let n = 1;
  // The three coordinates as locals, updated in the order the loop over j did (the same values).
  const scale = learningRate * beta;
  const [u0, u1, u2] = [u[0] * INV_SQRT_2PI, u[1] * INV_SQRT_2PI, u[2] * INV_SQRT_2PI];
  let untilRecord = recordEvery;
  for (let t = 1; t <= steps; t++) {
    const norm = Math.sqrt(v0 * v0 + v1 * v1 + v2 * v2);
    const k = kTabulated(beta * norm);
    v0 -= scale * ((norm > 0 ? (k * v0) / norm : 0) - u0);
    v1 -= scale * ((norm > 0 ? (k * v1) / norm : 0) - u1);
    v2 -= scale * ((norm > 0 ? (k * v2) / norm : 0) - u2);
    // A record every recordEvery steps (t % recordEvery === 0, counted down) and at the last.
    if (--untilRecord === 0 || t === steps) {
      untilRecord = recordEvery;
      out.step[n] = t;
      out.inner[n] = v0;
      out.norm[n] = Math.sqrt(v0 * v0 + v1 * v1 + v2 * v2);
      n++;
    }
  }
  return out;
}

/** A metric along a flow path: cos = ⟨w, w*⟩/‖w‖ (0 at w = 0), accuracy = 1 − arccos(cos)/π. */
function flowMetric(p: { inner: Float64Array; norm: Float64Array }, metric: Metric): Float64Array {
  if (metric === 'inner' || metric === 'norm') return p[metric];
  // Loops, not Float64Array.map with a closure (several times slower in V8 at 2 000 × 1 000 points).
  const out = new Float64Array(p.inner.length);
  for (let i = 0; i < out.length; i++) out[i] = p.norm[i] > 0 ? p.inner[i] / p.norm[i] : 0;
  if (metric === 'accuracy') for (let i = 0; i < out.length; i++) out[i] = accuracyFromCos(out[i]);
  return out;
}

/** Every metric of the flow of one teacher at one learning rate. */
export function fastTeacherFlows(spec: ExperimentSpec, d: RunDescriptor, learningRate: number): FlowMetrics {
  const p = flowPath(spec, d, learningRate);
  return { step: Array.from(p.step), inner: Array.from(p.inner), norm: Array.from(p.norm), cos: Array.from(flowMetric(p, 'cos')), accuracy: Array.from(flowMetric(p, 'accuracy')) };
}

/** One metric of fastTeacherFlows. */
export function fastTeacherFlow(spec: ExperimentSpec, d: RunDescriptor, learningRate: number, metric: Metric): { step: number[]; y: number[] } {
  const p = flowPath(spec, d, learningRate);
  return { step: Array.from(p.step), y: Array.from(flowMetric(p, metric)) };
}

/** Each teacher's flow at its own learning rate: its recorded steps and one metric (the caller averages them on its clock). */
export function cellFlowLines(spec: ExperimentSpec, teachers: readonly { readonly descriptor: RunDescriptor; readonly learningRate: number }[], metric: Metric): { step: Float64Array; y: Float64Array }[] {
  return teachers.map((t) => {
    const f = flowPath(spec, t.descriptor, t.learningRate);
    return { step: f.step, y: flowMetric(f, metric) };
  });
}

/** Mean over the teachers (with descriptors) of their flows' metrics; null when none has a descriptor. */
export function cellFlows(spec: ExperimentSpec, teachers: SelectedTeacher[], metrics: readonly Metric[]): { step: Float64Array; y: Partial<Record<Metric, Float64Array>> } | null {
  let step: Float64Array | null = null;
  const sums: Partial<Record<Metric, Float64Array>> = {};
  let n = 0;
  for (const t of teachers) {
    if (t.descriptor === null) continue;
    const f = flowPath(spec, t.descriptor, t.learningRate);
    step ??= f.step;
    for (const m of metrics) {
      const sum = (sums[m] ??= new Float64Array(f.step.length));
      const y = flowMetric(f, m);
      for (let i = 0; i < sum.length; i++) sum[i] += y[i];
    }
    n++;
  }
  if (step === null) return null;
  const y: Partial<Record<Metric, Float64Array>> = {};
  for (const m of metrics) y[m] = (sums[m] as Float64Array).map((v) => v / n);
  return { step, y };
}

/** Mean over the teachers (with descriptors) of their flows' metric; null when none has a descriptor. */
export function cellFlow(spec: ExperimentSpec, teachers: SelectedTeacher[], metric: Metric): { step: Float64Array; y: Float64Array } | null {
  const f = cellFlows(spec, teachers, [metric]);
  return f === null ? null : { step: f.step, y: f.y[metric] as Float64Array };
}
