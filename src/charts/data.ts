/**
 * From a SeriesBundle to what figures plot: zero-copy per-run column views, the early-stopping
 * selection per teacher (the same rule as engine/summary, so a running experiment's figures agree
 * with the summary it will get), statistics across teachers, EMA smoothing and on-screen thinning.
 */
import { cellLearningRate } from '../engine/cellRate';
import { CEILING, cellsOf, type Cell, type RunDescriptor, type RunKey } from '../engine/grid';
import type { RunSeries } from '../engine/run';
import type { ExperimentSpec } from '../engine/spec';
import { selectLearningRate, selectStep } from '../engine/selection';
import type { StoredSummary } from '../engine/summary';
import { isSweep, runLearningRate, sweptLabel } from '../engine/sweep';
import { blockViews } from '../shared/seriesBlock';
import type { BandKind, FigureInput, Metric, SeriesBundle } from './types';

/** One run's columns as subarrays of bundle.data (views, never copies). */
export interface RunView {
  readonly key: RunKey;
  readonly status: SeriesBundle['runs'][number]['status'];
  readonly recorded: number;
  readonly descriptor: RunDescriptor | null;
  readonly columns: Readonly<Record<string, Float64Array>>;
}

/** Views of every run, in bundle order (the block's layout: shared/seriesBlock.ts). */
export function runViews(bundle: SeriesBundle): RunView[] {
  return blockViews(bundle).map((columns, i) => {
    const run = bundle.runs[i];
    return { key: run.key, status: run.status, recorded: run.recorded, descriptor: run.descriptor, columns };
  });
}

/** One experiment as the builders see it: what the backend's figure files and the app's views draw alike. */
export function figureInput(experiment: Pick<FigureInput, 'id' | 'name' | 'seed' | 'spec' | 'summary' | 'label'>, bundle: SeriesBundle): FigureInput {
  const { id, name, seed, spec, summary, label } = experiment;
  return { id, name, seed, spec, summary, label, bundle };
}

const EMPTY = new Float64Array(0);

/** A view as the engine's RunSeries (for the selection rule); missing columns are empty. */
export function asRunSeries(view: RunView): RunSeries {
  const c = view.columns;
  return {
    step: c.step ?? EMPTY,
    inner: c.inner ?? EMPTY,
    norm: c.norm ?? EMPTY,
    cos: c.cos ?? EMPTY,
    accuracy: c.accuracy ?? EMPTY,
    agreement: c.agreement ?? EMPTY,
    validation: c.validation,
  };
}

/** One teacher's run chosen by the spec's early-stopping rule over its learning rates. */
export interface SelectedTeacher {
  readonly cell: number;
  readonly teacher: number;
  /** The run's series, when the block holds it (a block of the cells' learning rates may not: the summary then says the rest). */
  readonly view: RunView | null;
  readonly learningRate: number;
  readonly lrIndex: number;
  /** Index of the early-stopped point in the recorded series (≥ 1); −1 without the view. */
  readonly index: number;
  readonly step: number;
  /** gain = cos(w_t*, w*) − cos(w_0, w*) (docs/spec.md §2). */
  readonly gain: number;
  readonly descriptor: RunDescriptor | null;
}

/**
 * Per (cell, teacher), the run the early-stopping rule selects over the learning rates (the
 * engine's selectLearningRate, as the summary does), on whatever prefix is recorded. The ceiling
 * run (teacher = CEILING) is left out.
 */
export function selectTeachers(spec: ExperimentSpec, views: RunView[]): SelectedTeacher[] {
  const byTeacher = new Map<string, RunView[]>();
  // A sweep over sft.learningRate: each cell's one rate is its own.
  const cells = isSweep(spec) ? cellsOf(spec) : null;
  for (const v of views) {
    if (v.key.teacher === CEILING || v.recorded < 2) continue;
    const id = `${v.key.cell}:${v.key.teacher}`;
    const list = byTeacher.get(id) ?? [];
    list.push(v);
    byTeacher.set(id, list);
  }
  const out: SelectedTeacher[] = [];
  for (const list of byTeacher.values()) {
    const best = selectLearningRate(list.map((view) => ({ lr: view.key.lr, series: asRunSeries(view), view })), spec.sft.earlyStopping);
    if (best === null) continue;
    const { view } = best.run;
    const { index } = best.selection;
    const cos = view.columns.cos;
    out.push({
      cell: view.key.cell,
      teacher: view.key.teacher,
      view,
      learningRate: runLearningRate(cells?.[view.key.cell], spec.sft.learningRates, view.key.lr),
      lrIndex: view.key.lr,
      index,
      step: view.columns.step[index],
      gain: cos[index] - cos[0],
      descriptor: view.descriptor ?? list.find((v) => v.descriptor !== null)?.descriptor ?? null,
    });
  }
  return out.sort((a, b) => a.cell - b.cell || a.teacher - b.teacher);
}

/** A cell with a legend label: "‖w₀‖ = 1", with the teacher accuracy when the grid has several, and κ when the spec sets it. */
export interface CellGroup {
  readonly cell: Cell;
  readonly label: string;
  readonly teachers: SelectedTeacher[];
}

const percent = (x: number): string => `${Number((x * 100).toPrecision(4))} %`;

export function cellLabel(spec: ExperimentSpec, cell: Cell): string {
  // A sweep's cell names its point first: "β = 0.5, d = 100, replicate 1 · ‖w₀‖ = 1".
  const swept = sweptLabel(cell.axes);
  const inner = innerCellLabel(spec, cell);
  return swept === '' ? inner : cell.norm === null ? swept : `${swept} · ${inner}`;
}

function innerCellLabel(spec: ExperimentSpec, cell: Cell): string {
  if (cell.norm === null) return 'shared pretraining';
  // Four significant digits: logspace norms read 0.3162, not 0.316227766016838.
  const norm = `‖w₀‖ = ${Number(cell.norm.toPrecision(4))}`;
  const label = spec.teachers.accuracy.length > 1 && cell.teacherAccuracy !== null ? `${norm}, teacher ${percent(cell.teacherAccuracy)}` : norm;
  // A prescribed κ (teachers.kappa, docs/spec.md §10) is one more axis of the grid.
  return cell.kappa === null || cell.kappa === undefined ? label : `${label}, κ = ${Number(cell.kappa.toPrecision(4))}`;
}

/** The index of `step` in a run's recorded steps (binary search: steps increase), or −1. */
export function stepIndex(steps: ArrayLike<number>, step: number): number {
  let lo = 0;
  let hi = steps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] === step) return mid;
    if (steps[mid] < step) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Each teacher's selection as the summary stored it (a finished experiment: no series needed), with
 * its run's view when the block holds it; the descriptor from the view, else from the summary
 * (the cell's student, the teacher's cos, accuracy and κ).
 */
export function summaryTeachers(spec: ExperimentSpec, summary: StoredSummary, views: readonly RunView[]): SelectedTeacher[] {
  const byKey = new Map(views.map((v) => [`${v.key.cell}/${v.key.teacher}/${v.key.lr}`, v]));
  const anyView = new Map(views.map((v) => [`${v.key.cell}/${v.key.teacher}`, v]));
  const lrs = spec.sft.learningRates;
  const out: SelectedTeacher[] = [];
  for (const cell of summary.cells) {
    for (const t of cell.teachers) {
      if (t.bestLearningRate === null || t.gain === null || t.bestStep === null) continue;
      const lrIndex = t.bestLrIndex ?? lrs.indexOf(t.bestLearningRate);
      const view = byKey.get(`${cell.cell}/${t.teacher}/${lrIndex}`) ?? null;
      const other = anyView.get(`${cell.cell}/${t.teacher}`);
      const descriptor = view?.descriptor ?? other?.descriptor ?? {
        studentCos: cell.initial.cos,
        studentNorm: cell.initial.norm,
        studentAccuracy: cell.initial.accuracy,
        teacherCos: t.cos,
        teacherAccuracy: t.accuracy,
        kappa: t.kappa,
      };
      out.push({ cell: cell.cell, teacher: t.teacher, view, learningRate: t.bestLearningRate, lrIndex, index: view === null ? -1 : stepIndex(view.columns.step, t.bestStep), step: t.bestStep, gain: t.gain, descriptor });
    }
  }
  return out.sort((a, b) => a.cell - b.cell || a.teacher - b.teacher);
}

/**
 * The selected teachers of an input: the summary's once the experiment has one, else the rule's on
 * the block (every run, each teacher's selected run, or a running experiment's block of the cells'
 * rates, which carries each teacher's selected run too).
 */
export function selectedTeachersOf(input: FigureInput): SelectedTeacher[] {
  const views = runViews(input.bundle);
  return input.summary !== null && input.summary.cells.length > 0 ? summaryTeachers(input.spec, input.summary, views) : selectTeachers(input.spec, views);
}

/** Groups already made for an input (inputs are immutable): a dashboard's four charts select the teachers once. */
const groupsOf = new WeakMap<FigureInput, CellGroup[]>();

/** The selected teachers grouped by cell, in cell order; cells with no teacher yet are kept (empty). */
export function cellGroups(input: FigureInput): CellGroup[] {
  const known = groupsOf.get(input);
  if (known !== undefined) return known;
  const selected = selectedTeachersOf(input);
  const groups = cellsOf(input.spec).map((cell) => ({
    cell,
    label: cellLabel(input.spec, cell),
    teachers: selected.filter((t) => t.cell === cell.index),
  }));
  groupsOf.set(input, groups);
  return groups;
}

/**
 * The colour groups of a scatter: the cells, except in a grid of several norms × several teacher
 * accuracies, where a colour per cell would need a legend of every cell (20 for Figure 2, more than
 * a palette has colours): there the teachers of one initial norm share a colour. Each group has its
 * value on the ordered quantity it stands for (the norm, or the one axis that varies), for its colour.
 */
export function scatterGroups(input: FigureInput): { label: string; teachers: SelectedTeacher[]; order: number }[] {
  const cells = cellGroups(input).filter((g) => g.teachers.length > 0);
  const norms = [...new Set(cells.map((g) => g.cell.norm))];
  const accuracies = [...new Set(cells.map((g) => g.cell.teacherAccuracy))];
  const kappas = [...new Set(cells.map((g) => g.cell.kappa ?? null))];
  if (norms.length < 2 || accuracies.length < 2) {
    // One ordered axis varies (or none): the cells, ordered by it.
    const value = (g: CellGroup) => (norms.length > 1 ? g.cell.norm : accuracies.length > 1 ? g.cell.teacherAccuracy : kappas.length > 1 ? g.cell.kappa : g.cell.index) ?? g.cell.index;
    // Named by the axis that varies alone ('κ = −0.5', not '‖w₀‖ = 1, κ = −0.5').
    const digits = (v: number) => Number(v.toPrecision(4));
    const short = (g: CellGroup) =>
      norms.length > 1 ? `‖w₀‖ = ${digits(g.cell.norm ?? NaN)}` : accuracies.length > 1 ? `teacher ${digits((g.cell.teacherAccuracy ?? NaN) * 100)} %` : kappas.length > 1 ? `κ = ${digits(g.cell.kappa ?? NaN)}` : g.label;
    return cells.map((g) => ({ label: short(g), teachers: g.teachers, order: value(g) }));
  }
  return norms.map((norm) => ({ label: `‖w₀‖ = ${norm === null ? '—' : Number(norm.toPrecision(4))}`, teachers: cells.filter((g) => g.cell.norm === norm).flatMap((g) => g.teachers), order: norm ?? 0 }));
}

export function metricColumn(t: { readonly view: RunView | null }, metric: Metric): Float64Array {
  return t.view?.columns[metric] ?? EMPTY;
}

/** One teacher's run at its cell's learning rate, with the rule's stop on it. */
export interface RateRun {
  readonly teacher: number;
  readonly view: RunView;
  /** The early-stopped index of this run (≥ 1), by the spec's rule. */
  readonly index: number;
  readonly step: number;
  /** cos at the stop − cos at step 0. */
  readonly gain: number;
}

/** A cell drawn at its learning rate: every teacher's run there. */
export interface CellRateGroup {
  readonly cell: Cell;
  readonly label: string;
  /** Index into spec.sft.learningRates; null while no run of the cell recorded a step. */
  readonly lrIndex: number | null;
  readonly learningRate: number | null;
  readonly runs: RateRun[];
}

const rateGroupsOf = new WeakMap<FigureInput, CellRateGroup[]>();

/**
 * Per cell, its learning rate (engine/cellRate.ts: the rate whose mean early-stopped gain over the
 * cell's teachers is highest) and every teacher's run at it. The rate comes with the block (the
 * backend read it from the summary), else from the summary, else from the block's runs (a block of
 * every run).
 */
export function cellRateGroups(input: FigureInput): CellRateGroup[] {
  const known = rateGroupsOf.get(input);
  if (known !== undefined) return known;
  const views = runViews(input.bundle).filter((v) => v.key.teacher !== CEILING && v.recorded >= 2);
  const rule = input.spec.sft.earlyStopping;
  const lrs = input.spec.sft.learningRates;
  const groups = cellsOf(input.spec).map((cell) => {
    const mine = views.filter((v) => v.key.cell === cell.index);
    const lrIndex =
      input.bundle.cellLearningRates?.[cell.index] ??
      input.summary?.cells.find((c) => c.cell === cell.index)?.cellLrIndex ??
      cellLearningRate(mine.map((v) => ({ lr: v.key.lr, series: asRunSeries(v) })), rule, lrs.length);
    const runs = mine
      .filter((v) => v.key.lr === lrIndex)
      .map((view) => {
        const { index } = selectStep(asRunSeries(view), rule);
        return { teacher: view.key.teacher, view, index, step: view.columns.step[index], gain: view.columns.cos[index] - view.columns.cos[0] };
      })
      .sort((a, b) => a.teacher - b.teacher);
    return { cell, label: cellLabel(input.spec, cell), lrIndex: lrIndex ?? null, learningRate: lrIndex === null || lrIndex === undefined ? null : lrs[lrIndex], runs };
  });
  rateGroupsOf.set(input, groups);
  return groups;
}

/**
 * Linear interpolation of each line (x increasing) at every grid point it spans: NaN outside its
 * x range, exact at its own points. A mean over the lines at a grid point is then a mean of the
 * lines that reach it, never of lines that have ended.
 */
export function onGrid(lines: readonly { readonly x: ArrayLike<number>; readonly y: ArrayLike<number> }[], grid: ArrayLike<number>): Float64Array[] {
  return lines.map(({ x, y }) => {
    const out = new Float64Array(grid.length).fill(NaN);
    const n = Math.min(x.length, y.length);
    if (n === 0) return out;
    let j = 0;
    for (let g = 0; g < grid.length; g++) {
      const X = grid[g];
      if (X < x[0] || X > x[n - 1]) continue;
      while (j < n - 2 && x[j + 1] < X) j++;
      if (x[j] === X) out[g] = y[j];
      else if (j + 1 < n && x[j + 1] === X) out[g] = y[j + 1];
      else if (j + 1 < n) {
        const f = (X - x[j]) / (x[j + 1] - x[j]);
        out[g] = y[j] + f * (y[j + 1] - y[j]);
      }
    }
    return out;
  });
}

/** The sorted union of the lines' x values: a common grid on which every line's own points lie. */
export function unionGrid(lines: readonly { readonly x: ArrayLike<number> }[]): Float64Array {
  const all: number[] = [];
  for (const l of lines) for (let i = 0; i < l.x.length; i++) if (Number.isFinite(l.x[i])) all.push(l.x[i]);
  const sorted = Float64Array.from(all).sort();
  let k = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[k - 1]) sorted[k++] = sorted[i];
  return sorted.slice(0, k);
}

/**
 * cos_Σ(w_T, w₀) from a run descriptor, exactly: with w* unit, w₀ ∝ c₀ w* + s₀ u and w_T ∝ c_T w* + s_T f
 * (u, f unit vectors ⊥ w*, ⟨u, f⟩ = κ), cos(w_T, w₀) = c₀ c_T + s₀ s_T κ. When a perpendicular part
 * vanishes the descriptor's κ is 0, and so is its term.
 */
export function startCos(d: Pick<RunDescriptor, 'studentCos' | 'teacherCos' | 'kappa'>): number {
  const s0 = Math.sqrt(Math.max(0, 1 - d.studentCos * d.studentCos));
  const sT = Math.sqrt(Math.max(0, 1 - d.teacherCos * d.teacherCos));
  return d.studentCos * d.teacherCos + s0 * sT * d.kappa;
}

/** One learning rate of one cell over every teacher (the per-learning-rate view). */
export interface LrGroup {
  readonly cell: Cell;
  readonly lr: number;
  readonly learningRate: number;
  readonly runs: { readonly teacher: number; readonly view: RunView }[];
}

/**
 * Per cell and learning rate, every teacher's run (the ceiling left out). Needs every run of the
 * experiment: a bundle of selected runs only (one learning rate per teacher) is refused, since its
 * means would be over the teachers that happened to select that rate.
 */
export function lrGroups(input: FigureInput): LrGroup[] {
  const views = runViews(input.bundle).filter((v) => v.key.teacher !== CEILING);
  const lrs = input.spec.sft.learningRates;
  const perTeacher = new Map<string, number>();
  for (const v of views) perTeacher.set(`${v.key.cell}:${v.key.teacher}`, (perTeacher.get(`${v.key.cell}:${v.key.teacher}`) ?? 0) + 1);
  if (lrs.length > 1 && perTeacher.size > 0 && Math.max(...perTeacher.values()) < 2) {
    throw new Error('the per-learning-rate view needs every run of the experiment, not only each teacher\'s selected one');
  }
  return cellsOf(input.spec).flatMap((cell) =>
    lrs.map((learningRate, lr) => ({
      cell,
      lr,
      learningRate,
      runs: views.filter((v) => v.key.cell === cell.index && v.key.lr === lr && v.recorded >= 2).map((view) => ({ teacher: view.key.teacher, view })),
    })),
  );
}

/** The step column of the longest run (partial runs are prefixes of it). */
export function longestSteps(views: readonly { readonly view: RunView }[]): Float64Array {
  let best: Float64Array = EMPTY;
  for (const t of views) if (t.view.columns.step.length > best.length) best = t.view.columns.step;
  return best;
}

/** Whether the early-stopping steps span more than a decade (ratio of the largest to the smallest positive one > 10). */
export function stopsSpanDecade(teachers: readonly { readonly step: number }[]): boolean {
  let lo = Infinity;
  let hi = 0;
  for (const t of teachers) {
    if (!(t.step > 0)) continue;
    if (t.step < lo) lo = t.step;
    if (t.step > hi) hi = t.step;
  }
  return hi / lo > 10;
}

/**
 * Two-sided 97.5 % quantile of Student's t with df degrees of freedom: a table to df = 30, then
 * the Cornish–Fisher expansion (Abramowitz & Stegun 26.7.5; error < 2e-6 for df > 30, largest at 31); scipy's t.ppf(0.975, df) to 6 digits; df ≤ 0 gives NaN.
 */
const T975 = [
  12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139, 2.200985, 2.178813,
  2.160369, 2.144787, 2.13145, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
  2.059539, 2.055529, 2.051831, 2.048407, 2.04523, 2.042272,
];
export function tQuantile975(df: number): number {
  if (!(df >= 1)) return NaN;
  if (df <= 30 && Number.isInteger(df)) return T975[df - 1];
  const z = 1.959963984540054;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

/** Mean and band across teachers at each recorded index. */
export interface Band {
  readonly mean: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Teachers with a finite value at that index (partial runs are shorter). */
  readonly n: Float64Array;
}

/**
 * Step-by-step statistics across teachers (columns of unequal length allowed; non-finite values,
 * e.g. a diverged run, are left out). Bands: `std` mean ± s (sample std, n − 1), `sem` mean ± s/√n,
 * `ci95` mean ± t₀.₉₇₅(n − 1)·s/√n (Student t; collapses to the mean when n = 1), `minmax` the
 * range. s = 0 when n = 1.
 */
export function bandAcross(columns: ArrayLike<number>[], kind: BandKind): Band {
  const length = Math.max(0, ...columns.map((c) => c.length));
  const mean = new Float64Array(length);
  const lower = new Float64Array(length);
  const upper = new Float64Array(length);
  const n = new Float64Array(length);
  const lo = new Float64Array(length).fill(Infinity);
  const hi = new Float64Array(length).fill(-Infinity);
  // Column by column (each teacher's line in turn, sequential in memory): per index the sums take
  // the teachers in the same order as a loop over teachers inside a loop over indices would.
  for (const c of columns) {
    for (let i = 0; i < c.length; i++) {
      const v = c[i];
      if (!Number.isFinite(v)) continue;
      n[i]++;
      mean[i] += v;
      if (v < lo[i]) lo[i] = v;
      if (v > hi[i]) hi[i] = v;
    }
  }
  for (let i = 0; i < length; i++) mean[i] = n[i] === 0 ? NaN : mean[i] / n[i];
  // The sum of squares about the mean, in the same order; `upper` holds it until the band is made.
  for (const c of columns) {
    for (let i = 0; i < c.length; i++) {
      const v = c[i];
      if (Number.isFinite(v)) upper[i] += (v - mean[i]) * (v - mean[i]);
    }
  }
  for (let i = 0; i < length; i++) {
    const count = n[i];
    if (count === 0) {
      lower[i] = upper[i] = NaN;
      continue;
    }
    const m = mean[i];
    const s = count > 1 ? Math.sqrt(upper[i] / (count - 1)) : 0;
    const half = kind === 'std' ? s : kind === 'sem' ? s / Math.sqrt(count) : kind === 'ci95' ? (count > 1 ? tQuantile975(count - 1) * s / Math.sqrt(count) : 0) : NaN;
    lower[i] = kind === 'minmax' ? lo[i] : m - half;
    upper[i] = kind === 'minmax' ? hi[i] : m + half;
  }
  return { mean, lower, upper, n };
}

/** Exponential moving average, y'_i = α y'_{i−1} + (1 − α) y_i, starting at y_0; non-finite values carry the previous one. */
export function ema(y: ArrayLike<number>, alpha: number): Float64Array {
  const out = new Float64Array(y.length);
  let prev = NaN;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) {
      out[i] = prev;
      continue;
    }
    prev = Number.isFinite(prev) ? alpha * prev + (1 - alpha) * v : v;
    out[i] = prev;
  }
  return out;
}

/**
 * Indices to draw of a series of `length` points, at most maxPoints: the first, the last, and per
 * bucket of the interior the indices of its minimum and maximum of y (keeps spikes, unlike
 * striding). Buckets are equal in index, or, given the (increasing, positive) x of a log axis,
 * equal in log x, so that the early steps a log axis spreads out keep their detail. All indices
 * when maxPoints is null or the series is short enough.
 */
export function thinIndices(y: ArrayLike<number>, maxPoints: number | null, logX?: ArrayLike<number>): number[] {
  const length = y.length;
  if (maxPoints === null || length <= maxPoints) return Array.from({ length }, (_, i) => i);
  if (maxPoints < 4) return maxPoints <= 1 ? [0] : [0, length - 1];
  const buckets = Math.floor((maxPoints - 2) / 2);
  const interior = length - 2;
  const out = [0];
  const lo0 = logX === undefined ? 0 : Math.log(logX[1]);
  const span = logX === undefined ? 0 : Math.log(logX[length - 2]) - lo0;
  // First index of bucket b: by index, or the first x at or past the bucket's start in log x.
  let at = 1;
  const start = (b: number): number => {
    if (logX === undefined || !(span > 0)) return 1 + Math.floor((b * interior) / buckets);
    const edge = lo0 + (span * b) / buckets;
    while (at < length - 1 && Math.log(logX[at]) < edge) at++;
    return at;
  };
  let from = start(0);
  for (let b = 0; b < buckets; b++) {
    const to = b === buckets - 1 ? length - 1 : start(b + 1);
    if (to > from) {
      let lo = from;
      let hi = from;
      for (let i = from; i < to; i++) {
        if (y[i] < y[lo]) lo = i;
        if (y[i] > y[hi]) hi = i;
      }
      if (lo === hi) out.push(lo);
      else out.push(Math.min(lo, hi), Math.max(lo, hi));
    }
    from = Math.max(from, to);
  }
  out.push(length - 1);
  return out;
}

/** Indices where (x, y) can be drawn on the figure's axes: finite, x > 0 on a log x axis, y > 0 on a log y axis. */
export function drawable(x: ArrayLike<number>, ys: ArrayLike<number>[], logX: boolean, logY: boolean): number[] {
  // Plain loops, no closures: this runs for each of hundreds of teacher lines.
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    if (!Number.isFinite(xi) || (logX && xi <= 0)) continue;
    let ok = true;
    for (let k = 0; k < ys.length && ok; k++) {
      const y = ys[k];
      ok = i < y.length && Number.isFinite(y[i]) && !(logY && y[i] <= 0);
    }
    if (ok) out.push(i);
  }
  return out;
}

export function pick(a: ArrayLike<number>, idx: readonly number[]): Float64Array {
  // A run of consecutive points (every point, or all but step 0 on a log axis: the usual cases):
  // a view of a Float64Array source, no copy.
  if (a instanceof Float64Array && (idx.length === 0 || idx[idx.length - 1] - idx[0] === idx.length - 1)) {
    return idx.length === a.length ? a : a.subarray(idx[0] ?? 0, (idx[0] ?? 0) + idx.length);
  }
  const out = new Float64Array(idx.length);
  for (let j = 0; j < idx.length; j++) out[j] = a[idx[j]];
  return out;
}

/** Mean, sample std and count of the finite values. */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number; n: number } {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) continue;
    n++;
    sum += values[i];
  }
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) ss += (values[i] - mean) ** 2;
  return { mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n };
}
