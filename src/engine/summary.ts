/**
 * From runs to the numbers a paper reports (docs/spec.md §2, §7): per teacher the learning rate and step
 * chosen by the early-stopping rule, the gain gain = cos(w_t*, w*) − cos(w_0, w*) (t* ≥ 1, so a run
 * that only hurts shows a negative gain), PGR against the ground-truth ceiling, and across teachers
 * the fraction improved, mean and std of the gain and the mean ± std trajectory.
 */
import { CEILING, type Cell, type RunDescriptor, type RunKey } from './grid';
import { cellRateIndex, type RateGain, rateGains } from './cellRate';
import type { RunSeries, RunStatus } from './run';
import { type Selection, selectLearningRate } from './selection';
import type { ExperimentSpec } from './spec';

/** What the summary needs of a finished (or diverged, or partial) run. */
export interface RunOutcome {
  readonly key: RunKey;
  readonly status: RunStatus | 'failed' | 'cancelled';
  readonly descriptor: RunDescriptor;
  readonly series: RunSeries;
}

export type { EarlyStopping, Selection } from './selection';
export { selectStep } from './selection';

export interface TeacherSummary {
  readonly teacher: number;
  readonly cos: number;
  readonly accuracy: number;
  readonly kappa: number;
  readonly bestLearningRate: number | null;
  /** Index of bestLearningRate in spec.sft.learningRates. */
  readonly bestLrIndex: number | null;
  readonly bestStep: number | null;
  /** cos(w_t*, w*) at the selected step. */
  readonly peakCos: number | null;
  readonly peakAccuracy: number | null;
  /** In cosine; null when no run of this teacher recorded a step past 0. */
  readonly gain: number | null;
  /** In accuracy (fraction) points. */
  readonly gainAccuracy: number | null;
  /** (acc_w2s − acc_teacher) / (acc_ceiling − acc_teacher), when the denominator is positive. */
  readonly pgr: number | null;
}

export interface Trajectory {
  readonly step: number[];
  /** Per metric: mean and standard deviation across teachers at each recorded step, and n. */
  readonly metrics: Record<'inner' | 'norm' | 'cos' | 'accuracy', { mean: number[]; std: number[] }>;
  readonly n: number[];
}

export interface CellSummary {
  readonly cell: number;
  readonly norm: number | null;
  readonly teacherAccuracy: number | null;
  /** The cell's prescribed κ (docs/spec.md §10); absent when the spec sets none. */
  readonly kappa?: number;
  readonly initial: { cos: number; accuracy: number; norm: number };
  readonly ceiling: { accuracy: number; bestLearningRate: number; bestStep: number } | null;
  readonly teachers: TeacherSummary[];
  readonly fractionImproved: number;
  readonly gainMean: number;
  readonly gainStd: number;
  readonly gainAccuracyMean: number;
  readonly pgrMean: number | null;
  readonly trajectory: Trajectory;
  /**
   * Per learning rate, the mean early-stopped gain over the cell's teachers (cellRate.ts), and the
   * index of the highest: the cell's learning rate, at which its trajectories are drawn. Absent
   * from summaries stored before it existed (readers then work it out from the series).
   */
  readonly learningRates?: RateGain[];
  readonly cellLrIndex?: number | null;
}

function meanStd(values: number[]): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, std: 0 };
  const ss = values.reduce((a, b) => a + (b - mean) * (b - mean), 0);
  return { mean, std: Math.sqrt(ss / (n - 1)) };
}

interface Choice {
  readonly outcome: RunOutcome;
  readonly selection: Selection;
}

/** Among one teacher's learning rates, the run the early-stopping rule selects (selection.ts). */
function bestOf(outcomes: RunOutcome[], rule: ExperimentSpec['sft']['earlyStopping']): Choice | null {
  const best = selectLearningRate(outcomes.map((outcome) => ({ lr: outcome.key.lr, series: outcome.series, outcome })), rule);
  return best === null ? null : { outcome: best.run.outcome, selection: best.selection };
}

/** Mean ± std across teachers of each metric of the selected runs, step by step. */
function trajectoryOf(choices: Choice[]): Trajectory {
  const length = Math.max(0, ...choices.map((c) => c.outcome.series.step.length));
  const longest = choices.find((c) => c.outcome.series.step.length === length);
  const step = longest === undefined ? [] : Array.from(longest.outcome.series.step);
  const names = ['inner', 'norm', 'cos', 'accuracy'] as const;
  const metrics = {} as Trajectory['metrics'];
  const n: number[] = [];
  for (const name of names) metrics[name] = { mean: [], std: [] };
  for (let i = 0; i < length; i++) {
    const present = choices.filter((c) => c.outcome.series.step.length > i);
    n.push(present.length);
    for (const name of names) {
      const { mean, std } = meanStd(present.map((c) => c.outcome.series[name][i]));
      metrics[name].mean.push(mean);
      metrics[name].std.push(std);
    }
  }
  return { step, metrics, n };
}

/** Summaries of one cell from its runs (any order; missing runs are left out). */
export function summarizeCell(spec: ExperimentSpec, cell: Cell, outcomes: RunOutcome[]): CellSummary {
  const rule = spec.sft.earlyStopping;
  const lrs = spec.sft.learningRates;
  const byTeacher = new Map<number, RunOutcome[]>();
  for (const o of outcomes) {
    if (o.key.cell !== cell.index) continue;
    const list = byTeacher.get(o.key.teacher) ?? [];
    list.push(o);
    byTeacher.set(o.key.teacher, list);
  }

  const ceilingChoice = bestOf(byTeacher.get(CEILING) ?? [], rule);
  const ceiling =
    ceilingChoice === null
      ? null
      : {
          accuracy: ceilingChoice.outcome.series.accuracy[ceilingChoice.selection.index],
          bestLearningRate: lrs[ceilingChoice.outcome.key.lr],
          bestStep: ceilingChoice.outcome.series.step[ceilingChoice.selection.index],
        };

  const teachers: TeacherSummary[] = [];
  const choices: Choice[] = [];
  let initial: CellSummary['initial'] | null = null;
  const teacherIndices = [...byTeacher.keys()].filter((t) => t !== CEILING).sort((a, b) => a - b);
  for (const teacher of teacherIndices) {
    const runs = byTeacher.get(teacher) as RunOutcome[];
    const d = runs[0].descriptor;
    initial ??= { cos: d.studentCos, accuracy: d.studentAccuracy, norm: d.studentNorm };
    const choice = bestOf(runs, rule);
    if (choice === null) {
      teachers.push({
        teacher, cos: d.teacherCos, accuracy: d.teacherAccuracy, kappa: d.kappa,
        bestLearningRate: null, bestLrIndex: null, bestStep: null, peakCos: null, peakAccuracy: null, gain: null, gainAccuracy: null, pgr: null,
      });
      continue;
    }
    choices.push(choice);
    const s = choice.outcome.series;
    const i = choice.selection.index;
    const peakAccuracy = s.accuracy[i];
    const denominator = ceiling === null ? 0 : ceiling.accuracy - d.teacherAccuracy;
    teachers.push({
      teacher,
      cos: d.teacherCos,
      accuracy: d.teacherAccuracy,
      kappa: d.kappa,
      bestLearningRate: lrs[choice.outcome.key.lr],
      bestLrIndex: choice.outcome.key.lr,
      bestStep: s.step[i],
      peakCos: s.cos[i],
      peakAccuracy,
      gain: s.cos[i] - s.cos[0],
      gainAccuracy: peakAccuracy - s.accuracy[0],
      pgr: denominator > 1e-9 ? (peakAccuracy - d.teacherAccuracy) / denominator : null,
    });
  }

  const gains = teachers.flatMap((t) => (t.gain === null ? [] : [t.gain]));
  const gainsAccuracy = teachers.flatMap((t) => (t.gainAccuracy === null ? [] : [t.gainAccuracy]));
  const pgrs = teachers.flatMap((t) => (t.pgr === null ? [] : [t.pgr]));
  const gainStats = meanStd(gains);
  const teacherRuns = teacherIndices.flatMap((t) => (byTeacher.get(t) as RunOutcome[]).map((o) => ({ lr: o.key.lr, series: o.series })));
  const learningRates = rateGains(teacherRuns, rule, lrs.length);
  return {
    cell: cell.index,
    norm: cell.norm,
    teacherAccuracy: cell.teacherAccuracy,
    ...(cell.kappa === null || cell.kappa === undefined ? {} : { kappa: cell.kappa }),
    initial: initial ?? { cos: NaN, accuracy: NaN, norm: NaN },
    ceiling,
    teachers,
    fractionImproved: gains.length === 0 ? NaN : gains.filter((g) => g > 0).length / gains.length,
    gainMean: gainStats.mean,
    gainStd: gainStats.std,
    gainAccuracyMean: meanStd(gainsAccuracy).mean,
    pgrMean: pgrs.length === 0 ? null : meanStd(pgrs).mean,
    trajectory: trajectoryOf(choices),
    learningRates,
    cellLrIndex: cellRateIndex(learningRates),
  };
}

/** The summary of a whole experiment: every cell, and the top-level view of docs/spec.md §7. */
export interface ExperimentSummary {
  readonly spec: ExperimentSpec;
  readonly path: string;
  /** Cell 0's student (the only one unless student.norm lists several). */
  readonly initial: CellSummary['initial'];
  /** Every teacher of every cell, with its cell's norm and teacher accuracy. */
  readonly teachers: (TeacherSummary & { cell: number; norm: number | null; teacherAccuracy: number | null })[];
  readonly fractionImproved: number;
  readonly gainMean: number;
  readonly gainStd: number;
  /** Cell 0's mean ± std trajectory when there is one cell; per cell in `cells` otherwise. */
  readonly trajectory: Trajectory | null;
  readonly cells: CellSummary[];
  readonly runs: { total: number; done: number; diverged: number; failed: number; cancelled: number };
}

export function summarizeExperiment(spec: ExperimentSpec, path: string, cells: Cell[], outcomes: RunOutcome[]): ExperimentSummary {
  const summaries = cells.map((cell) => summarizeCell(spec, cell, outcomes));
  const teachers = summaries.flatMap((c) =>
    c.teachers.map((t) => ({ ...t, cell: c.cell, norm: c.norm, teacherAccuracy: c.teacherAccuracy })),
  );
  const gains = teachers.flatMap((t) => (t.gain === null ? [] : [t.gain]));
  const stats = meanStd(gains);
  const count = (status: RunOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  return {
    spec,
    path,
    initial: summaries[0].initial,
    teachers,
    fractionImproved: gains.length === 0 ? NaN : gains.filter((g) => g > 0).length / gains.length,
    gainMean: stats.mean,
    gainStd: stats.std,
    trajectory: summaries.length === 1 ? summaries[0].trajectory : null,
    cells: summaries,
    runs: { total: outcomes.length, done: count('done'), diverged: count('diverged'), failed: count('failed'), cancelled: count('cancelled') },
  };
}
