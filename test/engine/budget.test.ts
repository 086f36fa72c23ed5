/**
 * The grid and its budget (src/engine/grid.ts, src/engine/budget.ts): run keys by index arithmetic
 * agree with the nested loops of docs/spec.md §7–8 written out here; every limit is accepted at its
 * value and refused one step past it, alone, with a message naming the limit; the grid of
 * 26 billion runs is refused by arithmetic, nothing allocated.
 */
import { describe, expect, it } from 'vitest';
import { budgetOf, MAX_EXPECTED_BYTES, MAX_RUN_STEPS, MAX_RUNS, MAX_STORED_POINTS } from '../../src/engine/budget';
import { CEILING, eachRunKey, gridAxes, type RunKey, runCount, runIndexOf, runKeyAt } from '../../src/engine/grid';
import { logspace, parseSpec, validateSpec } from '../../src/engine/spec';

/** The grid's runs as nested loops: cell (norm, accuracy, κ), then teacher (ceiling first), then learning rate. */
function nestedKeys(cells: number, teachers: number, ceiling: boolean, lrs: number): RunKey[] {
  const keys: RunKey[] = [];
  for (let cell = 0; cell < cells; cell++) {
    for (let teacher = ceiling ? CEILING : 0; teacher < teachers; teacher++) {
      for (let lr = 0; lr < lrs; lr++) keys.push({ cell, teacher, lr });
    }
  }
  return keys;
}

function refusals(input: unknown): string[] {
  const r = parseSpec(input);
  return r.ok ? [] : r.errors;
}

describe('run keys by index arithmetic', () => {
  const cases = [
    { name: 'norms × accuracies × κ, with the ceiling', spec: { student: { norm: [0.5, 1, 3] }, teachers: { count: 4, accuracy: [0.6, 0.7], kappa: [0, 0.5] }, sft: { learningRates: [0.1, 1, 10] } }, cells: 12, teachers: 4, ceiling: true, lrs: 3 },
    { name: 'no ceiling', spec: { student: { norm: [1, 2] }, teachers: { count: 3 }, sft: { ceiling: false, learningRates: [0.1, 1] } }, cells: 2, teachers: 3, ceiling: false, lrs: 2 },
    { name: 'shared pretraining (one cell, lists ignored)', spec: { setup: 'shared-pretraining', student: { norm: [1, 2, 3] }, teachers: { count: 5 }, sft: { learningRates: [1] } }, cells: 1, teachers: 5, ceiling: true, lrs: 1 },
  ];
  for (const c of cases) {
    it(`${c.name}: runKeyAt, eachRunKey and runIndexOf follow the nested loops`, () => {
      const spec = validateSpec(c.spec);
      const expected = nestedKeys(c.cells, c.teachers, c.ceiling, c.lrs);
      expect(runCount(spec)).toBe(expected.length);
      expect([...eachRunKey(spec)]).toEqual(expected);
      expected.forEach((key, i) => {
        expect(runKeyAt(spec, i)).toEqual(key);
        expect(runIndexOf(spec, key)).toBe(i);
      });
      expect([...eachRunKey(spec, 3, 7)]).toEqual(expected.slice(3, 7));
    });
  }

  it('the axes multiply to the run count, each naming its spec field', () => {
    const spec = validateSpec(cases[0].spec);
    expect(gridAxes(spec).map((a) => [a.field, a.size])).toEqual([
      ['student.norm', 3],
      ['teachers.accuracy', 2],
      ['teachers.kappa', 2],
      ['teachers.count', 5],
      ['sft.learningRates', 3],
    ]);
  });
});

describe('the budget', () => {
  it("refuses the issue's 64 × 64 × 100 000 × 64 grid by arithmetic, every limit named", () => {
    const accuracies = Array.from({ length: 64 }, (_, i) => 0.55 + i * 0.005);
    const r = refusals({ student: { norm: logspace(-1, 2, 64) }, teachers: { count: 100_000, accuracy: accuracies }, sft: { learningRates: logspace(-5, 1, 64) } });
    // 64 · 64 · (100 000 + 1) · 64 runs, each of 1 000 steps and 1 001 recorded points.
    const runs = 64n * 64n * 100_001n * 64n;
    expect(r).toHaveLength(4);
    expect(r[0]).toBe(`(spec): the grid makes 26 214 662 144 runs (64 initial norms × 64 teacher accuracies × 100 001 teachers and the ceiling × 64 learning rates); at most 1 000 000 in one experiment`);
    expect(runs).toBe(26_214_662_144n);
    expect(r[1]).toContain(`make ${(runs * 1000n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ')} run-steps; at most 10 000 000 000 in one experiment`);
    expect(r[2]).toContain(`would store ${(runs * 1001n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ')} points`);
    expect(r[3]).toMatch(/would add [\d ]+ bytes \(about [\d ]+ GB\) to the run history; at most 3 000 000 000 in one experiment/);
  });

  it('runs: 1 000 000 accepted, 1 000 800 refused alone', () => {
    // 10 norms × 10 accuracies × (1 249 teachers + the ceiling) × 8 learning rates = 1 000 000 runs of 2 points.
    const grid = (count: number) => ({
      student: { norm: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
      teachers: { count, accuracy: [0.6, 0.62, 0.64, 0.66, 0.68, 0.7, 0.72, 0.74, 0.76, 0.78] },
      sft: { steps: 100, recordEvery: 100, learningRates: [1, 2, 3, 4, 5, 6, 7, 8] },
      engine: { path: 'preview' },
    });
    expect(budgetOf(validateSpec(grid(1249))).runs).toBe(BigInt(MAX_RUNS));
    const r = refusals(grid(1250));
    expect(r).toEqual(['(spec): the grid makes 1 000 800 runs (10 initial norms × 10 teacher accuracies × 1 251 teachers and the ceiling × 8 learning rates); at most 1 000 000 in one experiment']);
  });

  it('run-steps: 10¹⁰ accepted, 1.001 × 10¹⁰ refused alone', () => {
    // (999 teachers + the ceiling) × 1 learning rate × 10⁷ steps, recorded every 10⁶ (11 points a run).
    const grid = (count: number) => ({ teachers: { count }, sft: { steps: 10_000_000, recordEvery: 1_000_000, learningRates: [1] }, engine: { path: 'preview' } });
    expect(budgetOf(validateSpec(grid(999))).runSteps).toBe(BigInt(MAX_RUN_STEPS));
    expect(refusals(grid(1000))).toEqual([
      "(spec): the grid's 1 001 runs × 10 000 000 steps make 10 010 000 000 run-steps; at most 10 000 000 000 in one experiment (lower sft.steps or the grid)",
    ]);
  });

  it('stored points: 5 × 10⁷ accepted, 50 000 050 refused alone', () => {
    // (49 teachers + the ceiling) × 1 learning rate, every step recorded: T + 1 points a run.
    const grid = (steps: number) => ({ teachers: { count: 49 }, sft: { steps, learningRates: [1] }, engine: { path: 'preview' } });
    expect(budgetOf(validateSpec(grid(999_999))).storedPoints).toBe(BigInt(MAX_STORED_POINTS));
    expect(refusals(grid(1_000_000))).toEqual([
      '(spec): the experiment would store 50 000 050 points (50 runs × 1 000 001 recorded points); at most 50 000 000 in one experiment (raise sft.recordEvery, or lower sft.steps or the grid)',
    ]);
  });

  it('expected bytes: just under 3 GB accepted, just over refused alone', () => {
    // Validation stopping stores 7 columns: 56 bytes a point. 8 cells × T teachers × 1 learning rate, no ceiling, 50 points a run:
    // bytes = 8T·50·56 + 8T·330 (run rows) + 8T·700 (summary teachers) + 8·50·80 (trajectories).
    const grid = (count: number) => ({
      student: { norm: [1, 2, 3, 4, 5, 6, 7, 8] },
      teachers: { count },
      sft: { steps: 49, ceiling: false, learningRates: [1], earlyStopping: 'validation' },
    });
    const under = budgetOf(validateSpec(grid(97_910))).expectedBytes;
    expect(under).toBe(8n * 97_910n * (50n * 56n + 330n + 700n) + 8n * 50n * 80n);
    expect(under).toBe(2_999_994_400n);
    expect(under <= BigInt(MAX_EXPECTED_BYTES)).toBe(true);
    const r = refusals(grid(97_911));
    expect(r).toEqual(['(spec): the experiment would add 3 000 025 040 bytes (about 3 GB) to the run history; at most 3 000 000 000 in one experiment (raise sft.recordEvery, or lower sft.steps or the grid)']);
  });

  it("a 3 000 000-step preview teacher with the paper's sweep is within budget", () => {
    const spec = validateSpec({ teachers: { count: 1 }, sft: { steps: 3_000_000 }, engine: { path: 'preview' } });
    expect(budgetOf(spec).storedPoints).toBe(14n * 3_000_001n);
  });
});
