/**
 * Adaptive search for a boundary along one axis (docs/spec.md §13): where a sweep's target (the
 * fraction of teachers that improve the student, the mean gain, or the PGR) crosses a level.
 *
 * A search is an ordinary experiment: its spec carries `search` (below) and a `grid` listing the
 * evaluated points in the order they were evaluated, `{ [axis]: value, replicate: r }`. The rounds
 * are a pure function of what was evaluated so far (`nextEvaluation`), so a search resumes by
 * replaying its stored points, and every shell computes the same result from the summary
 * (`searchResult`).
 *
 * The rule, for a target whose side of the level is s(v) = sign(target(v) − level):
 *  1. evaluate both ends, `from` then `to`, replicate 0 each;
 *  2. a point is decided when the 95 % interval of its target (pooled over its replicates, as the
 *     summary's groups pool them) excludes the level; until then it gets one more replicate, up to
 *     `maxReplicates`, after which it counts on the side of its estimate (the ends first, `from`
 *     then `to`);
 *  3. if both ends fall on the same side, the target does not cross the level in the range: done,
 *     with an error naming both ends' values;
 *  4. else bisect: evaluate the bracket's midpoint and keep the half whose ends differ in side,
 *     until the bracket is narrower than `tolerance` (or, on an integer axis, its ends are
 *     neighbours). The boundary is the final bracket's midpoint, the bracket its interval.
 */
import { z } from 'zod';
import type { Interval } from './intervals';

/**
 * The spec paths a search may run along (docs/spec.md §12's grid axes), and whether the field takes
 * integers only. The midpoint of an integer axis is rounded down.
 */
export const SEARCH_AXES: Readonly<Record<string, { readonly integer: boolean }>> = {
  beta: { integer: false },
  'data.d': { integer: true },
  'data.nu': { integer: false },
  'student.accuracy': { integer: false },
  'student.norm': { integer: false },
  'teachers.accuracy': { integer: false },
  'teachers.norm': { integer: false },
  'teachers.kappa': { integer: false },
  'sft.batchSize': { integer: true },
  'sft.steps': { integer: true },
  'sft.labelNoise': { integer: false },
  'sft.learningRate': { integer: false },
  'sft.loss.alpha': { integer: false },
  'pretrain.studentSteps': { integer: true },
  'pretrain.teacherSteps': { integer: true },
};

export const SEARCH_TARGETS = ['fractionImproved', 'gainMean', 'pgr'] as const;
export type SearchTarget = (typeof SEARCH_TARGETS)[number];

/** The range a level may take for each target: a fraction strictly inside (0, 1), a gain of cosines inside (−2, 2), a PGR any finite number up to 1e6. */
const LEVEL_RANGE: Record<SearchTarget, { readonly lo: number; readonly hi: number; readonly why: string }> = {
  fractionImproved: { lo: 0, hi: 1, why: 'a fraction of teachers, strictly between 0 and 1' },
  gainMean: { lo: -2, hi: 2, why: 'a gain in cosine, strictly between −2 and 2' },
  pgr: { lo: -1e6, hi: 1e6, why: 'a PGR, strictly between −1e6 and 1e6' },
};

/** The default of maxReplicates. */
export const DEFAULT_MAX_REPLICATES = 8;
/** The cap of maxReplicates (that of a spec's `replicates`). */
export const MAX_REPLICATES = 1000;
/** The smallest tolerance, as a fraction of the range: below it the midpoints stop being distinct doubles long before the search would stop. */
export const MIN_RELATIVE_TOLERANCE = 1e-6;

const finite = (what: string) =>
  z.number({ error: `must be a number (${what})` }).refine(Number.isFinite, { error: `must be a finite number (${what})` });

/**
 * The spec's `search` field: zod, with every rejection naming its field and range. The validated
 * value has `tolerance` and `maxReplicates` filled in (tolerance: a hundredth of the range).
 */
export const SearchSchema = z
  .object({
    axis: z
      .string({ error: `must be one of ${Object.keys(SEARCH_AXES).join(', ')}` })
      .refine((a) => Object.hasOwn(SEARCH_AXES, a), { error: `must be one of the axes ${Object.keys(SEARCH_AXES).join(', ')}` }),
    from: finite('the first end of the range'),
    to: finite('the other end of the range, > from'),
    target: z.enum(SEARCH_TARGETS, { error: `must be one of ${SEARCH_TARGETS.map((t) => `'${t}'`).join(', ')}` }),
    level: finite('the level whose crossing is searched for'),
    tolerance: finite('the width of bracket at which the search stops').optional(),
    maxReplicates: z
      .number({ error: `must be an integer in [1, ${MAX_REPLICATES}]` })
      .int({ error: `must be an integer in [1, ${MAX_REPLICATES}]` })
      .refine((n) => n >= 1 && n <= MAX_REPLICATES, { error: `must be an integer in [1, ${MAX_REPLICATES}]` })
      .default(DEFAULT_MAX_REPLICATES),
  })
  .strict()
  .superRefine((s, ctx) => {
    const add = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (!(s.from < s.to)) add('to', `must be > from = ${s.from}`);
    const axis = SEARCH_AXES[s.axis] as { integer: boolean } | undefined;
    if (axis?.integer === true) {
      if (!Number.isInteger(s.from)) add('from', `must be an integer: ${s.axis} takes integers`);
      if (!Number.isInteger(s.to)) add('to', `must be an integer: ${s.axis} takes integers`);
    }
    const range = LEVEL_RANGE[s.target] as (typeof LEVEL_RANGE)[SearchTarget] | undefined;
    if (range !== undefined && !(s.level > range.lo && s.level < range.hi)) {
      add('level', `must be in (${range.lo}, ${range.hi}) for target '${s.target}': ${range.why}`);
    }
    if (s.tolerance !== undefined && s.from < s.to) {
      const width = s.to - s.from;
      const least = width * MIN_RELATIVE_TOLERANCE;
      if (!(s.tolerance >= least && s.tolerance <= width)) {
        add('tolerance', `must be in [${least}, ${width}]: between a millionth of the range and the range to − from`);
      }
    }
  })
  .transform((s) => ({ ...s, tolerance: s.tolerance ?? (s.to - s.from) / 100 }));

/** A validated search, every default filled in. */
export type Search = z.output<typeof SearchSchema>;
/** A search as a document may write it. */
export type SearchInput = z.input<typeof SearchSchema>;

/** One evaluated point as the step function reads it: its value, its replicates so far and the target's interval pooled over them. */
export interface PointEvaluation {
  readonly value: number;
  /** Replicates evaluated at this point (0 … replicates − 1). */
  readonly replicates: number;
  /** The target pooled over those replicates (the summary group's interval); estimate NaN when it has no value. */
  readonly target: Interval;
  /** Teachers summarised at the point, all replicates together. */
  readonly teachers: number;
}

/** An evaluation as a search reports it (`w2s search --json`). */
export interface SearchEvaluation {
  readonly value: number;
  readonly target: number;
  readonly interval: readonly [number, number];
  readonly teachers: number;
}

/**
 * What a search found: the boundary (the final bracket's midpoint) and the bracket, with every
 * evaluated point in order; or, when the target does not cross the level in the range (or has no
 * value at a point), null for both and the reason in `error`.
 */
export interface SearchResult {
  readonly boundary: number | null;
  readonly interval: readonly [number, number] | null;
  readonly evaluations: readonly SearchEvaluation[];
  readonly error?: string;
}

/** What to evaluate next: a point's next replicate, or nothing more, with the result. */
export type SearchStep = { readonly value: number; readonly replicate: number } | { readonly done: SearchResult };

/** Which side of the level a point is on: +1 above, −1 below, 0 undecided (its interval holds the level and it may get more replicates). */
function sideOf(search: Search, point: PointEvaluation): -1 | 0 | 1 {
  const { lo, hi, estimate } = point.target;
  // No value (no teacher has one): more replicates would not give one; the callers stop on it.
  if (Number.isNaN(estimate)) return 1;
  if (lo > search.level) return 1;
  if (hi < search.level) return -1;
  if (point.replicates < search.maxReplicates) return 0;
  return estimate >= search.level ? 1 : -1;
}

/** A number as the messages write it: enough digits to tell the points apart. */
function show(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

function describe(search: Search, point: PointEvaluation): string {
  const { estimate, lo, hi } = point.target;
  return `${search.axis} = ${show(point.value)}: ${search.target} ${show(estimate)} [${show(lo)}, ${show(hi)}]`;
}

function reported(point: PointEvaluation): SearchEvaluation {
  return { value: point.value, target: point.target.estimate, interval: [point.target.lo, point.target.hi], teachers: point.teachers };
}

/** The midpoint of a bracket: (lo + hi) / 2, rounded down on an integer axis. */
function midpoint(search: Search, lo: number, hi: number): number {
  const m = lo + (hi - lo) / 2;
  return SEARCH_AXES[search.axis].integer ? Math.floor(m) : m;
}

/** Whether a bracket is narrow enough to stop: narrower than the tolerance, or (integer axis) its ends neighbours. */
function narrowEnough(search: Search, lo: number, hi: number): boolean {
  return hi - lo < search.tolerance || (SEARCH_AXES[search.axis].integer && hi - lo <= 1);
}

/**
 * The search's next evaluation, a pure function of the points evaluated so far (in the order they
 * were first evaluated): the rule of this module's comment. Throws a RangeError when `points` is
 * not a sequence this search would have evaluated (a point other than the one it asks for, or a
 * point left undecided before the next).
 */
export function nextEvaluation(search: Search, points: readonly PointEvaluation[]): SearchStep {
  const expect = (i: number, value: number): PointEvaluation | null => {
    if (i >= points.length) return null;
    const point = points[i];
    if (point.value !== value) throw new RangeError(`search: evaluation ${i} is at ${search.axis} = ${point.value}, where the search evaluates ${value}`);
    if (!Number.isInteger(point.replicates) || point.replicates < 1 || point.replicates > search.maxReplicates) {
      throw new RangeError(`search: evaluation ${i} has ${point.replicates} replicates, outside [1, ${search.maxReplicates}]`);
    }
    return point;
  };
  const decided = (i: number, point: PointEvaluation): -1 | 1 => {
    const side = sideOf(search, point);
    if (side === 0) throw new RangeError(`search: evaluation ${i} (${search.axis} = ${point.value}) is undecided with ${point.replicates} replicates, yet a later point was evaluated`);
    return side;
  };
  const evaluated = points.map(reported);
  const finish = (result: Omit<SearchResult, 'evaluations'>): SearchStep => ({ done: { ...result, evaluations: evaluated } });

  // 1. Both ends at replicate 0 (the first round has them both), then each end refined in turn.
  const from = expect(0, search.from);
  if (from === null) return { value: search.from, replicate: 0 };
  const to = expect(1, search.to);
  if (to === null) return { value: search.to, replicate: 0 };
  // Replicates of an end come after both ends' first: the end's entry is its pooled state.
  for (const end of [from, to]) {
    const side = sideOf(search, end);
    if (side === 0) {
      if (points.length > 2) throw new RangeError(`search: ${search.axis} = ${end.value} is undecided, yet a later point was evaluated`);
      return { value: end.value, replicate: end.replicates };
    }
  }
  const sideFrom = decided(0, from);
  const sideTo = decided(1, to);
  if (!Number.isFinite(from.target.estimate) || !Number.isFinite(to.target.estimate)) {
    if (points.length > 2) throw new RangeError('search: a point was evaluated after an end without a value');
    const end = Number.isFinite(from.target.estimate) ? to : from;
    return finish({ boundary: null, interval: null, error: `${search.target} has no value at ${search.axis} = ${show(end.value)} (no teacher with one), so the search cannot bracket a crossing` });
  }
  if (sideFrom === sideTo) {
    if (points.length > 2) throw new RangeError('search: a point was evaluated between ends on the same side');
    const where = sideFrom > 0 ? 'above' : 'below';
    return finish({
      boundary: null,
      interval: null,
      error: `${search.target} does not cross ${show(search.level)} between the ends: ${where} it at both, ${describe(search, from)} and ${describe(search, to)}`,
    });
  }

  // 2. Bisection: the bracket [lo, hi] with sides sideFrom at lo and sideTo at hi.
  let lo = search.from;
  let hi = search.to;
  for (let i = 2; ; i++) {
    if (narrowEnough(search, lo, hi)) {
      if (i < points.length) throw new RangeError(`search: evaluation ${i} comes after the search has stopped`);
      return finish({ boundary: lo + (hi - lo) / 2, interval: [lo, hi] });
    }
    const m = midpoint(search, lo, hi);
    const point = expect(i, m);
    if (point === null) return { value: m, replicate: 0 };
    const side = sideOf(search, point);
    if (side === 0) {
      if (i < points.length - 1) decided(i, point);
      return { value: m, replicate: point.replicates };
    }
    if (!Number.isFinite(point.target.estimate)) {
      if (i < points.length - 1) throw new RangeError('search: a point was evaluated after one without a value');
      return finish({ boundary: null, interval: [lo, hi], error: `${search.target} has no value at ${search.axis} = ${show(m)} (no teacher with one)` });
    }
    if (side === sideFrom) lo = m;
    else hi = m;
  }
}

/** A grid entry of a search: the axis's value and the replicate. */
export type SearchGridEntry = Readonly<Record<string, number>>;

/**
 * The points of a search's grid in the order first evaluated, with how many replicates each has,
 * and where each point's replicates are. Throws a RangeError naming the entry when the grid is not
 * a search's: keys other than the axis and `replicate`, or a point's replicates not 0, 1, 2, … in order.
 */
export function gridPoints(search: Pick<Search, 'axis'>, grid: readonly SearchGridEntry[]): { value: number; replicates: number }[] {
  const points: { value: number; replicates: number }[] = [];
  const byValue = new Map<number, { value: number; replicates: number }>();
  grid.forEach((entry, i) => {
    const keys = Object.keys(entry).sort();
    const want = [search.axis, 'replicate'].sort();
    if (keys.length !== 2 || keys[0] !== want[0] || keys[1] !== want[1]) {
      throw new RangeError(`grid[${i}]: a search's point has exactly the keys '${search.axis}' and 'replicate' (got ${keys.map((k) => `'${k}'`).join(', ')})`);
    }
    const value = entry[search.axis];
    const replicate = entry.replicate;
    let point = byValue.get(value);
    if (point === undefined) {
      point = { value, replicates: 0 };
      byValue.set(value, point);
      points.push(point);
    }
    if (replicate !== point.replicates) {
      throw new RangeError(`grid[${i}].replicate: must be ${point.replicates}, the next replicate of ${search.axis} = ${value} (got ${replicate})`);
    }
    point.replicates++;
  });
  return points;
}

/** The grid entry of an evaluation. */
export function gridEntry(search: Pick<Search, 'axis'>, step: { readonly value: number; readonly replicate: number }): Record<string, number> {
  return { [search.axis]: step.value, replicate: step.replicate };
}

/**
 * What a search's spec must also satisfy, as [field, rule] pairs (parseSpec adds them): its grid is
 * the search's (see gridPoints; the ends first), within its range and replicate cap; no other axis
 * varies (one value of every other list, no `replicates` key); a PGR target needs the ceiling run.
 */
export function searchSpecProblems(spec: SearchSpecShape): [(string | number)[], string][] {
  const search = spec.search;
  if (search === undefined) return [];
  const out: [(string | number)[], string][] = [];
  const grid = spec.grid ?? [];
  if (grid.length < 2) {
    out.push([['grid'], `a search's grid lists its evaluated points, both ends first: [{ '${search.axis}': ${search.from}, replicate: 0 }, { '${search.axis}': ${search.to}, replicate: 0 }, …] (got ${grid.length} points)`]);
  } else {
    try {
      const points = gridPoints(search, grid);
      if (points[0].value !== search.from) out.push([['grid', 0], `must be the first end, ${search.axis} = search.from = ${search.from} (got ${points[0].value})`]);
      else if (points[1].value !== search.to) out.push([['grid', 1], `must be the other end, ${search.axis} = search.to = ${search.to} (got ${points[1].value})`]);
      const outside = grid.findIndex((e) => !(e[search.axis] >= search.from && e[search.axis] <= search.to));
      if (outside >= 0) out.push([['grid', outside, search.axis], `must be in [search.from, search.to] = [${search.from}, ${search.to}] (got ${grid[outside][search.axis]})`]);
      const over = points.find((p) => p.replicates > search.maxReplicates);
      if (over !== undefined) out.push([['grid'], `${search.axis} = ${over.value} has ${over.replicates} replicates, more than search.maxReplicates = ${search.maxReplicates}`]);
    } catch (error) {
      out.push([['grid'], error instanceof Error ? error.message : String(error)]);
    }
  }
  if (spec.replicates !== undefined && spec.replicates !== 1) {
    out.push([['replicates'], `must be left out of a search: it adds replicates at a point itself, up to search.maxReplicates (got ${spec.replicates})`]);
  }
  for (const axis of spec.axes ?? []) {
    if (axis.path !== search.axis) out.push([axis.path.split('.'), `must be one value in a search along ${search.axis} (got a list of ${axis.values.length})`]);
  }
  const lists: [string, readonly number[] | undefined][] = [
    ['student.norm', spec.student.norm],
    ['teachers.accuracy', spec.teachers.accuracy],
    ['teachers.kappa', spec.teachers.kappa],
  ];
  for (const [path, values] of lists) {
    if (values !== undefined && values.length > 1 && path !== search.axis) {
      out.push([path.split('.'), `must be one value in a search along ${search.axis} (got a list of ${values.length})`]);
    }
  }
  if (search.target === 'pgr' && !spec.sft.ceiling) out.push([['search', 'target'], "cannot be 'pgr' with sft.ceiling false: the PGR needs the ceiling run"]);
  return out;
}

/** What searchSpecProblems reads of a spec (engine/spec.ts's ExperimentSpec has it). */
export interface SearchSpecShape {
  readonly search?: Search;
  readonly grid?: readonly SearchGridEntry[];
  readonly replicates?: number;
  readonly axes?: readonly { readonly path: string; readonly values: readonly number[] }[];
  readonly student: { readonly norm: readonly number[] };
  readonly teachers: { readonly accuracy: readonly number[]; readonly kappa?: readonly number[] };
  readonly sft: { readonly ceiling: boolean };
}

/** A sweep group as searchResult reads it (engine/summary.ts's SweepGroup has it). */
export interface SearchGroup {
  readonly axes: Readonly<Record<string, number>>;
  readonly fractionImproved: Interval;
  readonly gainMean: Interval;
  readonly pgr: Interval | null;
}

const NO_VALUE: Interval = { estimate: NaN, lo: NaN, hi: NaN, n: 0 };

/**
 * The evaluated points of a search from its experiment's summary groups (one per point, its
 * replicates pooled), in the grid's order. A point whose group is missing has no value (NaN).
 */
export function searchPoints(
  spec: { readonly search: Search; readonly grid: readonly SearchGridEntry[]; readonly teachers: { readonly count: number } },
  groups: readonly SearchGroup[],
): PointEvaluation[] {
  const { search } = spec;
  return gridPoints(search, spec.grid).map(({ value, replicates }) => {
    const group = groups.find((g) => g.axes[search.axis] === value);
    const target = group === undefined ? NO_VALUE : (group[search.target] ?? NO_VALUE);
    return { value, replicates, target, teachers: spec.teachers.count * replicates };
  });
}

/**
 * What a search stored as an experiment found so far: its next step from its spec (search and
 * grid) and its summary's groups. `done` once the search has stopped; otherwise the point it
 * evaluates next. Every shell reports a search through this.
 */
export function searchStep(
  spec: { readonly search: Search; readonly grid: readonly SearchGridEntry[]; readonly teachers: { readonly count: number } },
  summary: { readonly groups?: readonly SearchGroup[] } | null,
): SearchStep {
  return nextEvaluation(spec.search, searchPoints(spec, summary?.groups ?? []));
}

/**
 * A finished search's result from its spec and summary (the dashboard, `w2s search`, `w2s show`);
 * null while it has more to evaluate.
 */
export function searchResult(
  spec: { readonly search: Search; readonly grid: readonly SearchGridEntry[]; readonly teachers: { readonly count: number } },
  summary: { readonly groups?: readonly SearchGroup[] } | null,
): SearchResult | null {
  const step = searchStep(spec, summary);
  return 'done' in step ? step.done : null;
}
