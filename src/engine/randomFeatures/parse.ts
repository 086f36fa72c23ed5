/**
 * Parsing a setup's configuration with its zod schema into one error per problem, each naming the
 * field and the allowed range (`sft.learningRates[0]: must be in (0, 1e6] (got -1)`), as the
 * experiment spec's parser does (engine/fieldErrors.ts). Shared by the random-features and misfit–gain configurations.
 */
import { z } from 'zod';
import { fieldName, issueLines } from '../fieldErrors';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'ConfigError';
  }
}

export type ParseResult<T> = { ok: true; config: T } | { ok: false; errors: string[] };

/**
 * Parse `input` with `schema`, then run the cross-field checks on the parsed value; every problem is
 * reported, none is thrown.
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  crossField: (config: z.output<S>, add: (path: (string | number)[], message: string) => void) => void,
): ParseResult<z.output<S>> {
  const parsed = schema.safeParse(input);
  const errors: string[] = [];
  if (!parsed.success) return { ok: false, errors: issueLines(parsed.error.issues, input, '(config)') };
  crossField(parsed.data, (path, message) => errors.push(`${fieldName(path, '(config)')}: ${message}`));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config: parsed.data };
}

/** Number schemas with the range in their message, as in the experiment spec. */
export const finite = (range: string) =>
  z.number({ error: `must be a number ${range}` }).refine(Number.isFinite, { error: `must be a finite number ${range}` });

export const positive = (max = 1e12) =>
  finite(`in (0, ${max}]`).refine((x) => x > 0 && x <= max, { error: `must be in (0, ${max}]` });

export const intIn = (min: number, max: number) =>
  z
    .number({ error: `must be an integer in [${min}, ${max}]` })
    .int({ error: `must be an integer in [${min}, ${max}]` })
    .refine((x) => x >= min && x <= max, { error: `must be an integer in [${min}, ${max}]` });
