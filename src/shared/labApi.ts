/**
 * The LabApi: the one contract between the lab's UI and its backend, whatever carries it
 * (Electron IPC through the preload, or HTTP + server-sent events from `w2s serve`). Each method
 * is a request with a zod schema for its input and its output, validated on both sides of the
 * boundary; events (progress, status changes) are a stream.
 */
import { z } from 'zod';
import {
  ClusterTaskStateSchema,
  ExperimentSpecSchema,
  ExperimentStatusSchema,
  RunDescriptorSchema,
  RunKeySchema,
  RunRecordStatusSchema,
  StoredSummarySchema,
  TagSchema,
} from './experiment';
import { ExportFileSchema, ExportRequestSchema } from './figureExport';
import { SearchSchema } from '../engine/search';

export { ExperimentStatusSchema, RunKeySchema, RunRecordStatusSchema } from './experiment';
export type { ExperimentStatus, RunRecordStatus } from './experiment';

const id = z.number().int().positive();
const tag = TagSchema;

/** The tables of an experiment's data export: every stored point, and one row per teacher. */
export const DATA_TABLES = ['series', 'teachers'] as const;
export type DataTable = (typeof DATA_TABLES)[number];

/** The engine path an experiment runs on (engine.path resolved: 'auto' never takes preview). */
export const EnginePathSchema = z.enum(['reduced', 'preview', 'projected', 'dense']);

/** One row of the run history. */
export const ExperimentListItemSchema = z.object({
  id,
  name: z.string(),
  setup: z.string(),
  status: ExperimentStatusSchema,
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  tags: z.array(z.string()),
  notes: z.string(),
  /** The user's label for comparisons; null: compare names it by what differs from the others. */
  label: z.string().nullable(),
  seed: z.number(),
  /** d, β, norms, teacher accuracies, B, T: what the history table shows. */
  parameters: z.record(z.string(), z.unknown()),
  fractionImproved: z.number().nullable(),
  gainMean: z.number().nullable(),
  /** Where its results come from: 'preview' is the O(1) approximation (docs/preview.md). */
  path: EnginePathSchema,
});

/** A whole experiment: its spec and summary as stored (validated when written, and again here). */
export const ExperimentDetailSchema = ExperimentListItemSchema.extend({
  spec: ExperimentSpecSchema,
  summary: StoredSummarySchema.nullable(),
  appVersion: z.string(),
  error: z.string().nullable(),
  duplicatedFrom: z.number().nullable(),
  runs: z.record(z.string(), z.number()),
});

/**
 * Every run's series in one block, for drawing: `data` holds, for each run in order, its
 * `recorded` points of each column, metric-major (run 0's step…, run 0's inner…, …, run 1's …).
 */
export const SeriesBundleSchema = z.object({
  experimentId: id,
  columns: z.array(z.string()),
  runs: z.array(
    z.object({
      runId: id,
      key: RunKeySchema,
      status: RunRecordStatusSchema,
      recorded: z.number().int().min(0),
      descriptor: RunDescriptorSchema.nullable(),
    }),
  ),
  data: z.instanceof(Float64Array),
  /** Which runs the block holds (getSeries' `runs`); absent from blocks made before it was said. */
  selection: z.enum(['all', 'selected', 'cellRate']).optional(),
  /** With `selection: 'cellRate'`: per cell, the index of its learning rate (engine/cellRate.ts), null for a cell with no run yet. */
  cellLearningRates: z.array(z.number().int().min(0).nullable()).optional(),
});

/**
 * The columns a series block can carry (getSeries' `columns` picks among them): the linear setups'
 * in stored order (shared/seriesCodec.ts), then the random-features setup's own
 * (engine/randomFeatures/spec.ts randomFeaturesColumns).
 */
export const SERIES_COLUMNS = ['step', 'inner', 'norm', 'cos', 'accuracy', 'agreement', 'validation', 'headNorm', 'changed', 'firstLayerShift'] as const;
export type SeriesColumn = (typeof SERIES_COLUMNS)[number];

export const LabEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('progress'),
    experimentId: id,
    runsDone: z.number().int(),
    runsTotal: z.number().int(),
    /** Fraction of all SGD steps done, runs in progress included. */
    fraction: z.number(),
    etaSeconds: z.number().nullable(),
  }),
  /** computeMs: engine time of the job, when it finished in an engine process. */
  z.object({ type: z.literal('run'), experimentId: id, runId: id, status: RunRecordStatusSchema, computeMs: z.number().optional() }),
  /** error: why it stopped or waits, one line to show (a full disk: "… the experiment resumes when there is room"). */
  z.object({ type: z.literal('experiment'), experimentId: id, status: ExperimentStatusSchema, error: z.string().optional() }),
  /** Another process (a `w2s run`, the other shell) changed the history (new experiments, names, tags, statuses): reload the list. */
  z.object({ type: z.literal('history') }),
]);

/** A sweep run as a Slurm job array, as `w2s collect` last saw it (or just saw it, after `collect`). */
export const ClusterSweepSchema = z.object({
  experimentId: id,
  status: ExperimentStatusSchema,
  dir: z.string(),
  jobIds: z.array(z.string()),
  counts: z.object({ done: z.number().int().min(0), running: z.number().int().min(0), pending: z.number().int().min(0), failed: z.number().int().min(0), missing: z.number().int().min(0) }),
  tasks: z.array(
    z.object({
      task: z.number().int().min(0),
      runs: z.number().int().min(0),
      state: ClusterTaskStateSchema,
      slurmState: z.string().nullable(),
      jobId: z.string().nullable(),
      submissions: z.number().int().min(0),
      error: z.string().nullable(),
    }),
  ),
  collectedAt: z.string().nullable(),
  balance: z.number().nullable(),
});

const TheoryInputSchema = z
  .object({
    studentCos: z.number().gt(-1).lt(1),
    studentNorm: z.number().positive(),
    teacherCos: z.number().min(-1).max(1),
    kappa: z.number().min(-1).max(1),
    beta: z.number().positive(),
  })
  .strict();

/**
 * One side of the builder's Preview / Exact choice: the spec with only engine.path changed, the
 * path it would run on, why the engine refuses it (its own messages, each naming its field; empty
 * when it runs) and its time estimate.
 */
export const PathChoiceSchema = z.object({
  path: EnginePathSchema.nullable(),
  refused: z.array(z.string()),
  expectedSeconds: z.number().nullable(),
  estimateBasis: z.string(),
});

const count = z.number().int().min(0);
/** backend/pool.ts's QueuePosition. */
export const QueuePositionSchema = z.object({
  priority: z.enum(['interactive', 'batch']),
  runsRunning: count,
  runsQueued: count,
  processesRunning: count,
  processesStarting: count,
  msPerRun: z.number().min(0).nullable(),
  interactiveRunsQueued: count,
  batchRunsQueued: count,
  processes: count,
  processesBusy: count,
  nextFreeMs: z.number().min(0).nullable(),
});

const nothing = z.object({}).strict();
const byId = z.object({ id }).strict();
const ok = z.object({ ok: z.literal(true) });

/** The methods: name → input and output schemas. */
export const LAB_METHODS = {
  listExperiments: { input: nothing, output: z.array(ExperimentListItemSchema) },
  getExperiment: { input: byId, output: ExperimentDetailSchema },
  /**
   * `runs: 'selected'`: only each teacher's run at its selected learning rate (a finished Figure 1
   * experiment's block shrinks from 136 MB to 19 MB). While it runs, the selection is made by the
   * early-stopping rule on the steps stored so far. `runs: 'cellRate'`: every teacher's run at its
   * cell's learning rate (what the dashboard draws by default), and, while no summary exists, each
   * teacher's selected run too. `columns`: only these (the step always comes), so that a view
   * drawing cos alone receives a third of the block.
   */
  getSeries: {
    input: z
      .object({
        id,
        runs: z.enum(['all', 'selected', 'cellRate'], { error: "must be 'all', 'selected' or 'cellRate'" }).default('all'),
        columns: z.array(z.enum(SERIES_COLUMNS, { error: `must be one of ${SERIES_COLUMNS.join(', ')}` })).min(1).max(SERIES_COLUMNS.length).optional(),
        /** With `runs: 'cellRate'`: the learning-rate index to draw each cell at (null: none), instead of its own (compare: the first experiment's). */
        cellRates: z.array(z.number().int().min(0).nullable()).max(1_000_000).optional(),
      })
      .strict(),
    output: SeriesBundleSchema,
  },
  /** Validate a spec without running it: the builder's inline errors. */
  checkSpec: {
    input: z.object({ spec: z.unknown() }).strict(),
    output: z.object({
      ok: z.boolean(),
      errors: z.array(z.string()),
      spec: ExperimentSpecSchema.nullable(),
      runs: z.number(),
      samples: z.number(),
      /** From this machine's last benchmark; null when none is on record. */
      expectedSeconds: z.number().nullable(),
      estimateBasis: z.string(),
      /** The same spec on the preview path and on an exact one ('auto' unless an exact path is forced). */
      choices: z.object({ preview: PathChoiceSchema, exact: PathChoiceSchema }),
    }),
  },
  /**
   * `duplicatedFrom`: the experiment this one re-runs (e.g. a preview's exact re-run), kept as its
   * provenance. `tags` are stored with it before anyone can list it (explore mode's runs are tagged).
   */
  submit: {
    input: z.object({ spec: z.unknown(), name: z.string().max(200).optional(), duplicatedFrom: id.optional(), tags: z.array(tag).max(64).optional() }).strict(),
    output: z.object({ id }),
  },
  /**
   * Start an adaptive search for a boundary (engine/search.ts, docs/spec.md §13): `spec` is the
   * experiment (without `search` and `grid`), `search` the axis, range, target and level, checked
   * here by field (`search.level: …`). It is stored as an ordinary experiment and runs in the
   * background round by round to its end; `resume` on it continues the search.
   */
  startSearch: {
    input: z.object({ spec: z.unknown(), search: SearchSchema, name: z.string().max(200).optional(), tags: z.array(tag).max(64).optional() }).strict(),
    output: z.object({ id }),
  },
  cancel: { input: byId, output: ok },
  /** Queue its unfinished runs; on a search, continue the search to its end. */
  resume: { input: byId, output: ok },
  rename: { input: z.object({ id, name: z.string().min(1).max(200) }).strict(), output: ok },
  setNotes: { input: z.object({ id, notes: z.string().max(100_000) }).strict(), output: ok },
  /** The label compare shows for it (at most 60 characters; null or blank: named by what differs). */
  setLabel: { input: z.object({ id, label: z.string().max(60, { error: 'must be at most 60 characters' }).nullable() }).strict(), output: ok },
  setTags: { input: z.object({ id, tags: z.array(tag).max(64) }).strict(), output: ok },
  deleteExperiment: { input: byId, output: ok },
  duplicateSpec: { input: byId, output: z.object({ spec: ExperimentSpecSchema }) },
  /** Every Slurm sweep in the history with its tasks' states as last collected (Slurm is not asked). */
  clusterStatus: { input: nothing, output: z.array(ClusterSweepSchema) },
  /** Ask Slurm about a sweep's tasks and import the finished shards (twice changes nothing). */
  collect: { input: byId, output: ClusterSweepSchema.extend({ imported: z.number().int().min(0), notes: z.array(z.string()) }) },
  /** A figure as a file (SVG, PDF, PNG, CSV, matplotlib script or sidecar JSON): the Export dialog's preview and download. */
  exportFigure: { input: ExportRequestSchema, output: ExportFileSchema },
  /** An experiment's data for analysis: every stored point (`series`) or the per-teacher summary (`teachers`), as Parquet. */
  exportData: {
    input: z
      .object({
        id,
        format: z.literal('parquet', { error: "must be 'parquet'" }),
        table: z.enum(DATA_TABLES, { error: `must be one of ${DATA_TABLES.join(', ')}` }),
      })
      .strict(),
    output: ExportFileSchema,
  },
  /** A `w2s bundle` file (base64), checked whole and imported as a new experiment: File → Import bundle…. */
  importBundle: {
    input: z.object({ data: z.string().min(1).max(256 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, { error: 'must be base64' }) }).strict(),
    output: z.object({ id }),
  },
  theory: {
    input: TheoryInputSchema,
    output: z.object({
      T1: z.number(),
      T2: z.number(),
      rate: z.number(),
      k: z.number(),
      conditions: z.object({ teacherBeatsChance: z.boolean(), errorsNotTooAligned: z.boolean(), kappaThreshold: z.number() }),
      improves: z.boolean(),
    }),
  },
  /**
   * What an experiment of this backend waits for in the engine pool: its runs in a process and
   * queued, the interactive runs it takes turns with, and, when every process runs another
   * experiment's job, the expected time until the first frees. Null once none of its runs is left
   * there (or it runs in another process). Explore's status line.
   */
  queuePosition: { input: byId, output: QueuePositionSchema.nullable() },
} as const;

export type LabMethod = keyof typeof LAB_METHODS;
export type LabInput<M extends LabMethod> = z.input<(typeof LAB_METHODS)[M]['input']>;
/** An input after validation: defaults filled in (what the backend's handlers receive). */
export type LabParsedInput<M extends LabMethod> = z.output<(typeof LAB_METHODS)[M]['input']>;
export type LabOutput<M extends LabMethod> = z.output<(typeof LAB_METHODS)[M]['output']>;
export type LabEventMessage = z.output<typeof LabEventSchema>;

/** The API as the UI sees it: every method returns a promise; events arrive through `onEvent`. */
export type LabApi = { [M in LabMethod]: (input: LabInput<M>) => Promise<LabOutput<M>> } & {
  onEvent(listener: (event: LabEventMessage) => void): () => void;
};

/**
 * A request refused by the backend's rules (backend/labCommands.ts) or at the boundary: what and
 * why, with the status HTTP would give it. `errors`: a bad spec's errors by field, as checkSpec
 * gives them (`field.path: rule (got X)`), so that a refused submit needs no second round trip.
 */
export class LabRequestError extends Error {
  constructor(
    /** 400: a bad input; 404: no such experiment; 409: not in this state; 507: the disk holding the history is full. */
    readonly status: 400 | 404 | 409 | 507,
    message: string,
    readonly errors: readonly string[] = [],
  ) {
    super(message);
    this.name = 'LabRequestError';
  }

  /** The same refusal, its message led by `prefix` (a method's name). */
  prefixed(prefix: string): LabRequestError {
    return new LabRequestError(this.status, `${prefix}: ${this.message}`, this.errors);
  }
}

export function isLabMethod(name: string): name is LabMethod {
  return Object.prototype.hasOwnProperty.call(LAB_METHODS, name);
}

/** How deep an input may nest: the contract's deepest input is a few levels; a spec a few more. */
const MAX_INPUT_DEPTH = 32;

/**
 * Where an input is not plain JSON data, or null. HTTP carries JSON only; Electron's structured
 * clone also carries Dates, Maps, typed arrays, BigInts, NaN and sparse arrays, which a schema
 * may read as something else (a Date passes as an empty object): they are refused by name.
 * A property set to undefined counts as absent.
 */
export function plainDataProblem(value: unknown, path = '', depth = 0): string | null {
  const where = path === '' ? '(input)' : path;
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${where}: must be a finite number (got ${value})`;
  if (typeof value !== 'object') return `${where}: must be plain data (got a ${typeof value})`;
  if (depth >= MAX_INPUT_DEPTH) return `${where}: nested more than ${MAX_INPUT_DEPTH} levels deep`;
  const child = (key: string | number) => (path === '' ? String(key) : `${path}.${key}`);
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return `${where}: must be a plain array`;
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return `${child(i)}: missing (a hole in the array)`;
      const problem = plainDataProblem(value[i], child(i), depth + 1);
      if (problem !== null) return problem;
    }
    return null;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) return `${where}: must be plain data (got a ${(value as object).constructor?.name ?? 'non-plain object'})`;
  for (const [key, item] of Object.entries(value)) {
    const problem = plainDataProblem(item, child(key), depth + 1);
    if (problem !== null) return problem;
  }
  return null;
}

/** Validate a method's input; a LabRequestError (400) names each bad field, in its message and its `errors`. */
export function parseInput<M extends LabMethod>(method: M, input: unknown): LabParsedInput<M> {
  const r = LAB_METHODS[method].input.safeParse(input);
  if (!r.success) {
    const fields = r.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(input)'}: ${i.message}`);
    throw new LabRequestError(400, `${method}: ${fields.join('; ')}`, fields);
  }
  return r.data as LabParsedInput<M>;
}

/** Validate a method's output (the other direction of the boundary). */
export function parseOutput<M extends LabMethod>(method: M, output: unknown): LabOutput<M> {
  const r = LAB_METHODS[method].output.safeParse(output);
  if (!r.success) throw new Error(`${method}: the backend answered outside the contract: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data as LabOutput<M>;
}

/** Electron IPC channels of the LabApi (one for calls, one for events). */
export const CHANNEL_CALL = 'lab:call';
export const CHANNEL_EVENT = 'lab:event';

/** What a call returns over IPC: errors are values, so their status (and a bad spec's errors by field) survive the trip. */
export type IpcReply = { ok: true; value: unknown } | { ok: false; status: number; message: string; errors?: string[] };

/**
 * A refusal as it crosses a transport, both ways: the IPC reply's error and the HTTP error body,
 * `{ error, errors? }` (`errors` only when the refusal names fields).
 */
export function refusalBody(error: LabRequestError): { error: string; errors?: string[] } {
  return error.errors.length > 0 ? { error: error.message, errors: [...error.errors] } : { error: error.message };
}

/** The field errors a transport carried (anything but a list of strings carries none). */
export function fieldErrorsOf(value: unknown): string[] {
  return Array.isArray(value) && value.every((e) => typeof e === 'string') ? value : [];
}

/**
 * The LabApi as the desktop preload hands it across Electron's context bridge: each call answers
 * with its reply as a value (a thrown error would arrive with its message only), the events as
 * they are. `bridgedLabApi` turns it back into the LabApi.
 */
export interface LabBridgeApi {
  call(method: LabMethod, input: unknown): Promise<IpcReply>;
  onEvent: LabApi['onEvent'];
}

/** A failed LabApi call as the UI sees it, over IPC and HTTP alike. */
export class LabCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** A refused spec's errors by field (submit), as checkSpec gives them; empty otherwise. */
    readonly errors: readonly string[] = [],
  ) {
    super(message);
    this.name = 'LabCallError';
  }
}

/**
 * Build the typed LabApi on any transport: `call` sends (method, validated input) and resolves
 * with the raw output, which is validated here against the contract.
 */
export function makeLabApi(call: (method: LabMethod, input: unknown) => Promise<unknown>, onEvent: LabApi['onEvent']): LabApi {
  const api = { onEvent } as Record<string, unknown>;
  for (const method of Object.keys(LAB_METHODS) as LabMethod[]) {
    api[method] = async (input: unknown) => parseOutput(method, await call(method, parseInput(method, input)));
  }
  return api as LabApi;
}

/**
 * The LabApi made a bridge (what the preload exposes): every call resolves with its reply — the
 * value, or the failure's status, message and field errors — and never rejects.
 */
export function labBridge(api: LabApi): LabBridgeApi {
  return {
    call: async (method, input) => {
      if (typeof method !== 'string' || !isLabMethod(method)) return { ok: false, status: 404, message: `no such method '${String(method).slice(0, 100)}'` };
      try {
        return { ok: true, value: await (api[method] as (input: unknown) => Promise<unknown>)(input) };
      } catch (error) {
        if (error instanceof LabCallError || error instanceof LabRequestError) return { ok: false, status: error.status, message: error.message, ...(error.errors.length > 0 ? { errors: [...error.errors] } : {}) };
        return { ok: false, status: 500, message: error instanceof Error ? error.message : String(error) };
      }
    },
    onEvent: (listener) => api.onEvent(listener),
  };
}

/** The LabApi over the preload's bridge (desktop): a failed reply is thrown as the LabCallError it was, status and field errors included. */
export function bridgedLabApi(bridge: LabBridgeApi): LabApi {
  const api = { onEvent: bridge.onEvent } as Record<string, unknown>;
  for (const method of Object.keys(LAB_METHODS) as LabMethod[]) {
    api[method] = async (input: unknown) => {
      const reply = await bridge.call(method, input);
      if (!reply.ok) throw new LabCallError(reply.status, reply.message, fieldErrorsOf(reply.errors));
      return reply.value;
    };
  }
  return api as LabApi;
}
