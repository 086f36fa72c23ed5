/**
 * The random-features setup's configuration (docs/random-features.md §1–3): a zod schema with every
 * default the setup runs with, and the checks across fields (dimensions, the pool against the
 * batch, the memory the features take) made before anything is allocated.
 */
import { z } from 'zod';
import { logspace } from '../logspace';
import { workspaceBytes, WORKSPACE_LIMIT_BYTES } from './layout';
import { ConfigError, finite, intIn, parseWith, positive, type ParseResult } from './parse';

export const ACTIVATIONS = ['relu', 'tanh', 'identity'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

const DataSchema = z
  .object({
    law: z.enum(['gaussian', 'student-t', 'product-uniform'], {
      error: "must be one of 'gaussian', 'student-t', 'product-uniform'",
    }).default('gaussian'),
    nu: finite('in (2, 1e6]').refine((x) => x > 2 && x <= 1e6, { error: 'must be in (2, 1e6]: the variance must be finite' }).optional(),
    d: intIn(2, 10_000).default(50),
    /** A finite training pool of this many points, features computed once (null: fresh x each step). */
    pool: intIn(1, 10_000_000).nullable().default(null),
  })
  .strict();

const FeaturesSchema = z
  .object({
    activation: z.enum(ACTIVATIONS, { error: "must be one of 'relu', 'tanh', 'identity'" }).default('relu'),
    /** M_s, the student's number of features. */
    student: intIn(1, 100_000).default(1000),
    /** M_t, each teacher's number of features. */
    teacher: intIn(1, 100_000).default(100),
    train: z.enum(['head', 'both'], { error: "must be 'head' (the head a only) or 'both' (head and first layer F)" }).default('head'),
    /** γ: the first layer's learning rate is γ·η (train 'both'). */
    firstLayerRate: finite('in [0, 1e6]').refine((x) => x >= 0 && x <= 1e6, { error: 'must be in [0, 1e6]' }).default(1),
    /** iid N(0, 1) rows, or orthonormal rows scaled by √d (M ≤ d): with identity and M = d, the linear model. */
    rows: z.enum(['gaussian', 'orthonormal'], { error: "must be 'gaussian' (iid N(0, 1) entries) or 'orthonormal' (orthonormal rows scaled by √d)" }).default('gaussian'),
  })
  .strict();

const PretrainSchema = z
  .object({
    initStd: positive(1e6).default(0.1),
    learningRate: positive(1e6).default(0.1),
    studentPoints: intIn(2, 10_000_000).default(5000),
    studentSteps: intIn(0, 1_000_000).default(40),
    teacherPoints: intIn(1, 10_000_000).default(1000),
    teacherSteps: intIn(0, 1_000_000).default(15),
  })
  .strict();

const SftSchema = z
  .object({
    batchSize: intIn(1, 1_000_000).default(500),
    steps: intIn(1, 10_000_000).default(400),
    learningRates: z
      .array(positive(1e6), { error: 'must be a list of positive numbers' })
      .min(1, { error: 'must list at least one learning rate' })
      .max(64, { error: 'at most 64 learning rates' })
      .default(logspace(-3, 1, 5)),
    earlyStopping: z.enum(['oracle', 'validation', 'teacher'], {
      error: "must be one of 'oracle' (test accuracy), 'validation' (accuracy on held-out true labels), 'teacher' (agreement with the teacher)",
    }).default('oracle'),
    validationSize: intIn(1, 1_000_000).default(1000),
    labelNoise: finite('in [0, 0.5)').refine((x) => x >= 0 && x < 0.5, { error: 'must be in [0, 0.5)' }).default(0),
    ceiling: z.boolean({ error: 'must be true or false' }).default(true),
    /** Evaluations cost N·M each (N·M·d when the first layer trains), so not every step by default. */
    recordEvery: intIn(1, 1_000_000).default(10),
  })
  .strict();

const EvaluationSchema = z
  .object({
    /** N fresh test points; accuracy, agreement and their standard errors are measured on them. */
    testPoints: intIn(100, 10_000_000).default(20_000),
  })
  .strict();

export const RandomFeaturesConfigSchema = z
  .object({
    data: DataSchema.prefault({}),
    beta: positive(1e6).default(1),
    features: FeaturesSchema.prefault({}),
    teachers: z.object({ count: intIn(1, 100_000).default(20) }).strict().prefault({}),
    pretrain: PretrainSchema.prefault({}),
    sft: SftSchema.prefault({}),
    evaluation: EvaluationSchema.prefault({}),
  })
  .strict();

/** A validated configuration with every default filled in. */
export type RandomFeaturesConfig = z.output<typeof RandomFeaturesConfigSchema>;

function crossField(c: RandomFeaturesConfig, add: (path: (string | number)[], message: string) => void): void {
  const { data, features, pretrain, sft } = c;
  if (data.law === 'student-t' && data.nu === undefined) add(['data', 'nu'], 'is required for law student-t: a number in (2, 1e6]');
  if (data.law !== 'student-t' && data.nu !== undefined) add(['data', 'nu'], `applies only to law student-t (law is ${data.law})`);
  if (features.rows === 'orthonormal') {
    for (const who of ['student', 'teacher'] as const) {
      if (features[who] > data.d) add(['features', who], `must be ≤ data.d = ${data.d} with orthonormal rows (got ${features[who]}): at most d rows of R^d are orthonormal`);
    }
  }
  if (pretrain.teacherPoints >= pretrain.studentPoints) {
    add(['pretrain', 'teacherPoints'], `must be < pretrain.studentPoints = ${pretrain.studentPoints}: the student's data is a strict superset of each teacher's`);
  }
  if (data.pool !== null && data.pool < sft.batchSize) {
    add(['data', 'pool'], `must be ≥ sft.batchSize = ${sft.batchSize} (got ${data.pool}): a batch is drawn from the pool without repeats`);
  }
  if (features.train === 'head' && features.firstLayerRate !== 1) {
    add(['features', 'firstLayerRate'], "applies only to features.train 'both' (the first layer is fixed when only the head trains)");
  }
  const bytes = workspaceBytes(c);
  if (bytes > WORKSPACE_LIMIT_BYTES) {
    const mib = (b: number) => `${Math.ceil(b / 2 ** 20)} MiB`;
    add(['evaluation', 'testPoints'], `with data.pool, pretrain.studentPoints, sft.batchSize and features.student the features held in memory take ${mib(bytes)}, more than ${mib(WORKSPACE_LIMIT_BYTES)}: lower them (the test and pool features are N × M_s numbers each)`);
  }
}

/** Validate a configuration and fill in its defaults; every problem is returned, none thrown. */
export function parseRandomFeaturesConfig(input: unknown): ParseResult<RandomFeaturesConfig> {
  return parseWith(RandomFeaturesConfigSchema, input, crossField);
}

/** parseRandomFeaturesConfig that throws a ConfigError listing every problem. */
export function validateRandomFeaturesConfig(input: unknown): RandomFeaturesConfig {
  const r = parseRandomFeaturesConfig(input);
  if (!r.ok) throw new ConfigError(r.errors);
  return r.config;
}
