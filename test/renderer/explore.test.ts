/**
 * Explore mode (issue 14 part 4). The model as laws: every slider position maps to a value and back,
 * every value the sliders reach makes a spec the engine accepts on the preview path, and the theory
 * input is the accuracy → cosine law. The store against a real backend (LabApi service, SQLite,
 * engine processes): changes are debounced into one experiment, a superseded one is cancelled and
 * deleted, unsaved runs stay out of the history, Save and Run exact keep what they should. The
 * drawn panels start where the student starts and end at step T, and their means are the stored
 * series' means.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runKeys } from '../../src/engine/grid';
import { recordedLength } from '../../src/engine/run';
import { parseSpec, resolvePath, validateSpec } from '../../src/engine/spec';
import { Lab } from '../../src/backend/lab';
import { LabApiService } from '../../src/backend/labApi';
import { EnginePool, forkSpawner } from '../../src/backend/pool';
import { RunStore } from '../../src/backend/store/store';
import {
  DEFAULT_PARAMS,
  EXPLORE_POINTS,
  EXPLORE_TEACHERS,
  type ExploreParams,
  exploreSpec,
  exploreTheoryInput,
  lastPosition,
  positionOf,
  SLIDERS,
  valueAt,
} from '../../src/renderer/src/explore/params';
import { explorePanels, PANELS } from '../../src/renderer/src/explore/panels';
import type { LabApi } from '../../src/shared/labApi';
import { directLabApi } from '../helpers/labFixture';
import { until } from '../helpers/until';

describe('the sliders and the experiment they describe', () => {
  it('every position maps to a value and back; values rise with the position from min to max', () => {
    for (const def of SLIDERS) {
      const last = lastPosition(def);
      expect(valueAt(def, 0)).toBe(def.min);
      expect(valueAt(def, last)).toBe(def.max);
      for (let p = 0; p <= last; p++) {
        expect(positionOf(def, valueAt(def, p))).toBe(p);
        if (p > 0) expect(valueAt(def, p)).toBeGreaterThan(valueAt(def, p - 1));
      }
      // The defaults sit on a position exactly.
      const v = DEFAULT_PARAMS[def.key];
      expect(valueAt(def, positionOf(def, v))).toBe(v);
    }
  });

  it('every corner of the sliders makes a spec the engine runs on the preview path, with 20 teachers and at most EXPLORE_POINTS points a run, every step up to T = 1 000', () => {
    const corners: ExploreParams[] = [DEFAULT_PARAMS];
    for (const end of ['min', 'max'] as const) corners.push({ ...DEFAULT_PARAMS, ...Object.fromEntries(SLIDERS.map((d) => [d.key, d[end]])) });
    for (const params of corners) {
      const r = parseSpec(exploreSpec(params));
      expect(r.ok, r.ok ? '' : r.errors.join('; ')).toBe(true);
      const spec = validateSpec(exploreSpec(params));
      expect(resolvePath(spec)).toBe('preview');
      expect(runKeys(spec)).toHaveLength(EXPLORE_TEACHERS);
      expect(spec.sft.steps).toBe(params.steps);
      expect(recordedLength(spec.sft.steps, spec.sft.recordEvery)).toBeLessThanOrEqual(EXPLORE_POINTS + 1);
      if (params.steps <= EXPLORE_POINTS) expect(spec.sft.recordEvery).toBe(1);
    }
  });

  it('the theory input converts accuracies by accuracy = 1 − θ/π, and κ reaches the spec and the theory', () => {
    const p = { ...DEFAULT_PARAMS, studentAccuracy: 0.9, teacherAccuracy: 0.6, kappa: 0.4, beta: 2, studentNorm: 3 };
    const input = exploreTheoryInput(p);
    expect(Math.abs(1 - Math.acos(input.studentCos) / Math.PI - 0.9)).toBeLessThan(1e-12);
    expect(Math.abs(1 - Math.acos(input.teacherCos) / Math.PI - 0.6)).toBeLessThan(1e-12);
    expect(input).toMatchObject({ studentNorm: 3, kappa: 0.4, beta: 2 });
    expect((exploreSpec(p).teachers as { kappa?: number }).kappa).toBe(0.4);
    // the κ slider stays inside the spec's open interval (−1, 1)
    const kappa = SLIDERS.find((s) => s.key === 'kappa');
    expect(kappa && kappa.min > -1 && kappa.max < 1).toBe(true);
  });
});

let dir: string;
let store: RunStore;
let pool: EnginePool;
const submits: unknown[] = [];
/** Each experiment's terminal status, as the lab's events said it. */
const ended = new Map<number, string>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'w2s-explore-'));
  store = RunStore.open(join(dir, 'lab.sqlite'), 'test');
  pool = new EnginePool(forkSpawner(), 2);
  const service = new LabApiService(new Lab(store, pool, { checkpointIntervalMs: 200 }));
  const lab = directLabApi(service);
  // Every submit the store sends, counted on its way to the real service.
  const counted: LabApi = { ...lab, submit: (input) => (submits.push(input), lab.submit(input)) };
  lab.onEvent((e) => {
    if (e.type === 'experiment' && e.status !== 'running' && e.status !== 'queued') ended.set(e.experimentId, e.status);
  });
  (globalThis as { window?: unknown }).window = { lab: counted };
});
afterAll(() => {
  pool.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the explore store against a real backend', () => {
  const stores = async () => {
    const { useExploreStore } = await import('../../src/renderer/src/stores/explore');
    const { useExperimentsStore, EXPLORE_TAG } = await import('../../src/renderer/src/stores/experiments');
    const { useFiguresStore } = await import('../../src/renderer/src/stores/figures');
    return { explore: useExploreStore(), experiments: useExperimentsStore(), figures: useFiguresStore(), EXPLORE_TAG };
  };
  const settled = (explore: Awaited<ReturnType<typeof stores>>['explore'], figures: Awaited<ReturnType<typeof stores>>['figures']) => () =>
    explore.current !== null && explore.current.change === explore.changes && explore.current.status === 'done' && figures.loaded.has(explore.current.id);

  it('runs the current values, keeps the run out of the history, and draws panels that start at the student and end at T', async () => {
    setActivePinia(createPinia());
    const { explore, experiments, figures, EXPLORE_TAG } = await stores();
    experiments.subscribe();
    await explore.start();
    await until(settled(explore, figures), 'the first explore run');
    const id = explore.current!.id;
    expect(store.getExperiment(id)?.tags).toEqual([EXPLORE_TAG]);
    expect(store.getExperiment(id)?.spec).toEqual(validateSpec(exploreSpec(DEFAULT_PARAMS)));
    await experiments.refresh();
    expect(experiments.byId.has(id)).toBe(true);
    expect(experiments.shown.map((r) => r.id)).not.toContain(id);
    expect(experiments.queue).toEqual([]);

    const { input } = figures.loaded.get(id)!;
    const panels = explorePanels(input, 'light', 380, 280);
    expect(panels.map((p) => p.metric)).toEqual(PANELS.map((p) => p.metric));
    const cos0 = Math.cos(Math.PI * (1 - DEFAULT_PARAMS.studentAccuracy));
    const start: Record<string, number> = { inner: DEFAULT_PARAMS.studentNorm * cos0, norm: DEFAULT_PARAMS.studentNorm, cos: cos0 };
    const { columns, runs, data } = input.bundle;
    let offset = 0;
    const last: Record<string, number[]> = { inner: [], norm: [], cos: [] };
    for (const run of runs) {
      const n = run.recorded;
      if (run.key.teacher >= 0) for (const m of ['inner', 'norm', 'cos']) last[m].push(data[offset + columns.indexOf(m) * n + n - 1]);
      offset += n * columns.length;
    }
    expect(last.norm).toHaveLength(EXPLORE_TEACHERS);
    for (const p of panels) {
      expect(typeof p.option).toBe('object');
      const mean = p.mean!;
      expect(mean.x[0]).toBe(0);
      expect(mean.x[mean.x.length - 1]).toBe(DEFAULT_PARAMS.steps);
      expect(Math.abs(mean.y[0] - start[p.metric])).toBeLessThan(1e-9);
      const direct = last[p.metric].reduce((a, b) => a + b, 0) / EXPLORE_TEACHERS;
      expect(Math.abs(mean.y[mean.y.length - 1] - direct)).toBeLessThan(1e-12 * Math.max(1, Math.abs(direct)));
    }
  });

  it('collapses a burst of changes into one experiment of the last values', async () => {
    const { explore, figures } = await stores();
    const before = submits.length;
    const first = explore.current!.id;
    explore.change({ steps: 200 });
    explore.change({ studentNorm: 3.2 });
    explore.change({ steps: 320 });
    await until(settled(explore, figures), 'the run of the burst');
    expect(submits.length - before).toBe(1);
    expect(store.getExperiment(explore.current!.id)?.spec.sft.steps).toBe(320);
    expect(store.getExperiment(explore.current!.id)?.spec.student.norm).toEqual([3.2]);
    // The run it replaced, already finished, is gone.
    await until(() => store.getExperiment(first) === null, 'the superseded run to be deleted');
  });

  // Whether a superseded run is cancelled or left to finish is the store's estimate of the time it
  // still needs (its age and progress: stores/explore.ts, RESTART_MS). The two tests below set its
  // age with a fake performance clock, not by sleeping, so the decision does not depend on how
  // loaded the machine is.
  it('cancels a superseded run that is far from done and deletes it once it has stopped', async () => {
    const { explore, figures } = await stores();
    const { RESTART_MS } = await import('../../src/renderer/src/stores/explore');
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const before = submits.length;
      // Seconds of work: far more than replacing an engine process costs.
      explore.change({ steps: 400_000 });
      await until(() => submits.length > before && explore.current !== null && explore.current.change === explore.changes, 'the long run to start');
      const long = explore.current!.id;
      // Older than RESTART_MS: without progress it is far from done, and with a little its
      // estimate is age × (1 − f) / f, far above RESTART_MS too.
      vi.advanceTimersByTime(RESTART_MS + 100);
      explore.change({ steps: 100 });
      await until(settled(explore, figures), 'the run after it');
      await until(() => store.getExperiment(long) === null, 'the cancelled run to be deleted');
      expect(ended.get(long)).toBe('cancelled');
      expect(explore.current!.id).not.toBe(long);
    } finally {
      vi.useRealTimers();
    }
  });

  it('leaves a superseded run that is about to end to finish, then deletes it', async () => {
    const { explore, figures } = await stores();
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const before = submits.length;
      explore.change({ steps: 2000 });
      await until(() => submits.length > before && explore.current !== null && explore.current.change === explore.changes, 'the run to start');
      const young = explore.current!.id;
      // The clock stands still: the run is as young as when it was submitted, whatever its
      // progress, so its estimate is below RESTART_MS and it is left to finish.
      explore.change({ steps: 150 });
      await until(settled(explore, figures), 'the run after it');
      await until(() => store.getExperiment(young) === null, 'the superseded run to be deleted');
      expect(ended.get(young)).toBe('done');
    } finally {
      vi.useRealTimers();
    }
  });

  it('Save makes the run an ordinary experiment; Run exact queues it exactly with the same seed; the next change leaves both', async () => {
    const { explore, experiments, figures, EXPLORE_TAG } = await stores();
    const id = explore.current!.id;
    expect(await explore.save('kept from explore')).toBe(id);
    expect(store.getExperiment(id)).toMatchObject({ name: 'kept from explore', tags: [] });
    expect(experiments.shown.map((r) => r.id)).toContain(id);

    const exact = await explore.runExact();
    expect(explore.exact).toEqual({ id: exact, of: id });
    const a = store.getExperiment(id)!;
    const b = store.getExperiment(exact!)!;
    expect(b).toMatchObject({ seed: a.seed, duplicatedFrom: id, tags: [] });
    expect({ ...b.spec, name: '', engine: a.spec.engine }).toEqual({ ...a.spec, name: '' });
    expect(b.spec.engine.path).toBe('auto');

    explore.change({ beta: 2 });
    await until(settled(explore, figures), 'the run after saving');
    expect(explore.current!.id).not.toBe(id);
    expect(store.getExperiment(id)).not.toBeNull();
    expect(store.getExperiment(explore.current!.id)?.tags).toEqual([EXPLORE_TAG]);
    await until(() => store.getExperiment(exact!)?.status === 'done', 'the exact re-run');
  });
});
