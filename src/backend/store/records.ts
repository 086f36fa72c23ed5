/** The run store's records as the app sees them, and the conversions from SQLite rows. */
import type { RunDescriptor, RunKey } from '../../engine/grid';
import type { RunCheckpoint, RunSeries } from '../../engine/run';
import type { ExperimentSpec } from '../../engine/spec';
import type { StoredSummary } from '../../engine/summary';
import type { ExperimentStatus, RunRecordStatus } from '../../shared/experiment';
import type { Runner } from '../liveness';
import { float64Block, seriesColumnNames } from '../../shared/seriesCodec';
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
  readonly checkpoint: RunCheckpoint | null;
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
    checkpoint: row.checkpoint === null ? null : (JSON.parse(row.checkpoint) as RunCheckpoint),
    error: row.error,
  };
}

/** Series columns in stored order (src/shared/seriesCodec.ts). */
export function seriesColumns(spec: ExperimentSpec): string[] {
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
export function* seriesPieces(chunk: Partial<RunSeries>, columns: string[], from: number, count: number, format: ChunkFormat = 'compact'): Generator<[number, number, Buffer]> {
  const sources = columns.map((name) => {
    const values = (chunk as Record<string, ArrayLike<number> | undefined>)[name];
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
export function blockSeries(block: Uint8Array, columns: string[], count: number): Partial<RunSeries> {
  const values = float64Block(block, count * columns.length);
  const chunk: Record<string, Float64Array> = {};
  columns.forEach((name, c) => (chunk[name] = values.subarray(c * count, (c + 1) * count)));
  return chunk as Partial<RunSeries>;
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
export function chunkBlock(chunk: SeriesChunkRow, columns: readonly string[], format: ChunkFormat = 'compact'): Float64Array {
  return format === 'compact' ? decodeChunk(chunk.data, columns, chunk.count) : float64Block(chunk.data, chunk.count * columns.length);
}

/** A stored chunk of a run's series: `count` points from point `start`, metric-major doubles. */
export interface SeriesChunkRow {
  readonly runId?: number;
  readonly start: number;
  readonly count: number;
  readonly data: Buffer;
}

/** A run's series, one Float64Array per column, from its chunks. */
export function assembleRunSeries(run: RunRecord, chunks: readonly SeriesChunkRow[], format: ChunkFormat = 'compact'): RunSeries {
  const out: Record<string, Float64Array> = {};
  // A run of one chunk (a preview run, a run under 16 384 points): views on its decoded block, no copy.
  if (format === 'compact' && chunks.length === 1 && chunks[0].start === 0 && chunks[0].count === run.recorded) {
    const block = chunkBlock(chunks[0], run.columns, format);
    run.columns.forEach((name, c) => (out[name] = block.subarray(c * run.recorded, (c + 1) * run.recorded)));
    return out as unknown as RunSeries;
  }
  for (const name of run.columns) out[name] = new Float64Array(run.recorded);
  for (const chunk of chunks) {
    const block = chunkBlock(chunk, run.columns, format);
    run.columns.forEach((name, c) => out[name].set(block.subarray(c * chunk.count, (c + 1) * chunk.count), chunk.start));
  }
  return out as unknown as RunSeries;
}

/** Runs' series in one metric-major block: run i's column c is data[offset_i + c·recorded_i …]. */
export function assembleSeriesBlock(runs: RunRecord[], chunks: Iterable<SeriesChunkRow>, format: ChunkFormat = 'compact'): { columns: string[]; data: Float64Array<ArrayBuffer> } {
  const columns = runs[0]?.columns ?? [];
  const offsets = new Map<number, { offset: number; recorded: number }>();
  let total = 0;
  for (const run of runs) {
    offsets.set(run.id, { offset: total, recorded: run.recorded });
    total += run.recorded * columns.length;
  }
  const data = new Float64Array(total);
  const width = columns.length;
  for (const chunk of chunks) {
    const place = offsets.get(chunk.runId as number) as { offset: number; recorded: number };
    const block = chunkBlock(chunk, columns, format);
    for (let c = 0; c < width; c++) data.set(block.subarray(c * chunk.count, (c + 1) * chunk.count), place.offset + c * place.recorded + chunk.start);
  }
  return { columns, data };
}
