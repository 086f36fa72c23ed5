/**
 * The lab summarises an experiment it ran from the series it kept in memory as it stored them
 * (lab.ts keepSeries), not by reading back and decoding every run: the law is that this summary is
 * the one summarizing the store alone gives, bit for bit (summary JSON and trajectory columns), on
 * reduced variants of the Figure 1 preset (preview, and a validation-stopped one whose runs carry a
 * measured column the store cannot derive).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeStored } from '../../src/backend/storedSummary';
import { trajectoryColumns } from '../../src/backend/store/trajectories';
import { validateSpec } from '../../src/engine/spec';
import { type LabFixture, openLabFixture } from '../helpers/labFixture';
import { until } from '../helpers/until';

const preset = JSON.parse(readFileSync(join(__dirname, '..', '..', 'resources', 'presets', 'figure1.json'), 'utf8')) as Record<string, unknown> & { sft: Record<string, unknown>; teachers: Record<string, unknown> };

let fixture: LabFixture;
const ids: Record<string, number> = {};

beforeAll(async () => {
  fixture = openLabFixture('kept-summary', { workers: 2 });
  const small = { ...preset, engine: { path: 'preview' }, teachers: { ...preset.teachers, count: 6 }, sft: { ...preset.sft, steps: 200 } };
  ids.preview = fixture.lab.submit(validateSpec(small));
  ids.validation = fixture.lab.submit(validateSpec({ ...small, engine: { path: 'projected' }, teachers: { ...preset.teachers, count: 2 }, sft: { ...small.sft, steps: 100, batchSize: 500, earlyStopping: 'validation' } }));
  for (const id of Object.values(ids)) await until(() => fixture.store.getExperiment(id)?.status === 'done', `experiment ${id}`, 300_000, 100);
}, 320_000);
afterAll(() => fixture?.close());

const bits = (columns: readonly ArrayLike<number>[]) => columns.map((c) => Buffer.from(Float64Array.from(c).buffer).toString('hex'));

describe('the summary of a run experiment, from the kept series', () => {
  for (const name of ['preview', 'validation']) {
    it(`${name}: equals the summary of the store alone, bit for bit`, () => {
      const id = ids[name];
      const stored = fixture.store.loadSummary(id);
      if (stored === null) throw new Error(`experiment ${id} has no summary`);
      const fresh = summarizeStored(fixture.store, id);
      expect(fresh.summary.runs.done).toBeGreaterThan(0);
      const head = (s: typeof stored | typeof fresh.summary) => {
        const { trajectory: _t, cells, ...rest } = s as typeof stored;
        return JSON.stringify({ ...rest, cells: cells.map(({ trajectory: _c, ...cell }) => cell) });
      };
      expect(head(stored)).toBe(head(fresh.summary));
      // Each cell's trajectory, bit for bit (hex of its doubles).
      expect(stored.cells.map((c) => bits(trajectoryColumns(c.trajectory)))).toEqual(fresh.trajectories.map(bits));
    });
  }
});
