/**
 * The renderer's Pinia stores against a real backend: the LabApi service on a real SQLite file
 * and real engine processes, reached through makeLabApi as the preload would (here without IPC).
 * The views' logic (history filtering and sorting, routes, spec differences) is tested as laws.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeys } from '../../src/engine/grid';
import { validateSpec } from '../../src/engine/spec';
import { Lab } from '../../src/backend/lab';
import { LabApiService } from '../../src/backend/labApi';
import { EnginePool, forkSpawner } from '../../src/backend/pool';
import { RunStore } from '../../src/backend/store/store';
import type { Route } from '../../src/renderer/src/stores/ui';
import { labBridge } from '../../src/shared/labApi';
import { directLabApi } from '../helpers/labFixture';
import { recomputeHeadline } from '../helpers/recompute';
import { until } from '../helpers/until';

let dir: string;
let store: RunStore;
let pool: EnginePool;
let service: LabApiService;

const spec = { setup: 'random-teacher', seed: 5, teachers: { count: 6, accuracy: 0.7 }, student: { norm: [1, 3] }, sft: { steps: 60, learningRates: [0.1, 1] } };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'w2s-stores-'));
  store = RunStore.open(join(dir, 'lab.sqlite'), 'test');
  pool = new EnginePool(forkSpawner(), 2);
  service = new LabApiService(new Lab(store, pool, { checkpointIntervalMs: 200 }));
  const lab = directLabApi(service);
  (globalThis as { window?: unknown }).window = { lab: labBridge(lab) };
});
afterAll(() => {
  pool.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('experiments store', () => {
  it('submits, follows progress through events, and lands the summary in the row', async () => {
    setActivePinia(createPinia());
    const { useExperimentsStore } = await import('../../src/renderer/src/stores/experiments');
    const experiments = useExperimentsStore();
    experiments.subscribe();
    await experiments.refresh();
    expect(experiments.rows).toEqual([]);
    const id = await experiments.submit(spec, 'store test');
    expect(experiments.byId.get(id)?.name).toBe('store test');
    await until(() => experiments.byId.get(id)?.status === 'done', 'the experiment to finish');
    const row = experiments.byId.get(id);
    const stored = store.getExperiment(id);
    expect(row?.fractionImproved).toBe(stored?.summary?.fractionImproved);
    expect(row?.gainMean).toBe(stored?.summary?.gainMean);
    // Progress events reached the store and ended at all runs done.
    expect(experiments.progress[id]?.runsTotal).toBe(runKeys(validateSpec(spec)).length);
    expect(experiments.queue).toEqual([]);
  });

  it('renames, tags, annotates, re-runs with a new seed and deletes', async () => {
    setActivePinia(createPinia());
    const { useExperimentsStore } = await import('../../src/renderer/src/stores/experiments');
    const experiments = useExperimentsStore();
    await experiments.refresh();
    const id = experiments.rows[0].id;
    await experiments.rename(id, 'renamed');
    await experiments.setTags(id, ['paper', 'fig1']);
    await experiments.setNotes(id, 'a note');
    expect(experiments.byId.get(id)).toMatchObject({ name: 'renamed', tags: ['fig1', 'paper'], notes: 'a note' }) // the store keeps tags sorted;
    const again = await experiments.rerunWithNewSeed(id, 99);
    const copy = store.getExperiment(again);
    expect(copy?.seed).toBe(99);
    expect({ ...copy?.spec, seed: 0, name: '' }).toEqual({ ...store.getExperiment(id)?.spec, seed: 0, name: '' });
    await experiments.cancel(again);
    await until(() => ['cancelled', 'done'].includes(store.getExperiment(again)?.status ?? ''), 'the cancel');
    await experiments.remove(again);
    expect(experiments.byId.has(again)).toBe(false);
    expect(store.getExperiment(again)).toBeNull();
  });

  it('an experiment run by `w2s run` in another process shows up, and finishes, without a reload', async () => {
    setActivePinia(createPinia());
    const { useExperimentsStore } = await import('../../src/renderer/src/stores/experiments');
    const experiments = useExperimentsStore();
    experiments.subscribe();
    await experiments.refresh();
    const known = new Set(experiments.rows.map((r) => r.id));
    const watch = service.lab.watchHistory(50);
    try {
      const specFile = join(dir, 'terminal.json');
      writeFileSync(specFile, JSON.stringify({ ...spec, name: 'from a terminal', seed: 77, student: { norm: [1] }, sft: { steps: 20, batchSize: 500, learningRates: [0.1] } }));
      const run = spawnSync(process.execPath, [join(__dirname, '..', '..', 'bin', 'w2s.cjs'), 'run', specFile, '--db', store.file, '--workers', '1'], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const id = Number(run.stdout.trim());
      expect(known.has(id)).toBe(false);
      // Only the lab's events (refresh is not called here) bring the row, with its finished status.
      await until(() => experiments.byId.get(id)?.status === 'done', 'the row of the other process');
      expect(experiments.byId.get(id)?.name).toBe('from a terminal');
      expect(experiments.byId.get(id)?.fractionImproved).toBe(store.getExperiment(id)?.summary?.fractionImproved);
    } finally {
      watch.stop();
    }
  });

  it('selects at most 8 experiments for comparison, in the order chosen', async () => {
    setActivePinia(createPinia());
    const { useExperimentsStore } = await import('../../src/renderer/src/stores/experiments');
    const experiments = useExperimentsStore();
    for (let i = 1; i <= 10; i++) experiments.toggleSelected(i);
    expect(experiments.selected).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    experiments.toggleSelected(5);
    expect(experiments.selected).toEqual([3, 4, 6, 7, 8, 9, 10]);
  });
});

describe('figures store', () => {
  it("loads a finished experiment for drawing: spec, summary and every teacher's run at its cell's learning rate, bit-exact; a narrower view only its columns", async () => {
    setActivePinia(createPinia());
    const { useFiguresStore } = await import('../../src/renderer/src/stores/figures');
    const figures = useFiguresStore();
    const id = store.listExperiments().find((e) => e.status === 'done')?.id ?? 0;
    const loaded = await figures.load(id);
    expect(loaded).not.toBeNull();
    const { input } = loaded as NonNullable<typeof loaded>;
    // One run per teacher of each cell: the one at the cell's learning rate (the summary names it).
    const full = validateSpec(spec);
    const summary = store.getExperiment(id)?.summary;
    const expected = (summary?.teachers ?? []).map((t) => ({ cell: t.cell, teacher: t.teacher, lr: summary?.cells[t.cell].cellLrIndex }));
    expect(input.bundle.cellLearningRates).toEqual(summary?.cells.map((c) => c.cellLrIndex));
    expect(input.bundle.runs.map((r) => r.key)).toEqual(expected);
    expect(expected.length).toBe(2 * 6);
    // The block holds each run's recorded points of each column, and nothing else; they equal the full block's.
    const points = input.bundle.runs.reduce((a, r) => a + r.recorded, 0);
    expect(input.bundle.data.length).toBe(points * input.bundle.columns.length);
    const all = store.loadSeriesBlock(id);
    const width = all.columns.length;
    const offsets = new Map<number, number>();
    let at = 0;
    for (const r of all.runs) {
      offsets.set(r.id, at);
      at += r.recorded * width;
    }
    let mine = 0;
    for (const r of input.bundle.runs) {
      const from = offsets.get(r.runId) as number;
      expect(input.bundle.data.subarray(mine, mine + r.recorded * width)).toEqual(all.data.subarray(from, from + r.recorded * width));
      mine += r.recorded * width;
    }
    expect(runKeys(full).length).toBe(all.runs.length);
    expect(input.summary?.fractionImproved).toBe(store.getExperiment(id)?.summary?.fractionImproved);
    // What the dashboard shows of it (teachers improved, mean gain ± std, PGR averaged over
    // teachers) equals the numbers recomputed from the stored series by the tests' own reference.
    const recomputed = recomputeHeadline(full.sft.earlyStopping, store.loadExperimentRuns(id).map(({ run, series }) => ({ key: run.key, descriptor: run.descriptor, series: series as unknown as Record<string, Float64Array> })));
    expect(recomputed.teachers).toBe(2 * 6);
    expect(input.summary?.fractionImproved).toBe(recomputed.fractionImproved);
    expect(input.summary?.gainMean).toBeCloseTo(recomputed.gainMean, 14);
    expect(input.summary?.gainStd).toBeCloseTo(recomputed.gainStd, 14);
    const pgrs = (input.summary?.teachers ?? []).flatMap((t) => (t.pgr === null ? [] : [t.pgr]));
    expect(pgrs.length).toBeGreaterThan(0);
    expect(pgrs.reduce((a, b) => a + b, 0) / pgrs.length).toBeCloseTo(recomputed.pgrMean as number, 14);
    // A second load is served from the cache: the same object; so is a view it covers.
    expect(await figures.load(id)).toBe(loaded);
    expect(await figures.load(id, false, { runs: 'cellRate', columns: ['step', 'cos'] })).toBe(loaded);
    // Other cell rates (compare's, of another experiment) are not covered: fetched, every teacher's run at them.
    const atFirst = (summary?.cells ?? []).map(() => 0);
    const other = await figures.load(id, false, { runs: 'cellRate', cellRates: atFirst });
    expect(other).not.toBe(loaded);
    expect(other?.input.bundle.cellLearningRates).toEqual(atFirst);
    expect(new Set(other?.input.bundle.runs.map((r) => r.key.lr))).toEqual(new Set([0]));
    expect(other?.input.bundle.runs.length).toBe(2 * 6);
    // The experiment's own rates again: fetched anew, equal to the first load.
    const again = await figures.load(id);
    expect(again).not.toBe(other);
    expect(again?.input.bundle.cellLearningRates).toEqual(loaded?.input.bundle.cellLearningRates);
    // A view of other runs is fetched, with only the columns asked (the step always).
    const narrow = await figures.load(id, false, { runs: 'selected', columns: ['cos'] });
    expect(narrow?.input.bundle.columns).toEqual(['step', 'cos']);
    expect(narrow?.input.bundle.runs.map((r) => r.key)).toEqual((summary?.teachers ?? []).map((t) => ({ cell: t.cell, teacher: t.teacher, lr: t.bestLrIndex })));
    const cosAt = all.columns.indexOf('cos');
    let k = 0;
    for (const r of narrow?.input.bundle.runs ?? []) {
      const from = (offsets.get(r.runId) as number) + cosAt * r.recorded;
      expect(narrow?.input.bundle.data.subarray(k + r.recorded, k + 2 * r.recorded)).toEqual(all.data.subarray(from, from + r.recorded));
      k += 2 * r.recorded;
    }
    expect(await figures.load(12345)).toBeNull();
    expect(figures.errors.get(12345)).toContain('no experiment 12345');
  });
});

describe('view logic', () => {
  it('routes round-trip through the hash', async () => {
    const { parseRoute, routeHash } = await import('../../src/renderer/src/stores/ui');
    const routes: Route[] = [
      { view: 'history' },
      { view: 'builder' },
      { view: 'builder', from: 4 },
      { view: 'builder', preset: 'figure1' },
      { view: 'experiment', id: 17 },
      { view: 'compare', ids: [3, 1, 2] },
      { view: 'theory' },
      { view: 'theory', id: 2 },
      { view: 'explore' },
    ];
    for (const r of routes) expect(parseRoute(routeHash(r))).toEqual(r);
    expect(parseRoute('#/experiment/abc')).toEqual({ view: 'history' });
    expect(parseRoute('#/nowhere')).toEqual({ view: 'history' });
  });

  it('history search keeps rows matching every word; sorting orders them and keeps them all', async () => {
    const { filterAndSort } = await import('../../src/renderer/src/stores/experiments');
    const row = (id: number, name: string, gainMean: number | null, tags: string[] = []) => ({
      id, name, setup: 'random-teacher', status: 'done' as const, createdAt: `2026-11-${10 + id}T00:00:00Z`, finishedAt: null,
      tags, notes: '', label: null, seed: id, parameters: {}, fractionImproved: null, gainMean, path: 'reduced' as const,
    });
    const rows = [row(1, 'Figure 1 norms', 0.02, ['paper']), row(2, 'quick look', -0.01), row(3, 'Figure 2 grid', null, ['paper']), row(4, 'figure 1 again', 0.05)];
    expect(filterAndSort(rows, 'figure paper', 'id', false).map((r) => r.id)).toEqual([1, 3]);
    // The path is searchable: 'preview' finds the preview experiments.
    expect(filterAndSort([...rows, { ...row(5, 'fast look', 0.01), path: 'preview' as const }], 'preview', 'id', false).map((r) => r.id)).toEqual([5]);
    const byGain = filterAndSort(rows, '', 'gainMean', true);
    expect(byGain.map((r) => r.id)).toEqual([4, 1, 2, 3]);
    expect(new Set(filterAndSort(rows, '', 'name', false))).toEqual(new Set(rows));
    const names = filterAndSort(rows, '', 'name', false).map((r) => r.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  it('spec differences list exactly the fields that differ', async () => {
    const { differingFields } = await import('../../src/renderer/src/specDiff');
    const a = validateSpec(spec);
    const b = validateSpec({ ...spec, seed: 6, teachers: { count: 6, accuracy: [0.6, 0.7] } });
    expect(differingFields([a, b]).map((d) => d.path)).toEqual(['seed', 'teachers.accuracy']);
    expect(differingFields([a, a])).toEqual([]);
  });
});
