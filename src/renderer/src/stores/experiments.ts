/**
 * The run history: every stored experiment as a row, kept fresh by the lab's events (including
 * `history`: another process, such as a `w2s run` from a terminal, changed the file), and the
 * actions on it (rename, notes, tags, delete, cancel, resume, re-run with a new seed, re-run a
 * preview exactly). Explore mode's unsaved experiments carry EXPLORE_TAG and are left out of what
 * the history and the pickers show (`shown`) until saved; the queue lists them while they run.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { LabOutput } from '../../../shared/labApi';
import { useLab } from '../api/lab';
import { useFiguresStore } from './figures';

export type ExperimentRow = LabOutput<'listExperiments'>[number];

export interface Progress {
  readonly runsDone: number;
  readonly runsTotal: number;
  readonly fraction: number;
  readonly etaSeconds: number | null;
}

/** The reserved tag of explore mode's unsaved experiments (README, "Explore"). */
export const EXPLORE_TAG = 'w2s:explore';

export const isExploreRow = (row: Pick<ExperimentRow, 'tags'>): boolean => row.tags.includes(EXPLORE_TAG);

/** A preview experiment: interactive work, whose jobs go ahead of exact runs in the engine pool (backend/lab.ts jobPriority). */
export const isInteractiveRow = (row: Pick<ExperimentRow, 'path'>): boolean => row.path === 'preview';

export type SortKey = 'id' | 'name' | 'setup' | 'status' | 'fractionImproved' | 'gainMean' | 'createdAt';

/** Rows matching every word of `query` (name, setup, status, tags, notes, id), sorted. */
export function filterAndSort(rows: readonly ExperimentRow[], query: string, key: SortKey, descending: boolean): ExperimentRow[] {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const text = (r: ExperimentRow) => [`#${r.id}`, r.name, r.setup, r.status, r.path, ...r.tags, r.notes].join(' ').toLowerCase();
  const kept = rows.filter((r) => words.every((w) => text(r).includes(w)));
  const value = (r: ExperimentRow): number | string => {
    const v = r[key];
    return v === null ? -Infinity : v;
  };
  return [...kept].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return (descending ? -c : c) || b.id - a.id;
  });
}

export const useExperimentsStore = defineStore('experiments', () => {
  const lab = useLab();
  const rows = ref<ExperimentRow[]>([]);
  const loaded = ref(false);
  const progress = ref<Record<number, Progress>>({});
  /** Ids chosen for comparison, in the order chosen. */
  const selected = ref<number[]>([]);

  const byId = computed(() => new Map(rows.value.map((r) => [r.id, r])));
  /** The rows a person sees in the history, the queue and the pickers: every one but explore mode's unsaved ones. */
  const shown = computed(() => rows.value.filter((r) => !isExploreRow(r)));
  /**
   * What the engine pool is working through, in its order: running previews first (explore's
   * unsaved runs included: their jobs go ahead of exact runs, pool.ts), then running exact
   * experiments, then queued ones (Slurm sweeps) in submission order.
   */
  const queue = computed(() => {
    const running = rows.value.filter((r) => r.status === 'running');
    return [
      ...running.filter(isInteractiveRow),
      ...running.filter((r) => !isInteractiveRow(r) && !isExploreRow(r)),
      ...shown.value.filter((r) => r.status === 'queued').sort((a, b) => a.id - b.id),
    ];
  });
  /** Over every running or queued experiment, weighted by runs. */
  const overall = computed(() => {
    let done = 0;
    let total = 0;
    let eta = 0;
    for (const r of queue.value) {
      const p = progress.value[r.id];
      if (p === undefined) continue;
      done += p.fraction * p.runsTotal;
      total += p.runsTotal;
      eta = Math.max(eta, p.etaSeconds ?? 0);
    }
    return total === 0 ? null : { fraction: done / total, etaSeconds: eta };
  });

  let refreshing: Promise<void> | null = null;
  let again = false;
  /** Reload the list; calls made while one is in flight collapse into one more. */
  async function refresh(): Promise<void> {
    if (refreshing !== null) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        again = false;
        rows.value = await lab.listExperiments({});
        loaded.value = true;
      } while (again);
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  let subscribed = false;
  function subscribe(): void {
    if (subscribed) return;
    subscribed = true;
    lab.onEvent((event) => {
      if (event.type === 'progress') {
        progress.value = { ...progress.value, [event.experimentId]: event };
      } else if (event.type === 'experiment') {
        const row = byId.value.get(event.experimentId);
        if (row !== undefined) row.status = event.status;
        void refresh();
      } else if (event.type === 'history') {
        void refresh();
      }
    });
  }

  function toggleSelected(id: number): void {
    selected.value = selected.value.includes(id) ? selected.value.filter((x) => x !== id) : [...selected.value, id].slice(-8);
  }

  async function submit(spec: unknown, name?: string, duplicatedFrom?: number): Promise<number> {
    const { id } = await lab.submit({ spec, ...(name === undefined ? {} : { name }), ...(duplicatedFrom === undefined ? {} : { duplicatedFrom }) });
    await refresh();
    return id;
  }

  async function rename(id: number, name: string): Promise<void> {
    await lab.rename({ id, name });
    await refresh();
  }

  async function setNotes(id: number, notes: string): Promise<void> {
    await lab.setNotes({ id, notes });
    await refresh();
  }

  /** The label compare names it by (null or blank: what differs from the others). */
  async function setLabel(id: number, label: string | null): Promise<void> {
    await lab.setLabel({ id, label });
    await refresh();
  }

  async function setTags(id: number, tags: string[]): Promise<void> {
    await lab.setTags({ id, tags });
    await refresh();
  }

  async function remove(id: number): Promise<void> {
    // Drop its figures and any pending reload before the delete is sent: a reload fired meanwhile
    // would ask for what is gone.
    useFiguresStore().forget(id);
    await lab.deleteExperiment({ id });
    selected.value = selected.value.filter((x) => x !== id);
    await refresh();
  }

  async function cancel(id: number): Promise<void> {
    await lab.cancel({ id });
    await refresh();
  }

  async function resume(id: number): Promise<void> {
    await lab.resume({ id });
    await refresh();
  }

  /** The same spec with a new seed: a fresh draw of teachers, data and SGD noise. */
  async function rerunWithNewSeed(id: number, seed = Math.floor(Math.random() * 2 ** 31)): Promise<number> {
    const { spec } = await lab.duplicateSpec({ id });
    const row = byId.value.get(id);
    return submit({ ...spec, seed }, row === undefined ? undefined : `${row.name} (seed ${seed})`);
  }

  /**
   * A preview experiment re-run exactly: the same spec and seed on engine.path 'auto' (the fastest
   * exact path), recorded as duplicated from it, so the comparison of the two differs in the path only.
   */
  async function runExact(id: number): Promise<number> {
    const { spec } = await lab.duplicateSpec({ id });
    const original = byId.value.get(id)?.name ?? `#${id}`;
    const name = `${original} (exact)`.slice(0, 200);
    const engine = typeof spec.engine === 'object' && spec.engine !== null ? spec.engine : {};
    return submit({ ...spec, name, engine: { ...engine, path: 'auto' } }, name, id);
  }

  return { rows, shown, loaded, progress, selected, byId, queue, overall, refresh, subscribe, toggleSelected, submit, rename, setNotes, setLabel, setTags, remove, cancel, resume, rerunWithNewSeed, runExact };
});
