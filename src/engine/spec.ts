/**
 * The experiment spec: one JSON document, portable between the app, the CLI and papers'
 * supplementary material. Validated with zod; defaults filled in; every rejection names the field
 * and the allowed range.
 */
import { z } from 'zod';
import { budgetProblems } from './budget';
import { fieldName, issueLines } from './fieldErrors';
import { logspace } from './logspace';
import type { RandomFeaturesConfig } from './randomFeatures/config';
import { isRandomFeaturesDocument, parseRandomFeaturesSpec, type RandomFeaturesSpecFields } from './randomFeatures/spec';
import { SearchSchema, searchSpecProblems } from './search';
import { extractSweep, pointCount, pointCoordinates, type SweepFields, withValue } from './sweep';

export { logspace } from './logspace';

const MAX_SEED = Number.MAX_SAFE_INTEGER;

const finite = (range: string) =>
  z.number({ error: `must be a number ${range}` }).refine(Number.isFinite, { error: `must be a finite number ${range}` });

const positive = (max = 1e12) =>
  finite(`in (0, ${max}]`).refine((x) => x > 0 && x <= max, { error: `must be in (0, ${max}]` });

const intIn = (min: number, max: number) =>
  z
    .number({ error: `must be an integer in [${min}, ${max}]` })
    .int({ error: `must be an integer in [${min}, ${max}]` })
    .refine((x) => x >= min && x <= max, { error: `must be an integer in [${min}, ${max}]` });

/** A target accuracy of the teacher: strictly better than chance, at most perfect. */
const teacherAccuracy = finite('in (0.5, 1]').refine((x) => x > 0.5 && x <= 1, {
  error: 'must be in (0.5, 1]: a teacher must beat chance (50 %), as a fraction (0.7, not 70)',
});

const studentAccuracy = finite('in (0, 1)').refine((x) => x > 0 && x < 1, {
  error: 'must be in (0, 1), as a fraction (0.8, not 80)',
});

const studentNorm = finite('in (0, 1e6]').refine((x) => x > 0 && x <= 1e6, {
  error: 'must be in (0, 1e6]: a student of norm 0 has no direction',
});

/** κ = cos(w⊥, w_T⊥) of a random teacher (docs/spec.md §10): strictly inside (−1, 1). */
const kappaValue = finite('in (−1, 1)').refine((x) => x > -1 && x < 1, {
  error: "must be in (−1, 1): κ = cos(w⊥, w_T⊥), the cosine between the student's and the teacher's parts orthogonal to w*",
});

/** A fraction in [0, 1] (the auxiliary-confidence weight and warm-up). */
const unitInterval = (meaning: string) =>
  finite('in [0, 1]').refine((x) => x >= 0 && x <= 1, { error: `must be in [0, 1]: ${meaning}` });

const oneOrMany = <T extends z.ZodType>(item: T, what: string) =>
  z.union([item, z.array(item).min(1, { error: `must list at least one ${what}` }).max(64, { error: `at most 64 ${what}s` })], {
    error: `must be a number or a list of numbers (${what})`,
  });

const DataSchema = z
  .object({
    law: z.enum(['gaussian', 'student-t', 'product-uniform'], {
      error: "must be one of 'gaussian', 'student-t', 'product-uniform'",
    }).default('gaussian'),
    d: intIn(2, 1_000_000).default(100),
    spectrum: z
      .union(
        [
          z.literal('isotropic'),
          z.array(positive(1e12)).min(2),
          z.object({ powerLaw: finite('in [0, 10]').refine((x) => x >= 0 && x <= 10, { error: 'must be in [0, 10]' }) }).strict(),
        ],
        { error: "must be 'isotropic', a list of d positive eigenvalues, or { powerLaw: a } with a in [0, 10]" },
      )
      .default('isotropic'),
    nu: finite('> 2').refine((x) => x > 2 && x <= 1e6, { error: 'must be in (2, 1e6]: the variance must be finite' }).optional(),
    groundTruth: z
      .union([z.literal('random'), z.array(finite('(a coordinate)'))], {
        error: "must be 'random' or a list of d numbers",
      })
      .default('random'),
    heldOutSize: intIn(100, 1_000_000).default(10_000),
  })
  .strict();

const StudentSchema = z
  .object({
    accuracy: studentAccuracy.default(0.8),
    norm: oneOrMany(studentNorm, 'initial norm').default(1),
  })
  .strict();

const TeachersSchema = z
  .object({
    count: intIn(1, 100_000).default(100),
    accuracy: oneOrMany(teacherAccuracy, 'teacher accuracy').default(0.7),
    norm: positive(1e6).default(1),
    /** Absent: κ as drawn (≈ 0); a number or list fixes it (one more grid axis). Left out when absent. */
    kappa: oneOrMany(kappaValue, 'κ').optional(),
  })
  .strict();

/**
 * The SFT loss (docs/spec.md §11). Absent = cross-entropy on the teacher's labels, as before; the
 * auxiliary-confidence loss of Burns et al. (2023) trains toward (1 − α_t) y_T + α_t 1{⟨w, x⟩ > τ}.
 */
const LossSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('crossEntropy') }).strict(),
    z
      .object({
        kind: z.literal('auxConfidence'),
        alpha: unitInterval('the weight a of the student\'s own hard labels after the warm-up').default(0.5),
        warmup: unitInterval('the fraction f of the steps over which the weight ramps up (0: none)').default(0.1),
        threshold: z.enum(['fixed', 'adaptive'], {
          error: "must be 'fixed' (τ = 0) or 'adaptive' (the batch quantile matching the teacher's positive fraction)",
        }).default('adaptive'),
        ramp: z.enum(['linear', 'reference-code'], {
          error: "must be 'linear' (a·min(1, t/(fT))) or 'reference-code' (a·t/T while t/T ≤ f, then a)",
        }).default('linear'),
      })
      .strict(),
  ],
  { error: "must be { kind: 'crossEntropy' } or { kind: 'auxConfidence', alpha, warmup, threshold, ramp }" },
);

/** The auxiliary-confidence loss with its defaults filled in. */
export type AuxConfidenceLoss = Extract<z.output<typeof LossSchema>, { kind: 'auxConfidence' }>;
export type SftLoss = z.output<typeof LossSchema>;

const PretrainSchema = z
  .object({
    initStd: positive(1e6).default(0.1),
    learningRate: positive(1e6).default(0.1),
    studentPoints: intIn(2, 10_000_000).default(5000),
    studentSteps: intIn(0, 1_000_000).default(25),
    teacherPoints: intIn(1, 10_000_000).default(1000),
    teacherSteps: intIn(0, 1_000_000).default(10),
  })
  .strict();

const SftSchema = z
  .object({
    batchSize: intIn(1, 10_000_000).optional(),
    steps: intIn(1, 10_000_000).default(1000),
    learningRates: z
      .array(positive(1e6), { error: 'must be a list of positive numbers' })
      .min(1, { error: 'must list at least one learning rate' })
      .max(64, { error: 'at most 64 learning rates' })
      .default(logspace(-5, 1, 7)),
    earlyStopping: z.enum(['oracle', 'validation', 'teacher'], {
      error: "must be one of 'oracle', 'validation', 'teacher'",
    }).default('oracle'),
    validationSize: intIn(1, 1_000_000).default(1000),
    softLabels: z
      .union([z.literal(false), z.object({ beta: positive(1e6) }).strict()], {
        error: 'must be false or { beta: β_T > 0 }',
      })
      .default(false),
    labelNoise: finite('in [0, 0.5)').refine((x) => x >= 0 && x < 0.5, { error: 'must be in [0, 0.5)' }).default(0),
    finiteSet: intIn(1, 10_000_000).nullable().default(null),
    ceiling: z.boolean({ error: 'must be true or false' }).default(true),
    recordEvery: intIn(1, 1_000_000).default(1),
    /** Absent: cross-entropy (left out of the validated spec, so older specs keep their hashes). */
    loss: LossSchema.optional(),
  })
  .strict();

const EngineSchema = z
  .object({
    path: z.enum(['auto', 'reduced', 'preview', 'projected', 'dense'], {
      error: "must be one of 'auto', 'reduced', 'preview', 'projected', 'dense'",
    }).default('auto'),
  })
  .strict();

const RawSpecSchema = z
  .object({
    name: z.string({ error: 'must be a string' }).max(200, { error: 'at most 200 characters' }).optional(),
    setup: z.enum(['random-teacher', 'shared-pretraining'], {
      error: "must be 'random-teacher', 'shared-pretraining' or 'random-features'",
    }).default('random-teacher'),
    seed: intIn(0, MAX_SEED).default(0),
    data: DataSchema.prefault({}),
    beta: positive(1e6).default(1),
    student: StudentSchema.prefault({}),
    teachers: TeachersSchema.prefault({}),
    pretrain: PretrainSchema.prefault({}),
    sft: SftSchema.prefault({}),
    engine: EngineSchema.prefault({}),
    /** An adaptive search for a boundary (search.ts, docs/spec.md §13); its evaluated points are `grid`. Left out when absent. */
    search: SearchSchema.optional(),
  })
  .strict();

type RawSpec = z.output<typeof RawSpecSchema>;

/** The batch size a setup uses when the spec leaves sft.batchSize out (the builder shows it too). */
export function defaultBatchSize(setup: ExperimentSpec['setup']): number {
  return setup === 'random-features' ? 500 : setup === 'shared-pretraining' ? 1000 : 10_000;
}

/**
 * A validated spec with every default filled in: what is stored and what the engine runs. A sweep
 * (sweep.ts) keeps every field at its first value and lists the rest in `axes`, `grid` and
 * `replicates`, each present only when the document set it (so older specs keep their hashes).
 */
export interface ExperimentSpec extends Omit<RawSpec, 'setup' | 'student' | 'teachers' | 'sft' | 'data'>, SweepFields, RandomFeaturesSpecFields {
  /** 'random-features' (randomFeatures/spec.ts): its linear-only fields hold placeholders, and features, evaluation and data.pool are set. */
  setup: RawSpec['setup'] | 'random-features';
  /** `pool` only for setup 'random-features' (null: fresh batches). */
  data: RawSpec['data'] & { pool?: number | null };
  student: { accuracy: number; norm: number[] };
  /** `kappa` only when the document sets it (a list, one grid axis). */
  teachers: { count: number; accuracy: number[]; norm: number; kappa?: number[] };
  sft: Omit<RawSpec['sft'], 'batchSize'> & { batchSize: number };
}

export type ResolvedPath = 'reduced' | 'preview' | 'projected' | 'dense';

/** The smallest batch the preview path accepts (docs/preview.md §7; PREVIEW_MIN_BATCH in sft/preview.ts). */
const PREVIEW_MIN_BATCH = 100;

/**
 * Why the preview path cannot run this spec, as [field, rule] pairs (docs/preview.md §6). It is the
 * reduced path's chain on Gaussian data, so it refuses what the reduced path refuses, plus
 * Student-t data and batches below the smallest B its validation accepts.
 */
function previewObstacles(spec: ExperimentSpec | RawSpec): [string[], string][] {
  const { data, sft } = spec;
  const out: [string[], string][] = [];
  const why = "on the preview path (engine.path 'preview')";
  if (data.law !== 'gaussian') {
    out.push([['data', 'law'], `must be 'gaussian' ${why}: ${data.law === 'student-t' ? 'Student-t batch sums are heavy-tailed (E[c⁴s⁴] is infinite for ν ≤ 4), so their normal law is not validated' : 'the product law has no reduced chain'}; use engine.path 'reduced' or 'dense'`]);
  }
  if (data.d < 3) out.push([['data', 'd'], `must be ≥ 3 ${why}: the chain needs the frame (w*, f, h)`]);
  if (data.spectrum !== 'isotropic') out.push([['data', 'spectrum'], `must be 'isotropic' ${why}; use engine.path 'projected'`]);
  if (sft.finiteSet !== null) out.push([['sft', 'finiteSet'], `must be null ${why}: it draws fresh batches; use engine.path 'dense'`]);
  if (sft.loss?.kind === 'auxConfidence') {
    out.push([['sft', 'loss'], `must be { kind: 'crossEntropy' } ${why}: the auxiliary-confidence target depends on each sample's margin against the batch's threshold, which the preview path's moments do not model; use engine.path 'reduced'`]);
  }
  if (sft.earlyStopping === 'validation') {
    out.push([['sft', 'earlyStopping'], `cannot be 'validation' ${why}: the chain holds no validation set; use 'oracle' or 'teacher', or engine.path 'projected'`]);
  }
  const batchSize = sft.batchSize ?? (spec.setup === 'shared-pretraining' ? 1000 : 10_000);
  if (batchSize < PREVIEW_MIN_BATCH) {
    out.push([['sft', 'batchSize'], `must be ≥ ${PREVIEW_MIN_BATCH} ${why} (got ${batchSize}): below it a normal draw of the batch sums is measurably off the exact chain (docs/preview.md §7); use engine.path 'reduced'`]);
  }
  return out;
}

/** Why a path cannot run this spec, or null when it can. */
export function pathObstacle(spec: ExperimentSpec | RawSpec, path: ResolvedPath): string | null {
  if (path === 'dense') return null;
  if (path === 'preview') {
    const first = previewObstacles(spec)[0];
    return first === undefined ? null : `${first[0].join('.')} ${first[1]}`;
  }
  const { data, sft } = spec;
  if (data.law === 'product-uniform') return `${path} needs an elliptical law (gaussian or student-t), not product-uniform`;
  if (data.d < 3) return `${path} needs d ≥ 3`;
  if (sft.finiteSet !== null) return `${path} needs fresh batches (sft.finiteSet must be null)`;
  if (path === 'reduced') {
    if (data.spectrum !== 'isotropic') return 'reduced needs an isotropic spectrum (use projected)';
    if (sft.earlyStopping === 'validation') return 'reduced cannot hold a validation set (use projected)';
  }
  return null;
}

/** The path `engine.path: auto` takes: the fastest exact one (never preview, which is opt-in). */
export function resolvePath(spec: ExperimentSpec): ResolvedPath {
  // The random-features setup runs its own exact kernels: 'dense' is what its spec stores.
  if (spec.engine.path !== 'auto') return spec.engine.path;
  if (pathObstacle(spec, 'reduced') === null) return 'reduced';
  if (pathObstacle(spec, 'projected') === null) return 'projected';
  return 'dense';
}

function crossFieldIssues(s: RawSpec, add: (path: (string | number)[], message: string) => void): void {
  const { data } = s;
  if (data.law === 'student-t' && data.nu === undefined) add(['data', 'nu'], 'is required for law student-t: a number in (2, 1e6]');
  if (data.law !== 'student-t' && data.nu !== undefined) add(['data', 'nu'], `applies only to law student-t (law is ${data.law})`);
  if (Array.isArray(data.spectrum) && data.spectrum.length !== data.d) {
    add(['data', 'spectrum'], `must list exactly d = ${data.d} eigenvalues (got ${data.spectrum.length})`);
  }
  if (data.law === 'product-uniform' && data.spectrum !== 'isotropic') {
    add(['data', 'spectrum'], "must be 'isotropic' for product-uniform (its coordinates have unit variance)");
  }
  if (Array.isArray(data.groundTruth)) {
    if (data.groundTruth.length !== data.d) {
      add(['data', 'groundTruth'], `must list exactly d = ${data.d} numbers (got ${data.groundTruth.length})`);
    } else if (!data.groundTruth.some((x) => x !== 0)) {
      add(['data', 'groundTruth'], 'must not be the zero vector');
    }
  }
  if (s.teachers.kappa !== undefined) {
    if (s.setup !== 'random-teacher') {
      add(['teachers', 'kappa'], "applies only to setup 'random-teacher' (pretrained teachers have the κ pretraining gives them): remove it or use setup 'random-teacher'");
    } else if (data.d < 3) {
      add(['teachers', 'kappa'], `needs data.d ≥ 3 (got ${data.d}): the teacher's error must have a part orthogonal to both w* and the student's`);
    }
  }
  if (s.pretrain.teacherPoints >= s.pretrain.studentPoints) {
    add(['pretrain', 'teacherPoints'], `must be < pretrain.studentPoints = ${s.pretrain.studentPoints}: the student's data is a strict superset of each teacher's`);
  }
  // Explicit samples are held in memory: keep each under ~400 MB of doubles.
  const cap = 5e7;
  const d = data.d;
  const limit = (path: (string | number)[], rows: number, what: string) => {
    if (rows * d > cap) add(path, `${what} × d = ${rows} × ${d} exceeds ${cap} numbers held in memory; lower it or d`);
  };
  if (data.law === 'product-uniform') limit(['data', 'heldOutSize'], data.heldOutSize, 'held-out sample');
  if (s.sft.earlyStopping === 'validation') limit(['sft', 'validationSize'], s.sft.validationSize, 'validation set');
  if (s.sft.finiteSet !== null) limit(['sft', 'finiteSet'], s.sft.finiteSet, 'finite SFT set');
  if (s.setup === 'shared-pretraining') limit(['pretrain', 'studentPoints'], s.pretrain.studentPoints, 'pretraining set');
  if (s.engine.path === 'dense' || pathObstacle(s, 'projected') !== null) {
    limit(['sft', 'batchSize'], s.sft.batchSize ?? defaultBatchSize(s.setup), 'dense-path batch');
  }
  if (s.engine.path === 'preview') {
    for (const [field, rule] of previewObstacles(s)) add(field, rule);
  } else if (s.engine.path !== 'auto') {
    const obstacle = pathObstacle(s, s.engine.path);
    if (obstacle !== null) add(['engine', 'path'], `cannot be '${s.engine.path}' for this spec: ${obstacle}`);
  }
}

export class SpecError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'SpecError';
  }
}

/** The ExperimentSpec of a validated random-features configuration (randomFeatures/spec.ts): its fields where the grid and the store read them, placeholders elsewhere. */
export function randomFeaturesSpecOf(config: RandomFeaturesConfig, header: { name?: string; seed: number }): ExperimentSpec {
  const { data, sft } = config;
  return {
    ...(header.name === undefined ? {} : { name: header.name }),
    setup: 'random-features',
    seed: header.seed,
    data: {
      law: data.law,
      d: data.d,
      ...(data.nu === undefined ? {} : { nu: data.nu }),
      spectrum: 'isotropic',
      groundTruth: 'random',
      heldOutSize: 10_000,
      pool: data.pool,
    },
    beta: config.beta,
    student: { accuracy: 0.8, norm: [1] },
    teachers: { count: config.teachers.count, accuracy: [0.7], norm: 1 },
    pretrain: config.pretrain,
    sft: { ...sft, softLabels: false, finiteSet: null },
    engine: { path: 'dense' },
    features: config.features,
    evaluation: config.evaluation,
  };
}

export type SpecResult = { ok: true; spec: ExperimentSpec } | { ok: false; errors: string[] };

/**
 * Validate a spec document and fill in its defaults. Each error reads `field.path: rule (got X)`;
 * a grid past the budget (budget.ts) reads `(spec): the grid makes … runs; at most …`. `budget:
 * false` reads a spec stored before the budget existed (it was accepted then and stays readable).
 */
export function parseSpec(input: unknown, options: { budget?: boolean } = {}): SpecResult {
  if (isRandomFeaturesDocument(input)) {
    const r = parseRandomFeaturesSpec(input);
    if (!r.ok) return r;
    const spec = randomFeaturesSpecOf(r.config, r.header);
    if (options.budget === false) return { ok: true, spec };
    const problems = budgetProblems(spec);
    return problems.length > 0 ? { ok: false, errors: problems.map((p) => `${fieldName([])}: ${p}`) } : { ok: true, spec };
  }
  const { base, sweep, errors: sweepErrors } = extractSweep(input);
  if (sweepErrors.length > 0) return { ok: false, errors: sweepErrors };
  const first = parseScalar(base);
  if (!first.ok) return first;
  const pointErrors = sweepPointErrors(base, sweep);
  if (pointErrors.length > 0) return { ok: false, errors: pointErrors };
  const spec: ExperimentSpec = {
    ...first.spec,
    ...(sweep.axes === undefined ? {} : { axes: sweep.axes }),
    ...(sweep.grid === undefined ? {} : { grid: sweep.grid }),
    ...(sweep.replicates === undefined ? {} : { replicates: sweep.replicates }),
  };
  const searchProblems = searchSpecProblems(spec);
  if (searchProblems.length > 0) return { ok: false, errors: searchProblems.map(([path, rule]) => `${fieldName(path)}: ${rule}`) };
  if (options.budget !== false) {
    const problems = budgetProblems(spec);
    if (problems.length > 0) return { ok: false, errors: problems.map((p) => `${fieldName([])}: ${p}`) };
  }
  return { ok: true, spec };
}

/** A document with every field a scalar (or an inner list) against the schema and its cross-field rules. */
function parseScalar(input: unknown): SpecResult {
  const parsed = RawSpecSchema.safeParse(input);
  const errors: string[] = [];
  if (!parsed.success) return { ok: false, errors: issueLines(parsed.error.issues, input) };
  const raw = parsed.data;
  crossFieldIssues(raw, (path, message) => errors.push(`${fieldName(path)}: ${message}`));
  if (errors.length > 0) return { ok: false, errors };
  const list = (x: number | number[]) => (Array.isArray(x) ? x : [x]);
  return {
    ok: true,
    spec: {
      ...raw,
      student: { accuracy: raw.student.accuracy, norm: list(raw.student.norm) },
      teachers: {
        count: raw.teachers.count,
        accuracy: list(raw.teachers.accuracy),
        norm: raw.teachers.norm,
        ...(raw.teachers.kappa === undefined ? {} : { kappa: list(raw.teachers.kappa) }),
      },
      sft: { ...raw.sft, batchSize: raw.sft.batchSize ?? defaultBatchSize(raw.setup) },
    },
  };
}

/** Sweeps of at most this many points are checked point by point; larger ones value by value. */
const POINTS_CHECKED_WHOLE = 256;

/**
 * Every value a sweep gives a field, checked by the schema in a real point: every point when there
 * are few (so that rules across fields, such as pretrain.teacherPoints < studentPoints, see each
 * combination), else each axis's values with the other fields at their first. An error names the
 * value: `beta[2]: must be in (0, 1e6] (got -1)`, `grid[3]: data.d: must be …`.
 */
function sweepPointErrors(base: unknown, sweep: SweepFields): string[] {
  const out = new Set<string>();
  const check = (doc: unknown, label: (line: string) => string) => {
    const r = parseScalar(doc);
    if (!r.ok) for (const line of r.errors) out.add(label(line));
  };
  const axes = sweep.axes ?? [];
  if (pointCount(sweep) <= POINTS_CHECKED_WHOLE) {
    for (let index = 1; index < pointCount(sweep); index++) {
      const { axes: at } = pointCoordinates(sweep, index);
      let doc = base;
      for (const [path, value] of Object.entries(at)) doc = withValue(doc, path, value);
      check(doc, (line) => `${pointLabel(sweep, at, index)}: ${line}`);
    }
    return [...out];
  }
  for (const axis of axes) {
    axis.values.forEach((value, i) => i > 0 && check(withValue(base, axis.path, value), (line) => line.replace(`${axis.path}:`, `${axis.path}[${i}]:`)));
  }
  sweep.grid?.forEach((point, i) => {
    let doc = base;
    for (const [path, value] of Object.entries(point)) if (path !== 'replicate') doc = withValue(doc, path, value);
    if (i > 0) check(doc, (line) => `grid[${i}]: ${line}`);
  });
  return [...out];
}

/** A point as an error names it: `at beta = 2, data.d = 50`. */
function pointLabel(sweep: SweepFields, at: Record<string, number>, index: number): string {
  const named = Object.entries(at).map(([k, v]) => `${k} = ${v}`);
  return named.length > 0 ? `at ${named.join(', ')}` : `point ${index}`;
}

/** The SFT loss a spec trains with: `sft.loss`, or cross-entropy when the spec leaves it out. */
export function lossOf(spec: Pick<ExperimentSpec, 'sft'>): SftLoss {
  return spec.sft.loss ?? { kind: 'crossEntropy' };
}

/** parseSpec that throws a SpecError listing every problem. */
export function validateSpec(input: unknown): ExperimentSpec {
  const r = parseSpec(input);
  if (!r.ok) throw new SpecError(r.errors);
  return r.spec;
}
