/**
 * Getting experiments out of and into the store: CSV and JSON exports of every stored point, and
 * bundles (one self-describing, checksummed, gzipped file: spec, seed, series, status, app
 * version) that another W2S Lab imports. A corrupt, truncated or newer bundle is refused before
 * anything is written; an import is one transaction.
 */
import { createHash } from 'node:crypto';
import { statSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { CEILING, cellsOf } from '../engine/grid';
import { type ExperimentSpec, parseSpec } from '../engine/spec';
import { isRandomFeaturesSpec } from '../engine/randomFeatures/spec';
import { runLearningRate, sweptPaths } from '../engine/sweep';
import { APP_VERSION } from '../shared/app';
import type { ExperimentSummary } from '../engine/summary';
import { LabRequestError } from '../shared/labApi';
import { ExperimentStatusSchema, RunKeySchema, RunRecordStatusSchema } from '../shared/experiment';
import { chosenKeys, columnOf, runKeyId, summaryChoices } from '../shared/seriesBlock';
import { packColumns } from '../shared/seriesCodec';
import { BundleError, checkExperiment, checkRuns } from './bundleParts';
import { gunzipBounded, InflateError, MAX_INFLATED_BYTES } from './gunzip';
import { insertImportedExperiment } from './store/imports';
import type { ExperimentRecord, RunRecord, RunStore } from './store/store';

export const BUNDLE_FORMAT = 'w2s-lab-bundle';
export const BUNDLE_VERSION = 1;

/** CSV of every stored point: one row per run and recorded step, full precision. */
export function exportCsv(store: RunStore, id: number): string {
  const experiment = mustExist(store, id);
  const runs = store.loadExperimentRuns(id);
  const columns = runs[0]?.run.columns ?? [];
  const lrs = experiment.spec.sft.learningRates;
  const cells = experiment.summary?.cells ?? [];
  // The cell's prescribed κ (teachers.kappa), empty when the teachers were drawn at random.
  const gridCells = cellsOf(experiment.spec);
  const kappas = gridCells.map((c) => c.kappa ?? '');
  // A sweep's coordinates, one column per swept path ("beta", "data.d", "replicate").
  const swept = sweptPaths(gridCells[0]);
  const metricHeader = columns.map((c) => (c === 'norm' ? 'weight_norm' : c));
  // As the Parquet's column: the teacher's run at its selected learning rate (false for the ceiling; empty before the summary).
  const chosen = selectedRun(experiment);
  const lines = [['experiment', 'cell', 'initial_norm', 'teacher_target_accuracy', 'teacher_kappa', ...swept, 'teacher', 'learning_rate', 'selected', 'status', ...metricHeader].join(',')];
  for (const { run, series } of runs) {
    const cell = cells.find((c) => c.cell === run.key.cell);
    const selected = run.key.teacher === CEILING ? false : chosen === undefined ? '' : chosen(run);
    const prefix = [id, run.key.cell, cell?.norm ?? '', cell?.teacherAccuracy ?? '', kappas[run.key.cell] ?? '', ...swept.map((p) => gridCells[run.key.cell]?.axes[p] ?? ''), run.key.teacher === CEILING ? 'ceiling' : run.key.teacher, runLearningRate(gridCells[run.key.cell], lrs, run.key.lr), selected, run.status].join(',');
    const values = columns.map((c) => columnOf(series, c));
    for (let i = 0; i < run.recorded; i++) lines.push(`${prefix},${values.map((v) => String(v[i])).join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Whether a run is its teacher's at the selected learning rate, from the summary (the Parquet's
 * `selected`, by figureFiles.ts selectedRuns; not imported from there: it would load the figure
 * exporters into every bundle and shard command). Undefined before the experiment has a summary.
 */
function selectedRun(e: ExperimentRecord): ((run: RunRecord) => boolean) | undefined {
  if (e.summary === null) return undefined;
  const chosen = chosenKeys(e.spec.sft.learningRates, summaryChoices(e.summary));
  return (run) => chosen.has(runKeyId(run.key));
}

/** JSON of the experiment (spec, summary) and every run's series as arrays. */
export function exportJson(store: RunStore, id: number): unknown {
  const experiment = mustExist(store, id);
  return {
    app: { name: 'w2s-lab', version: APP_VERSION },
    experiment: { ...experiment, summary: store.loadSummary(id) },
    runs: store.loadExperimentRuns(id).map(({ run, series }) => ({
      key: run.key,
      status: run.status,
      descriptor: run.descriptor,
      series: Object.fromEntries(run.columns.map((c) => [c, Array.from(columnOf(series, c))])),
    })),
  };
}

function mustExist(store: RunStore, id: number): ExperimentRecord {
  const e = store.getExperiment(id);
  if (e === null) throw new RangeError(`no experiment ${id}`);
  return e;
}

const PayloadSchema = z
  .object({
    experiment: z.object({
      name: z.string(),
      spec: z.unknown(),
      status: ExperimentStatusSchema,
      createdAt: z.string(),
      finishedAt: z.string().nullable(),
      appVersion: z.string(),
      notes: z.string(),
      tags: z.array(z.string()),
      summary: z.unknown(),
      error: z.string().nullable(),
    }),
    runs: z.array(
      z.object({
        // Not strict, as bundles were read before the key had a schema of its own.
        key: z.object(RunKeySchema.shape),
        status: RunRecordStatusSchema,
        descriptor: z.unknown(),
        columns: z.array(z.string()).min(1),
        recorded: z.number().int().min(0),
        stepsDone: z.number().int().min(0),
        checkpoint: z.unknown(),
        error: z.string().nullable(),
        /** Metric-major Float64 values, base64. */
        data: z.string(),
      }),
    ),
    /** Present in a Slurm task's shard only: which sweep and task it is (checked by cluster/shards.ts). */
    shard: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type BundlePayload = z.output<typeof PayloadSchema>;

const BundleSchema = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    formatVersion: z.number().int().positive(),
    appVersion: z.string(),
    createdAt: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    payload: z.string(),
  })
  .strict();

/** What a bundle holds of a stored experiment: the experiment's record and every run with its series. */
export function bundlePayload(store: RunStore, id: number): BundlePayload {
  const e = mustExist(store, id);
  // Its descriptors, checkpoints and summary have no bundle schema yet (bundleParts.ts checks the linear setups' only).
  if (isRandomFeaturesSpec(e.spec)) throw new LabRequestError(409, `experiment ${id}: bundles of setup 'random-features' are not wired yet; export it as csv, json or parquet`);
  const runs = store.loadExperimentRuns(id).map(({ run, series }) => ({
    key: run.key,
    status: run.status,
    descriptor: run.descriptor,
    columns: run.columns,
    recorded: run.recorded,
    stepsDone: run.stepsDone,
    checkpoint: run.checkpoint,
    error: run.error,
    data: Buffer.from(packColumns(series, run.columns, run.recorded)).toString('base64'),
  }));
  return {
    // The whole summary, its trajectories attached: a bundle is self-describing.
    experiment: { name: e.name, spec: e.spec, status: e.status, createdAt: e.createdAt, finishedAt: e.finishedAt, appVersion: e.appVersion, notes: e.notes, tags: e.tags, summary: store.loadSummary(id), error: e.error },
    runs,
  };
}

/** The file: the payload as JSON under its SHA-256, with the format header, gzipped. */
export function sealBundle(content: BundlePayload): Buffer {
  const payload = JSON.stringify(content);
  const bundle = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_VERSION,
    appVersion: APP_VERSION,
    createdAt: new Date().toISOString(),
    sha256: createHash('sha256').update(payload).digest('hex'),
    payload,
  };
  return gzipSync(Buffer.from(JSON.stringify(bundle), 'utf8'));
}

/** One file holding an experiment with everything needed to look at it or resume it elsewhere. */
export function makeBundle(store: RunStore, id: number): Buffer {
  return sealBundle(bundlePayload(store, id));
}

export { BundleError } from './bundleParts';

/** A bundle checked completely (format, version, checksum, every part: bundleParts.ts); nothing written. */
export interface CheckedBundle {
  readonly payload: BundlePayload;
  readonly spec: ExperimentSpec;
  /** The summary as the contract reads it (numbers the JSON wrote as null back to NaN), or null. */
  readonly summary: ExperimentSummary | null;
  /** Each run's series bytes (metric-major Float64), in the order of payload.runs. */
  readonly blocks: Buffer[];
  /** SHA-256 of the payload, as the file states and as computed. */
  readonly sha256: string;
}

/**
 * A bundle or shard file's bytes, refused unread past MAX_INFLATED_BYTES (a real bundle inflates
 * to more than it takes on disk). Errors reading it are the file system's.
 */
export function readBundleFile(path: string): Buffer {
  const size = statSync(path).size;
  if (size > MAX_INFLATED_BYTES) throw new BundleError(`not a W2S Lab bundle: ${size} bytes, larger than any bundle this W2S Lab reads (${MAX_INFLATED_BYTES})`);
  return readFileSync(path);
}

/** Read and check a bundle or shard file; a BundleError says what is wrong, in one line naming the part. Writes nothing. */
export async function readBundle(file: Uint8Array): Promise<CheckedBundle> {
  let text: string;
  try {
    text = (await gunzipBounded(file)).toString('utf8');
  } catch (error) {
    if (error instanceof InflateError) throw new BundleError(error.kind === 'bomb' ? `refused: ${error.message}` : `not a W2S Lab bundle, or truncated or corrupt (${error.message})`);
    throw error;
  }
  let outer: unknown;
  try {
    outer = JSON.parse(text);
  } catch {
    throw new BundleError('not a W2S Lab bundle: its content is not JSON');
  }
  const head = z.object({ format: z.string(), formatVersion: z.number() }).safeParse(outer);
  if (!head.success || head.data.format !== BUNDLE_FORMAT) throw new BundleError('not a W2S Lab bundle (no w2s-lab-bundle header)');
  if (head.data.formatVersion > BUNDLE_VERSION) {
    throw new BundleError(`bundle format ${head.data.formatVersion} is newer than this W2S Lab (${APP_VERSION}) reads (${BUNDLE_VERSION}): update W2S Lab`);
  }
  const bundle = BundleSchema.safeParse(outer);
  if (!bundle.success) throw new BundleError(`malformed bundle: ${bundle.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (createHash('sha256').update(bundle.data.payload).digest('hex') !== bundle.data.sha256) throw new BundleError('bundle checksum mismatch: the file is corrupt');
  let inner: unknown;
  try {
    inner = JSON.parse(bundle.data.payload);
  } catch {
    throw new BundleError('malformed bundle: its payload is not JSON');
  }
  const parsed = PayloadSchema.safeParse(inner);
  if (!parsed.success) throw new BundleError(`malformed bundle: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const spec = parseSpec(parsed.data.experiment.spec);
  if (!spec.ok) throw new BundleError(`experiment.spec: invalid here: ${spec.errors.join('; ')}`);
  const blocks = parsed.data.runs.map((run) => {
    const bytes = Buffer.from(run.data, 'base64');
    if (bytes.length !== run.recorded * run.columns.length * 8) throw new BundleError(`run ${JSON.stringify(run.key)}: series size does not match its ${run.recorded} points`);
    return bytes;
  });
  const cells = cellsOf(spec.spec).length;
  const summary = checkExperiment(spec.spec, parsed.data.experiment, cells);
  checkRuns(spec.spec, parsed.data.runs, blocks, cells);
  return { payload: parsed.data, spec: spec.spec, summary, blocks, sha256: bundle.data.sha256 };
}

/** Check a bundle completely, then import it in one transaction; returns the new experiment id. */
export async function importBundle(store: RunStore, file: Uint8Array): Promise<number> {
  const { payload, spec, summary, blocks } = await readBundle(file);
  // A shard is part of an experiment already in some history: only `w2s collect` merges it there.
  if (payload.shard !== undefined) throw new BundleError('this is a shard of a Slurm sweep, not a whole experiment: `w2s collect ID` imports it into its experiment');
  const { experiment, runs } = payload;
  return insertImportedExperiment(store, spec, { ...experiment, summary }, runs, blocks);
}
