/**
 * Sweeps (docs/spec.md §12): any sweepable field as a grid axis, grouped grid points, replicates.
 * Laws checked: the cells are the product of the axes in the documented order, every cell runs
 * its own point's values (a cell equals the same spec written without the sweep, bit for bit),
 * replicate 0 is the experiment without replicates, a validated spec parses to itself, and bad
 * axes are refused naming the path.
 */
import { describe, expect, it } from 'vitest';
import { cellsOf, runCount } from '../../src/engine/grid';
import { parseSpec, validateSpec } from '../../src/engine/spec';
import { summarizeExperiment } from '../../src/engine/summary';
import { cellSpec, pointsOf, replicateSeed } from '../../src/engine/sweep';
import { runAll } from '../helpers/experiment';

const small = {
  seed: 7,
  data: { d: 12 },
  student: { accuracy: 0.8, norm: 1 },
  teachers: { count: 3, accuracy: 0.7 },
  sft: { batchSize: 50, steps: 20, learningRates: [0.1, 1] },
  engine: { path: 'reduced' },
};

const errorsOf = (doc: unknown) => {
  const r = parseSpec(doc);
  return r.ok ? [] : r.errors;
};

describe('sweep axes', () => {
  it('β × d × replicates: cells are the product in order (point outermost, replicate innermost), each naming its coordinates', () => {
    const spec = validateSpec({ ...small, beta: [0.5, 2], data: { d: [12, 20] }, replicates: 2 });
    expect(spec.axes).toEqual([
      { path: 'beta', values: [0.5, 2] },
      { path: 'data.d', values: [12, 20] },
    ]);
    expect(spec.beta).toBe(0.5);
    expect(spec.data.d).toBe(12);
    const cells = cellsOf(spec);
    expect(cells).toHaveLength(8);
    expect(runCount(spec)).toBe(8 * 4 * 2);
    expect(cells.map((c) => [c.axes.beta, c.axes['data.d'], c.axes.replicate])).toEqual([
      [0.5, 12, 0], [0.5, 12, 1], [0.5, 20, 0], [0.5, 20, 1],
      [2, 12, 0], [2, 12, 1], [2, 20, 0], [2, 20, 1],
    ]);
    expect(cells[3].axes).toEqual({ beta: 0.5, 'data.d': 20, 'student.norm': 1, 'teachers.accuracy': 0.7, replicate: 1 });
    const specOf3 = cellSpec(spec, cells[3]);
    expect(specOf3.data.d).toBe(20);
    expect(specOf3.seed).toBe(replicateSeed(7, 1));
    expect('axes' in specOf3 || 'replicates' in specOf3).toBe(false);
  });

  it('every cell runs exactly the spec written without the sweep at its values, and replicate 0 is the spec without replicates', () => {
    const swept = runAll({ ...small, beta: [0.5, 2], data: { d: [12, 20] }, replicates: 2 });
    const cells = cellsOf(swept.spec);
    for (const cell of [cells[0], cells[3], cells[6]]) {
      const at = cell.axes;
      const alone = runAll({ ...small, seed: replicateSeed(7, at.replicate), beta: at.beta, data: { d: at['data.d'] } });
      const mine = swept.outcomes.filter((o) => o.key.cell === cell.index);
      expect(mine.map((o) => ({ key: { ...o.key, cell: 0 }, series: o.series, descriptor: o.descriptor }))).toEqual(
        alone.outcomes.map((o) => ({ key: o.key, series: o.series, descriptor: o.descriptor })),
      );
    }
    // Replicate 0 at the first point: the document with scalars, same seed.
    const plain = runAll({ ...small, beta: 0.5 });
    expect(swept.outcomes.filter((o) => o.key.cell === 0).map((o) => o.series)).toEqual(plain.outcomes.map((o) => o.series));
  });

  it('replicate seeds: 0 is the seed itself; the rest distinct, within the seed range, stable', () => {
    expect(replicateSeed(42, 0)).toBe(42);
    const seeds = Array.from({ length: 1000 }, (_, r) => replicateSeed(42, r));
    expect(new Set(seeds).size).toBe(1000);
    for (const s of seeds) expect(Number.isSafeInteger(s) && s >= 0).toBe(true);
    // SplitMix64 of 42 + φ·2⁶⁴ (Steele et al.'s finaliser), cut to 53 bits: computed with Python's ints.
    expect(replicateSeed(42, 1)).toBe(Number(BigInt.asUintN(53, splitmix(42n + 0x9e3779b97f4a7c15n))));
  });

  it('a grouped grid changes fields together; a grid may name replicates and inner fields', () => {
    const spec = validateSpec({ ...small, grid: [{ beta: 0.5, 'sft.steps': 10 }, { beta: 2, 'sft.steps': 30 }] });
    const cells = cellsOf(spec);
    expect(cells.map((c) => [c.axes.beta, c.axes['sft.steps']])).toEqual([[0.5, 10], [2, 30]]);
    expect(cellSpec(spec, cells[1]).sft.steps).toBe(30);
    const search = validateSpec({ ...small, grid: [{ 'teachers.kappa': 0.2, replicate: 0 }, { 'teachers.kappa': 0.9, replicate: 3 }] });
    const kc = cellsOf(search);
    expect(kc.map((c) => [c.kappa, c.axes.replicate])).toEqual([[0.2, 0], [0.9, 3]]);
    expect(cellSpec(search, kc[1]).seed).toBe(replicateSeed(7, 3));
    expect(cellSpec(search, kc[1]).teachers.kappa).toEqual([0.9]);
  });

  it('the learning rate as a grid axis: one rate per cell, summaries report each cell its own rate', () => {
    const { spec, outcomes } = runAll({ ...small, sft: { batchSize: 50, steps: 20, learningRate: [0.1, 1] } });
    expect(spec.sft.learningRates).toEqual([0.1]);
    const cells = cellsOf(spec);
    expect(cells.map((c) => c.axes['sft.learningRate'])).toEqual([0.1, 1]);
    const summary = summarizeExperiment(spec, 'reduced', cells, outcomes);
    expect(summary.cells.map((c) => c.ceiling?.bestLearningRate)).toEqual([0.1, 1]);
    expect(summary.groups?.map((g) => g.axes['sft.learningRate'])).toEqual([0.1, 1]);
    // Its runs are those of a spec with learningRates: [1].
    const alone = runAll({ ...small, sft: { batchSize: 50, steps: 20, learningRates: [1] } });
    expect(outcomes.filter((o) => o.key.cell === 1).map((o) => o.series)).toEqual(alone.outcomes.map((o) => o.series));
  });

  it('a validated spec parses to itself (the stored form folds back)', () => {
    for (const doc of [
      { ...small, beta: [0.5, 2], replicates: 3 },
      { ...small, sft: { batchSize: 50, steps: 20, learningRate: [0.1, 1] } },
      { ...small, grid: [{ beta: 0.5 }, { beta: 2 }], data: { d: [12, 20] } },
    ]) {
      const once = validateSpec(doc);
      expect(validateSpec(once)).toEqual(once);
    }
    // A spec without a sweep gains no field (stored hashes unchanged).
    expect(Object.keys(validateSpec(small)).some((k) => ['axes', 'grid', 'replicates'].includes(k))).toBe(false);
  });

  it('refuses fields that cannot vary, unknown grid keys, bad values and lists, naming the path', () => {
    expect(errorsOf({ ...small, teachers: { count: [2, 3] } })).toEqual([expect.stringMatching(/^teachers\.count: cannot be a grid axis/)]);
    expect(errorsOf({ ...small, seed: [1, 2] })[0]).toMatch(/^seed: cannot be a grid axis.*replicates/);
    expect(errorsOf({ ...small, grid: [{ nope: 1 }] })[0]).toMatch(/^grid\[0\]\.nope: is not a field that can vary/);
    expect(errorsOf({ ...small, grid: [{ beta: 1 }, { 'data.d': 20 }] })[0]).toMatch(/^grid\[1\]: every point names the same fields/);
    expect(errorsOf({ ...small, beta: [1, -1] })).toEqual([expect.stringMatching(/^at beta = -1: beta: must be in \(0, 1000000\]/)]);
    expect(errorsOf({ ...small, beta: [] })[0]).toMatch(/^beta: a grid axis lists 1 to 64 finite numbers/);
    expect(errorsOf({ ...small, beta: [1, 1] })[0]).toMatch(/^beta: a grid axis lists each value once/);
    expect(errorsOf({ ...small, replicates: 0 })[0]).toMatch(/^replicates: must be an integer in \[1, 1000\]/);
    expect(errorsOf({ ...small, sft: { learningRate: 0.1, learningRates: [1] } })[0]).toMatch(/^sft\.learningRate: give sft\.learningRate .* not both/);
    expect(errorsOf({ ...small, beta: [1, 2], grid: [{ beta: 3 }] })[0]).toMatch(/^grid\[0\]\.beta: is also a grid axis/);
  });

  it('the budget applies to the product of every axis', () => {
    const big = { ...small, teachers: { count: 1000, accuracy: 0.7 }, beta: Array.from({ length: 40 }, (_, i) => 0.1 + i), data: { d: Array.from({ length: 30 }, (_, i) => 10 + i) } };
    const errors = errorsOf(big);
    expect(errors[0]).toMatch(/^\(spec\): the grid makes 2 402 400 runs \(40 values of beta × 30 values of data\.d × 1 initial norms × 1 teacher accuracies × 1 001 teachers and the ceiling × 2 learning rates\)/);
    // Steps summed point by point when sft.steps varies: 2 cells × 4 runs × (10 + 30) steps.
    const spec = validateSpec({ ...small, grid: [{ 'sft.steps': 10 }, { 'sft.steps': 30 }] });
    expect(pointsOf(spec).map((p) => p.spec.sft.steps)).toEqual([10, 30]);
  });
});

function splitmix(seed: bigint): bigint {
  let z = BigInt.asUintN(64, seed);
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  return z ^ (z >> 31n);
}
