/**
 * Experiments loaded for drawing: spec, summary and the series the open view draws (one binary
 * block: the runs of each cell's learning rate, or each teacher's selected run, and only the
 * columns drawn), cached by id. While an experiment runs, its series are fetched again as runs
 * checkpoint, at most once per `LIVE_REFRESH_MS` — or less often when a load takes long (a big
 * experiment's block), so that refreshing never takes more than a tenth of the time — and
 * trajectories grow on screen without flooding the backend.
 */
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';
import type { LabOutput, SeriesColumn } from '../../../shared/labApi';
import { figureInput } from '../../../charts/data';
import type { FigureInput } from '../../../charts/types';
import { useLab } from '../api/lab';
import { errorMessage } from '../../../shared/errorMessage';

export const LIVE_REFRESH_MS = 1500;

export type ExperimentDetail = LabOutput<'getExperiment'>;

/** What a view draws: which runs, and which columns (undefined: all). */
export interface SeriesView {
  readonly runs: 'cellRate' | 'selected';
  readonly columns?: readonly SeriesColumn[];
  /** With runs 'cellRate': each cell's learning-rate index to draw instead of the experiment's own (compare: the first experiment's, charts/compare.ts sharedCellRates). */
  readonly cellRates?: readonly (number | null)[];
}

/** Every column of each cell's learning rate's runs: what a view that says nothing more needs. */
export const FULL_VIEW: SeriesView = { runs: 'cellRate' };

const ratesKey = (view: SeriesView): string => view.cellRates?.map((r) => r ?? '-').join(',') ?? 'own';

/** Whether what is loaded (`have`) holds everything `want` draws. */
export function covers(have: SeriesView, want: SeriesView): boolean {
  if (have.runs !== want.runs || ratesKey(have) !== ratesKey(want)) return false;
  if (have.columns === undefined) return true;
  return want.columns !== undefined && want.columns.every((c) => have.columns?.includes(c));
}

export interface Loaded {
  readonly detail: ExperimentDetail;
  readonly input: FigureInput;
  readonly view: SeriesView;
}

/** The builders' input, made as the backend's figure files make it (charts/data.ts figureInput). */
export function figureInputOf(detail: ExperimentDetail, bundle: LabOutput<'getSeries'>): FigureInput {
  return figureInput(detail, bundle);
}

export const useFiguresStore = defineStore('figures', () => {
  const lab = useLab();
  // Shallow: the series block is large and must not become reactive proxies.
  const loaded = shallowRef<ReadonlyMap<number, Loaded>>(new Map());
  const errors = shallowRef<ReadonlyMap<number, string>>(new Map());
  const inFlight = new Map<string, Promise<Loaded | null>>();
  /** The view last asked for per experiment: a live reload asks for it again. */
  const wanted = new Map<number, SeriesView>();
  const stale = new Set<number>();
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  const loadMs = new Map<number, number>();

  function set<T>(map: ReadonlyMap<number, T>, id: number, value: T | undefined): ReadonlyMap<number, T> {
    const next = new Map(map);
    if (value === undefined) next.delete(id);
    else next.set(id, value);
    return next;
  }

  /** A view at the experiment's own cell rates: what a load that names no view draws (compare's borrowed rates stay with compare). */
  const ownRates = ({ cellRates: _borrowed, ...view }: SeriesView): SeriesView => view;

  /** Load (or reload) one experiment for a view (by default every column of each cell's rate's runs); concurrent calls share the request. */
  function load(id: number, force = false, view: SeriesView = ownRates(wanted.get(id) ?? FULL_VIEW)): Promise<Loaded | null> {
    wanted.set(id, view);
    const cached = loaded.value.get(id);
    if (cached !== undefined && !force && !stale.has(id) && covers(cached.view, view)) return Promise.resolve(cached);
    const key = `${id}|${view.runs}|${view.columns?.join(',') ?? '*'}|${ratesKey(view)}`;
    const pending = inFlight.get(key);
    if (pending !== undefined) return pending;
    stale.delete(id);
    const request = (async () => {
      const started = performance.now();
      try {
        const [detail, bundle] = await Promise.all([lab.getExperiment({ id }), lab.getSeries({ id, runs: view.runs, ...(view.columns === undefined ? {} : { columns: [...view.columns] }), ...(view.cellRates === undefined ? {} : { cellRates: [...view.cellRates] }) })]);
        const entry = { detail, input: figureInputOf(detail, bundle), view };
        loaded.value = set(loaded.value, id, entry);
        loadMs.set(id, performance.now() - started);
        performance.mark(`w2s:loaded:${id}`); // read by the dashboard benchmark
        errors.value = set(errors.value, id, undefined);
        return entry;
      } catch (error) {
        errors.value = set(errors.value, id, errorMessage(error));
        return null;
      } finally {
        inFlight.delete(key);
      }
    })();
    inFlight.set(key, request);
    return request;
  }

  /**
   * Every run of one experiment (the per-learning-rate view), fetched only when asked: a finished
   * Figure 1 experiment's block is 136 MB against 19 MB for the selected runs. One experiment is
   * kept at a time.
   */
  const allRuns = shallowRef<{ id: number; input: FigureInput } | null>(null);
  let allInFlight: { id: number; request: Promise<FigureInput | null> } | null = null;
  let allStale = false;
  function loadAll(id: number): Promise<FigureInput | null> {
    if (allRuns.value?.id === id && !allStale) return Promise.resolve(allRuns.value.input);
    if (allInFlight?.id === id) return allInFlight.request;
    const request = (async () => {
      try {
        const [detail, bundle] = await Promise.all([lab.getExperiment({ id }), lab.getSeries({ id, runs: 'all' })]);
        allStale = false;
        allRuns.value = { id, input: figureInputOf(detail, bundle) };
        return allRuns.value.input;
      } catch (error) {
        errors.value = set(errors.value, id, errorMessage(error));
        return null;
      } finally {
        allInFlight = null;
      }
    })();
    allInFlight = { id, request };
    return request;
  }

  /** Fetch again what is on screen for `id` (compare's borrowed cell rates included): after an edit of the experiment. */
  function reload(id: number): Promise<Loaded | null> {
    return load(id, true, wanted.get(id) ?? FULL_VIEW);
  }

  /** New data exists for `id`: reload it soon if it is on screen, else on next use. */
  function invalidate(id: number): void {
    stale.add(id);
    if (allRuns.value?.id === id) allStale = true;
    if (!loaded.value.has(id) || timers.has(id)) return;
    timers.set(
      id,
      setTimeout(() => {
        timers.delete(id);
        void load(id, false, wanted.get(id) ?? FULL_VIEW); // what is on screen
      }, Math.max(LIVE_REFRESH_MS, 10 * (loadMs.get(id) ?? 0))),
    );
  }

  /** A deleted experiment: drop it and any pending reload (which would ask for what is gone). */
  function forget(id: number): void {
    const timer = timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    timers.delete(id);
    stale.delete(id);
    wanted.delete(id);
    loaded.value = set(loaded.value, id, undefined);
    if (allRuns.value?.id === id) allRuns.value = null;
  }

  let subscribed = false;
  function subscribe(): void {
    if (subscribed) return;
    subscribed = true;
    lab.onEvent((event) => {
      if (event.type === 'run' || event.type === 'experiment' || event.type === 'progress') invalidate(event.experimentId);
    });
  }

  return { loaded, errors, load, reload, loadAll, allRuns, invalidate, forget, subscribe };
});
