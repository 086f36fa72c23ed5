/**
 * From runs to the numbers a paper reports (docs/spec.md §2, §7): per teacher the learning rate and step
 * chosen by the early-stopping rule, the gain gain = cos(w_t*, w*) − cos(w_0, w*) (t* ≥ 1, so a run
 * that only hurts shows a negative gain), PGR against the ground-truth ceiling, and across teachers
 * the fraction improved, mean and std of the gain and the mean ± std trajectory.
 */
import type { RandomFeaturesSummary } from './randomFeatures/summary';
import { CEILING, type Cell, type RunDescriptor, type RunKey } from './grid';
import { cellRateIndex, type RateGain, RateGainSums } from './cellRate';
import type { RunSeries, RunStatus } from './run';
import { type CriterionSeries, type Selection, selectLearningRate } from './selection';
import { type Interval, meanInterval, wilsonInterval } from './intervals';
import type { ExperimentSpec } from './spec';
import { cellSpec, isSweep, REPLICATE } from './sweep';

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
  /** The cell's coordinates by spec path (grid.ts Cell.axes); absent from summaries stored before sweeps. */
  readonly axes?: Readonly<Record<string, number>>;
  readonly initial: { cos: number; accuracy: number; norm: number };
  readonly ceiling: { accuracy: number; bestLearningRate: number; bestStep: number } | null;
  readonly teachers: TeacherSummary[];
  readonly fractionImproved: number;
  readonly gainMean: number;
  readonly gainStd: number;
  readonly gainAccuracyMean: number;
  readonly pgrMean: number | null;
  /** 95 % intervals across the cell's teachers: the mean gain's (t) and the fraction improved's (Wilson). */
  readonly gainInterval?: Interval;
  readonly fractionImprovedInterval?: Interval;
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

/** A series column a summary reads. */
export type SeriesColumn = keyof RunSeries;

/**
 * A run as the summary reads it: its key, status and descriptor, and its series one column at a
 * time, when asked (a stored run's columns are read from the store then, and not kept).
 */
export interface SummaryRun {
  readonly key: RunKey;
  readonly status: RunOutcome['status'];
  readonly descriptor: RunDescriptor;
  /** Points recorded. */
  readonly recorded: number;
  /** A column of its series, or undefined when the run did not record it. */
  column(name: SeriesColumn): ArrayLike<number> | undefined;
}

/** One teacher's runs of a cell (one per learning rate); CEILING for the ceiling's. */
export interface TeacherRuns {
  readonly teacher: number;
  readonly runs: readonly SummaryRun[];
}

/** A run in memory as a SummaryRun. */
export function summaryRun(outcome: RunOutcome): SummaryRun {
  return {
    key: outcome.key,
    status: outcome.status,
    descriptor: outcome.descriptor,
    recorded: outcome.series.step.length,
    column: (name) => outcome.series[name],
  };
}

/** Runs in memory grouped by teacher for one cell, in teacher order (the ceiling first). */
export function teacherRunsOf(outcomes: readonly RunOutcome[], cell: number): TeacherRuns[] {
  const byTeacher = new Map<number, SummaryRun[]>();
  for (const o of outcomes) {
    if (o.key.cell !== cell) continue;
    const list = byTeacher.get(o.key.teacher) ?? [];
    list.push(summaryRun(o));
    byTeacher.set(o.key.teacher, list);
  }
  return [...byTeacher.entries()].sort((a, b) => a[0] - b[0]).map(([teacher, runs]) => ({ teacher, runs }));
}

interface Choice {
  readonly run: SummaryRun;
  readonly selection: Selection;
}

/** A run's criterion columns, read only when the rule asks for them. */
function criterionSeries(run: SummaryRun): CriterionSeries {
  return {
    get cos() {
      return run.column('cos') as Float64Array;
    },
    get agreement() {
      return run.column('agreement') as Float64Array;
    },
    get validation() {
      return run.column('validation') as Float64Array | undefined;
    },
  };
}

/** Among one teacher's learning rates, the run the early-stopping rule selects (selection.ts). */
function bestOf(runs: readonly SummaryRun[], rule: ExperimentSpec['sft']['earlyStopping']): Choice | null {
  const best = selectLearningRate(runs.map((run) => ({ lr: run.key.lr, series: criterionSeries(run), run })), rule);
  return best === null ? null : { run: best.run.run, selection: best.selection };
}

const TRAJECTORY_METRICS = ['inner', 'norm', 'cos', 'accuracy'] as const;

/**
 * Mean ± std across teachers of each metric of the selected runs, step by step, in two passes
 * over them in teacher order: sums, then squared deviations from the mean (the sums of meanStd,
 * term for term). The runs are read once a pass, one at a time.
 */
export class TrajectoryAccumulator {
  readonly length: number;
  private readonly sums: Record<(typeof TRAJECTORY_METRICS)[number], Float64Array>;
  private readonly squares: Record<(typeof TRAJECTORY_METRICS)[number], Float64Array>;
  readonly n: Float64Array;

  /** `lengths`: the points recorded by each selected run. */
  constructor(lengths: readonly number[]) {
    this.length = lengths.reduce((a, b) => Math.max(a, b), 0);
    const columns = () => Object.fromEntries(TRAJECTORY_METRICS.map((m) => [m, new Float64Array(this.length)])) as Record<(typeof TRAJECTORY_METRICS)[number], Float64Array>;
    this.sums = columns();
    this.squares = columns();
    this.n = new Float64Array(this.length);
    for (const length of lengths) for (let i = 0; i < length; i++) this.n[i]++;
  }

  /** First pass, run by run in teacher order. */
  addToSums(run: SummaryRun): void {
    for (const m of TRAJECTORY_METRICS) {
      const x = run.column(m) as ArrayLike<number>;
      const sum = this.sums[m];
      for (let i = 0; i < run.recorded; i++) sum[i] += x[i];
    }
  }

  /** Second pass, in the same order: squared deviations from the mean sums[i] / n[i]. */
  addToSquares(run: SummaryRun): void {
    const n = this.n;
    for (const m of TRAJECTORY_METRICS) {
      const x = run.column(m) as ArrayLike<number>;
      const sums = this.sums[m];
      const squares = this.squares[m];
      for (let i = 0; i < run.recorded; i++) {
        const d = x[i] - sums[i] / n[i];
        squares[i] += d * d;
      }
    }
  }

  /** The trajectory's columns (metric-major, TRAJECTORY_COLUMNS order) with `step`, the longest run's steps. */
  columns(step: ArrayLike<number>): Float64Array[] {
    const steps = new Float64Array(this.length);
    for (let i = 0; i < this.length; i++) steps[i] = step[i];
    const out: Float64Array[] = [steps];
    for (const m of TRAJECTORY_METRICS) {
      const mean = new Float64Array(this.length);
      const std = new Float64Array(this.length);
      const sums = this.sums[m];
      const squares = this.squares[m];
      for (let i = 0; i < this.length; i++) {
        const n = this.n[i];
        mean[i] = sums[i] / n;
        std[i] = n === 1 ? 0 : Math.sqrt(squares[i] / (n - 1));
      }
      out.push(mean, std);
    }
    out.push(this.n);
    return out;
  }
}

/** The columns of a stored trajectory, in order: the step, each metric's mean and std, n. */
export const TRAJECTORY_COLUMNS = ['step', ...TRAJECTORY_METRICS.flatMap((m) => [`${m}.mean`, `${m}.std`]), 'n'] as const;

/** A trajectory from its columns (TRAJECTORY_COLUMNS order). */
export function trajectoryFromColumns(columns: readonly ArrayLike<number>[]): Trajectory {
  const list = (c: ArrayLike<number>) => Array.from(c);
  const metrics = {} as Trajectory['metrics'];
  TRAJECTORY_METRICS.forEach((m, k) => (metrics[m] = { mean: list(columns[1 + 2 * k]), std: list(columns[2 + 2 * k]) }));
  return { step: list(columns[0]), metrics, n: list(columns[columns.length - 1]) };
}

/** The selected runs' mean trajectory, read in two passes. */
function trajectoryColumns(choices: readonly Choice[]): Float64Array[] {
  const accumulator = new TrajectoryAccumulator(choices.map((c) => c.run.recorded));
  for (const c of choices) accumulator.addToSums(c.run);
  for (const c of choices) accumulator.addToSquares(c.run);
  const longest = choices.find((c) => c.run.recorded === accumulator.length);
  return accumulator.columns(longest === undefined ? [] : (longest.run.column('step') as ArrayLike<number>));
}

/** A cell's summary without its trajectory, and the trajectory's columns apart (stored binary). */
export interface CellSummaryParts {
  readonly summary: Omit<CellSummary, 'trajectory'>;
  readonly trajectory: Float64Array[];
}

/** Summaries of one cell from its runs (any order; missing runs are left out). */
export function summarizeCell(spec: ExperimentSpec, cell: Cell, outcomes: RunOutcome[]): CellSummary {
  const { summary, trajectory } = summarizeCellRuns(spec, cell, teacherRunsOf(outcomes, cell.index));
  return { ...summary, trajectory: trajectoryFromColumns(trajectory) };
}

/**
 * Summaries of one cell from its runs grouped by teacher, in teacher order, read column by column:
 * the same numbers from runs in memory and from runs read from the store one at a time.
 */
export function summarizeCellRuns(experiment: ExperimentSpec, cell: Cell, groups: Iterable<TeacherRuns>): CellSummaryParts {
  // A sweep's cell reads its own point's fields (its learning rates, when sft.learningRate varies).
  const spec = cellSpec(experiment, cell);
  const rule = spec.sft.earlyStopping;
  const lrs = spec.sft.learningRates;
  let ceiling: CellSummary['ceiling'] = null;
  const teachers: TeacherSummary[] = [];
  const choices: Choice[] = [];
  let initial: CellSummary['initial'] | null = null;
  // The cell's learning rate (cellRate.ts), from every teacher run at every rate.
  const rates = new RateGainSums(lrs.length);
  for (const { teacher, runs } of groups) {
    if (teacher === CEILING) {
      const c = bestOf(runs, rule);
      if (c !== null) {
        const i = c.selection.index;
        ceiling = { accuracy: (c.run.column('accuracy') as ArrayLike<number>)[i], bestLearningRate: lrs[c.run.key.lr], bestStep: (c.run.column('step') as ArrayLike<number>)[i] };
      }
      continue;
    }
    const d = runs[0].descriptor;
    initial ??= { cos: d.studentCos, accuracy: d.studentAccuracy, norm: d.studentNorm };
    for (const run of runs) rates.add({ lr: run.key.lr, series: criterionSeries(run) }, rule);
    const choice = bestOf(runs, rule);
    if (choice === null) {
      teachers.push({
        teacher, cos: d.teacherCos, accuracy: d.teacherAccuracy, kappa: d.kappa,
        bestLearningRate: null, bestLrIndex: null, bestStep: null, peakCos: null, peakAccuracy: null, gain: null, gainAccuracy: null, pgr: null,
      });
      continue;
    }
    choices.push(choice);
    const i = choice.selection.index;
    const cos = choice.run.column('cos') as ArrayLike<number>;
    const accuracy = choice.run.column('accuracy') as ArrayLike<number>;
    const peakAccuracy = accuracy[i];
    teachers.push({
      teacher,
      cos: d.teacherCos,
      accuracy: d.teacherAccuracy,
      kappa: d.kappa,
      bestLearningRate: lrs[choice.run.key.lr],
      bestLrIndex: choice.run.key.lr,
      bestStep: (choice.run.column('step') as ArrayLike<number>)[i],
      peakCos: cos[i],
      peakAccuracy,
      gain: cos[i] - cos[0],
      gainAccuracy: peakAccuracy - accuracy[0],
      pgr: NaN, // against the ceiling, filled in below: the ceiling's runs come first, but may be missing
    });
  }
  // PGR = (acc_w2s − acc_teacher) / (acc_ceiling − acc_teacher), when the denominator is positive.
  for (let k = 0; k < teachers.length; k++) {
    const t = teachers[k];
    if (t.peakAccuracy === null) continue;
    const denominator = ceiling === null ? 0 : ceiling.accuracy - t.accuracy;
    teachers[k] = { ...t, pgr: denominator > 1e-9 ? (t.peakAccuracy - t.accuracy) / denominator : null };
  }

  const gains = teachers.flatMap((t) => (t.gain === null ? [] : [t.gain]));
  const gainsAccuracy = teachers.flatMap((t) => (t.gainAccuracy === null ? [] : [t.gainAccuracy]));
  const pgrs = teachers.flatMap((t) => (t.pgr === null ? [] : [t.pgr]));
  const gainStats = meanStd(gains);
  const learningRates = rates.gains();
  return {
    summary: {
      cell: cell.index,
      norm: cell.norm,
      teacherAccuracy: cell.teacherAccuracy,
      ...(cell.kappa === null || cell.kappa === undefined ? {} : { kappa: cell.kappa }),
      axes: cell.axes,
      initial: initial ?? { cos: NaN, accuracy: NaN, norm: NaN },
      ceiling,
      teachers,
      fractionImproved: gains.length === 0 ? NaN : gains.filter((g) => g > 0).length / gains.length,
      gainMean: gainStats.mean,
      gainStd: gainStats.std,
      gainAccuracyMean: meanStd(gainsAccuracy).mean,
      pgrMean: pgrs.length === 0 ? null : meanStd(pgrs).mean,
      gainInterval: meanInterval(gains),
      fractionImprovedInterval: wilsonInterval(gains.filter((g) => g > 0).length, gains.length),
      learningRates,
      cellLrIndex: cellRateIndex(learningRates),
    },
    trajectory: trajectoryColumns(choices),
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
  /** A sweep's points with their replicates pooled (sweepGroups); absent without a sweep. */
  readonly groups?: SweepGroup[];
  readonly runs: { total: number; done: number; diverged: number; failed: number; cancelled: number };
  /**
   * Setup 'random-features' only (randomFeatures/summary.ts): what it reports. Its `teachers` and
   * `cells` above are empty (no cos, no linear cell), `initial` holds the pretrained student's
   * accuracy and head norm (cos NaN), and the gains above are its accuracy gains.
   */
  readonly randomFeatures?: RandomFeaturesSummary;
}

/**
 * One point of a sweep with its replicates pooled: the cells that share every coordinate but the
 * replicate, and the numbers a sweep figure draws, each with its 95 % interval.
 */
export interface SweepGroup {
  /** The shared coordinates (Cell.axes without `replicate`). */
  readonly axes: Readonly<Record<string, number>>;
  /** Its cells' indices, one per replicate. */
  readonly cells: number[];
  /** Across the replicates' cell means (t) when there are two or more, else across the one cell's teachers. */
  readonly gainMean: Interval;
  /** Wilson, over every teacher of every replicate pooled. */
  readonly fractionImproved: Interval;
  /** As gainMean, over the teachers with a PGR; null when none has one. */
  readonly pgr: Interval | null;
  /** The early-stopped step across every teacher of every replicate; null when none recorded one. */
  readonly bestStep: Interval | null;
}

/** A cell's summary as stored: its trajectory kept apart (binary, store/trajectories.ts) and attached when asked. */
export type CellSummaryHead = Omit<CellSummary, 'trajectory'> & { readonly trajectory?: Trajectory };

/**
 * A summary as the store keeps it and the LabApi carries it: everything but the per-step mean
 * trajectories, whose size grows with the steps (a 10⁶-step summary was 183 MB of JSON); those are
 * stored binary and attached for the summary file (`w2s run --out`) and bundles.
 */
export interface StoredSummary extends Omit<ExperimentSummary, 'trajectory' | 'cells'> {
  readonly trajectory?: Trajectory | null;
  readonly cells: CellSummaryHead[];
}

/** The counts of runs by status a summary reports. */
export type RunCounts = ExperimentSummary['runs'];

/** The runs counted by status. */
export function countRuns(statuses: Iterable<RunOutcome['status']>): RunCounts {
  const runs = { total: 0, done: 0, diverged: 0, failed: 0, cancelled: 0 };
  for (const status of statuses) {
    runs.total++;
    if (status !== 'running') runs[status]++;
  }
  return runs;
}

/** The experiment's summary from its cells' summaries (trajectories apart) and its runs counted by status. */
export function experimentSummaryOf(spec: ExperimentSpec, path: string, cells: readonly Omit<CellSummary, 'trajectory'>[], runs: RunCounts): StoredSummary {
  const teachers = cells.flatMap((c) => c.teachers.map((t) => ({ ...t, cell: c.cell, norm: c.norm, teacherAccuracy: c.teacherAccuracy })));
  const gains = teachers.flatMap((t) => (t.gain === null ? [] : [t.gain]));
  const stats = meanStd(gains);
  return {
    spec,
    path,
    initial: cells[0].initial,
    teachers,
    fractionImproved: gains.length === 0 ? NaN : gains.filter((g) => g > 0).length / gains.length,
    gainMean: stats.mean,
    gainStd: stats.std,
    cells: [...cells],
    ...(isSweep(spec) ? { groups: sweepGroups(cells) } : {}),
    runs,
  };
}

/**
 * A sweep's cells grouped by every coordinate but the replicate, in the order of their first cell.
 * The mean gain and PGR take the replicates as the unit when there are several (a replicate's
 * teachers share its student, so they are not independent draws), the fraction improved pools
 * every teacher (the Wilson interval of a proportion).
 */
export function sweepGroups(cells: readonly Pick<CellSummary, 'cell' | 'axes' | 'teachers' | 'gainMean' | 'pgrMean'>[]): SweepGroup[] {
  const byKey = new Map<string, { axes: Record<string, number>; members: typeof cells[number][] }>();
  for (const c of cells) {
    const axes = Object.fromEntries(Object.entries(c.axes ?? {}).filter(([k]) => k !== REPLICATE));
    const key = JSON.stringify(Object.entries(axes).sort(([a], [b]) => (a < b ? -1 : 1)));
    const group = byKey.get(key) ?? { axes, members: [] };
    group.members.push(c);
    byKey.set(key, group);
  }
  return [...byKey.values()].map(({ axes, members }) => {
    const teachers = members.flatMap((m) => m.teachers);
    const gains = teachers.flatMap((t) => (t.gain === null ? [] : [t.gain]));
    const pgrs = teachers.flatMap((t) => (t.pgr === null ? [] : [t.pgr]));
    const steps = teachers.flatMap((t) => (t.bestStep === null ? [] : [t.bestStep]));
    const several = members.length >= 2;
    const finite = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null && Number.isFinite(x));
    const pgrValues = several ? finite(members.map((m) => m.pgrMean)) : pgrs;
    return {
      axes,
      cells: members.map((m) => m.cell),
      gainMean: meanInterval(several ? finite(members.map((m) => m.gainMean)) : gains),
      fractionImproved: wilsonInterval(gains.filter((g) => g > 0).length, gains.length),
      pgr: pgrValues.length === 0 ? null : meanInterval(pgrValues),
      bestStep: steps.length === 0 ? null : meanInterval(steps),
    };
  });
}

/**
 * The experiment's performance gap recovered: the mean over every teacher of every cell that has
 * one (a finite PGR; null where the ceiling was missing or not above the teacher), or null when
 * none has. Each teacher's PGR is (acc_w2s − acc_T) / (acc_ceiling − acc_T), summarizeCellRuns.
 */
export function experimentPgr(summary: { readonly teachers: readonly { readonly pgr: number | null }[] } | null | undefined): number | null {
  let sum = 0;
  let n = 0;
  for (const t of summary?.teachers ?? []) {
    if (t.pgr === null || !Number.isFinite(t.pgr)) continue;
    sum += t.pgr;
    n++;
  }
  return n === 0 ? null : sum / n;
}

/**
 * The teachers' accuracy over every teacher of every cell, mean ± sample std (0 for one teacher),
 * or null when none has a finite one: for shared pretraining, the number that says Figure 3
 * reproduced (63.5 % ± 2.5 %).
 */
export function teacherAccuracySpread(summary: { readonly teachers: readonly { readonly accuracy: number }[] } | null | undefined): { mean: number; std: number } | null {
  const a = (summary?.teachers ?? []).map((t) => t.accuracy).filter(Number.isFinite);
  return a.length === 0 ? null : meanStd(a);
}

/** A stored summary with its cells' trajectories attached (in cell order): the engine's whole summary. */
export function withTrajectories(summary: StoredSummary, trajectories: readonly Trajectory[]): ExperimentSummary {
  const { cells, runs, ...head } = summary;
  const withCells = cells.map((c, i) => ({ ...c, trajectory: trajectories[i] }));
  return { ...head, trajectory: withCells.length === 1 ? withCells[0].trajectory : null, cells: withCells, runs };
}

/** A summary without its trajectories, as the store keeps it. */
export function withoutTrajectories(summary: ExperimentSummary): StoredSummary {
  const { trajectory: _trajectory, cells, ...head } = summary;
  return { ...head, cells: cells.map(({ trajectory: _t, ...cell }) => cell) };
}

export function summarizeExperiment(spec: ExperimentSpec, path: string, cells: Cell[], outcomes: RunOutcome[]): ExperimentSummary {
  const parts = cells.map((cell) => summarizeCellRuns(spec, cell, teacherRunsOf(outcomes, cell.index)));
  const head = experimentSummaryOf(spec, path, parts.map((p) => p.summary), countRuns(outcomes.map((o) => o.status)));
  return withTrajectories(head, parts.map((p) => trajectoryFromColumns(p.trajectory)));
}
