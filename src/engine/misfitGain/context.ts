/**
 * The misfit–gain setup (docs/random-features.md §7; Charikar, Pabbaraju & Shiragur 2024): linear
 * regression with x ~ N(0, Σ), Σ diagonal, and targets y = ⟨θ*, x⟩. The strong class is span(U_s),
 * each weak teacher's span(U_w) (random subspaces); the weak model is θ_w = P_w θ* (its population best
 * fit) or SGD on true targets; the strong student is fitted on θ_w's real-valued outputs, in
 * population θ_sw = P_s θ_w. With θ* ∈ span(U_s), θ_sw − θ* lies in span(U_s) and θ_w − θ_sw is
 * Σ-orthogonal to it, so ‖θ_w − θ*‖² = ‖θ_w − θ_sw‖² + ‖θ_sw − θ*‖²: gain = misfit. In general
 * gain − misfit = 2⟨θ − θ*, θ_w − θ⟩_Σ for any strong θ, which is −2⟨(I − P_s)θ_w, (I − P_s)θ*⟩_Σ at θ = θ_sw.
 */
import { fillNormal } from '../distributions';
import { CEILING } from '../grid';
import { Rng, StreamKind } from '../rng';
import type { MisfitGainConfig } from './config';
import { distanceSigma, innerSigma, Projector, randomSubspace } from './linalg';

/** This setup's own stream purpose (the weak model's SGD), apart from rng.ts's StreamKind (1–9). */
export const WEAK_FIT_STREAM = 35;

export function streamOf(seed: number, purpose: StreamKind | typeof WEAK_FIT_STREAM, ...indices: number[]): Rng {
  return Rng.stream(seed, purpose as number as StreamKind, ...indices);
}

/** The population values of a strong model θ against θ* and θ_w: error, misfit and gain. */
export interface PopulationPoint {
  /** ‖θ − θ*‖²_Σ. */
  readonly error: number;
  /** ‖θ − θ_w‖²_Σ. */
  readonly misfit: number;
  /** ‖θ_w − θ*‖²_Σ − ‖θ − θ*‖²_Σ. */
  readonly gain: number;
}

export interface WeakTeacher {
  /** The teacher's index, or CEILING (θ_w = θ*). */
  readonly index: number;
  readonly theta: Float64Array;
  /** ‖θ_w − θ*‖²_Σ. */
  readonly weakError: number;
  /** The strong population fit θ_sw = P_s θ_w. */
  readonly strongFit: Float64Array;
  readonly population: PopulationPoint;
}

/** The hyperparameters of an SGD fit on the squared loss (β/2)(⟨θ, x⟩ − y)². */
export interface SgdHyper {
  readonly beta: number;
  readonly learningRate: number;
  readonly batchSize: number;
}

/**
 * One SGD step of θ = U c on targets y = ⟨teacher, x⟩ with a fresh batch (B rows of d normals scaled
 * by √λ): c ← c − (η β / B) Σ_i (⟨c, Uᵀx_i⟩ − y_i) Uᵀx_i. `rows` holds B·d numbers of scratch.
 */
export function sgdStep(columns: readonly Float64Array[], lambdaRoot: Float64Array, teacher: Float64Array, c: Float64Array, rng: Rng, hyper: SgdHyper, rows: Float64Array): void {
  const d = lambdaRoot.length;
  const k = columns.length;
  const B = hyper.batchSize;
  fillNormal(rng, rows, B * d);
  const gradient = new Float64Array(k);
  const h = new Float64Array(k);
  for (let i = 0; i < B; i++) {
    const o = i * d;
    for (let m = 0; m < d; m++) rows[o + m] *= lambdaRoot[m];
    let y = 0;
    for (let m = 0; m < d; m++) y += teacher[m] * rows[o + m];
    let prediction = 0;
    for (let j = 0; j < k; j++) {
      const u = columns[j];
      let s = 0;
      for (let m = 0; m < d; m++) s += u[m] * rows[o + m];
      h[j] = s;
      prediction += c[j] * s;
    }
    const r = prediction - y;
    for (let j = 0; j < k; j++) gradient[j] += r * h[j];
  }
  const step = (hyper.learningRate * hyper.beta) / B;
  for (let j = 0; j < k; j++) c[j] -= step * gradient[j];
}

/** Teachers kept at once. */
const TEACHERS_KEPT = 16;

export class MisfitGainContext {
  /** The eigenvalues λ of Σ. */
  readonly lambda: Float64Array;
  readonly lambdaRoot: Float64Array;
  readonly strong: Projector;
  /** θ*, of unit Σ-norm. */
  readonly target: Float64Array;
  /** ‖θ* − P_s θ*‖²_Σ. */
  readonly targetOutside: number;
  /** Held-out rows and their true targets (early stopping 'validation'). */
  readonly validation: { rows: Float64Array; targets: Float64Array } | null;
  private readonly teachers = new Map<number, WeakTeacher>();

  constructor(
    readonly config: MisfitGainConfig,
    readonly seed: number,
  ) {
    const { d, spectrum } = config.data;
    this.lambda = spectrumOf(spectrum, d);
    this.lambdaRoot = this.lambda.map(Math.sqrt);
    this.strong = new Projector(randomSubspace(streamOf(seed, StreamKind.student), d, config.strong.dimension), this.lambda);
    this.target = this.drawTarget();
    this.targetOutside = distanceSigma(this.target, this.strong.project(this.target), this.lambda);
    if (config.sft.earlyStopping === 'validation') {
      const n = config.sft.validationSize;
      const rows = new Float64Array(n * d);
      fillNormal(streamOf(seed, StreamKind.validation), rows);
      const targets = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        for (let m = 0; m < d; m++) rows[i * d + m] *= this.lambdaRoot[m];
        targets[i] = innerSigmaRow(this.target, rows, i * d, d);
      }
      this.validation = { rows, targets };
    } else {
      this.validation = null;
    }
  }

  /** θ* = √(1 − o)·p/‖p‖_Σ + √o·q/‖q‖_Σ with p = P_s g, q = g − p, g ~ N(0, I): ‖θ*‖_Σ = 1, a fraction o outside. */
  private drawTarget(): Float64Array {
    const d = this.config.data.d;
    const o = this.config.target.outside;
    const g = new Float64Array(d);
    fillNormal(streamOf(this.seed, StreamKind.groundTruth), g);
    const p = this.strong.project(g);
    const normP = Math.sqrt(innerSigma(p, p, this.lambda));
    const out = new Float64Array(d);
    for (let m = 0; m < d; m++) out[m] = (Math.sqrt(1 - o) * p[m]) / normP;
    if (o > 0) {
      const q = g.map((x, m) => x - p[m]);
      const normQ = Math.sqrt(innerSigma(q, q, this.lambda));
      for (let m = 0; m < d; m++) out[m] += (Math.sqrt(o) * q[m]) / normQ;
    }
    return out;
  }

  /** The population values of a strong model θ against a teacher. */
  point(theta: ArrayLike<number>, teacher: Pick<WeakTeacher, 'theta' | 'weakError'>): PopulationPoint {
    const error = distanceSigma(theta, this.target, this.lambda);
    return { error, misfit: distanceSigma(theta, teacher.theta, this.lambda), gain: teacher.weakError - error };
  }

  /** Weak teacher j (or CEILING: θ_w = θ*), fitted on first use. */
  teacher(index: number): WeakTeacher {
    const kept = this.teachers.get(index);
    if (kept !== undefined) return kept;
    const theta = index === CEILING ? Float64Array.from(this.target) : this.fitWeak(index);
    const weakError = distanceSigma(theta, this.target, this.lambda);
    const strongFit = this.strong.project(theta);
    const teacher: WeakTeacher = { index, theta, weakError, strongFit, population: this.point(strongFit, { theta, weakError }) };
    this.teachers.set(index, teacher);
    if (this.teachers.size > TEACHERS_KEPT) this.teachers.delete(this.teachers.keys().next().value as number);
    return teacher;
  }

  /** θ_w in teacher j's own random subspace: P_w θ*, or SGD from 0 on true targets (stream weakFit, j). */
  private fitWeak(index: number): Float64Array {
    const { d } = this.config.data;
    const w = this.config.weak;
    const weak = new Projector(randomSubspace(streamOf(this.seed, StreamKind.teacher, index), d, w.dimension), this.lambda);
    if (w.fit === 'population') return weak.project(this.target);
    const c = new Float64Array(w.dimension);
    const rng = streamOf(this.seed, WEAK_FIT_STREAM, index);
    const rows = new Float64Array(w.batchSize * d);
    const hyper = { beta: this.config.beta, learningRate: w.learningRate, batchSize: w.batchSize };
    for (let t = 0; t < w.steps; t++) sgdStep(weak.columns, this.lambdaRoot, this.target, c, rng, hyper, rows);
    return weak.combine(c);
  }
}

function innerSigmaRow(theta: Float64Array, rows: Float64Array, offset: number, d: number): number {
  let s = 0;
  for (let m = 0; m < d; m++) s += theta[m] * rows[offset + m];
  return s;
}

/** The eigenvalues of Σ: ones, the list, or λ_i ∝ i^{−a} scaled to trace d (as the linear setups' power law). */
export function spectrumOf(spectrum: MisfitGainConfig['data']['spectrum'], d: number): Float64Array {
  if (spectrum === 'isotropic') return new Float64Array(d).fill(1);
  if (Array.isArray(spectrum)) return Float64Array.from(spectrum);
  const values = Float64Array.from({ length: d }, (_, i) => Math.pow(i + 1, -spectrum.powerLaw));
  const mean = values.reduce((a, b) => a + b, 0) / d;
  return values.map((x) => x / mean);
}
