/**
 * Where users meet the preview path (issue 12 part 3), against a real backend: the LabApi service on
 * a real SQLite file and real engine processes, reached through makeLabApi as the preload would.
 * The builder's two sides and their refusals are checked against the engine's own parseSpec; a
 * preview re-run exactly keeps spec, seed and provenance and differs in engine.path alone; every
 * place its results appear (list rows, titles, sidecars, `w2s show`) names the path.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFigure, defaultStyle } from '../../src/charts/index';
import { parseSpec, resolvePath, validateSpec } from '../../src/engine/spec';
import { exportExperimentFigure, loadFigureInput } from '../../src/backend/figureFiles';
import { Lab } from '../../src/backend/lab';
import { LabApiService } from '../../src/backend/labApi';
import { exactPathOf, withEnginePath } from '../../src/backend/pathChoices';
import { EnginePool, forkSpawner } from '../../src/backend/pool';
import { RunStore } from '../../src/backend/store/store';
import { ExportSettingsSchema } from '../../src/shared/figureExport';
import { labBridge, type LabApi } from '../../src/shared/labApi';
import { directLabApi } from '../helpers/labFixture';
import { until } from '../helpers/until';

const ROOT = join(__dirname, '..', '..');
let dir: string;
let db: string;
let store: RunStore;
let pool: EnginePool;
let lab: LabApi;

const small = { seed: 21, teachers: { count: 4, accuracy: 0.7 }, student: { norm: 2 }, sft: { steps: 40, batchSize: 1000, learningRates: [0.1, 1] } };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'w2s-preview-ui-'));
  db = join(dir, 'lab.sqlite');
  store = RunStore.open(db, 'test');
  pool = new EnginePool(forkSpawner(), 2);
  const service = new LabApiService(new Lab(store, pool, { checkpointIntervalMs: 200 }));
  lab = directLabApi(service);
  (globalThis as { window?: unknown }).window = { lab: labBridge(lab) };
});
afterAll(() => {
  pool.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The engine's own errors of a spec document (what the builder must quote). */
const engineErrors = (spec: unknown): string[] => {
  const r = parseSpec(spec);
  return r.ok ? [] : r.errors;
};

describe("the builder's Preview / Exact choice (checkSpec)", () => {
  it('gives each side its path and the time estimate the spec alone would get on it', async () => {
    const reply = await lab.checkSpec({ spec: small });
    expect(reply.ok).toBe(true);
    expect(reply.choices.preview).toMatchObject({ path: 'preview', refused: [] });
    expect(reply.choices.exact).toMatchObject({ path: 'reduced', refused: [] });
    // The spec as written is the exact side ('auto'): its own estimate is that side's.
    expect(reply.expectedSeconds).toBe(reply.choices.exact.expectedSeconds);
    const asPreview = await lab.checkSpec({ spec: withEnginePath(small, 'preview') });
    expect(asPreview.expectedSeconds).toBe(reply.choices.preview.expectedSeconds);
    const core = (c: typeof reply.choices) => [c.preview, c.exact].map(({ path, refused, expectedSeconds }) => ({ path, refused, expectedSeconds }));
    expect(core(asPreview.choices)).toEqual(core(reply.choices));
    for (const side of [reply.choices.preview, reply.choices.exact]) expect(side.expectedSeconds).toBeGreaterThan(0);
    // A forced exact path stays the exact side.
    const dense = await lab.checkSpec({ spec: { ...small, engine: { path: 'dense' } } });
    expect(dense.choices.exact.path).toBe('dense');
    expect(exactPathOf({ engine: { path: 'preview' } })).toBe('auto');
  });

  it("says why preview is refused in the engine's own words, each naming its field, and leaves exact available", async () => {
    const cases: [unknown, string][] = [
      [{ ...small, data: { law: 'student-t', nu: 5 } }, 'data.law'],
      [{ ...small, sft: { ...small.sft, finiteSet: 500 } }, 'sft.finiteSet'],
      [{ ...small, sft: { ...small.sft, batchSize: 50 } }, 'sft.batchSize'],
      [{ ...small, data: { law: 'gaussian', spectrum: { powerLaw: 1 } } }, 'data.spectrum'],
    ];
    for (const [spec, field] of cases) {
      const reply = await lab.checkSpec({ spec });
      expect(reply.choices.preview.path).toBeNull();
      expect(reply.choices.preview.expectedSeconds).toBeNull();
      expect(reply.choices.preview.refused).toEqual(engineErrors(withEnginePath(spec, 'preview')));
      expect(reply.choices.preview.refused.every((e) => e.startsWith(`${field}: `))).toBe(true);
      expect(reply.choices.exact.refused).toEqual([]);
      expect(reply.choices.exact.path).toBe(resolvePath(validateSpec(spec)));
    }
  });

  it('on preview with B < 100 the spec is refused, the reason sits on the preview side, and exact still runs', async () => {
    const spec = { ...small, sft: { ...small.sft, batchSize: 50 }, engine: { path: 'preview' } };
    const reply = await lab.checkSpec({ spec });
    expect(reply.ok).toBe(false);
    expect(reply.errors).toEqual(engineErrors(spec));
    expect(reply.choices.preview.refused).toEqual(engineErrors(spec));
    expect(reply.choices.exact).toMatchObject({ path: 'reduced', refused: [] });
  });

  it("does not blame a path for an error of the spec itself", async () => {
    const spec = { ...small, teachers: { count: 4, accuracy: 0.4 } };
    const reply = await lab.checkSpec({ spec });
    expect(reply.ok).toBe(false);
    for (const side of [reply.choices.preview, reply.choices.exact]) expect(side).toMatchObject({ path: null, refused: [], expectedSeconds: null });
  });
});

describe('a preview experiment, re-run exactly with one click', () => {
  let preview = 0;
  let exact = 0;

  it('submit refuses an unknown duplicatedFrom, naming the field, and stores tags with the experiment', async () => {
    await expect(lab.submit({ spec: small, duplicatedFrom: 999 })).rejects.toThrow(/duplicatedFrom: no experiment 999/);
    await expect(lab.submit({ spec: small, duplicatedFrom: 999 })).rejects.toMatchObject({ status: 404 });
    expect(store.listExperiments()).toEqual([]);
    const { id } = await lab.submit({ spec: { ...small, sft: { ...small.sft, steps: 1_000_000 } }, tags: ['w2s:explore', 'b'] });
    expect((await lab.listExperiments({})).find((r) => r.id === id)?.tags).toEqual(['b', 'w2s:explore']);
    await lab.cancel({ id });
    await until(() => store.getExperiment(id)?.status === 'cancelled', 'the cancel');
    await lab.deleteExperiment({ id });
  });

  it('runs a preview, and Run exact submits the same spec and seed on engine.path auto, duplicated from it', async () => {
    setActivePinia(createPinia());
    const { useExperimentsStore } = await import('../../src/renderer/src/stores/experiments');
    const experiments = useExperimentsStore();
    experiments.subscribe();
    preview = await experiments.submit(withEnginePath(small, 'preview'), 'a preview');
    await until(() => experiments.byId.get(preview)?.status === 'done', 'the preview to finish');
    expect(experiments.byId.get(preview)?.path).toBe('preview');
    expect(store.getExperiment(preview)?.summary?.path).toBe('preview');

    exact = await experiments.runExact(preview);
    const a = store.getExperiment(preview)!;
    const b = store.getExperiment(exact)!;
    expect(b.duplicatedFrom).toBe(preview);
    expect(b.seed).toBe(a.seed);
    expect(b.spec.engine.path).toBe('auto');
    expect({ ...b.spec, name: '', engine: a.spec.engine }).toEqual({ ...a.spec, name: '' });
    expect(b.name).toBe('a preview (exact)');
    await until(() => experiments.byId.get(exact)?.status === 'done', 'the exact re-run to finish');
    expect(experiments.byId.get(exact)?.path).toBe('reduced');
    expect(store.getExperiment(exact)?.summary?.path).toBe('reduced');
  });

  it('compares the two with engine.path as the only differing field, each column labelled with its path', async () => {
    const { differingFields, onlyPathDiffers, pathLabel } = await import('../../src/renderer/src/specDiff');
    const specs = [store.getExperiment(preview)!.spec, store.getExperiment(exact)!.spec];
    expect(differingFields(specs)).toEqual([{ path: 'engine.path', values: ['preview', 'auto'] }]);
    expect(onlyPathDiffers(specs)).toBe(true);
    expect(specs.map(pathLabel)).toEqual(['preview', 'exact (reduced)']);
    // Another seed is not "the same spec run both ways"; nor are two previews.
    expect(onlyPathDiffers([specs[0], { ...specs[1], seed: 22 }])).toBe(false);
    expect(onlyPathDiffers([specs[0], specs[0]])).toBe(false);
  });

  it('a drawn title says preview, an undrawn one does not, and the sidecar names each path', async () => {
    const p = loadFigureInput(store, preview);
    const x = loadFigureInput(store, exact);
    const titled = defaultStyle({ showTitle: true });
    const plain = buildFigure('trajectories', [x], titled);
    expect(buildFigure('trajectories', [p], titled).title).toBe(`${plain.title} · preview`);
    const option = buildFigure('trajectories', [p], titled).option.title as { text: string };
    expect(option.text).toBe(`${plain.title} · preview`);
    expect(buildFigure('trajectories', [p], defaultStyle({ showTitle: false })).title).toBe(plain.title);
    expect(buildFigure('compare', [p, x], titled).title).toBe(`${buildFigure('compare', [x, x], titled).title} · preview: #${preview}`);
    const settings = ExportSettingsSchema.parse({});
    const file = await exportExperimentFigure(store, { ids: [preview, exact], kind: 'compare', format: 'json', settings });
    const sidecar = JSON.parse(String(file.content)) as { experiments: { id: number; path: string }[] };
    expect(sidecar.experiments.map((e) => [e.id, e.path])).toEqual([
      [preview, 'preview'],
      [exact, 'reduced'],
    ]);
  });

  it('`w2s show` and `w2s list` say preview for the preview and not for its exact re-run', () => {
    const w2s = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'w2s.cjs'), ...args, '--db', db], { encoding: 'utf8' });
    const shown = w2s('show', String(preview));
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^preview: results from the preview path/m);
    expect(shown.stdout).toMatch(/path preview/);
    const exactShown = w2s('show', String(exact)).stdout;
    expect(exactShown).not.toMatch(/^preview:|path preview/m);
    expect(exactShown).toMatch(/path reduced/);
    const listed = JSON.parse(w2s('list', '--json').stdout) as { id: number; path: string }[];
    expect(listed.map((r) => [r.id, r.path])).toEqual([
      [preview, 'preview'],
      [exact, 'reduced'],
    ]);
  });
});
