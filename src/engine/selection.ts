/**
 * Early stopping and the learning-rate sweep (docs/spec.md §7): the one rule that picks, per
 * teacher, the step and the learning rate the paper reports. The summary, the chart builders and
 * the exporter all call it, so a live dashboard, a figure file and the stored summary agree.
 */
import type { RunSeries } from './run';
import type { ExperimentSpec } from './spec';

export type EarlyStopping = ExperimentSpec['sft']['earlyStopping'];

/** What a rule reads of a run: the true cosine, the teacher agreement, the validation accuracy. */
export type CriterionSeries = Pick<RunSeries, 'cos' | 'agreement' | 'validation'>;

export interface Selection {
  /** Index into the recorded series (≥ 1), or -1 when nothing past step 0 was recorded. */
  readonly index: number;
  /** The early-stopping criterion's value there. */
  readonly score: number;
}

/** The column a rule reads, or undefined when the run did not record it. */
export function criterionOf(series: CriterionSeries, rule: EarlyStopping): ArrayLike<number> | undefined {
  const column = rule === 'oracle' ? series.cos : rule === 'teacher' ? series.agreement : series.validation;
  return column !== undefined && column.length > 0 ? column : undefined;
}

/**
 * The step a rule picks: the first maximum over recorded steps t ≥ 1 of its criterion. A rule
 * whose column was not recorded (e.g. an old or partial bundle) reads the true cosine instead.
 */
export function selectStep(series: CriterionSeries, rule: EarlyStopping): Selection {
  const criterion = criterionOf(series, rule) ?? series.cos;
  let index = -1;
  let score = -Infinity;
  for (let i = 1; i < criterion.length; i++) {
    if (criterion[i] > score) {
      score = criterion[i];
      index = i;
    }
  }
  return { index, score };
}

/** One learning rate's run of a teacher: its index in the sweep and its recorded series. */
export interface SweepRun {
  readonly lr: number;
  readonly series: CriterionSeries;
}

/**
 * Among one teacher's runs (one per learning rate), the run whose early-stopped criterion is
 * highest, the lowest learning-rate index winning ties; null when no run recorded a step past 0.
 */
export function selectLearningRate<T extends SweepRun>(runs: readonly T[], rule: EarlyStopping): { run: T; selection: Selection } | null {
  let best: { run: T; selection: Selection } | null = null;
  for (const run of [...runs].sort((a, b) => a.lr - b.lr)) {
    const selection = selectStep(run.series, rule);
    if (selection.index < 0) continue;
    if (best === null || selection.score > best.selection.score) best = { run, selection };
  }
  return best;
}
