/** The run store's records as the app sees them, and the conversions from SQLite rows. */
import type { RunDescriptor, RunKey } from '../../engine/grid';
import { isRandomFeaturesSpec, randomFeaturesColumns } from '../../engine/randomFeatures/spec';
import type { RunSeries } from '../../engine/run';
import type { ExperimentSpec } from '../../engine/spec';
import type { StoredSummary } from '../../engine/summary';
import type { ExperimentStatus, RunRecordStatus } from '../../shared/experiment';
import type { EngineCheckpoint } from '../../shared/jobs';
import type { Runner } from '../liveness';
import { blockFromPieces, type ColumnsLike, columnsFromPieces, type PackedBlock, storedSeriesOf, type SeriesColumns, type SeriesPiece } from '../../shared/seriesBlock';
import { float64Block, seriesColumnNames, viewColumns } from '../../shared/seriesCodec';
import { decodeChunk, encodeChunk } from './seriesEncoding';

export type { ExperimentStatus, RunRecordStatus } from '../../shared/experiment';

export interface ExperimentRecord {
  readonly id: number;
  readonly name: string;
  readonly setup: string;
  readonly spec: ExperimentSpec;
  readonly seed: number;
  readonly status: ExperimentStatus;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly appVersion: string;
  readonly notes: string;
  /** The user’s label for comparisons (schema 9), or null. */
  readonly label: string | null;
  readonly tags: string[];
  /** Without its per-step trajectories (store.loadSummary attaches them). */
  readonly summary: StoredSummary | null;
  readonly error: string | null;
  readonly duplicatedFrom: number | null;
  /** The process running it, while it is `running`. */
  readonly runner: Runner | null;
}

export interface RunRecord {
  readonly id: number;
  readonly experimentId: number;
  readonly key: RunKey;
  readonly status: RunRecordStatus;
  readonly descriptor: RunDescriptor | null;
  readonly columns: string[];
  readonly recorded: number;
  readonly stepsDone: number;
  readonly checkpoint: EngineCheckpoint | null;
  readonly error: string | null;
}

export interface ExperimentRow {
  id: number;
  name: string;
  setup: string;
  spec: string;
  seed: number;
  status: ExperimentStatus;
  created_at: string;
  finished_at: string | null;
  app_version: string;
  notes: string;
  /** Schema 6; undefined when a query leaves it out. */
  label?: string | null;
  summary: string | null;
  error: string | null;
  duplicated_from: number | null;
  runner_pid: number | null;
  runner_host: string | null;
  runner_start: string | null;
}

export interface RunRow {
  id: number;
  experiment_id: number;
  cell: number;
  teacher: number;
  lr_index: number;
  status: RunRecordStatus;
  descriptor: string | null;
  columns: string;
  recorded: number;
  steps_done: number;
  checkpoint: string | null;
  error: string | null;
}

export function toRunner(row: Pick<ExperimentRow, 'runner_pid' | 'runner_host' | 'runner_start'>): Runner | null {
  return row.runner_pid === null ? null : { pid: row.runner_pid, host: row.runner_host, start: row.runner_start };
}

export function toExperiment(row: ExperimentRow, tags: string[]): ExperimentRecord {
  return {
    id: row.id,
    name: row.name,
    setup: row.setup,
    spec: JSON.parse(row.spec) as ExperimentSpec,
    seed: row.seed,
    status: row.status,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    appVersion: row.app_version,
    notes: row.notes,
    label: row.label ?? null,
    tags,
    summary: row.summary === null ? null : (JSON.parse(row.summary) as StoredSummary),
    error: row.error,
    duplicatedFrom: row.duplicated_from,
    runner: toRunner(row),
  };
}

export function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    experimentId: row.experiment_id,
    key: { cell: row.cell, teacher: row.teacher, lr: row.lr_index },
    status: row.status,
    descriptor: row.descriptor === null ? null : (JSON.parse(row.descriptor) as RunDescriptor),
    columns: JSON.parse(row.columns) as string[],
    recorded: row.recorded,
    stepsDone: row.steps_done,
    checkpoint: row.checkpoint === null ? null : (JSON.parse(row.checkpoint) as EngineCheckpoint),
    error: row.error,
  };
}

/** Series columns in stored order (src/shared/seriesCodec.ts). */
export function seriesColumns(spec: ExperimentSpec): string[] {
  if (isRandomFeaturesSpec(spec)) return randomFeaturesColumns(spec);
  return seriesColumnNames(spec.sft.earlyStopping === 'validation');
}

/**
 * Points a stored series chunk holds at most: 16 384 points × 7 columns × 8 bytes is under 1 MB, so
 * a long run (10⁷ steps) is written and read a megabyte at a time, never as one blob.
 */
export const SERIES_CHUNK_POINTS = 16_384;

/**
 * The chunks to store for `count` points of `chunk` starting at point `from`: each at most
 * SERIES_CHUNK_POINTS points, as [start, count, encoded BLOB] (seriesEncoding.ts).
 */
export function* seriesPieces(chunk: ColumnsLike, columns: string[], from: number, count: number, format: ChunkFormat = 'compact'): Generator<[number, number, Buffer]> {
  const sources = columns.map((name) => {
    const values = chunk[name];
    if (values === undefined || values.length < count) throw new Error(`series '${name}' has fewer than ${count} points`);
    return values instanceof Float64Array ? values : Float64Array.from(values);
  });
  for (let offset = 0; offset < count; offset += SERIES_CHUNK_POINTS) {
    const n = Math.min(SERIES_CHUNK_POINTS, count - offset);
    const values = (c: number) => sources[c].subarray(offset, offset + n);
    yield [from + offset, n, format === 'compact' ? encodeChunk(columns, values, n) : rawChunk(columns, values, n)];
  }
}

/** Metric-major bytes of `count` points (a bundle's block) as a series of column views. */
export function blockSeries(block: Uint8Array, columns: string[], count: number): SeriesColumns {
  return viewColumns(block, columns, count);
}

/**
 * How a file stores its chunks: 'compact' from schema 10 on (seriesEncoding.ts), 'raw' before
 * (metric-major little-endian doubles), for a file opened at an older version (openAtVersion).
 */
export type ChunkFormat = 'compact' | 'raw';

/** Metric-major doubles of `count` points, as schemas 1–9 stored a chunk. */
function rawChunk(columns: readonly string[], values: (c: number) => Float64Array, count: number): Buffer {
  const block = new Float64Array(columns.length * count);
  columns.forEach((_, c) => block.set(values(c), c * count));
  return Buffer.from(block.buffer, block.byteOffset, block.byteLength);
}

/** A stored chunk's points, metric-major: column c is block[c·count …]. */
export function chunkBlock(chunk: SeriesChunkRow, columns: readonly string[], format: ChunkFormat = 'compact', wanted?: readonly string[], reuse = false): Float64Array {
  return format === 'compact' ? decodeChunk(chunk.data, columns, chunk.count, wanted, reuse) : float64Block(chunk.data, chunk.count * columns.length);
}

/** A stored chunk of a run's series: `count` points from point `start`, metric-major doubles. */
export interface SeriesChunkRow {
  readonly runId?: number;
  readonly start: number;
  readonly count: number;
  readonly data: Buffer;
}

/** A stored chunk's columns (shared/seriesBlock.ts's record of columns): views on its decoded block. */
function chunkColumns(chunk: SeriesChunkRow, columns: readonly string[], format: ChunkFormat, wanted?: readonly string[], reuse = false): SeriesColumns {
  const block = chunkBlock(chunk, columns, format, wanted, reuse);
  const out: Record<string, Float64Array> = {};
  columns.forEach((name, c) => {
    if (wanted === undefined || wanted.includes(name)) out[name] = block.subarray(c * chunk.count, (c + 1) * chunk.count);
  });
  return out;
}

/** A run's series, one Float64Array per column, from its chunks. */
export function assembleRunSeries(run: RunRecord, chunks: readonly SeriesChunkRow[], format: ChunkFormat = 'compact'): RunSeries {
  // A run of one chunk (a preview run, a run under 16 384 points): views on its decoded block, no copy.
  if (format === 'compact' && chunks.length === 1 && chunks[0].start === 0 && chunks[0].count === run.recorded) {
    return storedSeriesOf(chunkColumns(chunks[0], run.columns, format));
  }
  const pieces = chunks.map((chunk) => ({ start: chunk.start, columns: chunkColumns(chunk, run.columns, format) }));
  return storedSeriesOf(columnsFromPieces(run.columns, run.recorded, pieces));
}

/**
 * Runs' series in one block (shared/seriesBlock.ts): run i's column c is data[offset_i + c·recorded_i …].
 * With `wanted`, the block has only those of the runs' columns (in stored order), and only they are decoded.
 */
export function assembleSeriesBlock(runs: RunRecord[], chunks: Iterable<SeriesChunkRow>, format: ChunkFormat = 'compact', wanted?: readonly string[]): PackedBlock<RunRecord> {
  const stored = runs[0]?.columns ?? [];
  // Only the wanted columns the runs record, in their stored order.
  const columns = wanted === undefined ? stored : stored.filter((name) => wanted.includes(name));
  const index = new Map(runs.map((run, i) => [run.id, i]));
  function* pieces(): Generator<SeriesPiece> {
    // blockFromPieces copies each piece before asking for the next: one decoding buffer serves them all.
    for (const chunk of chunks) yield { run: index.get(chunk.runId as number) as number, start: chunk.start, columns: chunkColumns(chunk, stored, format, wanted === undefined ? undefined : columns, true) };
  }
  // The caller closes `chunks` (store.loadSeriesBlock): a block with no runs or columns reads none of them.
  return blockFromPieces(runs, columns, pieces());
}
