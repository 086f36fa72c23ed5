/**
 * Parsing a setup's configuration with its zod schema into one error per problem, each naming the
 * field and the allowed range (`sft.learningRates[0]: must be in (0, 1e6] (got -1)`), as the
 * experiment spec's parser does. Shared by the random-features and misfit–gain configurations.
 */
import { z } from 'zod';

/** A field path as a reader writes it: sft.learningRates[0]. */
export function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  return out === '' ? '(config)' : out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function quote(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

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
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        const where = issue.path.length > 0 ? `${fieldName(issue.path)}.` : '';
        for (const key of issue.keys) errors.push(`${where}${key}: unknown key`);
        continue;
      }
      errors.push(`${fieldName(issue.path)}: ${issue.message} (got ${quote(valueAt(input, issue.path))})`);
    }
    return { ok: false, errors: [...new Set(errors)] };
  }
  crossField(parsed.data, (path, message) => errors.push(`${fieldName(path)}: ${message}`));
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
