/**
 * The lab's backend service: stored experiments run on the engine pool, FIFO (previews ahead of
 * exact runs: jobPriority), with checkpoints
 * written to the store every few seconds, throttled progress events, cancel and resume. Shared by
 * the desktop app, `w2s serve` and the CLI. Short runs travel several to an engine job
 * (jobSizing.ts), and finished runs are stored together, one transaction for all those that ended
 * within WRITE_BEHIND_MS: a commit per run costs more than a preview run.
 */
import { type Cell, cellsOf, eachRunKey, meanStepsPerRun, runCount, valueAtCell } from '../engine/grid';
import { isRandomFeaturesSpec } from '../engine/randomFeatures/spec';
import { type ExperimentSpec, resolvePath } from '../engine/spec';
import type { RunSeries } from '../engine/run';
import type { CellSummaryParts } from '../engine/summary';
import { storedSeriesOf } from '../shared/seriesBlock';
import { checkpointStep, type RunOrder } from '../shared/jobs';
import type { LabEventMessage } from '../shared/labApi';
import { type HistoryWatch, watchHistory } from './historyWatch';
import { diskFullPause, freeBytes, isDiskFull } from './historyFile';
import { describeRunner, orphanTest } from './liveness';
import { runMs, runsPerJob } from './jobSizing';
import { refuse } from './refusals';
import { type EnginePool, JobCancelledError, type JobInput, type JobPriority, type JobResult, type QueuePosition } from './pool';
import { type EngineWork, EngineWorkRecords } from './store/engineWork';
import { type RunEnd, setRunStatuses, storeRunEnds } from './store/runOutcomes';
import { storeSummary, summarizeStoredCell } from './storedSummary';
import type { ExperimentRecord, ExperimentStatus, RunRecord, RunRecordStatus, RunStore } from './store/store';

/** What the lab announces: progress, a run's or an experiment's status, a change to the history. */
export type LabEvent = LabEventMessage;

export interface LabOptions {
  /** How often engine processes checkpoint into the store (ms). */
  readonly checkpointIntervalMs: number;
  /** Minimum time between two progress events of one experiment (ms): 50 → at most 20 a second. */
  readonly progressIntervalMs: number;
}

interface Active {
  readonly id: number;
  readonly spec: ExperimentSpec;
  readonly runsTotal: number;
  readonly stepsPerRun: number;
  readonly started: number;
  /** Runs handed to the pool and not settled yet, by run id: their steps when handed over and now. */
  readonly inFlight: Map<number, { readonly from: number; now: number }>;
  /** Steps of every run not in flight (stored before the start, or settled since). */
  stepsSettled: number;
  readonly stepsAtStart: number;
  runsDone: number;
  lastProgress: number;
  lastCancelCheck: number;
  cancelled: boolean;
  /** Runs per engine job (jobSizing.ts), fixed at the start. */
  readonly runsPerJob: number;
  /** Pending runs are handed to the pool in run-id order, read from the store a job at a time: the last one handed over. */
  lastFed: number;
  /** Every pending run has been handed over. */
  exhausted: boolean;
  /** Runs handed over whose outcome is not stored yet. */
  outstanding: number;
  /** Its jobs in the pool (queued or running). */
  jobsInPool: number;
  /** The first outcome that could not be stored (a full disk): the experiment stops with it. */
  failure: Error | null;
  readonly settle: { resolve(record: ExperimentRecord): void; reject(error: Error): void };
  readonly done: Promise<ExperimentRecord>;
  /** Series of runs stored whole in this process, for the summary (keptSeries below). */
  readonly kept: KeptSeries;
  /** Per cell with runs to do at the start: those not settled yet. At 0 the cell is summarised (cellRunSettled). */
  readonly cellRunsLeft: Map<number, number>;
  /** Cells summarised as soon as their last run was stored, for the final summary. */
  readonly cellParts: Map<number, CellSummaryParts>;
  /** The spec's cells, made at the first cell to finish (a sweep's grid is made once, not per cell). */
  cells: Cell[] | null;
}

/**
 * Bytes of series the lab keeps in memory for the summary of an experiment it runs: the points a
 * run ended with, as the engine sent and the store wrote them (the store's encoding is lossless,
 * so they are the doubles a read gives back), so that summarising does not read back and decode
 * what it has just encoded. The Figure 1 preset in preview is 136 MB of them; runs beyond the
 * budget are read from the store.
 */
const KEPT_SERIES_BYTES = 192 * 2 ** 20;

/** Runs' series kept for the summary, by run id, the ids by cell, and their bytes. */
interface KeptSeries {
  readonly series: Map<number, RunSeries>;
  readonly byCell: Map<number, number[]>;
  bytes: number;
}

/** Keep a run's series for the summary when it came whole (from point 0) and fits the budget. */
function keepSeries(kept: KeptSeries, run: RunRecord, result: JobResult): void {
  if (result.from !== 0 || (result.status !== 'done' && result.status !== 'diverged')) return;
  const columns: Record<string, Float64Array> = {};
  let bytes = 0;
  for (const name of run.columns) {
    const values = result.chunk[name as keyof RunSeries];
    if (!(values instanceof Float64Array)) return;
    columns[name] = values;
    bytes += values.byteLength;
  }
  if (kept.bytes + bytes > KEPT_SERIES_BYTES) return;
  kept.series.set(run.id, storedSeriesOf(columns));
  const ids = kept.byCell.get(run.key.cell);
  if (ids === undefined) kept.byCell.set(run.key.cell, [run.id]);
  else ids.push(run.id);
  kept.bytes += bytes;
}

/** Let a cell's kept series go (once it is summarised). */
function releaseCell(kept: KeptSeries, cell: number): void {
  for (const id of kept.byCell.get(cell) ?? []) {
    const series = kept.series.get(id);
    if (series === undefined) continue;
    for (const values of Object.values(series)) if (values instanceof Float64Array) kept.bytes -= values.byteLength;
    kept.series.delete(id);
  }
  kept.byCell.delete(cell);
}

/**
 * Preview experiments (explore, the builder's Preview) are interactive: someone waits at the screen
 * for seconds of engine time, so their jobs go ahead of queued exact runs (pool.ts). Exact
 * experiments are batch work, run in the order submitted.
 */
export function jobPriority(spec: ExperimentSpec): JobPriority {
  return resolvePath(spec) === 'preview' ? 'interactive' : 'batch';
}

/**
 * Engine jobs the lab keeps queued or running in the pool per engine process. Beyond them, an
 * experiment's pending runs stay in the store, read a job at a time as jobs end: a million-run
 * experiment holds a few thousand runs in memory, not a million. Experiments are fed in the
 * order they started, so the pool's queue stays first in, first out.
 */
const JOBS_AHEAD_PER_PROCESS = 4;

/**
 * Runs stored per write transaction when a big grid's runs are stored (about 50 ms on the project's
 * machine): between two, other requests are answered, so a million-run submit blocks nothing.
 */
export const RUN_INSERT_BATCH = 5_000;

/** An experiment whose runs are still being stored: visible as queued, started once they all are. */
interface Inserting {
  cancelled: boolean;
  /** Settles once the experiment has started (or was cancelled, or its runs could not be stored). */
  readonly started: Promise<void>;
}

/** While the disk holding the history is full, how often the lab looks for room again (ms). */
const ROOM_CHECK_MS = 1000;
/** Free bytes that count as room again: a few of the largest chunks a run writes (records.ts, under 1 MB each). */
const ROOM_BYTES = 4 * 1024 * 1024;

/** An experiment's runs still in the store, not yet handed to the pool (none once every run is). */
function notHandedOver(active: Active): number {
  return active.exhausted ? 0 : Math.max(0, active.runsTotal - active.runsDone - active.outstanding);
}

/** Let the event loop answer what waits (requests, events) before the next batch. */
const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Finished runs are stored together, in one transaction, once this long after the first of them (ms). */
const WRITE_BEHIND_MS = 50;

/** A run of a job, as the lab follows it. */
interface RunInFlight {
  readonly run: RunRecord;
  /** Points stored. */
  stored: number;
  described: boolean;
}

/** A run's outcome waiting for the next write-behind transaction: its end and engine work, or its status. */
interface PendingWrite {
  readonly experimentId: number;
  readonly end?: RunEnd;
  readonly work?: EngineWork;
  readonly status?: { readonly runId: number; readonly status: RunRecordStatus; readonly error: string | null };
  resolve(): void;
  reject(error: Error): void;
}

export class Lab {
  private readonly listeners = new Set<(event: LabEvent) => void>();
  private readonly active = new Map<number, Active>();
  private readonly inserting = new Map<number, Inserting>();
  /** Experiments waiting for room on a full disk: the line that says so, and the look for room. */
  private readonly paused = new Map<number, { readonly reason: string; readonly timer: ReturnType<typeof setInterval> }>();
  /** Batch experiments' jobs this lab has in the pool (queued or running). */
  private batchJobsInPool = 0;
  private readonly options: LabOptions;
  private readonly engineWork: EngineWorkRecords;
  private readonly writes: PendingWrite[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly store: RunStore,
    private readonly pool: EnginePool,
    options: Partial<LabOptions> = {},
  ) {
    this.options = { checkpointIntervalMs: 3000, progressIntervalMs: 50, ...options };
    this.engineWork = new EngineWorkRecords(store);
  }

  on(listener: (event: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: LabEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /**
   * Keep this process's view fresh while others write to the same history: their new
   * experiments, status changes and progress arrive as events, and their runs whose process died
   * become interrupted. Polls PRAGMA data_version (no query when nothing changed).
   */
  watchHistory(intervalMs = 500): HistoryWatch {
    return watchHistory(this.store, { running: () => this.running, emit: (event) => this.emit(event) }, { intervalMs });
  }

  /**
   * Store a new experiment and queue all its runs. A grid of more than RUN_INSERT_BATCH runs has
   * the rest stored in the background, a batch at a time (the experiment queued meanwhile).
   */
  submit(spec: ExperimentSpec, options: { name?: string; duplicatedFrom?: number } = {}): number {
    const total = runCount(spec);
    const first = Math.min(total, RUN_INSERT_BATCH);
    const id = this.store.createExperiment(spec, eachRunKey(spec, 0, first), first === total ? options : { ...options, runsFrom: first });
    if (first === total) this.start(id);
    else this.insertThenStart(id, spec, first);
    return id;
  }

  /**
   * Queue the unfinished runs of an interrupted, cancelled or failed experiment; each continues from its
   * checkpoint. Runs its grid has that are not stored yet (the process storing them died) are stored first.
   */
  resume(id: number): void {
    const experiment = this.store.getExperiment(id);
    if (experiment === null) throw refuse.noExperiment(id);
    if (this.active.has(id) || this.inserting.has(id)) throw refuse.alreadyRunning(id);
    if (experiment.status === 'done') throw refuse.nothingToResume(id);
    this.unpause(id);
    const stored = this.store.runsToStore(id);
    if (stored === null) {
      this.start(id);
      return;
    }
    // Taken now, so that no other process stores the same runs meanwhile.
    const holder = this.store.claimExperiment(id, orphanTest(this.running));
    if (holder !== null) throw refuse.runningElsewhere(id, describeRunner(holder));
    this.store.setExperimentStatus(id, 'queued', null);
    this.insertThenStart(id, experiment.spec, stored);
  }

  /**
   * Run a done experiment further with `spec`, whose grid extends its own (a search's next round):
   * the store checks it is the same spec with the stored grid a strict prefix of the new one
   * (RunStore.extendGrid), then the new points' runs are stored and run as a resume runs them.
   */
  extend(id: number, spec: ExperimentSpec): void {
    if (this.active.has(id) || this.inserting.has(id)) throw refuse.alreadyRunning(id);
    const why = this.store.extendGrid(id, spec);
    if (why !== null) throw refuse.notAnExtension(id, why);
    this.emit({ type: 'experiment', experimentId: id, status: 'queued' });
    this.resume(id);
  }

  /** Store the runs from index `from` on, a batch per turn of the event loop, then start the experiment. */
  private insertThenStart(id: number, spec: ExperimentSpec, from: number): void {
    const total = runCount(spec);
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const entry: Inserting = { cancelled: false, started: new Promise<void>((ok, fail) => ((resolve = ok), (reject = fail))) };
    // A shell that does not wait for it (serve, the desktop app) must not die of the rejection.
    entry.started.catch(() => undefined);
    this.inserting.set(id, entry);
    const insert = async (): Promise<void> => {
      for (let next = from; next < total; next += RUN_INSERT_BATCH) {
        await yieldToEvents();
        if (entry.cancelled) break;
        this.store.addRuns(id, spec, next, Math.min(total, next + RUN_INSERT_BATCH));
      }
      this.inserting.delete(id);
      if (!entry.cancelled) return this.start(id);
      this.store.setExperimentStatus(id, 'cancelled');
      this.emit({ type: 'experiment', experimentId: id, status: 'cancelled' });
    };
    insert().then(resolve, (error: unknown) => {
      // The history could not take the runs (a full disk): the experiment is left to be resumed.
      this.inserting.delete(id);
      this.markStopped(id, error);
      reject(error instanceof Error ? error : new Error(String(error)));
    });
  }

  /** The line saying why an experiment waits (a full disk), or null when it does not. */
  pausedReason(id: number): string | null {
    return this.paused.get(id)?.reason ?? null;
  }

  /**
   * After a failure to write: on a full disk the experiment waits for room (pause); otherwise it
   * becomes interrupted (now, or at the next look once the file takes writes).
   */
  private markStopped(id: number, error: unknown): void {
    if (isDiskFull(this.store.file, error)) {
      this.pause(id, diskFullPause(this.store.file, error));
      return;
    }
    try {
      this.store.markInterrupted(orphanTest(this.running));
      this.emit({ type: 'experiment', experimentId: id, status: this.store.getExperiment(id)?.status ?? 'interrupted' });
    } catch {
      // the next look (opening the history, or the watch) does it
    }
  }

  /**
   * A full disk: the experiment waits, said at once by an event with the line to show, and is
   * resumed (each run from its checkpoint: bit-identical, docs/spec.md §8) once there is room and
   * its status can be written. Never a silent stall: nothing it ran is lost, nothing is retried
   * in a loop while the disk stays full.
   */
  private pause(id: number, reason: string): void {
    if (this.paused.has(id)) return;
    const timer = setInterval(() => {
      if (freeBytes(this.store.file) < ROOM_BYTES) return;
      try {
        // The first write after the pause: it says the experiment was interrupted, and why.
        this.store.setExperimentStatus(id, 'interrupted', reason);
      } catch (error) {
        if (isDiskFull(this.store.file, error)) return;
        this.unpause(id);
        this.emit({ type: 'experiment', experimentId: id, status: 'interrupted', error: errorLine(error) });
        return;
      }
      this.unpause(id);
      try {
        this.resume(id);
      } catch (error) {
        this.emit({ type: 'experiment', experimentId: id, status: 'interrupted', error: errorLine(error) });
      }
    }, ROOM_CHECK_MS);
    // A CLI run does not wait for room: it ends with the full disk's message (cli/session.ts).
    timer.unref();
    this.paused.set(id, { reason, timer });
    this.emit({ type: 'experiment', experimentId: id, status: 'interrupted', error: reason });
  }

  private unpause(id: number): void {
    const paused = this.paused.get(id);
    if (paused === undefined) return;
    clearInterval(paused.timer);
    this.paused.delete(id);
  }

  /** Cancel: queued runs are dropped, running ones killed; the data so far is kept. */
  cancel(id: number): void {
    const experiment = this.store.getExperiment(id);
    if (experiment === null) throw refuse.noExperiment(id);
    this.unpause(id);
    const inserting = this.inserting.get(id);
    if (inserting !== undefined) {
      inserting.cancelled = true;
      return;
    }
    const active = this.active.get(id);
    if (active === undefined) {
      if (experiment.status !== 'done') this.store.setExperimentStatus(id, 'cancelled');
      return;
    }
    active.cancelled = true;
    this.pool.cancel(id);
  }

  /** Resolves when the experiment has finished (done, failed or cancelled). */
  finished(id: number): Promise<ExperimentRecord> {
    const inserting = this.inserting.get(id);
    if (inserting !== undefined) return inserting.started.then(() => this.finished(id));
    const active = this.active.get(id);
    if (active !== undefined) return active.done;
    const experiment = this.store.getExperiment(id);
    return experiment === null ? Promise.reject(refuse.noExperiment(id)) : Promise.resolve(experiment);
  }

  /** Run one job in an engine process of its own, outside the queue (the calibration probe). */
  runDetached(input: JobInput): Promise<JobResult> {
    return this.pool.runDetached(input);
  }

  /**
   * What an experiment of this process waits for in the engine pool (null when none of its runs is
   * left there). The pool holds only a few jobs per process (feed): the runs not yet handed to it
   * wait in the store, and count as queued here, the experiment's own and the others' alike.
   */
  queuePosition(id: number): QueuePosition | null {
    const self = this.active.get(id);
    const position = self === undefined ? null : this.pool.position(id);
    if (position === null) return null;
    let interactive = 0;
    let batch = 0;
    for (const other of this.active.values()) {
      if (other === self) continue;
      if (jobPriority(other.spec) === 'interactive') interactive += notHandedOver(other);
      else batch += notHandedOver(other);
    }
    return {
      ...position,
      runsQueued: position.runsQueued + notHandedOver(self as Active),
      interactiveRunsQueued: position.interactiveRunsQueued + interactive,
      batchRunsQueued: position.batchRunsQueued + batch,
    };
  }

  /** Ids of experiments running or queued in this process. */
  get running(): number[] {
    return [...this.active.keys(), ...this.inserting.keys()];
  }

  private start(id: number): void {
    // Taken in one transaction: another process resuming it at the same moment cannot take it too.
    const holder = this.store.claimExperiment(id, orphanTest(this.running));
    if (holder !== null) throw refuse.runningElsewhere(id, describeRunner(holder));
    const experiment = this.store.getExperiment(id) as ExperimentRecord;
    const spec = experiment.spec;
    const tally = this.store.runTally(id, spec.sft.steps);
    let settle!: Active['settle'];
    const done = new Promise<ExperimentRecord>((resolve, reject) => (settle = { resolve, reject }));
    // A shell that does not wait for it (serve, the desktop app) must not die of the rejection.
    done.catch(() => undefined);
    const active: Active = {
      id,
      spec,
      runsTotal: tally.runs,
      stepsPerRun: meanStepsPerRun(spec),
      started: Date.now(),
      inFlight: new Map(),
      stepsSettled: tally.stepsDone,
      stepsAtStart: tally.stepsDone,
      runsDone: tally.finished,
      lastProgress: 0,
      lastCancelCheck: 0,
      cancelled: false,
      runsPerJob: runsPerJob(spec, tally.runs - tally.finished, this.pool.size),
      lastFed: 0,
      exhausted: false,
      outstanding: 0,
      jobsInPool: 0,
      failure: null,
      settle,
      done,
      kept: { series: new Map(), byCell: new Map(), bytes: 0 },
      cellRunsLeft: this.store.pendingRunsByCell(id),
      cellParts: new Map(),
      cells: null,
    };
    this.active.set(id, active);
    this.emit({ type: 'experiment', experimentId: id, status: 'running' });
    this.feed();
  }

  /**
   * Hand pending runs to the pool, a job at a time, until it holds JOBS_AHEAD_PER_PROCESS jobs per
   * process: batch experiments share that allowance, from the one started first that has runs left;
   * each interactive experiment (a preview: jobPriority) has one of its own, fed first, so its jobs
   * are always in the pool's queue to go ahead of the batch jobs and take turns with other previews.
   */
  private feed(): void {
    const limit = this.pool.size * JOBS_AHEAD_PER_PROCESS;
    const actives = [...this.active.values()];
    const interactive = actives.filter((a) => jobPriority(a.spec) === 'interactive');
    const batch = actives.filter((a) => jobPriority(a.spec) !== 'interactive');
    for (const active of interactive) this.feedOne(active, () => active.jobsInPool < limit);
    for (const active of batch) {
      this.feedOne(active, () => this.batchJobsInPool < limit);
      if (this.batchJobsInPool >= limit) return;
    }
  }

  /** Hand one experiment's pending runs to the pool while `room()`; finish it once all are settled. */
  private feedOne(active: Active, room: () => boolean): void {
    while (room() && !active.exhausted) {
      if (active.cancelled || active.failure !== null) {
        active.exhausted = true;
        break;
      }
      let runs: RunRecord[];
      try {
        runs = this.store.pendingRuns(active.id, active.lastFed, active.runsPerJob);
      } catch (error) {
        active.failure = error instanceof Error ? error : new Error(String(error));
        active.exhausted = true;
        break;
      }
      if (runs.length < active.runsPerJob) active.exhausted = true;
      if (runs.length === 0) break;
      active.lastFed = runs[runs.length - 1].id;
      this.queueJob(active, runs);
    }
    if (active.exhausted && active.outstanding === 0) this.finish(active);
  }

  /** One job of `runs` in the pool; once all its runs are stored, the pool is fed again. */
  private queueJob(active: Active, runs: RunRecord[]): void {
    const batch = jobPriority(active.spec) !== 'interactive';
    if (batch) this.batchJobsInPool++;
    active.jobsInPool++;
    active.outstanding += runs.length;
    for (const run of runs) active.inFlight.set(run.id, { from: run.stepsDone, now: run.stepsDone });
    void Promise.allSettled(this.runJob(active, runs)).then((settled) => {
      if (batch) this.batchJobsInPool--;
      active.jobsInPool--;
      active.outstanding -= runs.length;
      const failure = settled.find((s) => s.status === 'rejected');
      if (failure !== undefined) active.failure ??= failure.reason instanceof Error ? failure.reason : new Error(String(failure.reason));
      this.feed();
    });
  }

  /** Every run handed over is settled: summarise and set the final status, or stop with the failure. */
  private finish(active: Active): void {
    if (this.active.get(active.id) !== active) return;
    this.active.delete(active.id);
    const { id } = active;
    try {
      if (active.failure !== null) throw active.failure;
      const record = this.finalize(active);
      this.emit({ type: 'experiment', experimentId: id, status: record.status });
      active.settle.resolve(record);
    } catch (error) {
      // The history could not take the runs' data (a full disk): whoever waits hears why, and
      // the experiment becomes interrupted, now or at the next look once the file takes writes.
      this.markStopped(id, error);
      active.settle.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Queue one engine job for `runs`; a promise per run, settled once its outcome is stored. */
  private runJob(active: Active, runs: RunRecord[]): Promise<void>[] {
    const { store } = this;
    const inFlight: RunInFlight[] = runs.map((run) => ({ run, stored: run.recorded, described: run.descriptor !== null }));
    let orders: RunOrder[];
    try {
      // A run resumes from its checkpoint, whose points are stored with it; without one it restarts.
      orders = store.write(() => {
        setRunStatuses(store, runs.map((run) => run.id), 'running');
        return inFlight.map((r) => {
          const { run } = r;
          if (run.checkpoint === null && r.stored > 0) {
            store.restartRun(run.id);
            r.stored = 0;
          }
          return run.checkpoint === null ? { key: run.key } : { key: run.key, resume: { checkpoint: run.checkpoint, series: store.loadSeries(run.id) } };
        });
      });
    } catch (error) {
      return inFlight.map((r) => this.settleRun(active, r, Promise.reject(error instanceof Error ? error : new Error(String(error)))));
    }
    const results = this.pool.runBatch(
      { spec: active.spec, runs: orders, checkpointIntervalMs: this.options.checkpointIntervalMs },
      (message) => {
        const r = inFlight[message.run];
        if (message.type === 'checkpoint') {
          if (!r.described) {
            store.setRunDescriptor(r.run.id, message.descriptor);
            r.described = true;
          }
          store.appendSeries(r.run.id, message.chunk, message.from, { stepsDone: checkpointStep(message.checkpoint), checkpoint: message.checkpoint });
          r.stored = message.checkpoint.recorded;
          stepped(active, r.run.id, checkpointStep(message.checkpoint));
        } else {
          stepped(active, r.run.id, message.step);
        }
        this.progress(active, false);
      },
      { group: active.id, priority: jobPriority(active.spec), expectedRunMs: runMs(active.spec) },
    );
    return inFlight.map((r, i) => this.settleRun(active, r, results[i]));
  }

  /** Store a run's outcome (with those of the runs that end about when it does), then report it. */
  private async settleRun(active: Active, r: RunInFlight, outcome: Promise<JobResult>): Promise<void> {
    const { run } = r;
    const { store } = this;
    let computeMs: number | undefined;
    let status: RunRecord['status'];
    try {
      const result = await outcome;
      const last = result.lastStep;
      // The engine's measured speed, for time estimates (calibration.ts): this job's own steps only.
      const steps = Math.max(0, last - (run.checkpoint === null ? 0 : checkpointStep(run.checkpoint)));
      await this.writeBehind({
        experimentId: active.id,
        end: { runId: run.id, chunk: result.chunk, from: result.from, stepsDone: last, status: result.status, descriptor: r.described ? null : result.descriptor },
        work: { ms: result.computeMs, samples: steps * valueAtCell(active.spec, run.key.cell, 'sft.batchSize'), steps },
      });
      keepSeries(active.kept, run, result);
      stepped(active, run.id, active.stepsPerRun);
      computeMs = result.computeMs;
      status = result.status;
    } catch (error) {
      // A full disk fails no run: the experiment waits for room (pause) and the run goes on from its checkpoint.
      if (isDiskFull(store.file, error)) throw error;
      status = error instanceof JobCancelledError ? 'cancelled' : 'failed';
      const message = status === 'failed' ? (error instanceof Error ? error.message : String(error)) : null;
      await this.writeBehind({ experimentId: active.id, status: { runId: run.id, status, error: message } });
    }
    const steps = active.inFlight.get(run.id);
    if (steps !== undefined) active.stepsSettled += steps.now - steps.from;
    active.inFlight.delete(run.id);
    active.runsDone++;
    this.cellRunSettled(active, run.key.cell, status);
    this.emit({ type: 'run', experimentId: active.id, runId: run.id, status, computeMs });
    this.progress(active, active.runsDone === active.runsTotal);
  }

  /**
   * Store a run's outcome in one transaction with those of the other runs that end within
   * WRITE_BEHIND_MS, their engine work summed per experiment. If that transaction fails, each is
   * tried on its own, so that only a run whose outcome cannot be stored fails.
   */
  private writeBehind(write: Omit<PendingWrite, 'resolve' | 'reject'>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.writes.push({ ...write, resolve, reject });
      this.flushTimer ??= setTimeout(() => this.flushWrites(), WRITE_BEHIND_MS);
    });
  }

  private flushWrites(): void {
    this.flushTimer = null;
    const writes = this.writes.splice(0);
    try {
      this.storeWrites(writes);
      for (const w of writes) w.resolve();
    } catch {
      for (const w of writes) {
        try {
          this.storeWrites([w]);
          w.resolve();
        } catch (error) {
          w.reject(error instanceof Error ? error : new Error(String(error)));
        }
      }
    }
  }

  private storeWrites(writes: readonly PendingWrite[]): void {
    const work = new Map<number, EngineWork>();
    for (const { experimentId, work: w } of writes) {
      if (w === undefined) continue;
      const sum = work.get(experimentId) ?? { ms: 0, samples: 0, steps: 0 };
      work.set(experimentId, { ms: sum.ms + w.ms, samples: sum.samples + w.samples, steps: sum.steps + w.steps });
    }
    this.store.write(() => {
      storeRunEnds(
        this.store,
        writes.flatMap((w) => (w.end === undefined ? [] : [w.end])),
        writes.flatMap((w) => (w.status === undefined ? [] : [w.status])),
      );
      for (const [id, w] of work) this.engineWork.addEngineTime(id, w);
    });
  }

  private progress(active: Active, force: boolean): void {
    const now = Date.now();
    // Another process (`w2s cancel ID`) cancels by writing the status into the store.
    if (!active.cancelled && now - active.lastCancelCheck >= 500) {
      active.lastCancelCheck = now;
      if (this.store.experimentStatus(active.id) === 'cancelled') {
        active.cancelled = true;
        this.pool.cancel(active.id);
      }
    }
    if (!force && now - active.lastProgress < this.options.progressIntervalMs) return;
    active.lastProgress = now;
    const total = active.runsTotal * active.stepsPerRun;
    let done = active.stepsSettled;
    for (const s of active.inFlight.values()) done += s.now - s.from;
    const fraction = total > 0 ? done / total : 1;
    const rate = (done - active.stepsAtStart) / Math.max(1e-3, (now - active.started) / 1000);
    const etaSeconds = rate > 0 ? (total - done) / rate : null;
    this.emit({ type: 'progress', experimentId: active.id, runsDone: active.runsDone, runsTotal: active.runsTotal, fraction, etaSeconds });
  }

  /**
   * A run of `cell` is settled and stored. Once every run the cell had to do is, and none was
   * cancelled (a cancelled run runs again on resume), the cell's runs are final: summarise it now,
   * from the series kept in memory, and let them go. The final summary takes the part as it is, so
   * the kept series stay within their budget cell by cell and are never read back from the store.
   */
  private cellRunSettled(active: Active, cell: number, status: RunRecord['status']): void {
    const left = active.cellRunsLeft.get(cell);
    // A random-features experiment is summarised whole at the end (storedSummary.ts), from the series kept.
    if (left === undefined || isRandomFeaturesSpec(active.spec)) return;
    if (status === 'cancelled' || active.cancelled) {
      active.cellRunsLeft.delete(cell); // summarised from the store at the end, as it stands then
      return;
    }
    if (left > 1) {
      active.cellRunsLeft.set(cell, left - 1);
      return;
    }
    active.cellRunsLeft.delete(cell);
    try {
      active.cells ??= cellsOf(active.spec);
      active.cellParts.set(cell, summarizeStoredCell(this.store, active.id, active.spec, active.cells[cell], active.kept.series));
      releaseCell(active.kept, cell);
    } catch {
      // Left to the final summary, which reads the cell again (and reports what went wrong).
    }
  }

  /** Summarise what is stored (as a collected Slurm sweep is: storedSummary.ts) and set the experiment's final status. */
  private finalize(active: Active): ExperimentRecord {
    const { store } = this;
    storeSummary(store, active.id, active.kept.series, active.cellParts);
    active.kept.series.clear();
    active.kept.byCell.clear();
    active.cellParts.clear();
    const failed = store.firstRunWithStatus(active.id, 'failed');
    const cancelled = active.cancelled || store.firstRunWithStatus(active.id, 'cancelled') !== null;
    const status: ExperimentStatus = cancelled ? 'cancelled' : failed !== null ? 'failed' : 'done';
    store.setExperimentStatus(active.id, status, failed?.error ?? null);
    return store.getExperiment(active.id) as ExperimentRecord;
  }
}

/** A run in flight has done `step` steps. */
function stepped(active: Active, runId: number, step: number): void {
  const steps = active.inFlight.get(runId);
  if (steps !== undefined) steps.now = step;
}

/** An error as one line. */
function errorLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
}
