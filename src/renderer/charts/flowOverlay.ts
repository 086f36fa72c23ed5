/**
 * The population gradient flow (SPEC §5) next to SGD: per teacher, the Euler flow at that teacher's
 * selected learning rate in the 3-D frame its descriptor fixes, averaged over a cell's teachers.
 * Only exact for isotropic Gaussian data with hard, noise-free teacher labels.
 */
import type { RunDescriptor } from '../../engine/experiment';
import { populationFlow } from '../../engine/flow';
import type { ExperimentSpec } from '../../engine/spec';
import type { SelectedTeacher } from './data';
import type { Metric } from './types';

/** Whether the population flow describes this experiment's SFT. */
export function flowApplies(spec: ExperimentSpec): boolean {
  return spec.data.law === 'gaussian' && spec.data.spectrum === 'isotropic' && spec.sft.softLabels === false && spec.sft.labelNoise === 0;
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

/** Mean over the teachers (with descriptors) of their flows' metric; null when none has a descriptor. */
export function cellFlow(spec: ExperimentSpec, teachers: SelectedTeacher[], metric: Metric): { step: Float64Array; y: Float64Array } | null {
  let step: number[] | null = null;
  let sum: Float64Array | null = null;
  let n = 0;
  for (const t of teachers) {
    if (t.descriptor === null) continue;
    const f = teacherFlow(spec, t.descriptor, t.learningRate, metric);
    step ??= f.step;
    sum ??= new Float64Array(f.y.length);
    for (let i = 0; i < sum.length; i++) sum[i] += f.y[i];
    n++;
  }
  if (step === null || sum === null) return null;
  return { step: Float64Array.from(step), y: sum.map((v) => v / n) };
}
