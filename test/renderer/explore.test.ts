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
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watch } from 'vue';
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
import { observed, observedLine } from '../../src/renderer/src/explore/observed';
import { explorePanels, PANELS, TEACHER_LINE_OPACITY } from '../../src/renderer/src/explore/panels';
import { about, type QueuePosition, waitText, worthCancelling } from '../../src/renderer/src/explore/waiting';
import { labBridge, type LabApi } from '../../src/shared/labApi';
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

describe('what a preview waits for, in words', () => {
  const base: QueuePosition = {
    priority: 'interactive', runsRunning: 0, runsQueued: 20, processesRunning: 0, processesStarting: 0, msPerRun: 3,
    interactiveRunsQueued: 0, batchRunsQueued: 2800, processes: 1, processesBusy: 1, nextFreeMs: 310,
  };

  it('never counts the batch runs queued behind it; names the job it waits for and its time', () => {
    expect(waitText(base, undefined)).toBe('waiting for the running job to end (~0.3 s)');
    expect(waitText({ ...base, processes: 2, processesBusy: 2 }, undefined)).toBe('waiting for one of the 2 running jobs to end (~0.3 s)');
    expect(waitText({ ...base, nextFreeMs: null }, undefined)).toBe('waiting for the running job to end');
    expect(waitText({ ...base, interactiveRunsQueued: 40 }, undefined)).toBe('waiting for the running job to end (~0.3 s), then taking turns with another preview (40 runs)');
    // A law over many positions: the batch queue never shows, whatever its length.
    for (const batchRunsQueued of [0, 1, 2828, 14_140]) {
      for (const runsRunning of [0, 3]) {
        for (const processesBusy of [0, 1]) {
          const text = waitText({ ...base, batchRunsQueued, runsRunning, processesBusy }, runsRunning > 0 ? { runsDone: 2, runsTotal: 20 } : undefined);
          expect(text).not.toMatch(/queued|2\s?828|14\s?140|exact/);
        }
      }
    }
  });

  it('says starting, running or storing as the preview moves on', () => {
    expect(waitText(undefined, undefined)).toBe('starting…');
    expect(waitText({ ...base, processesBusy: 0 }, undefined)).toBe('starting…');
    expect(waitText({ ...base, runsRunning: 3, runsQueued: 17, processesBusy: 0 }, undefined)).toBe('starting…');
    expect(waitText({ ...base, runsRunning: 3, processesStarting: 1, processesBusy: 0 }, undefined)).toBe('starting an engine process (a second or so)…');
    expect(waitText({ ...base, runsRunning: 3, runsQueued: 9, processesBusy: 0 }, { runsDone: 8, runsTotal: 20 })).toBe('running: 8 of 20 runs done');
    expect(waitText(null, { runsDone: 20, runsTotal: 20 })).toBe('storing the results…');
  });

  it('a superseded preview is cancelled when its runs all wait or what is left outlasts a restart, else left to finish', () => {
    const running = { ...base, runsRunning: 2, runsQueued: 10, processesRunning: 1, processesBusy: 0, msPerRun: 5 };
    expect(worthCancelling(null, 1000)).toBe(false); // being stored
    expect(worthCancelling({ ...base, runsQueued: 20 }, 1000)).toBe(true); // dropped from the queue, no process killed
    expect(worthCancelling(running, 1000)).toBe(false); // 12 runs × 5 ms
    expect(worthCancelling({ ...running, msPerRun: 500 }, 1000)).toBe(true); // 12 × 0.5 s
    expect(worthCancelling({ ...running, msPerRun: 150, processesRunning: 2 }, 1000)).toBe(false); // 12 × 150 ms on two processes: 0.9 s
    expect(worthCancelling({ ...running, msPerRun: null }, 1000)).toBe(true);
  });

  it('rounds times to a tenth of a second below 10 s, to seconds above, never below 0.1 s', () => {
    expect([about(0), about(49), about(310), about(9_940), about(12_400)]).toEqual(['~0.1 s', '~0.1 s', '~0.3 s', '~9.9 s', '~12 s']);
  });
});

let dir: string;
let store: RunStore;
let pool: EnginePool;
const submits: unknown[] = [];
/** The lab behind the LabApi (its queue position counts the runs still in the store). */
let backend: Lab;
/** Each experiment's terminal status, as the lab's events said it. */
const ended = new Map<number, string>();
/** The LabApi behind window.lab (the preload's bridge of it). */
let windowLab: LabApi;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'w2s-explore-'));
  store = RunStore.open(join(dir, 'lab.sqlite'), 'test');
  pool = new EnginePool(forkSpawner(), 2);
  backend = new Lab(store, pool, { checkpointIntervalMs: 200 });
  const service = new LabApiService(backend);
  const lab = directLabApi(service);
  // Every submit the store sends, counted on its way to the real service.
  const counted: LabApi = { ...lab, submit: (input) => (submits.push(input), lab.submit(input)) };
  lab.onEvent((e) => {
    if (e.type === 'experiment' && e.status !== 'running' && e.status !== 'queued') ended.set(e.experimentId, e.status);
  });
  windowLab = counted;
  (globalThis as { window?: unknown }).window = { lab: labBridge(counted) };
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
    // The observed gain and peak step, from the teachers' own stored runs (not the summary's numbers).
    const seen = observed(input.summary!, input.bundle);
    const perTeacher = store.loadExperimentRuns(id).map(({ series }) => {
      let best = 1;
      for (let i = 2; i < series.cos.length; i++) if (series.cos[i] > series.cos[best]) best = i;
      return { gain: series.cos[best] - series.cos[0], step: series.step[best] };
    });
    const gainMean = perTeacher.reduce((a, t) => a + t.gain, 0) / perTeacher.length;
    const gainStd = Math.sqrt(perTeacher.reduce((a, t) => a + (t.gain - gainMean) ** 2, 0) / (perTeacher.length - 1));
    const steps = perTeacher.map((t) => t.step).sort((a, b) => a - b);
    expect(seen.teachers).toBe(EXPLORE_TEACHERS);
    expect(seen.improved).toBe(perTeacher.filter((t) => t.gain > 0).length);
    expect(Math.abs(seen.gainMean - gainMean)).toBeLessThan(1e-12);
    expect(Math.abs(seen.gainStd - gainStd)).toBeLessThan(1e-12);
    expect(seen.peakStep).toBe((steps[9] + steps[10]) / 2);
    expect(seen.peakStepRange).toEqual([steps[0], steps[steps.length - 1]]);
    // The mean curve's peak: the highest mean of the teachers' cos after step 0.
    const meanCos = perTeacher.length > 0 ? store.loadExperimentRuns(id)[0].series.cos.map((_, i) => store.loadExperimentRuns(id).reduce((a, r) => a + r.series.cos[i], 0) / EXPLORE_TEACHERS) : [];
    let top = 1;
    for (let i = 2; i < meanCos.length; i++) if (meanCos[i] > meanCos[top]) top = i;
    expect(seen.meanPeak!.step).toBe(top);
    expect(Math.abs(seen.meanPeak!.gain - (meanCos[top] - meanCos[0]))).toBeLessThan(1e-12);
    expect(observedLine(seen)).toContain(`${seen.improved} of ${EXPLORE_TEACHERS} teachers improved`);

    // On a log step axis (explore's default) with the peak marked: a dotted line at the peak step on every panel.
    for (const p of explorePanels(input, 'light', 380, 280, 'log', seen.peakStep)) {
      const series = (p.option as { series: { type: string; markLine?: { data: { xAxis: number }[] }; lineStyle?: { opacity?: number } }[] }).series;
      expect(series.filter((x) => x.markLine !== undefined).map((x) => x.markLine!.data[0].xAxis)).toEqual([seen.peakStep]);
      expect(series.filter((x) => x.type === 'lines').every((x) => x.lineStyle?.opacity === TEACHER_LINE_OPACITY)).toBe(true);
      expect(p.mean!.x[0]).toBe(1); // step 0 has no place on a log axis
    }

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

  // Whether a superseded run is cancelled or left to finish is read from where it stands in the
  // pool (its runs left at its measured time per run: explore/waiting.ts worthCancelling, RESTART_MS),
  // not from its age.
  it('cancels a superseded run that is far from done and deletes it once it has stopped', async () => {
    const { explore, experiments, figures } = await stores();
    const before = submits.length;
    // Seconds of work: far more than replacing an engine process costs.
    explore.change({ steps: 400_000 });
    await until(() => submits.length > before && explore.current !== null && explore.current.change === explore.changes, 'the long run to start');
    const long = explore.current!.id;
    // Its jobs in the engine processes, making progress: cancelling it kills them.
    await until(() => (pool.position(long)?.runsRunning ?? 0) > 0 && (experiments.progress[long]?.fraction ?? 0) > 0, 'the long run to be running');
    explore.change({ steps: 100 });
    await until(settled(explore, figures), 'the run after it');
    await until(() => store.getExperiment(long) === null, 'the cancelled run to be deleted');
    expect(ended.get(long)).toBe('cancelled');
    expect(explore.current!.id).not.toBe(long);
  });

  it('leaves a superseded run that is about to end to finish, then deletes it', async () => {
    const { explore, figures } = await stores();
    const before = submits.length;
    explore.change({ steps: 2000 });
    await until(() => submits.length > before && explore.current !== null && explore.current.change === explore.changes, 'the run to start');
    const young = explore.current!.id;
    explore.change({ steps: 150 });
    await until(settled(explore, figures), 'the run after it');
    await until(() => store.getExperiment(young) === null, 'the superseded run to be deleted');
    expect(ended.get(young)).toBe('done');
  });

  it('while an exact Figure 1 runs, a change is drawn with the exact one still queued; the queue lists the preview, the page says what it waits for', async () => {
    const { explore, experiments, figures } = await stores();
    const figure1 = JSON.parse(readFileSync(join(__dirname, '..', '..', 'resources', 'presets', 'figure1.json'), 'utf8'));
    const lab = windowLab;
    const { id: exactId } = await lab.submit({ spec: figure1, name: 'Figure 1, exact' });
    await until(() => (experiments.progress[exactId]?.runsDone ?? 0) > 0, 'the exact experiment to be under way');
    const lines: string[] = [];
    const inQueue = new Set<number>();
    const stopWatching = watch(
      () => [explore.waitLine, experiments.queue.map((r) => r.id)] as const,
      ([line, ids]) => {
        lines.push(line);
        for (const id of ids) inQueue.add(id);
      },
    );
    explore.change({ steps: 300 });
    await until(settled(explore, figures), 'the explore run while the exact one runs');
    stopWatching();
    const previewId = explore.current!.id;
    // Ordered by events and the pool's queue, not a clock: the preview is in while thousands of exact runs still wait.
    expect(backend.queuePosition(exactId)?.runsQueued).toBeGreaterThan(2000);
    expect(store.getExperiment(exactId)?.status).toBe('running');
    expect(inQueue.has(previewId)).toBe(true);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^(starting…|starting an engine process \(a second or so\)…|storing the results…|running: \d+ of 20 runs done|waiting for (the running job|one of the 2 running jobs) to end( \(~[\d.]+ s\))?)$/);
    await lab.cancel({ id: exactId });
    await until(() => ended.get(exactId) === 'cancelled', 'the exact experiment to stop');
    await lab.deleteExperiment({ id: exactId });
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
