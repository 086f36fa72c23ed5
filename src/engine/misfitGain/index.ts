/**
 * The misfit–gain setup's entry points (docs/random-features.md §7): configuration, context, run keys,
 * one run from (configuration, seed, key), and the summary — per weak teacher the point (misfit, gain)
 * in population and after SGD at the early-stopped step, for the gain-against-misfit figure with its
 * y = x line.
 */
import { CEILING, type RunKey } from '../grid';
import { selectLearningRate } from '../selection';
import { type MisfitGainConfig, validateMisfitGainConfig } from './config';
import { MisfitGainContext } from './context';
import { type MisfitGainCheckpoint, type MisfitGainDescriptor, MisfitGainRun, type MisfitGainSeries } from './run';

export { MisfitGainConfigSchema, parseMisfitGainConfig, validateMisfitGainConfig, type MisfitGainConfig } from './config';
export { MisfitGainContext, sgdStep, type PopulationPoint, type WeakTeacher } from './context';
export { MisfitGainRun, type MisfitGainCheckpoint, type MisfitGainDescriptor, type MisfitGainSeries } from './run';
export { Projector, randomSubspace } from './linalg';

/** Every run in a fixed order: teacher (ceiling first), then learning rate; one cell. */
export function misfitGainRunKeys(config: MisfitGainConfig): RunKey[] {
  const keys: RunKey[] = [];
  for (let teacher = config.sft.ceiling ? CEILING : 0; teacher < config.teachers.count; teacher++) {
    for (let lr = 0; lr < config.sft.learningRates.length; lr++) keys.push({ cell: 0, teacher, lr });
  }
  return keys;
}

export interface MisfitGainResult {
  readonly status: MisfitGainRun['status'];
  readonly descriptor: MisfitGainDescriptor;
  readonly series: MisfitGainSeries;
  readonly checkpoint: MisfitGainCheckpoint;
}

/** One run to its end, from (configuration or raw JSON, seed, key), or from a checkpoint. */
export function runMisfitGain(
  input: MisfitGainConfig | unknown,
  seed: number,
  key: RunKey,
  options: { context?: MisfitGainContext; resume?: { checkpoint: MisfitGainCheckpoint; series: Partial<MisfitGainSeries> } } = {},
): MisfitGainResult {
  const context = options.context ?? new MisfitGainContext(validateMisfitGainConfig(input), seed);
  if (context.seed !== seed) throw new RangeError(`runMisfitGain: the context was built for seed ${context.seed}, not ${seed}`);
  const run = options.resume === undefined ? MisfitGainRun.start(context, key) : MisfitGainRun.resume(context, key, options.resume.checkpoint, options.resume.series);
  run.complete();
  return { status: run.status, descriptor: run.descriptor, series: run.recordedSeries(), checkpoint: run.checkpoint() };
}

export interface MisfitGainOutcome {
  readonly key: RunKey;
  readonly descriptor: MisfitGainDescriptor;
  readonly series: MisfitGainSeries;
}

export interface MisfitGainPoint {
  readonly teacher: number;
  readonly weakError: number;
  readonly population: { misfit: number; gain: number };
  /** After SGD, at the step and learning rate the early-stopping rule picks; null when none recorded past step 0. */
  readonly sgd: { misfit: number; gain: number; step: number; learningRate: number } | null;
}

export interface MisfitGainSummary {
  readonly points: MisfitGainPoint[];
  /** Mean over teachers of |gain − misfit|: 0 on the line. */
  readonly populationOffLine: number;
  readonly sgdOffLine: number;
  /** Fraction of teachers whose SGD point has gain ≥ misfit. */
  readonly fractionAboveLine: number;
  readonly targetOutside: number;
}

/**
 * The figure's points. Early stopping reads, as selection.ts's columns: 'oracle' the gain (the
 * smallest true error), 'teacher' −misfit, 'validation' −(validation error).
 */
export function summarizeMisfitGain(config: MisfitGainConfig, outcomes: readonly MisfitGainOutcome[]): MisfitGainSummary {
  const negate = (x: Float64Array | undefined) => (x === undefined ? undefined : x.map((v) => -v));
  const byTeacher = new Map<number, MisfitGainOutcome[]>();
  for (const o of outcomes) if (o.key.teacher !== CEILING) byTeacher.set(o.key.teacher, [...(byTeacher.get(o.key.teacher) ?? []), o]);
  const points: MisfitGainPoint[] = [...byTeacher].sort((a, b) => a[0] - b[0]).map(([teacher, runs]) => {
    const best = selectLearningRate(runs.map((o) => ({ lr: o.key.lr, outcome: o, series: { cos: o.series.gain, agreement: negate(o.series.misfit) as Float64Array, validation: negate(o.series.validation) } })), config.sft.earlyStopping);
    const d = runs[0].descriptor;
    const s = best?.run.outcome.series;
    const i = best?.selection.index ?? -1;
    return {
      teacher,
      weakError: d.weakError,
      population: { misfit: d.population.misfit, gain: d.population.gain },
      sgd: s === undefined || best === null ? null : { misfit: s.misfit[i], gain: s.gain[i], step: s.step[i], learningRate: config.sft.learningRates[best.run.lr] },
    };
  });
  const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
  const sgd = points.flatMap((p) => (p.sgd === null ? [] : [p.sgd]));
  return {
    points,
    populationOffLine: mean(points.map((p) => Math.abs(p.population.gain - p.population.misfit))),
    sgdOffLine: mean(sgd.map((p) => Math.abs(p.gain - p.misfit))),
    fractionAboveLine: sgd.length === 0 ? 0 : sgd.filter((p) => p.gain >= p.misfit).length / sgd.length,
    targetOutside: outcomes[0]?.descriptor.targetOutside ?? NaN,
  };
}
