/**
 * A zod refusal as a reader wants it: one line per problem, naming the field and the allowed range
 * (`sft.learningRates[0]: must be in (0, 1e6] (got -1)`). The experiment spec and the setups'
 * configurations (random features, misfit–gain) word their errors alike through these.
 */
import type { z } from 'zod';

/** A field path as a reader writes it: sft.learningRates[0]; `whole` names the document itself. */
export function fieldName(path: readonly PropertyKey[], whole = '(spec)'): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  return out === '' ? whole : out;
}

/** The value at `path` inside `input`, for quoting it back in an error. */
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

/** Each issue of a failed parse of `input` as one line (unknown keys one line each), without repeats. */
export function issueLines(issues: readonly z.core.$ZodIssue[], input: unknown, whole = '(spec)'): string[] {
  const errors: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length > 0 ? `${fieldName(issue.path, whole)}.` : '';
      for (const key of issue.keys) errors.push(`${where}${key}: unknown key`);
      continue;
    }
    errors.push(`${fieldName(issue.path, whole)}: ${issue.message} (got ${quote(valueAt(input, issue.path))})`);
  }
  return [...new Set(errors)];
}
