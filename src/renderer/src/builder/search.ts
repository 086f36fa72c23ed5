/**
 * The builder's "Search for a boundary" section (docs/spec.md §13), pure: its fields as a person
 * types them, the search they make (checked with the engine's own SearchSchema, so every message
 * reads as the backend's and `w2s search`'s: `search.level: must be in (0, 1) …`), and errors
 * placed by field — the local ones and those the LabApi's startSearch refused.
 */
import { SEARCH_AXES, SEARCH_TARGETS, SearchSchema, type SearchInput, type SearchTarget } from '../../../engine/search';
import { parseNumber } from './parse';

/** The section's fields, as text (the selects hold their values). */
export interface SearchForm {
  axis: string;
  from: string;
  to: string;
  target: SearchTarget;
  level: string;
  /** Empty: a hundredth of the range. */
  tolerance: string;
  maxReplicates: string;
}

export const SEARCH_FIELDS = ['axis', 'from', 'to', 'target', 'level', 'tolerance', 'maxReplicates'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

export const SEARCH_AXIS_PATHS: readonly string[] = Object.keys(SEARCH_AXES);
export const SEARCH_TARGET_NAMES: readonly SearchTarget[] = SEARCH_TARGETS;

/** The paper's question: where the fraction of teachers that improve the student crosses one half along κ (Theorem 1.1: tan θ / tan θ_T). */
export function defaultSearchForm(): SearchForm {
  return { axis: 'teachers.kappa', from: '0', to: '0.95', target: 'fractionImproved', level: '0.5', tolerance: '', maxReplicates: '8' };
}

/** The search the fields make, or its errors (`search.<field>: …`, each naming its field). */
export function searchFromForm(form: SearchForm): { search: SearchInput; errors: [] } | { search: null; errors: string[] } {
  const errors: string[] = [];
  const numbers: Record<string, number> = {};
  for (const key of ['from', 'to', 'level', 'tolerance', 'maxReplicates'] as const) {
    if (key === 'tolerance' && form.tolerance.trim() === '') continue;
    const r = parseNumber(form[key], `search.${key}`);
    if (r.ok) numbers[key] = r.value;
    else errors.push(r.error);
  }
  if (errors.length > 0) return { search: null, errors };
  const document = { axis: form.axis, target: form.target, ...numbers };
  const r = SearchSchema.safeParse(document);
  if (!r.success) return { search: null, errors: r.error.issues.map((i) => `search.${i.path.join('.')}: ${i.message}`) };
  // The fields as typed (the tolerance left out when empty): the backend fills the defaults itself.
  return { search: document as SearchInput, errors: [] };
}

/**
 * Errors placed on the section's fields: `search.<field>: message` on its field; anything else
 * (the spec's own fields, refused with the search) in `others`, for the builder's fields and list.
 */
export function searchErrorsByField(errors: readonly string[]): { byField: Partial<Record<SearchField, string[]>>; general: string[]; others: string[] } {
  const byField: Partial<Record<SearchField, string[]>> = {};
  const general: string[] = [];
  const others: string[] = [];
  for (const error of errors) {
    const m = /^search(?:\.([A-Za-z]+))?: (.*)$/s.exec(error);
    if (m === null) others.push(error);
    else if (m[1] !== undefined && (SEARCH_FIELDS as readonly string[]).includes(m[1])) (byField[m[1] as SearchField] ??= []).push(m[2]);
    else general.push(error);
  }
  return { byField, general, others };
}

/** A stored search's fields as the section shows them (the tolerance the backend filled in included). */
export function searchFormOf(search: Partial<SearchInput>): SearchForm {
  const text = (x: number | undefined, fallback: string) => (x === undefined ? fallback : String(x));
  const d = defaultSearchForm();
  return {
    axis: search.axis ?? d.axis,
    from: text(search.from, d.from),
    to: text(search.to, d.to),
    target: search.target ?? d.target,
    level: text(search.level, d.level),
    tolerance: text(search.tolerance, d.tolerance),
    maxReplicates: text(search.maxReplicates, d.maxReplicates),
  };
}

/**
 * A duplicated experiment's spec without what a search wrote into it (`search`, and the grid of the
 * points it evaluated), and that search as the section's fields (null when it was no search): the
 * duplicate opens as the experiment the search ran, with the search ready to run again.
 */
export function withoutSearch(spec: unknown): { spec: unknown; search: SearchForm | null } {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec) || !('search' in spec)) return { spec, search: null };
  const { search, grid: _evaluated, ...rest } = spec as { search?: unknown; grid?: unknown } & Record<string, unknown>;
  const fields = typeof search === 'object' && search !== null ? (search as Partial<SearchInput>) : {};
  return { spec: rest, search: searchFormOf(fields) };
}
