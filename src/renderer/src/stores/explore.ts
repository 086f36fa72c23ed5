/**
 * Explore mode's experiments (issue 14 part 4). A change of the sliders waits DEBOUNCE_MS for the
 * next one, then a preview experiment of the new values is submitted, tagged EXPLORE_TAG so that the
 * history does not show it, and the one it supersedes is cancelled (LabApi cancel) unless it is
 * about to end on its own (RESTART_MS). A superseded experiment is deleted once it has stopped; the
 * latest stays until the next change (or the next session's first visit). "Save" drops the tag and names it: an ordinary experiment.
 * "Run exact" saves it and queues its exact re-run with the same seed. The store outlives the
 * view, so leaving explore mode and coming back finds the same values and drawing.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ExperimentStatus } from '../../../shared/labApi';
import { useLab } from '../api/lab';
import { DEFAULT_PARAMS, type ExploreParams, exploreName, exploreSpec } from '../explore/params';
import { type QueuePosition, waitText, worthCancelling } from '../explore/waiting';
import { EXPLORE_TAG, isExploreRow, useExperimentsStore } from './experiments';
import { useFiguresStore } from './figures';
import { errorMessage } from '../../../shared/errorMessage';

/** Quiet time after a slider's last move before the experiment is run: drags send many events. */
export const DEBOUNCE_MS = 120;

/**
 * Cancelling a job that is running replaces its engine process: the next run waited 0.5–1.5 s for
 * it on `w2s serve` here (BENCHMARKS.md, explore), against 0.1–0.5 s for the rest of an explore
 * run. A superseded run expected to end sooner than this (its runs left at its time per run, from
 * the pool: explore/waiting.ts worthCancelling) is left to finish (the next one's jobs take turns
 * with it) and is deleted then; a longer one, or one whose runs all wait in the queue, is cancelled.
 */
export const RESTART_MS = 1000;

const LIVE: readonly ExperimentStatus[] = ['queued', 'running'];

export interface ExploreRun {
  readonly id: number;
  /** The change (a count of slider changes) whose values it runs. */
  readonly change: number;
  readonly params: ExploreParams;
  /** When that change was made (performance.now()), to time the redraw. */
  readonly changedAt: number;
  status: ExperimentStatus;
  saved: boolean;
}

export const useExploreStore = defineStore('explore', () => {
  const lab = useLab();
  const experiments = useExperimentsStore();
  const figures = useFiguresStore();

  const params = ref<ExploreParams>({ ...DEFAULT_PARAMS });
  /** Slider changes so far; a run is current for the last change it ran. */
  const changes = ref(0);
  const current = ref<ExploreRun | null>(null);
  const error = ref<string | null>(null);
  /** The exact re-run queued from explore mode, to link to. */
  const exact = shallowRef<{ id: number; of: number } | null>(null);
  /** ms from the last change to its three panels drawn (set by the view). */
  const redrawMs = ref<number | null>(null);
  /** Where the current run stands in the engine pool (undefined: not asked yet; null: none of it left there). */
  const position = shallowRef<QueuePosition | null | undefined>(undefined);
  let positionTimer: ReturnType<typeof setTimeout> | undefined;

  /** Superseded ids: deleted once stopped. Ids seen stopping, with how: the event may come before submit's reply. */
  const doomed = new Set<number>();
  const stopped = new Map<number, ExperimentStatus>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let chain: Promise<void> = Promise.resolve();
  let subscribed = false;

  const waiting = computed(() => current.value === null || current.value.change !== changes.value || LIVE.includes(current.value.status));
  /** What the run being waited for waits for, in words ('waiting for the running job to end (~0.3 s)'). */
  const waitLine = computed(() => {
    const run = current.value;
    if (run === null || run.change !== changes.value) return 'starting…';
    return waitText(position.value, experiments.progress[run.id]);
  });

  /**
   * Ask the backend what the current run waits for, again while it waits: when the job ahead of
   * it should have ended, or every second while it runs (an explore run takes about that long).
   */
  async function askPosition(id: number): Promise<void> {
    clearTimeout(positionTimer);
    const live = () => current.value?.id === id && LIVE.includes(current.value.status) && !stopped.has(id);
    if (!live()) return;
    const answer = await lab.queuePosition({ id }).catch(() => null);
    if (!live()) return;
    position.value = answer;
    if (answer === null) return;
    const waitingMs = answer.runsRunning === 0 ? Math.min(1500, Math.max(150, answer.nextFreeMs ?? 300)) : 1000;
    positionTimer = setTimeout(() => void askPosition(id), waitingMs);
  }

  function report(what: string, e: unknown): void {
    error.value = `${what}: ${errorMessage(e)}`;
  }

  async function remove(id: number): Promise<void> {
    doomed.delete(id);
    stopped.delete(id);
    figures.forget(id);
    // It may have been deleted elsewhere (another tab, the history): gone is what we wanted.
    await lab.deleteExperiment({ id }).catch(() => undefined);
  }

  /** Cancel an experiment no longer wanted, unless it ends sooner than cancelling would cost (where it stands in the pool says). */
  async function cancel(run: ExploreRun): Promise<void> {
    if (run.saved || stopped.has(run.id) || !LIVE.includes(run.status)) return;
    const at = await lab.queuePosition({ id: run.id }).catch(() => null);
    if (stopped.has(run.id) || !worthCancelling(at, RESTART_MS)) return;
    performance.mark(`w2s:explore:cancel:${run.change}`);
    await lab.cancel({ id: run.id }).catch(() => undefined);
  }

  /** Delete a superseded experiment now if it has stopped, else when its terminal event comes. */
  async function discard(run: ExploreRun): Promise<void> {
    if (run.saved) return;
    doomed.add(run.id);
    if (stopped.has(run.id) || !LIVE.includes(run.status)) await remove(run.id);
  }

  async function launch(change: number, values: ExploreParams, at: number): Promise<void> {
    if (change !== changes.value) return; // a newer change has its own launch queued
    const previous = current.value;
    if (previous !== null) await cancel(previous);
    // Deleted only after the next one exists: the store gives a new experiment the highest id + 1,
    // and an id used twice would let the old one's late events pass for the new one's.
    performance.mark(`w2s:explore:launch:${change}`); // read by the explore benchmark, as the marks below
    const { id } = await lab.submit({ spec: exploreSpec(values), name: exploreName(values), tags: [EXPLORE_TAG] });
    performance.mark(`w2s:explore:submitted:${change}`);
    if (previous !== null) await discard(previous);
    current.value = { id, change, params: values, changedAt: at, status: 'running', saved: false };
    position.value = undefined;
    error.value = null;
    const status = stopped.get(id);
    if (status !== undefined) await settle(id, status);
    else void askPosition(id);
  }

  /** Its terminal event: load the current one for drawing, delete a superseded one. */
  async function settle(id: number, status: ExperimentStatus): Promise<void> {
    stopped.set(id, status);
    if (doomed.has(id)) return remove(id);
    const run = current.value;
    if (run === null || run.id !== id) return;
    clearTimeout(positionTimer);
    run.status = status;
    performance.mark(`w2s:explore:stopped:${run.change}`);
    await figures.load(id, true); // marks w2s:loaded:<id> when the series are in
  }

  function subscribe(): void {
    if (subscribed) return;
    subscribed = true;
    lab.onEvent((event) => {
      if (event.type !== 'experiment' || LIVE.includes(event.status)) return;
      settle(event.experimentId, event.status).catch((e) => report('Loading the explore run', e));
    });
  }

  /** New slider values: run them after a pause. */
  function change(next: Partial<ExploreParams>): void {
    params.value = { ...params.value, ...next };
    changes.value++;
    const at = performance.now();
    performance.mark(`w2s:explore:change:${changes.value}`);
    clearTimeout(timer);
    const mine = changes.value;
    const values = params.value;
    timer = setTimeout(() => {
      chain = chain.then(() => launch(mine, values, at)).catch((e) => report('Running the explore experiment', e));
    }, DEBOUNCE_MS);
  }

  /** The first visit: drop the unsaved explore runs an earlier session left, then run the current values. */
  async function start(): Promise<void> {
    subscribe();
    if (current.value !== null) return;
    await experiments.refresh();
    const stale = experiments.rows.filter((r) => isExploreRow(r) && !LIVE.includes(r.status));
    await Promise.all(stale.map((r) => remove(r.id)));
    change({});
  }

  /** Keep the current run as an ordinary experiment: named, tag dropped, shown in the history. */
  async function save(name?: string): Promise<number | null> {
    const run = current.value;
    if (run === null) return null;
    const row = experiments.byId.get(run.id);
    const tags = (row?.tags ?? []).filter((t) => t !== EXPLORE_TAG);
    if (name !== undefined && name.trim() !== '') await lab.rename({ id: run.id, name: name.trim().slice(0, 200) });
    await lab.setTags({ id: run.id, tags });
    run.saved = true;
    await experiments.refresh();
    return run.id;
  }

  /** Save the current run and queue its exact re-run (same spec and seed, engine.path 'auto'). */
  async function runExact(name?: string): Promise<number | null> {
    const id = await save(name);
    if (id === null) return null;
    const exactId = await experiments.runExact(id);
    exact.value = { id: exactId, of: id };
    return exactId;
  }

  return { params, changes, current, error, exact, redrawMs, position, waiting, waitLine, change, start, save, runExact };
});
