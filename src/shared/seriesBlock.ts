/**
 * The one layout of series between the engine and a chart. A run's series is a record of columns
 * (engine/columns.ts: the engine's RunSeries, a checkpoint's chunk, a stored run once decoded);
 * several runs travel as one block, a single Float64Array in which each run's columns follow one
 * another:
 *
 *   run i's column c = data[offset_i + c·recorded_i, offset_i + (c + 1)·recorded_i),
 *   offset_0 = 0,  offset_{i+1} = offset_i + width·recorded_i,  data.length ≥ offset_runs.
 *
 * A block of one run is a stored chunk's metric-major layout (shared/seriesCodec.ts packs its
 * bytes). This module alone does the offset arithmetic: views of a block's runs, packing runs'
 * columns into a block, and selection of runs (by key) and columns out of a block. The store
 * decodes its chunks into columns and hands them here (blockFromPieces for an experiment's block,
 * columnsFromPieces for a run's columns); getSeries sends a block as it is, and the charts read it
 * through blockViews.
 */
import { columnRange, type SeriesColumns } from '../engine/columns';
import type { RunKey } from '../engine/grid';
import type { RunSeries } from '../engine/run';
import type { StoredSummary } from '../engine/summary';

export { columnRange, type SeriesColumns } from '../engine/columns';

/** Columns to pack: typed arrays, or plain arrays (a JSON bundle's). */
export type ColumnsLike = { readonly [name: string]: ArrayLike<number> | undefined };

/** What a block knows of a run: how many points it recorded. */
export interface BlockRun {
  readonly recorded: number;
}

/** Runs' series in one block; the runs may carry anything else (a record, a key, a status). */
export interface SeriesBlock<R extends BlockRun = BlockRun> {
  readonly runs: readonly R[];
  readonly columns: readonly string[];
  readonly data: Float64Array;
}

/** A block this module made: fresh arrays, a buffer of its own. */
export interface PackedBlock<R extends BlockRun = BlockRun> extends SeriesBlock<R> {
  readonly runs: R[];
  readonly columns: string[];
  readonly data: Float64Array<ArrayBuffer>;
}

/** offset_i of every run, then the block's length (runs.length + 1 numbers). */
export function blockOffsets(runs: readonly BlockRun[], width: number): number[] {
  const offsets = [0];
  for (const run of runs) offsets.push(offsets[offsets.length - 1] + width * run.recorded);
  return offsets;
}

/** A run's points in a run key's words: `cell/teacher/lr`. */
export function runKeyId(key: RunKey): string {
  return `${key.cell}/${key.teacher}/${key.lr}`;
}

/**
 * The keys of each teacher's run at the learning rate a summary selected (a summary's `teachers`;
 * those stored before bestLrIndex existed name the rate only).
 */
export function chosenKeys(
  learningRates: readonly number[],
  teachers: readonly { readonly cell: number; readonly teacher: number; readonly bestLearningRate: number | null; readonly bestLrIndex?: number | null }[],
): Set<string> {
  const chosen = new Set<string>();
  for (const t of teachers) if (t.bestLearningRate !== null) chosen.add(runKeyId({ cell: t.cell, teacher: t.teacher, lr: t.bestLrIndex ?? learningRates.indexOf(t.bestLearningRate) }));
  return chosen;
}

/**
 * The teachers' choices a stored summary holds, for chosenKeys: the linear setups' `teachers`, or a
 * random-features summary's (one cell, the learning rate its early-stopping rule chose).
 */
export function summaryChoices(summary: Pick<StoredSummary, 'teachers' | 'randomFeatures'>): Parameters<typeof chosenKeys>[1] {
  if (summary.randomFeatures === undefined) return summary.teachers;
  return summary.randomFeatures.teachers.map((t) => ({ cell: 0, teacher: t.teacher, bestLearningRate: t.bestLearningRate }));
}

/** Run i's columns as views on the block (no copy), given the block's offsets. */
function viewsAt(block: SeriesBlock, offset: number, recorded: number): Record<string, Float64Array> {
  const columns: Record<string, Float64Array> = {};
  block.columns.forEach((name, c) => (columns[name] = block.data.subarray(offset + c * recorded, offset + (c + 1) * recorded)));
  return columns;
}

/** Every run's columns as views on the block, in block order; a block too short for its runs is refused. */
export function blockViews(block: SeriesBlock): Record<string, Float64Array>[] {
  const offsets = blockOffsets(block.runs, block.columns.length);
  const total = offsets[block.runs.length];
  if (total > block.data.length) throw new Error(`series block holds ${block.data.length} values, runs need ${total}`);
  return block.runs.map((run, i) => viewsAt(block, offsets[i], run.recorded));
}

/** A block of zeros for `runs` × `columns`, to be filled with writeColumns. */
export function emptyBlock<R extends BlockRun>(runs: readonly R[], columns: readonly string[]): PackedBlock<R> {
  return { runs: [...runs], columns: [...columns], data: new Float64Array(blockOffsets(runs, columns.length)[runs.length]) };
}

/**
 * Copy points [from, from + n) of run `index`'s columns into the block, n being the length of
 * the block's first column in `piece` (every column of the block must be there, with n points).
 * `offsets` (blockOffsets) spares recomputing them for each piece.
 */
export function writeColumns(block: SeriesBlock, index: number, from: number, piece: ColumnsLike, offsets: readonly number[] = blockOffsets(block.runs, block.columns.length)): void {
  const recorded = block.runs[index].recorded;
  const n = piece[block.columns[0]]?.length ?? 0;
  if (from + n > recorded) throw new RangeError(`points ${from}–${from + n} past run ${index}'s ${recorded}`);
  block.columns.forEach((name, c) => {
    const values = piece[name];
    if (values === undefined || values.length < n) throw new Error(`series '${name}' has fewer than ${n} points`);
    const at = offsets[index] + c * recorded + from;
    if (values instanceof Float64Array) block.data.set(values.subarray(0, n), at);
    else for (let i = 0; i < n; i++) block.data[at + i] = values[i];
  });
}

/** A piece of a run's series: its columns from point `start` (a stored chunk, decoded). */
export interface SeriesPiece {
  /** The run's index in the block. */
  readonly run: number;
  readonly start: number;
  readonly columns: ColumnsLike;
}

/** The block of `runs` × `columns` from pieces of their series, in any order (the store's chunks: see records.ts). */
export function blockFromPieces<R extends BlockRun>(runs: readonly R[], columns: readonly string[], pieces: Iterable<SeriesPiece>): PackedBlock<R> {
  const block = emptyBlock(runs, columns);
  const offsets = blockOffsets(runs, columns.length);
  if (columns.length > 0) for (const piece of pieces) writeColumns(block, piece.run, piece.start, piece.columns, offsets);
  return block;
}

/** One run's columns, each an array of its own, from pieces of its series in any order (the store's chunks of a run). */
export function columnsFromPieces(columns: readonly string[], recorded: number, pieces: Iterable<Omit<SeriesPiece, 'run'>>): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const name of columns) out[name] = new Float64Array(recorded);
  for (const { start, columns: piece } of pieces) {
    const n = piece[columns[0]]?.length ?? 0;
    if (start + n > recorded) throw new RangeError(`points ${start}–${start + n} past the run's ${recorded}`);
    for (const name of columns) {
      const values = piece[name];
      if (values === undefined || values.length < n) throw new Error(`series '${name}' has fewer than ${n} points`);
      if (values instanceof Float64Array) out[name].set(values.subarray(0, n), start);
      else for (let i = 0; i < n; i++) out[name][start + i] = values[i];
    }
  }
  return out;
}

/** Pack the first `recorded` points of each run's named columns into one block (runs[i]'s columns are series[i]). */
export function packBlock<R extends BlockRun>(runs: readonly R[], series: readonly ColumnsLike[], columns: readonly string[]): PackedBlock<R> {
  const block = emptyBlock(runs, columns);
  const offsets = blockOffsets(runs, columns.length);
  runs.forEach((run, i) => {
    const piece: Record<string, ArrayLike<number>> = {};
    for (const name of columns) {
      const values = series[i][name];
      if (values === undefined || values.length < run.recorded) throw new Error(`series '${name}' has fewer than ${run.recorded} points`);
      piece[name] = values instanceof Float64Array ? values.subarray(0, run.recorded) : Array.prototype.slice.call(values, 0, run.recorded);
    }
    if (columns.length > 0) writeColumns(block, i, 0, piece, offsets);
  });
  return block;
}

/**
 * The block of the runs `keep` keeps (in block order) and of `columns` (in the block's order; all
 * when undefined). The block itself when that is every run and column: nothing is copied then.
 */
export function selectBlock<R extends BlockRun>(block: PackedBlock<R>, keep: (run: R, index: number) => boolean, columns?: readonly string[]): PackedBlock<R> {
  const names = columns === undefined ? block.columns : block.columns.filter((c) => columns.includes(c));
  const indices = block.runs.flatMap((run, i) => (keep(run, i) ? [i] : []));
  if (indices.length === block.runs.length && names.length === block.columns.length) return block;
  const views = blockViews(block);
  return packBlock(indices.map((i) => block.runs[i]), indices.map((i) => views[i]), names);
}

/** The block of the runs whose keys are among `keys` (runKeyId), with only `columns` (all when undefined). */
export function selectByKey<R extends BlockRun & { readonly key: RunKey }>(block: PackedBlock<R>, keys: ReadonlySet<string>, columns?: readonly string[]): PackedBlock<R> {
  return selectBlock(block, (run) => keys.has(runKeyId(run.key)), columns);
}

/** Copies of points [from, to) of every column: what an engine process sends (a view would send its whole buffer). */
export function copyRange<S extends SeriesColumns>(series: S, from: number, to: number): S {
  const out: Record<string, Float64Array> = {};
  for (const [name, values] of Object.entries(columnRange(series, from, to))) if (values !== undefined) out[name] = values.slice();
  return out as S;
}

/** A column a run's series must have (a stored run has every column of its `columns`). */
export function columnOf(series: SeriesColumns, name: string): Float64Array {
  const values = series[name];
  if (values === undefined) throw new RangeError(`the series has no column '${name}'`);
  return values;
}

/** A random-teacher run's columns as the engine's RunSeries (every column but validation required; any other kept). */
export function runSeriesOf(columns: SeriesColumns): RunSeries {
  const { step, inner, norm, cos, accuracy, agreement } = columns;
  if (step === undefined || inner === undefined || norm === undefined || cos === undefined || accuracy === undefined || agreement === undefined) {
    throw new RangeError(`a run's series has step, inner, norm, cos, accuracy and agreement (got ${Object.keys(columns).join(', ')})`);
  }
  return { ...columns, step, inner, norm, cos, accuracy, agreement };
}

/**
 * A stored run's columns as the code that passes series along takes them: the linear setups' series
 * (runSeriesOf, checked), or a random-features run's own columns (step, accuracy, agreement,
 * headNorm, changed, …: engine/randomFeatures/run.ts), passed as they are. Only code that knows the
 * setup (the summary, the exports, the charts) reads a column the setup does not have.
 */
export function storedSeriesOf(columns: SeriesColumns): RunSeries {
  if (columns.headNorm !== undefined && columns.step !== undefined && columns.accuracy !== undefined) return columns as unknown as RunSeries;
  return runSeriesOf(columns);
}

/** Points in a record of columns (those of its step, else of any column; 0 when it has none). */
export function pointCount(series: SeriesColumns): number {
  return (series.step ?? Object.values(series).find((c) => c !== undefined))?.length ?? 0;
}
