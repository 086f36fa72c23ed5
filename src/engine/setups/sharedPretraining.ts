/**
 * Shared pretraining (docs/spec.md §7, Fig. 3): student and teachers are trained on ground-truth labels
 * from random inits; each teacher sees a strict subset of the student's data (the first
 * `teacherPoints` of the student's `studentPoints`) and fewer steps. Defaults (docs/design.md): init
 * N(0, 0.1² I), full-batch gradient descent with learning rate 0.1, student 25 steps on 5 000
 * points, teachers 10 steps on 1 000: about 80 % and 63 % at d = 100, β = 1.
 */
import { fillNormal } from '../distributions';
import { type DataLaw, sampleRows } from '../laws';
import { Rng, StreamKind } from '../rng';
import { sigmoid } from '../sigmoid';
import type { ExperimentSpec } from '../spec';

export interface PretrainData {
  readonly points: Float64Array;
  /** Ground-truth labels 1{<w*, x> > 0}. */
  readonly labels: Float64Array;
  readonly d: number;
}

/** The student's pretraining set, drawn once per experiment. */
export function makePretrainData(spec: ExperimentSpec, law: DataLaw, groundTruth: Float64Array): PretrainData {
  const n = spec.pretrain.studentPoints;
  const d = spec.data.d;
  const points = new Float64Array(n * d);
  sampleRows(law, Rng.stream(spec.seed, StreamKind.pretrainData), points, n, d);
  const labels = new Float64Array(n);
  for (let i = 0, o = 0; i < n; i++, o += d) {
    let m = 0;
    for (let j = 0; j < d; j++) m += points[o + j] * groundTruth[j];
    labels[i] = m > 0 ? 1 : 0;
  }
  return { points, labels, d };
}

/**
 * Full-batch gradient descent on the logistic loss of the first `rows` points:
 * w ← w − η (1/n) Σ β (σ(β <w, x_i>) − y_i) x_i, `steps` times.
 */
export function gradientDescent(
  data: PretrainData,
  rows: number,
  w: Float64Array,
  beta: number,
  learningRate: number,
  steps: number,
): Float64Array {
  const { points, labels, d } = data;
  const gradient = new Float64Array(d);
  for (let s = 0; s < steps; s++) {
    gradient.fill(0);
    for (let i = 0, o = 0; i < rows; i++, o += d) {
      let m = 0;
      for (let j = 0; j < d; j++) m += points[o + j] * w[j];
      const c = beta * (sigmoid(beta * m) - labels[i]);
      for (let j = 0; j < d; j++) gradient[j] += c * points[o + j];
    }
    const k = learningRate / rows;
    for (let j = 0; j < d; j++) w[j] -= k * gradient[j];
  }
  return w;
}

function randomInit(rng: Rng, d: number, std: number): Float64Array {
  const w = new Float64Array(d);
  fillNormal(rng, w);
  for (let j = 0; j < d; j++) w[j] *= std;
  return w;
}

/** The pretrained student (original coordinates). */
export function pretrainStudent(spec: ExperimentSpec, data: PretrainData): Float64Array {
  const p = spec.pretrain;
  const w = randomInit(Rng.stream(spec.seed, StreamKind.student), data.d, p.initStd);
  return gradientDescent(data, p.studentPoints, w, spec.beta, p.learningRate, p.studentSteps);
}

/** Teacher j: its own init, trained on the first `teacherPoints` of the student's data. */
export function pretrainTeacher(spec: ExperimentSpec, data: PretrainData, teacher: number): Float64Array {
  const p = spec.pretrain;
  const w = randomInit(Rng.stream(spec.seed, StreamKind.teacher, teacher), data.d, p.initStd);
  return gradientDescent(data, p.teacherPoints, w, spec.beta, p.learningRate, p.teacherSteps);
}
