import { describe, expect, it } from 'vitest';
import { issueLines } from '../../src/engine/fieldErrors';
import { type Interval, meanInterval, wilsonInterval } from '../../src/engine/intervals';
import { Rng, StreamKind } from '../../src/engine/rng';
import {
  gridEntry,
  gridPoints,
  nextEvaluation,
  type PointEvaluation,
  type Search,
  type SearchInput,
  SearchSchema,
  searchResult,
  type SearchResult,
  searchSpecProblems,
} from '../../src/engine/search';

const parse = (input: SearchInput): Search => SearchSchema.parse(input);

/**
 * An analytic target: at value v each of `teachers` teachers improves with probability
 * p(v) = 1 / (1 + exp((v − v0) / s)), drawn from a stream of (seed, v, replicate): the same
 * (v, replicate) always gives the same teachers, as a stored experiment's cell does.
 */
function logisticOracle(v0: number, s: number, teachers: number, seed: number, range: [number, number]) {
  const improved = (value: number, replicate: number): number => {
    const key = Math.round(((value - range[0]) / (range[1] - range[0])) * 2 ** 30);
    const rng = Rng.stream(seed, StreamKind.teacher, key, replicate);
    const p = 1 / (1 + Math.exp((value - v0) / s));
    let k = 0;
    for (let t = 0; t < teachers; t++) if (rng.uniform() < p) k++;
    return k;
  };
  return {
    teachers,
    /** The pooled target (Wilson over every teacher of the point's replicates). */
    point: (value: number, replicates: number): PointEvaluation => {
      let k = 0;
      for (let r = 0; r < replicates; r++) k += improved(value, r);
      return { value, replicates, target: wilsonInterval(k, teachers * replicates), teachers: teachers * replicates };
    },
  };
}

type Oracle = { point: (value: number, replicates: number) => PointEvaluation };

/** Run a search to its end from the grid entries already evaluated; the grid it ends with and its result. */
function runSearch(search: Search, oracle: Oracle, start: Record<string, number>[] = []): { grid: Record<string, number>[]; result: SearchResult } {
  const grid = [...start];
  for (let round = 0; round < 10_000; round++) {
    const points = gridPoints(search, grid).map((p) => oracle.point(p.value, p.replicates));
    const step = nextEvaluation(search, points);
    if ('done' in step) return { grid, result: step.done };
    grid.push(gridEntry(search, step));
  }
  throw new Error('the search did not stop');
}

describe('search: SearchSchema', () => {
  it('fills in the tolerance (a hundredth of the range) and maxReplicates (8)', () => {
    const s = parse({ axis: 'teachers.kappa', from: 0, to: 0.95, target: 'fractionImproved', level: 0.5 });
    expect(s.tolerance).toBeCloseTo(0.0095, 15);
    expect(s.maxReplicates).toBe(8);
  });

  it('refuses bad fields, each naming the field and its range', () => {
    const lines = (input: unknown) => {
      const r = SearchSchema.safeParse(input);
      return r.success ? [] : issueLines(r.error.issues, input, '(search)');
    };
    expect(lines({ axis: 'teachers.count', from: 0, to: 1, target: 'gainMean', level: 0 })[0]).toMatch(/^axis: must be one of the axes .*teachers\.kappa/);
    expect(lines({ axis: 'beta', from: 2, to: 1, target: 'gainMean', level: 0 })).toEqual([expect.stringMatching(/^to: must be > from = 2 \(got 1\)$/)]);
    expect(lines({ axis: 'data.d', from: 10.5, to: 100, target: 'gainMean', level: 0 })).toEqual([expect.stringMatching(/^from: must be an integer: data\.d takes integers/)]);
    expect(lines({ axis: 'beta', from: 0.1, to: 1, target: 'fractionImproved', level: 1 })).toEqual([expect.stringMatching(/^level: must be in \(0, 1\) for target 'fractionImproved'/)]);
    expect(lines({ axis: 'beta', from: 0.1, to: 1, target: 'gainMean', level: -3 })).toEqual([expect.stringMatching(/^level: must be in \(-2, 2\)/)]);
    expect(lines({ axis: 'beta', from: 0, to: 1, target: 'gainMean', level: 0, tolerance: 2 })).toEqual([expect.stringMatching(/^tolerance: must be in \[0\.000001, 1\]: between a millionth of the range and the range to − from \(got 2\)$/)]);
    expect(lines({ axis: 'beta', from: 0, to: 1, target: 'gainMean', level: 0, maxReplicates: 0 })).toEqual([expect.stringMatching(/^maxReplicates: must be an integer in \[1, 1000\]/)]);
    expect(lines({ axis: 'beta', from: 0, to: 1, target: 'accuracy', level: 0 })[0]).toMatch(/^target: must be one of 'fractionImproved', 'gainMean', 'pgr'/);
    expect(lines({ axis: 'beta', from: 0, to: 1, target: 'gainMean', level: 0, extra: 1 })).toEqual(['extra: unknown key']);
  });
});

describe('search: nextEvaluation against an analytic target', () => {
  const range: [number, number] = [0, 0.95];
  const search = parse({ axis: 'teachers.kappa', from: range[0], to: range[1], target: 'fractionImproved', level: 0.5 });

  it('finds the logistic curve’s crossing within the tolerance, for every seed of 40', () => {
    for (let seed = 0; seed < 40; seed++) {
      const v0 = 0.3 + (0.5 * seed) / 40;
      const { grid, result } = runSearch(search, logisticOracle(v0, 0.002, 20, seed, range));
      expect(result.error).toBeUndefined();
      // p(v0) = 1/2: the known boundary.
      expect(Math.abs((result.boundary as number) - v0)).toBeLessThan(search.tolerance);
      const [lo, hi] = result.interval as [number, number];
      expect(hi - lo).toBeLessThan(search.tolerance);
      expect(lo).toBeLessThanOrEqual(result.boundary as number);
      expect(hi).toBeGreaterThanOrEqual(result.boundary as number);
      // Both ends and ⌈log2(0.95 / 0.0095)⌉ = 7 midpoints, each a distinct point.
      expect(result.evaluations.map((e) => e.value)).toHaveLength(9);
      expect(new Set(grid.map((e) => e['teachers.kappa'])).size).toBe(9);
    }
  });

  it('adds replicates at a point whose interval holds the level, up to maxReplicates', () => {
    // A flat curve at p = 0.5 near v0: every point near it stays undecided for a while.
    const oracle = logisticOracle(0.52, 0.05, 20, 3, range);
    const { grid, result } = runSearch(search, oracle);
    const points = gridPoints(search, grid);
    expect(points.some((p) => p.replicates > 1)).toBe(true);
    for (const p of points) {
      expect(p.replicates).toBeLessThanOrEqual(search.maxReplicates);
      const pooled = oracle.point(p.value, p.replicates).target;
      const excludes = pooled.lo > 0.5 || pooled.hi < 0.5;
      // Stopped at the first replicate count whose interval excludes the level, or at the cap.
      expect(excludes || p.replicates === search.maxReplicates).toBe(true);
      if (p.replicates > 1) {
        const before = oracle.point(p.value, p.replicates - 1).target;
        expect(before.lo <= 0.5 && before.hi >= 0.5).toBe(true);
      }
    }
    // p(v) = 0.5 at v0 exactly, and the bracket holds it.
    const [lo, hi] = result.interval as [number, number];
    expect(Math.abs((result.boundary as number) - 0.52)).toBeLessThan(0.03);
    expect(hi - lo).toBeLessThan(search.tolerance);
  });

  it('gives the same rounds and result replayed from any prefix of its evaluations (resume)', () => {
    const oracle = logisticOracle(0.528, 0.01, 20, 11, range);
    const whole = runSearch(search, oracle);
    expect(gridPoints(search, whole.grid).some((p) => p.replicates > 1)).toBe(true);
    for (let k = 0; k <= whole.grid.length; k++) {
      const resumed = runSearch(search, oracle, whole.grid.slice(0, k));
      expect(resumed.grid).toEqual(whole.grid);
      expect(resumed.result).toEqual(whole.result);
    }
  });

  it('asks for both ends first, whatever the first one gave', () => {
    expect(nextEvaluation(search, [])).toEqual({ value: 0, replicate: 0 });
    for (const k of [0, 10, 20]) {
      const first = { value: 0, replicates: 1, target: wilsonInterval(k, 20), teachers: 20 };
      expect(nextEvaluation(search, [first])).toEqual({ value: 0.95, replicate: 0 });
    }
  });

  it('says when the target does not cross the level, with its values at both ends', () => {
    const oracle: Oracle = { point: (value, replicates) => ({ value, replicates, target: wilsonInterval(20 * replicates, 20 * replicates), teachers: 20 * replicates }) };
    const { grid, result } = runSearch(search, oracle);
    expect(grid).toEqual([{ 'teachers.kappa': 0, replicate: 0 }, { 'teachers.kappa': 0.95, replicate: 0 }]);
    expect(result.boundary).toBeNull();
    expect(result.interval).toBeNull();
    // Wilson's lower bound for 20 of 20: n / (n + z²) = 20 / 23.8415 = 0.838875.
    expect(result.error).toBe(
      'fractionImproved does not cross 0.5 between the ends: above it at both, teachers.kappa = 0: fractionImproved 1 [0.838875, 1] and teachers.kappa = 0.95: fractionImproved 1 [0.838875, 1]',
    );
    expect(result.evaluations).toEqual([
      { value: 0, target: 1, interval: [expect.closeTo(0.838875, 6), 1], teachers: 20 },
      { value: 0.95, target: 1, interval: [expect.closeTo(0.838875, 6), 1], teachers: 20 },
    ]);
  });

  it('a mean gain target: the crossing of a line through noise (t intervals)', () => {
    // gain(v) = 0.02 (0.6 − v) + N(0, 0.002²) per teacher: crosses 0 at v = 0.6.
    const gains = (value: number, replicates: number) => {
      const out: number[] = [];
      for (let r = 0; r < replicates; r++) {
        const rng = Rng.stream(5, StreamKind.sft, Math.round(value * 2 ** 20), r);
        for (let t = 0; t < 20; t++) {
          const z = Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
          out.push(0.02 * (0.6 - value) + 0.002 * z);
        }
      }
      return out;
    };
    const gainSearch = parse({ axis: 'beta', from: 0.1, to: 2, target: 'gainMean', level: 0 });
    const oracle: Oracle = { point: (value, replicates): PointEvaluation => ({ value, replicates, target: meanInterval(gains(value, replicates)), teachers: 20 * replicates }) };
    const { result } = runSearch(gainSearch, oracle);
    expect(Math.abs((result.boundary as number) - 0.6)).toBeLessThan(gainSearch.tolerance);
  });

  it('on an integer axis, stops at neighbouring integers around the crossing', () => {
    const dSearch = parse({ axis: 'data.d', from: 3, to: 1000, target: 'fractionImproved', level: 0.5, tolerance: 1 });
    const oracle = logisticOracle(137.3, 0.01, 20, 2, [3, 1000]);
    const { grid, result } = runSearch(dSearch, oracle);
    expect(result.interval).toEqual([137, 138]);
    expect(result.boundary).toBe(137.5);
    expect(grid.every((e) => Number.isInteger(e['data.d']))).toBe(true);
  });

  it('refuses a sequence the search would not have evaluated', () => {
    const at = (value: number, k: number): PointEvaluation => ({ value, replicates: 1, target: wilsonInterval(k, 20), teachers: 20 });
    expect(() => nextEvaluation(search, [at(0.1, 20)])).toThrow(/evaluation 0 is at teachers\.kappa = 0\.1, where the search evaluates 0/);
    expect(() => nextEvaluation(search, [at(0, 20), at(0.95, 0), at(0.3, 0)])).toThrow(/evaluation 2 is at teachers\.kappa = 0\.3, where the search evaluates 0\.475/);
    expect(() => nextEvaluation(search, [at(0, 10), at(0.95, 0), at(0.475, 0)])).toThrow(/undecided/);
  });
});

describe('search: the stored experiment', () => {
  const search = parse({ axis: 'teachers.kappa', from: 0, to: 0.95, target: 'fractionImproved', level: 0.5 });
  const base = { search, student: { norm: [1] }, teachers: { count: 20, accuracy: [0.7] }, sft: { ceiling: true } };

  it('gridPoints groups a grid by value, first-evaluated order, replicates counted', () => {
    const grid = [
      { 'teachers.kappa': 0, replicate: 0 },
      { 'teachers.kappa': 0.95, replicate: 0 },
      { 'teachers.kappa': 0, replicate: 1 },
      { 'teachers.kappa': 0.475, replicate: 0 },
    ];
    expect(gridPoints(search, grid)).toEqual([
      { value: 0, replicates: 2 },
      { value: 0.95, replicates: 1 },
      { value: 0.475, replicates: 1 },
    ]);
    expect(() => gridPoints(search, [{ 'teachers.kappa': 0, replicate: 1 }])).toThrow(/grid\[0\]\.replicate: must be 0/);
    expect(() => gridPoints(search, [{ beta: 1, replicate: 0 }])).toThrow(/grid\[0\]: a search's point has exactly the keys 'teachers\.kappa' and 'replicate'/);
  });

  it('searchSpecProblems: the grid is the search’s, nothing else varies, a PGR needs the ceiling', () => {
    const ends = [{ 'teachers.kappa': 0, replicate: 0 }, { 'teachers.kappa': 0.95, replicate: 0 }];
    expect(searchSpecProblems({ ...base, grid: ends })).toEqual([]);
    expect(searchSpecProblems({ ...base, grid: [ends[1], ends[0]] })[0]).toEqual([['grid', 0], expect.stringMatching(/must be the first end/)]);
    expect(searchSpecProblems({ ...base, grid: [...ends, { 'teachers.kappa': 1.2, replicate: 0 }] })).toEqual([[['grid', 2, 'teachers.kappa'], expect.stringMatching(/must be in \[search\.from, search\.to\]/)]]);
    expect(searchSpecProblems({ ...base, grid: ends, student: { norm: [1, 3] } })).toEqual([[['student', 'norm'], expect.stringMatching(/must be one value in a search along teachers\.kappa/)]]);
    expect(searchSpecProblems({ ...base, grid: ends, replicates: 4 })).toEqual([[['replicates'], expect.stringMatching(/must be left out of a search/)]]);
    expect(searchSpecProblems({ ...base, grid: ends, axes: [{ path: 'beta', values: [1, 2] }] })).toEqual([[['beta'], expect.stringMatching(/must be one value/)]]);
    const pgr = parse({ axis: 'teachers.kappa', from: 0, to: 0.95, target: 'pgr', level: 0.1 });
    expect(searchSpecProblems({ ...base, search: pgr, grid: ends, sft: { ceiling: false } })).toEqual([[['search', 'target'], expect.stringMatching(/needs the ceiling run/)]]);
    expect(searchSpecProblems({ ...base, grid: [ends[0]] })[0][0]).toEqual(['grid']);
  });

  it('searchResult reads the summary groups; null while the search has more to do', () => {
    const oracle = logisticOracle(0.528, 0.002, 20, 7, [0, 0.95]);
    const { grid, result } = runSearch(search, oracle);
    const groups = gridPoints(search, grid).map((p) => {
      const e = oracle.point(p.value, p.replicates);
      const none: Interval = { estimate: 0, lo: 0, hi: 0, n: 0 };
      return { axes: { 'teachers.kappa': p.value, 'student.norm': 1 }, fractionImproved: e.target, gainMean: none, pgr: null };
    });
    expect(searchResult({ ...base, grid }, { groups })).toEqual(result);
    expect(searchResult({ ...base, grid: grid.slice(0, -1) }, { groups })).toBeNull();
  });
});
