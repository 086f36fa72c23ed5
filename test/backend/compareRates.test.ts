/**
 * Compare draws every experiment with the first one's cells and learning rates at the first one's
 * cell rates (charts/compare.ts sharedCellRates): two seeds of one spec whose own cell rates differ
 * (seed 1 picks η = 0.1 in both cells, seed 2 η = 0.01) overlay one time scale per panel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/engine/spec';
import { buildFigure, defaultStyle } from '../../src/charts/index';
import { loadCompareInputs } from '../../src/backend/figureFiles';
import { LabApiService } from '../../src/backend/labApi';
import type { RunStore } from '../../src/backend/store/store';
import { LabRequestError } from '../../src/shared/labApi';
import { type LabFixture, openLabFixture } from '../helpers/labFixture';

let fixture: LabFixture;
let store: RunStore;
let api: LabApiService;
const ids: number[] = [];

const spec = (seed: number, learningRates = [0.01, 0.1, 1]) =>
  validateSpec({ seed, engine: { path: 'preview' }, student: { norm: [1, 3] }, teachers: { count: 4, accuracy: 0.7 }, sft: { steps: 300, learningRates, batchSize: 1000 } });

beforeAll(async () => {
  fixture = openLabFixture('compare-rates');
  store = fixture.store;
  api = new LabApiService(fixture.lab);
  for (const s of [spec(1), spec(2), spec(2, [0.01, 0.1])]) {
    const id = fixture.lab.submit(s);
    await fixture.lab.finished(id);
    ids.push(id);
  }
});
afterAll(() => fixture.close());

const ownRates = (id: number) => store.getExperiment(id)?.summary?.cells.map((c) => c.cellLrIndex);

/** The mean cos across a cell's teacher runs at learning-rate index `lr`, step by step, from the stored block. */
function storedMean(id: number, cell: number, lr: number): number[] {
  const { runs, columns, data } = store.loadSeriesBlock(id);
  const lines: Float64Array[] = [];
  let offset = 0;
  for (const r of runs) {
    const c = columns.indexOf('cos');
    if (r.key.cell === cell && r.key.teacher >= 0 && r.key.lr === lr) lines.push(data.subarray(offset + c * r.recorded, offset + (c + 1) * r.recorded));
    offset += r.recorded * columns.length;
  }
  return Array.from(lines[0], (_, i) => lines.reduce((sum, line) => sum + line[i], 0) / lines.length);
}

describe('compare at the first experiment’s cell rates', () => {
  it('the two seeds pick different rates of their own (what makes this test mean something)', () => {
    expect(ownRates(ids[0])).toEqual([1, 1]);
    expect(ownRates(ids[1])).toEqual([0, 0]);
  });

  it("the second seed is loaded and drawn at the first's rates: its means are its teachers' stored cos at η = 0.1, one η per panel", () => {
    const inputs = loadCompareInputs(store, [ids[0], ids[1]]);
    expect(inputs[1].bundle.cellLearningRates).toEqual([1, 1]);
    expect(new Set(inputs[1].bundle.runs.map((r) => r.key.lr))).toEqual(new Set([1]));
    const fig = buildFigure('compare', inputs, defaultStyle({ maxPoints: null }));
    expect(fig.panels?.map((p) => p.title)).toEqual(['‖w₀‖ = 1 · η = 0.1', '‖w₀‖ = 3 · η = 0.1']);
    for (const cell of [0, 1]) {
      const mean = fig.series.find((s) => s.experimentId === ids[1] && s.panel === cell && s.yLabel === 'cos_mean');
      const expected = storedMean(ids[1], cell, 1);
      expect(mean?.y.length).toBe(expected.length);
      // The same sum in the same order: equal to the last bit.
      expect(Array.from(mean?.y ?? []).every((v, i) => Object.is(v, expected[i]))).toBe(true);
    }
  });

  it('an experiment with other learning rates keeps its own, and the panel names both', () => {
    const inputs = loadCompareInputs(store, [ids[0], ids[2]]);
    expect(inputs[1].bundle.cellLearningRates).toEqual(ownRates(ids[2]));
    const fig = buildFigure('compare', inputs, defaultStyle({ maxPoints: null }));
    expect(fig.panels?.map((p) => p.title)).toEqual(['‖w₀‖ = 1 · η = 0.1 / 0.01', '‖w₀‖ = 3 · η = 0.1 / 0.01']);
  });

  it('getSeries takes cellRates only for cellRate runs, one per cell, each a learning-rate index: refused otherwise, naming the field', async () => {
    const block = (await api.handle('getSeries', { id: ids[1], runs: 'cellRate', cellRates: [1, 2] })) as { cellLearningRates?: unknown };
    expect(block.cellLearningRates).toEqual([1, 2]);
    const refused = async (input: Record<string, unknown>) => {
      try {
        await api.handle('getSeries', { id: ids[1], ...input });
      } catch (error) {
        return error as LabRequestError;
      }
      throw new Error('not refused');
    };
    const wrongCount = await refused({ runs: 'cellRate', cellRates: [1] });
    expect(wrongCount).toBeInstanceOf(LabRequestError);
    expect(wrongCount.status).toBe(400);
    expect(wrongCount.message).toBe(`cellRates: one per cell: 2 (got 1) (experiment ${ids[1]})`);
    expect((await refused({ runs: 'cellRate', cellRates: [1, 3] })).message).toBe(`cellRates: cell 1: a learning-rate index in 0…2 (got 3) (experiment ${ids[1]})`);
    expect((await refused({ runs: 'all', cellRates: [1, 1] })).message).toBe(`cellRates: only with runs 'cellRate' (got 'all') (experiment ${ids[1]})`);
  });
});
