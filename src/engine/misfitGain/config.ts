/**
 * The misfit–gain setup's configuration (docs/random-features.md §7): linear regression with
 * x ~ N(0, Σ), a strong and per teacher a weak random subspace, a target θ* with a chosen part
 * outside the strong one, the weak model (its population best fit or SGD on true targets) and the
 * strong student's SGD on the weak model's outputs. Every default here; every problem named.
 */
import { z } from 'zod';
import { ConfigError, finite, intIn, parseWith, positive, type ParseResult } from '../randomFeatures/parse';

const SgdFields = {
  batchSize: intIn(1, 1_000_000).default(50),
  steps: intIn(1, 10_000_000).default(400),
};

export const MisfitGainConfigSchema = z
  .object({
    data: z
      .object({
        d: intIn(2, 2000).default(40),
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
      })
      .strict()
      .prefault({}),
    /** The strong representation: a random subspace span(U_s) of this dimension. */
    strong: z.object({ dimension: intIn(1, 2000).default(20) }).strict().prefault({}),
    /** Each weak teacher's representation span(U_w) (its own random subspace) and how its θ_w is fitted. */
    weak: z
      .object({
        dimension: intIn(1, 2000).default(5),
        fit: z.enum(['population', 'sgd'], { error: "must be 'population' (θ_w = P_w θ*) or 'sgd' (SGD on true targets)" }).default('population'),
        learningRate: positive(1e6).default(0.05),
        ...SgdFields,
      })
      .strict()
      .prefault({}),
    /** The fraction of ‖θ*‖²_Σ outside span(U_s): 0 puts the target in the strong class. */
    target: z
      .object({ outside: finite('in [0, 1]').refine((x) => x >= 0 && x <= 1, { error: 'must be in [0, 1]' }).default(0) })
      .strict()
      .prefault({}),
    teachers: z.object({ count: intIn(1, 100_000).default(20) }).strict().prefault({}),
    /** Scales the squared loss (β/2)(⟨θ, x⟩ − y)², as the inverse temperature scales the logistic loss's gradient. */
    beta: positive(1e6).default(1),
    sft: z
      .object({
        ...SgdFields,
        learningRates: z
          .array(positive(1e6), { error: 'must be a list of positive numbers' })
          .min(1, { error: 'must list at least one learning rate' })
          .max(64, { error: 'at most 64 learning rates' })
          .default([0.01, 0.03, 0.1, 0.3]),
        earlyStopping: z.enum(['oracle', 'validation', 'teacher'], {
          error: "must be one of 'oracle' (the true error ‖θ − θ*‖²_Σ), 'validation' (squared error on held-out true targets), 'teacher' (the misfit ‖θ − θ_w‖²_Σ)",
        }).default('oracle'),
        validationSize: intIn(1, 1_000_000).default(1000),
        ceiling: z.boolean({ error: 'must be true or false' }).default(true),
        recordEvery: intIn(1, 1_000_000).default(1),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type MisfitGainConfig = z.output<typeof MisfitGainConfigSchema>;

function crossField(c: MisfitGainConfig, add: (path: (string | number)[], message: string) => void): void {
  const { d, spectrum } = c.data;
  if (Array.isArray(spectrum) && spectrum.length !== d) add(['data', 'spectrum'], `must list exactly d = ${d} eigenvalues (got ${spectrum.length})`);
  if (c.strong.dimension > d) add(['strong', 'dimension'], `must be ≤ data.d = ${d} (got ${c.strong.dimension})`);
  if (c.weak.dimension > d) add(['weak', 'dimension'], `must be ≤ data.d = ${d} (got ${c.weak.dimension})`);
  if (c.target.outside > 0 && c.strong.dimension >= d) add(['target', 'outside'], `must be 0 when strong.dimension = data.d = ${d}: nothing lies outside the strong span`);
  if (c.sft.earlyStopping === 'validation' && c.sft.validationSize * d > 5e7) add(['sft', 'validationSize'], `× d = ${c.sft.validationSize} × ${d} exceeds 5e7 numbers held in memory`);
}

export function parseMisfitGainConfig(input: unknown): ParseResult<MisfitGainConfig> {
  return parseWith(MisfitGainConfigSchema, input, crossField);
}

export function validateMisfitGainConfig(input: unknown): MisfitGainConfig {
  const r = parseMisfitGainConfig(input);
  if (!r.ok) throw new ConfigError(r.errors);
  return r.config;
}
