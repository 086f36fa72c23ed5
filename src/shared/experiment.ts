/**
 * An experiment's parts as the LabApi carries them, each declared once: the statuses (the store's
 * columns, the events, the history), a run's key and descriptor, the spec and the summary. Each
 * schema's output is the engine's own type (`satisfies` checks one direction here, the contract
 * test the other), so nothing that crosses the boundary needs a cast.
 */
import { z } from 'zod';
import type { RunDescriptor, RunKey } from '../engine/grid';
import { type ExperimentSpec, parseSpec } from '../engine/spec';
import type { RandomFeaturesSummary } from '../engine/randomFeatures';
import type { ExperimentSummary, StoredSummary } from '../engine/summary';

export const EXPERIMENT_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'] as const;
export const ExperimentStatusSchema = z.enum(EXPERIMENT_STATUSES);
export type ExperimentStatus = z.output<typeof ExperimentStatusSchema>;

/** A stored run's status: the engine's ('running', 'done', 'diverged') and the lab's around them. */
export const RUN_STATUSES = ['queued', 'running', 'done', 'diverged', 'failed', 'cancelled', 'interrupted'] as const;
export const RunRecordStatusSchema = z.enum(RUN_STATUSES);
export type RunRecordStatus = z.output<typeof RunRecordStatusSchema>;

/** The statuses of a run that has finished: its steps are all taken (done) or it stopped on a non-finite value (diverged). */
export const FINISHED_RUN_STATUSES = ['done', 'diverged'] as const satisfies readonly RunRecordStatus[];
export type FinishedRunStatus = (typeof FINISHED_RUN_STATUSES)[number];

/** Whether a run has finished (done or diverged): it holds every point it will ever have, and no checkpoint. */
export function isFinished(run: { readonly status: string }): run is { readonly status: FinishedRunStatus } {
  return run.status === 'done' || run.status === 'diverged';
}

/** A Slurm array task's state, as `w2s collect` last saw it. */
export const CLUSTER_TASK_STATES = ['pending', 'running', 'done', 'failed', 'missing'] as const;
export const ClusterTaskStateSchema = z.enum(CLUSTER_TASK_STATES);
export type ClusterTaskState = z.output<typeof ClusterTaskStateSchema>;

/** A tag: what the LabApi's setTags and submit accept, and what an imported bundle may carry. */
export const TagSchema = z.string().min(1, { error: 'must not be empty' }).max(64, { error: 'at most 64 characters' });

/** Tags the app sets itself (explore mode's `w2s:explore` hides a run): a bundle may not bring them in. */
export const APP_TAG_PREFIX = 'w2s:';

/** One run: a cell, a teacher (−1 is the ceiling run), a learning-rate index. */
export const RunKeySchema = z
  .object({ cell: z.number().int().min(0), teacher: z.number().int().min(-1), lr: z.number().int().min(0) })
  .strict() satisfies z.ZodType<RunKey>;

export const RunDescriptorSchema = z.object({
  studentCos: z.number(),
  studentNorm: z.number(),
  studentAccuracy: z.number(),
  teacherCos: z.number(),
  teacherAccuracy: z.number(),
  kappa: z.number(),
}) satisfies z.ZodType<RunDescriptor>;

/**
 * A validated spec with its defaults filled in: the engine's own parseSpec decides, and each of its
 * messages names the field (`sft.learningRates[0]: must be …`). A stored spec is read without the
 * budget (engine/budget.ts): what was accepted before it existed stays readable; every way in
 * (submit, checkSpec, import, the CLI) checks it.
 */
export const ExperimentSpecSchema = z.unknown().transform((value, ctx): ExperimentSpec => {
  const r = parseSpec(value, { budget: false });
  if (r.ok) return r.spec;
  for (const message of r.errors) ctx.issues.push({ code: 'custom', message, input: value });
  return z.NEVER;
});

/**
 * A number of a stored summary. JSON writes NaN (the engine's "no value": a mean over no teacher)
 * as null; it is read back as NaN, so both transports give the engine's number.
 */
const summaryNumber = z.union([z.number(), z.nan(), z.null()]).transform((x) => x ?? NaN);
/** A number the engine itself leaves null (no run selected, no ceiling to compare with). */
const orNull = z.number().nullable();
const count = z.number().int().min(0);

/**
 * A list checked in one pass, not element by element: a trajectory holds a number per recorded step
 * (a 20-cell, 1000-step summary is 3 MB, which zod's per-element checks took ~200 ms to read).
 */
function list<T>(test: (x: unknown) => boolean, what: string) {
  return z.custom<T[]>((v) => Array.isArray(v) && v.every(test), { error: `must be a list of ${what}` });
}
const isCount = (x: unknown) => Number.isInteger(x) && (x as number) >= 0;
const isFiniteNumber = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
/** A list of summary numbers: null (JSON's NaN) read back as NaN. */
const summaryNumbers = list<number | null>((x) => x === null || typeof x === 'number', 'numbers (or null for none)').transform((xs) => xs.map((x) => x ?? NaN));

const TeacherSummarySchema = z.object({
  teacher: z.number().int(),
  cos: summaryNumber,
  accuracy: summaryNumber,
  kappa: summaryNumber,
  bestLearningRate: orNull,
  /** Absent from summaries stored before it existed: null, and readers find the rate instead. */
  bestLrIndex: z.number().int().min(0).nullable().default(null),
  bestStep: orNull,
  peakCos: orNull,
  peakAccuracy: orNull,
  gain: orNull,
  gainAccuracy: orNull,
  pgr: orNull,
});

const meanStd = z.object({ mean: summaryNumbers, std: summaryNumbers });

const TrajectorySchema = z.object({
  step: list<number>(isFiniteNumber, 'finite numbers'),
  metrics: z.object({ inner: meanStd, norm: meanStd, cos: meanStd, accuracy: meanStd }),
  n: list<number>(isCount, 'counts'),
});

/** A 95 % interval (engine/intervals.ts); null bounds (JSON's NaN) when it rests on no value. */
const IntervalSchema = z.object({ estimate: summaryNumber, lo: summaryNumber, hi: summaryNumber, n: count });

/** A cell's coordinates by spec path (engine/grid.ts Cell.axes). */
const AxesSchema = z.record(z.string(), z.number());

const InitialSchema = z.object({ cos: summaryNumber, accuracy: summaryNumber, norm: summaryNumber });

/** A cell's summary as stored and sent: its trajectory apart (engine/summary.ts StoredSummary), or inline in summaries of schema 7 and before. */
const CellSummaryHeadSchema = z.object({
  cell: count,
  norm: orNull,
  teacherAccuracy: orNull,
  kappa: z.number().optional(),
  /** Absent from summaries stored before sweeps. */
  axes: AxesSchema.optional(),
  initial: InitialSchema,
  ceiling: z.object({ accuracy: summaryNumber, bestLearningRate: z.number(), bestStep: z.number() }).nullable(),
  teachers: z.array(TeacherSummarySchema),
  fractionImproved: summaryNumber,
  gainMean: summaryNumber,
  gainStd: summaryNumber,
  gainAccuracyMean: summaryNumber,
  pgrMean: orNull,
  gainInterval: IntervalSchema.optional(),
  fractionImprovedInterval: IntervalSchema.optional(),
  trajectory: TrajectorySchema.optional(),
  /** Absent from summaries stored before the cell's learning rate existed (engine/cellRate.ts). */
  learningRates: z.array(z.object({ lrIndex: count, gainMean: summaryNumber, n: count })).optional(),
  cellLrIndex: count.nullable().optional(),
});

/** A random-features experiment's summary (engine/randomFeatures/summary.ts): accuracies, no cos. */
const RandomFeaturesSummarySchema = z.object({
  studentAccuracy: summaryNumber,
  teachers: z.array(
    z.object({
      teacher: z.number().int(),
      teacherAccuracy: summaryNumber,
      bestLearningRate: orNull,
      bestStep: orNull,
      accuracy: orNull,
      gain: orNull,
      gainStandardError: orNull,
      pgr: orNull,
    }),
  ),
  meanTeacherAccuracy: summaryNumber,
  ceiling: z.object({ accuracy: summaryNumber, bestLearningRate: z.number(), bestStep: z.number() }).nullable(),
  fractionImproved: summaryNumber,
  gainMean: summaryNumber,
  gainStd: summaryNumber,
  evaluation: z.object({ testPoints: count, standardError: summaryNumber }),
}) satisfies z.ZodType<RandomFeaturesSummary>;

/**
 * The engine's summary as the store keeps it and the LabApi sends it: the per-step trajectories
 * are stored binary and left out (a 10⁶-step summary's were 183 MB of JSON).
 */
export const StoredSummarySchema = z.object({
  spec: ExperimentSpecSchema,
  path: z.string(),
  initial: InitialSchema,
  teachers: z.array(TeacherSummarySchema.extend({ cell: count, norm: orNull, teacherAccuracy: orNull })),
  fractionImproved: summaryNumber,
  gainMean: summaryNumber,
  gainStd: summaryNumber,
  trajectory: TrajectorySchema.nullable().optional(),
  cells: z.array(CellSummaryHeadSchema),
  /** A sweep's points with replicates pooled (engine/summary.ts SweepGroup). */
  groups: z
    .array(z.object({ axes: AxesSchema, cells: z.array(count), gainMean: IntervalSchema, fractionImproved: IntervalSchema, pgr: IntervalSchema.nullable(), bestStep: IntervalSchema.nullable() }))
    .optional(),
  runs: z.object({ total: count, done: count, diverged: count, failed: count, cancelled: count }),
  /** Setup 'random-features' only. */
  randomFeatures: RandomFeaturesSummarySchema.optional(),
}) satisfies z.ZodType<StoredSummary>;

/** The engine's whole ExperimentSummary (engine/summary.ts), trajectories included: the summary file, bundles. */
export const ExperimentSummarySchema = StoredSummarySchema.extend({
  trajectory: TrajectorySchema.nullable(),
  cells: z.array(CellSummaryHeadSchema.extend({ trajectory: TrajectorySchema })),
}) satisfies z.ZodType<ExperimentSummary>;
