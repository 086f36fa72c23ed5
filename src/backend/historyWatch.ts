/**
 * A process that shows the history (the desktop app, `w2s serve`) while other processes write to
 * it (a `w2s run` sweep) learns of their changes here, as the lab's own events: PRAGMA data_version
 * says whether any other connection committed since the last look (no query otherwise), the
 * history's change counter whether the list itself changed, and the runs' stored steps how far
 * another process's experiment has got. Runs whose process died are marked interrupted.
 */
import { meanStepsPerRun } from '../engine/grid';
import type { LabEventMessage as LabEvent } from '../shared/labApi';
import { orphanTest } from './liveness';
import type { ExperimentStatus, RunStore } from './store/store';

export interface WatchTarget {
  /** Experiments this process runs (it reports them itself). */
  running(): readonly number[];
  emit(event: LabEvent): void;
}

export interface WatchOptions {
  readonly intervalMs: number;
  /** How often runners of other processes on this machine are checked for life (ms). */
  readonly livenessMs?: number;
}

interface Foreign {
  readonly stepsPerRun: number;
  readonly firstSteps: number;
  readonly firstSeen: number;
  lastSteps: number;
}

export interface HistoryWatch {
  /** One look now (what each tick does); throws what the store throws. */
  poll(): void;
  stop(): void;
}

/** Start watching: a look every `intervalMs`, on a timer that does not keep the process alive. */
export function watchHistory(store: RunStore, target: WatchTarget, options: WatchOptions): HistoryWatch {
  const livenessMs = options.livenessMs ?? 2000;
  let version = store.dataVersion();
  let revision = store.historyRevision();
  let statuses = store.experimentStatuses();
  let lastLiveness = 0;
  const foreign = new Map<number, Foreign>();

  const poll = (): void => {
    const now = Date.now();
    const ours = new Set(target.running());
    const seen = store.dataVersion();
    let changed = seen !== version;
    version = seen;
    if (now - lastLiveness >= livenessMs) {
      lastLiveness = now;
      // Own writes do not move data_version: a sweep that interrupted something counts as a change.
      if (store.markInterrupted(orphanTest([...ours])).experiments.length > 0) changed = true;
    }
    if (!changed) return;
    const current = store.historyRevision();
    if (current !== revision) {
      revision = current;
      const next = store.experimentStatuses();
      for (const [id, status] of next) {
        if (statuses.get(id) !== status && !ours.has(id)) target.emit({ type: 'experiment', experimentId: id, status });
      }
      statuses = next;
      target.emit({ type: 'history' });
    }
    progressOfOthers(store, target, statuses, ours, foreign, now);
  };

  const timer = setInterval(() => {
    try {
      poll();
    } catch {
      // The history unreadable for a moment (locked, being migrated): the next tick looks again.
    }
  }, options.intervalMs);
  timer.unref();
  return { poll, stop: () => clearInterval(timer) };
}

/** Progress events for experiments that other processes are running, from what they stored. */
function progressOfOthers(store: RunStore, target: WatchTarget, statuses: Map<number, ExperimentStatus>, ours: Set<number>, foreign: Map<number, Foreign>, now: number): void {
  const others = [...statuses].filter(([id, status]) => status === 'running' && !ours.has(id)).map(([id]) => id);
  for (const id of foreign.keys()) if (!others.includes(id)) foreign.delete(id);
  for (const p of store.storedProgress(others)) {
    let f = foreign.get(p.experimentId);
    if (f === undefined) {
      const spec = store.getExperiment(p.experimentId)?.spec;
      const steps = spec === undefined ? 0 : meanStepsPerRun(spec);
      f = { stepsPerRun: steps, firstSteps: p.stepsDone, firstSeen: now, lastSteps: -1 };
      foreign.set(p.experimentId, f);
    }
    if (p.stepsDone === f.lastSteps) continue;
    f.lastSteps = p.stepsDone;
    const total = p.runsTotal * f.stepsPerRun;
    const rate = (p.stepsDone - f.firstSteps) / Math.max(1e-3, (now - f.firstSeen) / 1000);
    target.emit({
      type: 'progress',
      experimentId: p.experimentId,
      runsDone: p.runsDone,
      runsTotal: p.runsTotal,
      fraction: total > 0 ? Math.min(1, p.stepsDone / total) : 0,
      etaSeconds: rate > 0 ? Math.max(0, total - p.stepsDone) / rate : null,
    });
  }
}
