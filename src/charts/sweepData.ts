/**
 * What the sweep dashboard reads from a stored experiment (issue 22, docs/design.md "The sweep
 * dashboard"): the summary's groups — one per point of the sweep, replicates pooled, each with
 * its coordinates `axes` (keyed by spec path) and 95 % intervals of the targets — and which of
 * those axes vary, in the spec's order, each with its distinct values and whether they are
 * log-spaced. Pure; the figures (sweep.ts), the importance table and the brushed table of groups
 * all read the same rows.
 */
import type { ExperimentSpec } from '../engine/spec';
import type { Interval } from '../engine/intervals';
import type { SweepGroup } from '../engine/summary';
import type { SweepFields } from '../engine/sweep';
import { pearson, spearman } from './correlation';

export type { SweepGroup } from '../engine/summary';
import type { FigureInput } from './types';

/** The targets a sweep plots: the summary group's interval of each. */
export const SWEEP_TARGETS = ['gainMean', 'fractionImproved', 'pgr', 'bestStep'] as const;
export type SweepTarget = (typeof SWEEP_TARGETS)[number];

/** A target's name on an axis or in a table. */
export const TARGET_LABEL: Record<SweepTarget, string> = {
  gainMean: 'mean gain in cos(w, w*)',
  fractionImproved: 'fraction of teachers improved',
  pgr: 'performance gap recovered (PGR)',
  bestStep: 'early-stopped step',
};

/** The spec's sweep fields (engine/sweep.ts), present only when the document set them. */
export type SweepSpecFields = SweepFields;

/** The sweep fields of a spec. */
export const sweepFieldsOf = (spec: ExperimentSpec): SweepFields => spec;

/** The summary's groups (engine/summary.ts sweepGroups); empty when it has none (no sweep, or still running). */
export function sweepGroupsOf(input: FigureInput): readonly SweepGroup[] {
  return input.summary?.groups ?? [];
}

/** An axis of the sweep the groups vary along. */
export interface SweepAxis {
  readonly path: string;
  /** Distinct values, increasing. */
  readonly values: readonly number[];
  /** Drawn on a log axis (logSpaced). */
  readonly log: boolean;
}

/**
 * Whether values read best on a log axis: all positive and spanning a ratio of at least 4, and
 * either two values a decade or more apart, or three or more whose gaps are more even in log
 * than in linear terms (0.5, 1, 2 and 0.001, 0.01, 0.1 are; 1, 2, 3 and 50, 100 are not).
 */
export function logSpaced(values: readonly number[]): boolean {
  const v = [...new Set(values.filter(Number.isFinite))].sort((a, b) => a - b);
  if (v.length < 2 || v[0] <= 0 || v[v.length - 1] / v[0] < 4) return false;
  if (v.length === 2) return v[1] / v[0] >= 10;
  const unevenness = (xs: number[]) => {
    const gaps = xs.slice(1).map((x, i) => x - xs[i]);
    return Math.max(...gaps) / Math.min(...gaps);
  };
  return unevenness(v.map(Math.log)) < unevenness(v);
}

/** Where an axis path comes in the axes' order: the spec's own axes first (as listed), then the inner ones. */
const INNER = ['student.norm', 'teachers.accuracy', 'teachers.kappa'];

/**
 * The axes the groups vary along (more than one distinct value), in the spec's order of its axes
 * (spec.axes, then the grid's keys), the inner axes (initial norm, teacher accuracy, κ) last.
 */
export function sweepAxes(input: FigureInput): SweepAxis[] {
  const groups = sweepGroupsOf(input);
  const fields = sweepFieldsOf(input.spec);
  const declared = [...(fields.axes ?? []).map((a) => a.path), ...Object.keys(fields.grid?.[0] ?? {}), ...INNER];
  const paths = [...new Set(groups.flatMap((g) => Object.keys(g.axes)))].filter((p) => p !== 'replicate');
  const rank = (p: string) => (declared.includes(p) ? declared.indexOf(p) : declared.length);
  return paths
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((path) => {
      const values = [...new Set(groups.map((g) => g.axes[path]).filter(Number.isFinite))].sort((a, b) => a - b);
      return { path, values, log: logSpaced(values) };
    })
    .filter((a) => a.values.length > 1);
}

/** A group's interval of the target; null where it has none (no PGR without a ceiling). */
export function targetOf(group: SweepGroup, target: SweepTarget): Interval | null {
  const t = group[target];
  return t === null || t === undefined ? null : t;
}

/** Short names of axis paths, in the paper's symbols (charts/labels.ts names experiments alike). */
const SYMBOL: Record<string, string> = {
  beta: 'β',
  'data.d': 'd',
  'data.nu': 'ν',
  'student.accuracy': 'student accuracy',
  'student.norm': '‖w₀‖',
  'teachers.accuracy': 'teacher accuracy',
  'teachers.norm': '‖w_T‖',
  'teachers.kappa': 'κ',
  'sft.batchSize': 'B',
  'sft.steps': 'T',
  'sft.labelNoise': 'label noise',
  'sft.learningRate': 'η',
  'sft.loss.alpha': 'α',
  'pretrain.studentSteps': 'student pretraining steps',
  'pretrain.teacherSteps': 'teacher pretraining steps',
};

/** An axis's name on a chart: its symbol and its path ('d (data.d)'), or the path alone. */
export function axisLabel(path: string): string {
  const s = SYMBOL[path];
  return s === undefined ? path : s.includes(' ') ? s : `${s} (${path})`;
}

/** An axis value as a label or a table shows it: integers whole, others to 4 significant digits, accuracies as percentages. */
export function axisValueText(path: string, v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (path.endsWith('accuracy')) return `${Number((v * 100).toPrecision(4))} %`;
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

/** One row of the dashboard's table of groups. */
export interface SweepRow {
  /** Index into the summary's groups. */
  readonly group: number;
  readonly axes: Readonly<Record<string, number>>;
  readonly target: Interval | null;
  /** Replicates pooled (its cells). */
  readonly replicates: number;
}

export function sweepRows(input: FigureInput, target: SweepTarget): SweepRow[] {
  return sweepGroupsOf(input).map((g, i) => ({ group: i, axes: g.axes, target: targetOf(g, target), replicates: g.cells.length }));
}

/** Ranges selected on axes (a parallel-coordinates brush): path → [lo, hi] intervals, any of which a value may fall in. */
export type AxisSelection = Readonly<Record<string, readonly (readonly [number, number])[]>>;

/** The rows inside every selected range (an axis with no interval selected keeps every row); `targetKey` names the target's own axis. */
export function brushRows(rows: readonly SweepRow[], selection: AxisSelection, targetKey = 'target'): SweepRow[] {
  // A log axis maps pixels back through 10^t: a range brushed up to 2 arrives as 1.9999999999999998.
  // Ends are widened by a few parts in 10¹² of their size so that an axis value brushed to is kept.
  const slack = (x: number) => Math.abs(x) * 1e-12;
  const inside = (v: number | undefined, ranges: readonly (readonly [number, number])[]) =>
    v !== undefined &&
    Number.isFinite(v) &&
    ranges.some(([a, b]) => {
      const lo = Math.min(a, b);
      const hi = Math.max(a, b);
      return v >= lo - slack(lo) && v <= hi + slack(hi);
    });
  return rows.filter((r) =>
    Object.entries(selection).every(([path, ranges]) => ranges.length === 0 || inside(path === targetKey ? r.target?.estimate : r.axes[path], ranges)),
  );
}

/** One axis's line of the importance table. */
export interface AxisImportance {
  readonly path: string;
  /** Pearson's r of the target against the axis value (its log when the axis is log-spaced). */
  readonly pearson: number;
  /** Spearman's ρ (unchanged by the log). */
  readonly spearman: number;
  readonly log: boolean;
  /** Pairs counted (groups with a finite target). */
  readonly n: number;
}

/**
 * Per varying axis, how the target moves with it across the groups: Pearson's r (on the log of a
 * log-spaced axis) and Spearman's ρ, ordered by |ρ|, the largest first. A group's estimate is its
 * replicates' pooled mean, so replicate noise weighs less than in a per-cell table.
 */
export function axisImportance(input: FigureInput, target: SweepTarget): AxisImportance[] {
  const groups = sweepGroupsOf(input);
  const ys = groups.map((g) => targetOf(g, target)?.estimate ?? NaN);
  return sweepAxes(input)
    .map((axis) => {
      const xs = groups.map((g) => g.axes[axis.path] ?? NaN);
      const x = axis.log ? xs.map(Math.log) : xs;
      return { path: axis.path, pearson: pearson(x, ys), spearman: spearman(xs, ys), log: axis.log, n: xs.filter((v, i) => Number.isFinite(v) && Number.isFinite(ys[i])).length };
    })
    .sort((a, b) => (Number.isFinite(b.spearman) ? Math.abs(b.spearman) : -1) - (Number.isFinite(a.spearman) ? Math.abs(a.spearman) : -1));
}
