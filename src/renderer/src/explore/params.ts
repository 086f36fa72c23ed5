/**
 * Explore mode's model (issue 14 part 4), pure: the sliders (a position on a range input ↔ a value,
 * log scales in steps of a tenth of a decade rounded to two digits), the preview experiment a set
 * of values describes, and the theory's input for them.
 */
import { cosFromAccuracy } from '../../../engine/accuracy';
import type { TheoryInput } from '../composables/useTheory';

/** About 20 teachers: enough for a mean and a band, few enough to answer within a second. */
export const EXPLORE_TEACHERS = 20;
/**
 * At most this many stored points per run: every step up to T = 1 000 (the peaks, which early
 * stopping picks, come within the first tens of steps), fewer for longer runs so that an
 * experiment's series stay about a megabyte and travel in a few tens of milliseconds.
 */
export const EXPLORE_POINTS = 1000;

export interface ExploreParams {
  readonly studentAccuracy: number;
  readonly studentNorm: number;
  readonly teacherAccuracy: number;
  /** κ = cos(w⊥, w_T⊥) of the drawn teachers (docs/spec.md §10); the spec's range is the open (−1, 1). */
  readonly kappa: number;
  readonly beta: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly steps: number;
  readonly seed: number;
}

export type SliderKey = Exclude<keyof ExploreParams, 'seed'>;

export interface SliderDef {
  readonly key: SliderKey;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly scale: 'linear' | 'log';
  /** Linear: the step between values. Log: positions per decade. */
  readonly step: number;
  readonly integer?: boolean;
  readonly hint: string;
}

export const SLIDERS: readonly SliderDef[] = [
  { key: 'studentAccuracy', label: 'Student accuracy', min: 0.55, max: 0.99, scale: 'linear', step: 0.01, hint: 'of the initial student w₀' },
  { key: 'studentNorm', label: '‖w₀‖', min: 0.1, max: 100, scale: 'log', step: 10, hint: 'initial norm of the student' },
  { key: 'teacherAccuracy', label: 'Teacher accuracy', min: 0.51, max: 1, scale: 'linear', step: 0.01, hint: 'every teacher’s' },
  { key: 'kappa', label: 'κ', min: -0.95, max: 0.95, scale: 'linear', step: 0.05, hint: 'cos(w⊥, w_T⊥): how the teacher’s errors align with the student’s' },
  { key: 'beta', label: 'β', min: 0.1, max: 10, scale: 'log', step: 10, hint: 'link sharpness' },
  { key: 'learningRate', label: 'Learning rate η', min: 0.001, max: 10, scale: 'log', step: 10, hint: 'one for every teacher' },
  { key: 'batchSize', label: 'Batch size B', min: 100, max: 100_000, scale: 'log', step: 10, integer: true, hint: 'the preview path needs B ≥ 100' },
  { key: 'steps', label: 'Steps T', min: 10, max: 10_000, scale: 'log', step: 10, integer: true, hint: 'SFT steps' },
];

/** The sliders shown: κ only once the engine's spec has it. */

export const DEFAULT_PARAMS: ExploreParams = {
  studentAccuracy: 0.8,
  studentNorm: 1,
  teacherAccuracy: 0.7,
  kappa: 0,
  beta: 1,
  learningRate: 0.1,
  batchSize: 10_000,
  steps: 1000,
  seed: 1,
};

const twoDigits = (x: number) => Number(x.toPrecision(2));

/** The last position of a slider (its range input's max; positions start at 0). */
export function lastPosition(def: SliderDef): number {
  return def.scale === 'log' ? Math.round(Math.log10(def.max / def.min) * def.step) : Math.round((def.max - def.min) / def.step);
}

/** The value at a position (clamped to the slider's range). */
export function valueAt(def: SliderDef, position: number): number {
  const p = Math.min(lastPosition(def), Math.max(0, Math.round(position)));
  if (def.scale === 'linear') return Number((def.min + p * def.step).toFixed(10));
  const v = twoDigits(def.min * Math.pow(10, p / def.step));
  return def.integer === true ? Math.round(v) : v;
}

/** The position whose value is nearest to `value` (on a log slider, nearest in ratio). */
export function positionOf(def: SliderDef, value: number): number {
  const raw = def.scale === 'log' ? Math.log10(value / def.min) * def.step : (value - def.min) / def.step;
  return Math.min(lastPosition(def), Math.max(0, Math.round(raw)));
}

/** Store a point every few steps so that a run keeps at most EXPLORE_POINTS (the last step is always kept). */
export const recordEveryFor = (steps: number): number => Math.max(1, Math.ceil(steps / EXPLORE_POINTS));

const pct = (x: number) => `${Number((100 * x).toFixed(1))} %`;

/** A name that says what was explored: 'Explore: student 80 %, ‖w₀‖ 1, teacher 70 %, β 1, η 0.1, B 10000, T 1000, seed 1'. */
export function exploreName(p: ExploreParams): string {
  const kappa = `, κ ${p.kappa}`;
  return `Explore: student ${pct(p.studentAccuracy)}, ‖w₀‖ ${p.studentNorm}, teacher ${pct(p.teacherAccuracy)}${kappa}, β ${p.beta}, η ${p.learningRate}, B ${p.batchSize}, T ${p.steps}, seed ${p.seed}`;
}

/** The preview experiment of a set of values: EXPLORE_TEACHERS random teachers at one learning rate, no ceiling run. */
export function exploreSpec(p: ExploreParams): Record<string, unknown> {
  return {
    name: exploreName(p),
    setup: 'random-teacher',
    seed: p.seed,
    data: { law: 'gaussian', d: 100 },
    beta: p.beta,
    student: { accuracy: p.studentAccuracy, norm: p.studentNorm },
    teachers: { count: EXPLORE_TEACHERS, accuracy: p.teacherAccuracy, kappa: p.kappa },
    sft: { batchSize: p.batchSize, steps: p.steps, learningRates: [p.learningRate], earlyStopping: 'oracle', ceiling: false, recordEvery: recordEveryFor(p.steps) },
    engine: { path: 'preview' },
  };
}

/** The theory's input for the values (κ = 0 while the spec has no κ: random teachers' κ is about 0). */
export function exploreTheoryInput(p: ExploreParams): TheoryInput {
  return {
    studentCos: cosFromAccuracy(p.studentAccuracy),
    studentNorm: p.studentNorm,
    teacherCos: cosFromAccuracy(p.teacherAccuracy),
    kappa: p.kappa,
    beta: p.beta,
  };
}

/** A slider's value as its readout shows it. */
export function formatValue(def: SliderDef, value: number): string {
  if (def.key === 'studentAccuracy' || def.key === 'teacherAccuracy') return pct(value);
  return def.integer === true ? value.toLocaleString('en-US') : String(value);
}
