/**
 * Sweeps (docs/spec.md §12): any numeric field of a spec may list values and becomes a grid axis;
 * `grid` lists grouped points (fields that change together); `replicates` repeats every point with
 * seeds derived from the experiment's. A sweep is a list of *points*, each a plain spec with every
 * field a scalar (and its own seed), whose cells (initial norm × teacher accuracy × κ, as before)
 * follow one another in the experiment's cell order.
 *
 * This module works on documents (plain objects) and on validated specs alike through the paths
 * alone; it imports nothing of spec.ts, whose parser calls it.
 */

/** Fields that may list values (a grid axis) or appear in a `grid` point, by spec path. */
export const SWEEPABLE = [
  'beta',
  'data.d',
  'data.nu',
  'data.heldOutSize',
  'data.spectrum.powerLaw',
  'student.accuracy',
  'teachers.norm',
  'sft.batchSize',
  'sft.steps',
  'sft.labelNoise',
  'sft.learningRate',
  'sft.validationSize',
  'sft.softLabels.beta',
  'sft.loss.alpha',
  'sft.loss.warmup',
  'pretrain.initStd',
  'pretrain.learningRate',
  'pretrain.studentPoints',
  'pretrain.studentSteps',
  'pretrain.teacherPoints',
  'pretrain.teacherSteps',
] as const;

/** The cell axes every spec already had: lists in place, one cell per value inside each point. */
export const INNER_AXES = ['student.norm', 'teachers.accuracy', 'teachers.kappa'] as const;

/** A grid point's key naming its replicate (the search adds points one replicate at a time). */
export const REPLICATE = 'replicate';

/** Why a numeric field cannot vary across one experiment's cells. */
export const FIXED: Readonly<Record<string, string>> = {
  seed: 'one seed per experiment; use "replicates" for more seeds',
  'teachers.count': "every cell has the same teachers (a run is named by its cell, teacher and learning rate); sweep it with one experiment per count and compare them",
  'sft.recordEvery': 'every run records the same steps',
  'sft.finiteSet': 'a finite set is drawn once per teacher, shared by the cells',
};

/** The most values one axis lists, grid points one spec lists, and replicates. */
export const MAX_AXIS_VALUES = 64;
export const MAX_GRID_POINTS = 10_000;
export const MAX_REPLICATES = 1_000;

/** A product axis: a field and the values it takes, in the document's order. */
export interface SweepAxis {
  readonly path: string;
  readonly values: readonly number[];
}

/** What a validated spec holds of its sweep, each only when the document set it. */
export interface SweepFields {
  readonly axes?: readonly SweepAxis[];
  readonly grid?: readonly Readonly<Record<string, number>>[];
  readonly replicates?: number;
}

/** One point of a sweep: its coordinates (by path, without the replicate), its replicate and its spec. */
export interface SweepPoint<S> {
  readonly index: number;
  readonly axes: Readonly<Record<string, number>>;
  readonly replicate: number;
  readonly spec: S;
}

type Doc = Record<string, unknown>;

/** A deep copy of a JSON document (specs are JSON; the engine has no structuredClone in its types). */
const copyOf = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

const isDoc = (x: unknown): x is Doc => x !== null && typeof x === 'object' && !Array.isArray(x);

/** The value at a dotted path, or undefined. */
export function getPath(doc: unknown, path: string): unknown {
  let v: unknown = doc;
  for (const k of path.split('.')) {
    if (!isDoc(v)) return undefined;
    v = v[k];
  }
  return v;
}

/** Set a dotted path in a plain object, creating objects on the way. */
function setPath(doc: Doc, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = doc;
  for (const k of keys.slice(0, -1)) {
    if (!isDoc(o[k])) o[k] = {};
    o = o[k] as Doc;
  }
  o[keys[keys.length - 1]] = value;
}

function deletePath(doc: Doc, path: string): void {
  const keys = path.split('.');
  const parent = getPath(doc, keys.slice(0, -1).join('.'));
  if (keys.length === 1) delete doc[keys[0]];
  else if (isDoc(parent)) delete parent[keys[keys.length - 1]];
}

/**
 * Put one value of a swept field into a spec (a copy, deep where it changes). The inner axes hold
 * lists (one value: one cell), and `sft.learningRate` is the one-rate list `sft.learningRates`.
 */
export function withValue<S>(spec: S, path: string, value: number): S {
  const copy = copyOf(spec) as Doc;
  if (path === 'sft.learningRate') setPath(copy, 'sft.learningRates', [value]);
  else setPath(copy, path, (INNER_AXES as readonly string[]).includes(path) ? [value] : value);
  return copy as S;
}

/**
 * The seed of replicate r of an experiment seeded `seed`: the seed itself for r = 0 (so replicate 0
 * is the experiment without replicates, bit for bit), else SplitMix64 of seed + r·φ·2⁶⁴ cut to 53
 * bits (the spec's seed range), so neighbouring replicates' streams share nothing.
 */
export function replicateSeed(seed: number, replicate: number): number {
  if (replicate === 0) return seed;
  const mask = (1n << 64n) - 1n;
  let z = (BigInt(seed) + BigInt(replicate) * 0x9e3779b97f4a7c15n) & mask;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
  z ^= z >> 31n;
  return Number(z & ((1n << 53n) - 1n));
}

/** The sweep a document asks for, the document with each axis at its first value, and what is wrong. */
export interface ExtractedSweep {
  /** The document with the sweep's fields taken out and every axis at its first value (for the schema). */
  readonly base: unknown;
  readonly sweep: SweepFields;
  readonly errors: string[];
}

const finiteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/**
 * Take a document's sweep out of it: lists on sweepable fields (axes), `grid`, `replicates`, and a
 * stored spec's `axes` (folded back first, so that a validated spec parses to itself). Errors name
 * the field and what it may be; the values themselves are checked against the schema by the caller,
 * one point at a time (`pointDocuments`).
 */
export function extractSweep(input: unknown): ExtractedSweep {
  if (!isDoc(input)) return { base: input, sweep: {}, errors: [] };
  const doc = copyOf(input);
  const errors: string[] = [];
  const sweep: { axes?: SweepAxis[]; grid?: Record<string, number>[]; replicates?: number } = {};
  foldStoredAxes(doc, errors);
  if ('replicates' in doc) {
    const r = doc.replicates;
    if (typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r > MAX_REPLICATES) {
      errors.push(`replicates: must be an integer in [1, ${MAX_REPLICATES}] (got ${JSON.stringify(r)})`);
    } else sweep.replicates = r;
    delete doc.replicates;
  }
  const rate = getPath(doc, 'sft.learningRate');
  if (rate !== undefined && getPath(doc, 'sft.learningRates') !== undefined) {
    errors.push('sft.learningRate: give sft.learningRate (a grid axis: one rate per cell) or sft.learningRates (the per-teacher selection sweep), not both');
  }
  const axes: SweepAxis[] = [];
  for (const path of SWEEPABLE) {
    const v = getPath(doc, path);
    if (!Array.isArray(v)) continue;
    if (v.length < 1 || v.length > MAX_AXIS_VALUES || !v.every(finiteNumber)) {
      errors.push(`${path}: a grid axis lists 1 to ${MAX_AXIS_VALUES} finite numbers (got ${JSON.stringify(v).slice(0, 60)})`);
      continue;
    }
    if (new Set(v).size !== v.length) errors.push(`${path}: a grid axis lists each value once (got ${JSON.stringify(v)})`);
    axes.push({ path, values: v });
    setPath(doc, path, v[0]);
  }
  for (const [path, why] of Object.entries(FIXED)) {
    if (Array.isArray(getPath(doc, path))) errors.push(`${path}: cannot be a grid axis: ${why}`);
  }
  if (axes.length > 0) sweep.axes = axes;
  if ('grid' in doc) {
    const grid = checkGrid(doc.grid, axes, sweep.replicates, errors);
    if (grid !== null) {
      sweep.grid = grid;
      // The base document takes the first point's values, so that the schema checks a real point.
      for (const [path, value] of Object.entries(grid[0])) if (path !== REPLICATE) setPath(doc, path, (INNER_AXES as readonly string[]).includes(path) ? [value] : value);
    }
    delete doc.grid;
  }
  // sft.learningRate (scalar after the axes' first values) is the one-rate selection list.
  const first = getPath(doc, 'sft.learningRate');
  if (first !== undefined) {
    deletePath(doc, 'sft.learningRate');
    setPath(doc, 'sft.learningRates', [first]);
  }
  return { base: doc, sweep, errors };
}

/** A stored spec keeps its axes apart (`axes: [{ path, values }]`): put the lists back in place. */
function foldStoredAxes(doc: Doc, errors: string[]): void {
  if (!('axes' in doc)) return;
  const stored = doc.axes;
  delete doc.axes;
  if (!Array.isArray(stored) || !stored.every((a) => isDoc(a) && typeof a.path === 'string' && Array.isArray(a.values))) {
    errors.push('axes: must be a list of { path, values } (as a validated spec stores its grid axes); write a list on the field itself instead');
    return;
  }
  for (const { path, values } of stored as { path: string; values: unknown[] }[]) {
    if (!(SWEEPABLE as readonly string[]).includes(path)) {
      errors.push(`axes: ${path} is not a field that can vary (one of ${SWEEPABLE.join(', ')})`);
      continue;
    }
    if (path === 'sft.learningRate') deletePath(doc, 'sft.learningRates');
    setPath(doc, path, values);
  }
}

const GRID_KEYS: readonly string[] = [...SWEEPABLE, ...INNER_AXES, REPLICATE];

function checkGrid(grid: unknown, axes: readonly SweepAxis[], replicates: number | undefined, errors: string[]): Record<string, number>[] | null {
  if (!Array.isArray(grid) || grid.length < 1 || grid.length > MAX_GRID_POINTS || !grid.every(isDoc)) {
    errors.push(`grid: must be a list of 1 to ${MAX_GRID_POINTS} objects, each giving the fields that change together ({ "beta": 0.5, "data.d": 50 })`);
    return null;
  }
  const keys = Object.keys(grid[0]).sort().join(',');
  let ok = true;
  grid.forEach((point, i) => {
    if (Object.keys(point).length === 0) {
      errors.push(`grid[${i}]: names no field`);
      ok = false;
    }
    if (Object.keys(point).sort().join(',') !== keys) {
      errors.push(`grid[${i}]: every point names the same fields (grid[0] names ${keys || 'none'}; this one ${Object.keys(point).sort().join(',') || 'none'})`);
      ok = false;
    }
    for (const [key, value] of Object.entries(point)) {
      if (!GRID_KEYS.includes(key)) {
        errors.push(`grid[${i}].${key}: is not a field that can vary${key in FIXED ? `: ${FIXED[key]}` : ''} (one of ${GRID_KEYS.join(', ')})`);
        ok = false;
      } else if (key === REPLICATE ? !(Number.isInteger(value) && (value as number) >= 0 && (value as number) < MAX_REPLICATES) : !finiteNumber(value)) {
        errors.push(`grid[${i}].${key}: must be ${key === REPLICATE ? `an integer in [0, ${MAX_REPLICATES})` : 'a finite number'} (got ${JSON.stringify(value)})`);
        ok = false;
      } else if (axes.some((a) => a.path === key)) {
        errors.push(`grid[${i}].${key}: is also a grid axis (${key} lists values): give it in one place`);
        ok = false;
      }
    }
  });
  if (ok && replicates !== undefined && REPLICATE in grid[0]) {
    errors.push('replicates: cannot be given with a grid that names its points\' replicates');
    ok = false;
  }
  const seen = new Set(grid.map((p) => JSON.stringify(Object.entries(p).sort())));
  if (ok && seen.size !== grid.length) {
    errors.push('grid: lists the same point twice');
    ok = false;
  }
  return ok ? (grid as Record<string, number>[]) : null;
}

/** How many points a sweep has: the axes' product × grid points × replicates (no point is built). */
export function pointCount(sweep: SweepFields): number {
  const product = (sweep.axes ?? []).reduce((n, a) => n * a.values.length, 1);
  return product * (sweep.grid?.length ?? 1) * (sweep.replicates ?? 1);
}

/** Whether a spec sweeps anything beyond its inner cell axes. */
export function isSweep(sweep: SweepFields): boolean {
  return sweep.axes !== undefined || sweep.grid !== undefined || sweep.replicates !== undefined;
}

/** Whether the cells' coordinates name a replicate. */
export function hasReplicateAxis(sweep: SweepFields): boolean {
  return sweep.replicates !== undefined || (sweep.grid !== undefined && REPLICATE in sweep.grid[0]);
}

/**
 * The coordinates of point `index` in the fixed order: grid point outermost, then the axes in the
 * document's order, then the replicate (innermost, so a point's replicates follow one another).
 */
export function pointCoordinates(sweep: SweepFields, index: number): { axes: Record<string, number>; replicate: number } {
  const replicates = sweep.replicates ?? 1;
  let rest = Math.floor(index / replicates);
  let replicate = index % replicates;
  const axes: Record<string, number> = {};
  const list = sweep.axes ?? [];
  const values: number[] = new Array(list.length);
  for (let i = list.length - 1; i >= 0; i--) {
    const n = list[i].values.length;
    values[i] = list[i].values[rest % n];
    rest = Math.floor(rest / n);
  }
  if (sweep.grid !== undefined) {
    for (const [key, value] of Object.entries(sweep.grid[rest])) {
      if (key === REPLICATE) replicate = value;
      else axes[key] = value;
    }
  }
  list.forEach((a, i) => (axes[a.path] = values[i]));
  return { axes, replicate };
}

/** The scalar spec of one point: the sweep's fields out, its values in, its replicate's seed. */
export function pointSpec<S extends SweepFields & { seed: number }>(spec: S, index: number): S {
  const { axes, replicate } = pointCoordinates(spec, index);
  const { axes: _axes, grid: _grid, replicates: _replicates, ...rest } = spec;
  let point = rest as S;
  for (const [path, value] of Object.entries(axes)) point = withValue(point, path, value);
  return { ...point, seed: replicateSeed(spec.seed, replicate) };
}

/** Every point of a sweep in order (a spec without a sweep is its own one point). */
export function pointsOf<S extends SweepFields & { seed: number }>(spec: S): SweepPoint<S>[] {
  if (!isSweep(spec)) return [{ index: 0, axes: {}, replicate: 0, spec }];
  return Array.from({ length: pointCount(spec) }, (_, index) => ({ index, ...pointCoordinates(spec, index), spec: pointSpec(spec, index) }));
}

/** The scalar spec a cell's runs use: its point's (the spec itself when there is no sweep). */
export function cellSpec<S extends SweepFields & { seed: number }>(spec: S, cell: { readonly point: number }): S {
  return isSweep(spec) ? pointSpec(spec, cell.point) : spec;
}

/** How a figure or a table names a swept field: the paper's symbol where it has one. */
const AXIS_NAMES: Readonly<Record<string, string>> = {
  beta: 'β',
  'data.d': 'd',
  'data.nu': 'ν',
  'sft.batchSize': 'B',
  'sft.steps': 'T',
  'sft.learningRate': 'η',
  'sft.labelNoise': 'label noise',
  'sft.loss.alpha': 'α',
  'student.accuracy': 'student',
  'student.norm': '‖w₀‖',
  'teachers.accuracy': 'teacher',
  'teachers.kappa': 'κ',
  'teachers.norm': '‖w_T‖',
  [REPLICATE]: 'replicate',
};

/** A swept field's short name: β, d, η…, or its path. */
export function axisName(path: string): string {
  return AXIS_NAMES[path] ?? path;
}

/**
 * A cell's swept coordinates beyond the inner ones, as a reader reads them: "β = 0.5, d = 100,
 * replicate 1" (values to four significant digits); empty without a sweep.
 */
export function sweptLabel(axes: Readonly<Record<string, number>> | undefined, options: { replicate?: boolean } = {}): string {
  if (axes === undefined) return '';
  const parts: string[] = [];
  for (const [path, value] of Object.entries(axes)) {
    if ((INNER_AXES as readonly string[]).includes(path)) continue;
    if (path === REPLICATE) {
      if (options.replicate !== false) parts.push(`replicate ${value}`);
      continue;
    }
    parts.push(`${axisName(path)} = ${Number(value.toPrecision(4))}`);
  }
  return parts.join(', ');
}

/** What a sweep varies, in a line: "β ∈ {0.5, 1, 2} × d ∈ {50, 100} × 3 replicates"; empty without one. */
export function sweepDescription(sweep: SweepFields): string {
  const parts = [
    ...(sweep.grid === undefined ? [] : [`${sweep.grid.length} grid points (${Object.keys(sweep.grid[0]).map(axisName).join(', ')})`]),
    ...(sweep.axes ?? []).map((a) => `${axisName(a.path)} ∈ {${a.values.join(', ')}}`),
    ...(sweep.replicates === undefined ? [] : [`${sweep.replicates} replicates`]),
  ];
  return parts.join(' × ');
}

/** The swept coordinates' paths a table gives a column each (the inner ones have theirs): in the cells' order. */
export function sweptPaths(cell: { readonly axes: Readonly<Record<string, number>> } | undefined): string[] {
  return Object.keys(cell?.axes ?? {}).filter((path) => !(INNER_AXES as readonly string[]).includes(path));
}

/** The learning rate of a run: its cell's own when sft.learningRate is a grid axis, else the selection sweep's. */
export function runLearningRate(cell: { readonly axes: Readonly<Record<string, number>> } | undefined, learningRates: readonly number[], lr: number): number {
  return cell?.axes['sft.learningRate'] ?? learningRates[lr];
}

/** A validated spec as a document with its axes back in place (`beta: [0.5, 1]`), as a reader writes it: the builder's form reads it. */
export function withAxesInPlace<S extends SweepFields>(spec: S): Record<string, unknown> {
  const doc = copyOf(spec) as Doc;
  foldStoredAxes(doc, []);
  return doc;
}
