/**
 * An experiment as a grid of independent runs (docs/spec.md §7–8, §10): cells (initial norm × teacher
 * accuracy × κ when the spec sets teachers.kappa) × teachers × learning rates, plus one ground-truth "ceiling" run per cell and learning
 * rate. A run is named by its key alone, and rebuilt from (spec, key) wherever it runs.
 */

import { getPath, hasReplicateAxis, isSweep, pointCoordinates, pointCount, REPLICATE, type SweepFields } from './sweep';

/**
 * The fields of a spec its grid is made of (engine/spec.ts's ExperimentSpec has them): written
 * here, not imported, so that the spec's parser can check the grid's budget (budget.ts) without a
 * circle of imports.
 */
export interface GridSpec extends SweepFields {
  readonly setup: 'random-teacher' | 'shared-pretraining' | 'random-features';
  readonly student: { readonly norm: readonly number[] };
  readonly teachers: { readonly count: number; readonly accuracy: readonly number[]; readonly kappa?: readonly number[] };
  readonly sft: { readonly ceiling: boolean; readonly learningRates: readonly number[]; readonly steps: number; readonly batchSize: number; readonly recordEvery?: number };
}

/** The ceiling run's teacher index: SFT on ground-truth labels (teacher = w*). */
export const CEILING = -1;

/** One run: a cell, a teacher (or CEILING), a learning-rate index. */
export interface RunKey {
  readonly cell: number;
  readonly teacher: number;
  readonly lr: number;
}

/** One point of the grid of initial norms × teacher accuracies × κ (random teacher; one cell otherwise). */
export interface Cell {
  readonly index: number;
  /** Target initial norm (random teacher), or null when the student comes from pretraining. */
  readonly norm: number | null;
  /** Target teacher accuracy (random teacher), or null when teachers come from pretraining. */
  readonly teacherAccuracy: number | null;
  /** Prescribed κ = cos(w⊥, w_T⊥) of the cell's teachers (docs/spec.md §10), or null: drawn as the setup draws it. */
  readonly kappa: number | null;
  /** The sweep point the cell belongs to (sweep.ts; 0 without a sweep). */
  readonly point: number;
  /**
   * The cell's coordinates by spec path: its point's swept fields, its initial norm, teacher
   * accuracy and κ where the setup has them, and `replicate` when the spec has replicates.
   */
  readonly axes: Readonly<Record<string, number>>;
}

/** What is known of a run's student and teacher before SFT. */
export interface RunDescriptor {
  readonly studentCos: number;
  readonly studentNorm: number;
  readonly studentAccuracy: number;
  /** cos_Σ(w_T, w*). */
  readonly teacherCos: number;
  readonly teacherAccuracy: number;
  /** κ = cos(w⊥, w_T⊥): alignment of the student's and teacher's errors orthogonal to w*. */
  readonly kappa: number;
}

/** A point's inner cell lists: its own value where the sweep sets an inner field, else the spec's list. */
function innerLists(spec: GridSpec, at: Readonly<Record<string, number>>): { norms: readonly number[]; accuracies: readonly number[]; kappas: readonly (number | null)[] } {
  const own = (path: string, list: readonly number[]) => (path in at ? [at[path]] : list);
  const kappa = spec.teachers.kappa;
  return {
    norms: own('student.norm', spec.student.norm),
    accuracies: own('teachers.accuracy', spec.teachers.accuracy),
    kappas: 'teachers.kappa' in at ? [at['teachers.kappa']] : (kappa ?? [null]),
  };
}

/** Cells a point holds: norm × teacher accuracy × κ (random teacher; one cell otherwise). */
function innerCellCount(spec: GridSpec): number {
  if (spec.setup !== 'random-teacher') return 1;
  const { norms, accuracies, kappas } = innerLists(spec, isSweep(spec) ? pointCoordinates(spec, 0).axes : {});
  return norms.length * accuracies.length * kappas.length;
}

/**
 * The cells in a fixed order: sweep point outermost (sweep.ts), then norm, then teacher accuracy,
 * then κ (innermost). Without teachers.kappa every cell's κ is null; without a sweep there is one
 * point and the cells are those of norm × accuracy (× κ) alone.
 */
export function cellsOf(spec: GridSpec): Cell[] {
  const cells: Cell[] = [];
  const points = isSweep(spec) ? pointCount(spec) : 1;
  const withReplicate = hasReplicateAxis(spec);
  for (let point = 0; point < points; point++) {
    const { axes: at, replicate } = isSweep(spec) ? pointCoordinates(spec, point) : { axes: {}, replicate: 0 };
    const tail: Record<string, number> = withReplicate ? { [REPLICATE]: replicate } : {};
    if (spec.setup !== 'random-teacher') {
      cells.push({ index: cells.length, norm: null, teacherAccuracy: null, kappa: null, point, axes: { ...at, ...tail } });
      continue;
    }
    const { norms, accuracies, kappas } = innerLists(spec, at);
    for (const norm of norms) {
      for (const teacherAccuracy of accuracies) {
        for (const kappa of kappas) {
          const inner: Record<string, number> = { 'student.norm': norm, 'teachers.accuracy': teacherAccuracy, ...(kappa === null ? {} : { 'teachers.kappa': kappa }) };
          cells.push({ index: cells.length, norm, teacherAccuracy, kappa, point, axes: { ...at, ...inner, ...tail } });
        }
      }
    }
  }
  return cells;
}

/** Cells in all: points × each point's inner cells (no cell is built). */
export function cellCount(spec: GridSpec): number {
  return (isSweep(spec) ? pointCount(spec) : 1) * innerCellCount(spec);
}

/**
 * Σ over the sweep's points of f(the point's value of `path`), each point weighted by its runs:
 * what the budget and the estimate add up when sft.steps or sft.batchSize vary.
 */
export function sumOverRuns(spec: GridSpec, path: string, f: (value: number) => number): number {
  const runs = innerCellCount(spec) * runsPerCell(spec);
  const base = getPath(spec, path) as number;
  if (!isSweep(spec)) return runs * f(base);
  let sum = 0;
  for (let point = 0, n = pointCount(spec); point < n; point++) {
    const at = pointCoordinates(spec, point).axes;
    sum += runs * f(path in at ? at[path] : base);
  }
  return sum;
}

/**
 * One axis of the grid of runs: the spec field that lists its values, and how many there are.
 * The runs are the product of the axes, outermost first (docs/spec.md §7–8).
 */
export interface GridAxis {
  readonly field: string;
  /** What its values are, in a sentence: "initial norms", "teachers and the ceiling". */
  readonly label: string;
  readonly size: number;
}

/**
 * The grid's axes in run order: the cells' axes (initial norm, teacher accuracy, κ), then the
 * teacher (the ceiling first when there is one), then the learning rate. Any later axis (a
 * replicate, another field swept) is one more entry: everything below works on the product.
 */
export function gridAxes(spec: GridSpec): GridAxis[] {
  const at = isSweep(spec) ? pointCoordinates(spec, 0).axes : {};
  const swept: GridAxis[] = [
    ...(spec.grid === undefined ? [] : [{ field: 'grid', label: 'grid points', size: spec.grid.length }]),
    ...(spec.axes ?? []).map((a) => ({ field: a.path, label: `values of ${a.path}`, size: a.values.length })),
    ...(spec.replicates === undefined ? [] : [{ field: 'replicates', label: 'replicates', size: spec.replicates }]),
  ];
  const inner = (field: string, label: string, size: number): GridAxis[] => (field in at ? [] : [{ field, label, size }]);
  const cells: GridAxis[] =
    spec.setup !== 'random-teacher'
      ? []
      : [
          ...inner('student.norm', 'initial norms', spec.student.norm.length),
          ...inner('teachers.accuracy', 'teacher accuracies', spec.teachers.accuracy.length),
          ...(spec.teachers.kappa === undefined ? [] : inner('teachers.kappa', 'values of κ', spec.teachers.kappa.length)),
        ];
  return [
    ...swept,
    ...cells,
    { field: 'teachers.count', label: spec.sft.ceiling ? 'teachers and the ceiling' : 'teachers', size: spec.teachers.count + (spec.sft.ceiling ? 1 : 0) },
    { field: 'sft.learningRates', label: 'learning rates', size: spec.sft.learningRates.length },
  ];
}

/** The number of runs: the product of the grid's axes (an exact integer below 2^53 for any valid spec). */
export function runCount(spec: GridSpec): number {
  return gridAxes(spec).reduce((product, axis) => product * axis.size, 1);
}

/** Runs per cell: teachers (and the ceiling) × learning rates. */
function runsPerCell(spec: GridSpec): number {
  return (spec.teachers.count + (spec.sft.ceiling ? 1 : 0)) * spec.sft.learningRates.length;
}

/** The run at `index` in the fixed order (cell, then teacher with the ceiling first, then learning rate), by index arithmetic. */
export function runKeyAt(spec: GridSpec, index: number): RunKey {
  const perCell = runsPerCell(spec);
  const lrs = spec.sft.learningRates.length;
  const within = index % perCell;
  return { cell: Math.floor(index / perCell), teacher: Math.floor(within / lrs) + (spec.sft.ceiling ? CEILING : 0), lr: within % lrs };
}

/** The position of a run of this spec in that order: runKeyAt's inverse. */
export function runIndexOf(spec: GridSpec, key: RunKey): number {
  const lrs = spec.sft.learningRates.length;
  return key.cell * runsPerCell(spec) + (key.teacher - (spec.sft.ceiling ? CEILING : 0)) * lrs + key.lr;
}

/**
 * The runs from index `from` up to `to` (exclusive), one at a time: a grid of a million runs is
 * never held as a list of keys.
 */
export function* eachRunKey(spec: GridSpec, from = 0, to = Infinity): Generator<RunKey> {
  const end = Math.min(to, runCount(spec));
  for (let index = from; index < end; index++) yield runKeyAt(spec, index);
}

/** Above this many runs, runKeys refuses: a list of every key is for small grids (tests, a task's share). */
const RUN_KEY_LIST_MAX = 100_000;

/** Every key at once, for small grids; the lab and the store iterate (eachRunKey) or index (runKeyAt) instead. */
export function runKeys(spec: GridSpec): RunKey[] {
  const count = runCount(spec);
  if (count > RUN_KEY_LIST_MAX) throw new RangeError(`runKeys lists at most ${RUN_KEY_LIST_MAX} keys (this grid has ${count}): iterate with eachRunKey`);
  return [...eachRunKey(spec, 0, count)];
}

/** Samples drawn by a whole experiment, for the builder's estimate (batches only). */
export function samplesToDraw(spec: GridSpec): number {
  if (!isSweep(spec)) return runCount(spec) * spec.sft.steps * spec.sft.batchSize;
  let sum = 0;
  const runs = innerCellCount(spec) * runsPerCell(spec);
  for (let point = 0, n = pointCount(spec); point < n; point++) {
    const at = pointCoordinates(spec, point).axes;
    sum += runs * (at['sft.steps'] ?? spec.sft.steps) * (at['sft.batchSize'] ?? spec.sft.batchSize);
  }
  return sum;
}

/** SGD steps a whole experiment takes (Σ over its points when sft.steps varies). */
export function stepsToRun(spec: GridSpec): number {
  return sumOverRuns(spec, 'sft.steps', (steps) => steps);
}

/** Number of recorded points for T steps recorded every k: steps 0, k, 2k, …, and T. */
export function recordedLength(steps: number, recordEvery: number): number {
  return Math.floor(steps / recordEvery) + 1 + (steps % recordEvery === 0 ? 0 : 1);
}

/** Whether a key names a run of this spec. */
export function isRunKeyOf(spec: GridSpec, key: RunKey, cells: number): boolean {
  return (
    Number.isInteger(key.cell) && key.cell >= 0 && key.cell < cells &&
    Number.isInteger(key.teacher) && key.teacher >= (spec.sft.ceiling ? CEILING : 0) && key.teacher < spec.teachers.count &&
    Number.isInteger(key.lr) && key.lr >= 0 && key.lr < spec.sft.learningRates.length
  );
}

/** The value of a (scalar) spec field that cell `cell` runs with: its point's where swept, else the spec's (no cell is built). */
export function valueAtCell(spec: GridSpec, cell: number, path: string): number {
  const base = getPath(spec, path) as number;
  if (!isSweep(spec)) return base;
  const at = pointCoordinates(spec, Math.floor(cell / innerCellCount(spec))).axes;
  return path in at ? at[path] : base;
}

/** The mean steps of a run (the steps of each when sft.steps is not swept): what progress counts a finished run as. */
export function meanStepsPerRun(spec: GridSpec): number {
  return stepsToRun(spec) / runCount(spec);
}
