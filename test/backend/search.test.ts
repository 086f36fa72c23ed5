import { afterEach, describe, expect, it } from 'vitest';
import { LabCommands } from '../../src/backend/labCommands';
import { searchResult } from '../../src/engine/search';
import { theory } from '../../src/engine/theory';
import { type LabFixture, openLabFixture } from '../helpers/labFixture';

/**
 * The paper's random-teacher setup at 80 % / 70 %, small and on the preview path. Small learning
 * rates: near the boundary the population step improves the cosine only for a turn of the student
 * smaller than twice the initial slope's angle, which η ≥ 0.1 overshoots (0.51 read as past it);
 * B = 10⁶ keeps the batch noise below that drift (the preview step costs O(1) whatever B is).
 */
const BASE = {
  seed: 3,
  data: { d: 100 },
  student: { accuracy: 0.8, norm: 1 },
  teachers: { count: 10, accuracy: 0.7 },
  sft: { batchSize: 1_000_000, steps: 200, learningRates: [0.001, 0.01], ceiling: false },
  engine: { path: 'preview' },
};

describe('w2s search through the backend: κ under the 80 % / 70 % setup', () => {
  let fixture: LabFixture | null = null;
  afterEach(() => fixture?.close());

  it("finds the theorem's boundary tan θ / tan θ_T within its tolerance, and resumes to the same result", async () => {
    fixture = openLabFixture('search');
    const commands = new LabCommands(fixture.store, fixture.lab);
    const search = { axis: 'teachers.kappa', from: 0, to: 0.95, target: 'fractionImproved' as const, level: 0.5 };
    const id = commands.startSearch(BASE, search);
    const result = await commands.runSearch(id);
    // θ = π(1 − 0.8), θ_T = π(1 − 0.7): the closed form, and theory.ts's threshold.
    const closedForm = Math.tan(Math.PI * 0.2) / Math.tan(Math.PI * 0.3);
    expect(closedForm).toBeCloseTo(5 - 2 * Math.sqrt(5), 12);
    const { kappaThreshold } = theory({ studentCos: Math.cos(Math.PI * 0.2), studentNorm: 1, teacherCos: Math.cos(Math.PI * 0.3), kappa: 0, beta: 1 }).conditions;
    expect(kappaThreshold).toBeCloseTo(closedForm, 12);
    expect(result.error).toBeUndefined();
    const tolerance = 0.95 / 100;
    expect(Math.abs((result.boundary as number) - closedForm)).toBeLessThan(tolerance);
    const [lo, hi] = result.interval as [number, number];
    expect(hi - lo).toBeLessThan(tolerance);
    // About a dozen cells, where a 0.01 grid over the range would need 96.
    const stored = commands.experiment(id);
    expect(stored.spec.grid?.length).toBeLessThanOrEqual(14);
    // Every teacher improves on the theorem's side of the boundary, none past it.
    for (const e of result.evaluations) {
      if (e.value < closedForm - 0.02) expect(e.target).toBe(1);
      if (e.value > closedForm + 0.02) expect(e.target).toBe(0);
    }
    expect(result.evaluations.some((e) => e.value < closedForm - 0.02)).toBe(true);
    expect(result.evaluations.some((e) => e.value > closedForm + 0.02)).toBe(true);
    // Every shell reads the same result from the stored summary.
    expect(searchResult({ search: stored.spec.search!, grid: stored.spec.grid!, teachers: stored.spec.teachers }, commands.summary(id))).toEqual(result);
    // A resumed search that is done replays to the same result.
    expect(await commands.resumeSearch(id)).toEqual(result);
    // The grid is extended only as a strict prefix.
    expect(() => fixture!.lab.extend(id, { ...stored.spec, grid: stored.spec.grid!.slice(0, -1) })).toThrow(/does not extend/);
  }, 60_000);
});
