/**
 * From the runs of a random-features experiment to what it reports (docs/random-features.md §4): per
 * teacher the learning rate and step chosen by the early-stopping rule (selection.ts: 'oracle' reads
 * the test accuracy, 'teacher' the agreement, 'validation' the validation accuracy), the accuracy gain
 * acc(t*) − acc(0) with its paired standard error, PGR against the ceiling; over teachers the
 * fraction improved and the mean gain; and the test set's standard error √(p(1 − p)/N).
 */
import { CEILING, type RunKey } from '../grid';
import type { RunStatus } from '../run';
import { selectLearningRate } from '../selection';
import type { RandomFeaturesConfig } from './config';
import type { RandomFeaturesDescriptor, RandomFeaturesSeries } from './run';

export interface RandomFeaturesOutcome {
  readonly key: RunKey;
  readonly status: RunStatus | 'failed' | 'cancelled';
  readonly descriptor: RandomFeaturesDescriptor;
  readonly series: RandomFeaturesSeries;
}

export interface RandomFeaturesTeacherSummary {
  readonly teacher: number;
  readonly teacherAccuracy: number;
  readonly bestLearningRate: number | null;
  readonly bestStep: number | null;
  readonly accuracy: number | null;
  /** acc(t*) − acc(0), in accuracy (fraction) points. */
  readonly gain: number | null;
  /** The gain's paired standard error on the N test rows, √((changed − gain²)/N). */
  readonly gainStandardError: number | null;
  readonly pgr: number | null;
}

export interface RandomFeaturesSummary {
  readonly studentAccuracy: number;
  readonly teachers: RandomFeaturesTeacherSummary[];
  readonly meanTeacherAccuracy: number;
  readonly ceiling: { accuracy: number; bestLearningRate: number; bestStep: number } | null;
  readonly fractionImproved: number;
  readonly gainMean: number;
  readonly gainStd: number;
  readonly evaluation: { testPoints: number; standardError: number };
}

/** The standard error √(p(1 − p)/N) of an accuracy p measured on N points. */
export function accuracyStandardError(p: number, n: number): number {
  return Math.sqrt((p * (1 - p)) / n);
}

/** The criterion columns selection.ts reads: the test accuracy stands where the linear setups have cos. */
function criterion(series: RandomFeaturesSeries) {
  return { cos: series.accuracy, agreement: series.agreement, validation: series.validation };
}

function mean(xs: number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function std(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

export function summarizeRandomFeatures(config: RandomFeaturesConfig, outcomes: readonly RandomFeaturesOutcome[]): RandomFeaturesSummary {
  const rule = config.sft.earlyStopping;
  const rates = config.sft.learningRates;
  const n = config.evaluation.testPoints;
  const byTeacher = new Map<number, RandomFeaturesOutcome[]>();
  for (const o of outcomes) byTeacher.set(o.key.teacher, [...(byTeacher.get(o.key.teacher) ?? []), o]);
  const pick = (runs: RandomFeaturesOutcome[]) => selectLearningRate(runs.map((o) => ({ lr: o.key.lr, series: criterion(o.series), outcome: o })), rule);
  const ceilingRuns = byTeacher.get(CEILING);
  const ceilingPick = ceilingRuns === undefined ? null : pick(ceilingRuns);
  const ceiling = ceilingPick === null ? null : {
    accuracy: ceilingPick.run.outcome.series.accuracy[ceilingPick.selection.index],
    bestLearningRate: rates[ceilingPick.run.lr],
    bestStep: ceilingPick.run.outcome.series.step[ceilingPick.selection.index],
  };
  const first = outcomes[0];
  const studentAccuracy = first === undefined ? NaN : first.descriptor.studentAccuracy;
  const teachers: RandomFeaturesTeacherSummary[] = [];
  for (const [teacher, runs] of [...byTeacher].sort((a, b) => a[0] - b[0])) {
    if (teacher === CEILING) continue;
    const teacherAccuracy = runs[0].descriptor.teacherAccuracy;
    const best = pick(runs);
    if (best === null) {
      teachers.push({ teacher, teacherAccuracy, bestLearningRate: null, bestStep: null, accuracy: null, gain: null, gainStandardError: null, pgr: null });
      continue;
    }
    const s = best.run.outcome.series;
    const i = best.selection.index;
    const gain = s.accuracy[i] - s.accuracy[0];
    const denominator = ceiling === null ? 0 : ceiling.accuracy - teacherAccuracy;
    teachers.push({
      teacher,
      teacherAccuracy,
      bestLearningRate: rates[best.run.lr],
      bestStep: s.step[i],
      accuracy: s.accuracy[i],
      gain,
      gainStandardError: Math.sqrt(Math.max(0, s.changed[i] - gain * gain) / n),
      pgr: denominator > 0 ? (s.accuracy[i] - teacherAccuracy) / denominator : null,
    });
  }
  const gains = teachers.flatMap((t) => (t.gain === null ? [] : [t.gain]));
  return {
    studentAccuracy,
    teachers,
    meanTeacherAccuracy: mean(teachers.map((t) => t.teacherAccuracy)),
    ceiling,
    fractionImproved: gains.length === 0 ? 0 : gains.filter((g) => g > 0).length / gains.length,
    gainMean: mean(gains),
    gainStd: std(gains),
    evaluation: { testPoints: n, standardError: accuracyStandardError(studentAccuracy, n) },
  };
}
