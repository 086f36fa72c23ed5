/**
 * The lab's backend service: stored experiments run on the engine pool, FIFO, with checkpoints
 * written to the store every few seconds, throttled progress events, cancel and resume. Shared by
 * the desktop app, `w2s serve` and the CLI. Short runs travel several to an engine job
 * (jobSizing.ts), and finished runs are stored together, one transaction for all those that ended
 * within WRITE_BEHIND_MS: a commit per run costs more than a preview run.
 */
import { eachRunKey } from '../engine/grid';
import type { RunSeries } from '../engine/run';
import type { ExperimentSpec } from '../engine/spec';
import type { RunOrder, SeriesChunk } from '../shared/jobs';
import type { LabEventMessage } from '../shared/labApi';
import { type HistoryWatch, watchHistory } from './historyWatch';
import { describeRunner, orphanTest } from './liveness';
import { inGroups, runsPerJob } from './jobSizing';
import { type EnginePool, JobCancelledError, type JobInput, type JobResult } from './pool';
import { type EngineWork, EngineWorkRecords } from './store/engineWork';
import { type RunEnd, setRunStatuses, storeRunEnds } from './store/runOutcomes';
import { storeSummary } from './storedSummary';
import type { ExperimentRecord, ExperimentStatus, RunRecord, RunRecordStatus, RunStore } from './store/store';

/** What the lab announces: progress, a run's or an experiment's status, a change to the history. */
export type LabEvent = LabEventMessage;

/** An experiment that another live process is running. */
export class ExperimentBusyError extends Error {}

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
  /** Steps done per run id (stored or in flight). */
  readonly steps: Map<number, number>;
  readonly stepsAtStart: number;
  runsDone: number;
  lastProgress: number;
  lastCancelCheck: number;
  cancelled: boolean;
  readonly done: Promise<ExperimentRecord>;
}

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

function slice(series: Partial<RunSeries>, from: number): SeriesChunk {
  const chunk: Record<string, Float64Array> = {};
  for (const [name, values] of Object.entries(series)) chunk[name] = (values as Float64Array).subarray(from);
  return chunk as SeriesChunk;
}

export class Lab {
  private readonly listeners = new Set<(event: LabEvent) => void>();
  private readonly active = new Map<number, Active>();
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

  /** Store a new experiment and queue all its runs. */
  submit(spec: ExperimentSpec, options: { name?: string; duplicatedFrom?: number } = {}): number {
    const id = this.store.createExperiment(spec, eachRunKey(spec), options);
    this.start(id);
    return id;
  }

  /** Queue the unfinished runs of an interrupted, cancelled or failed experiment; each continues from its checkpoint. */
  resume(id: number): void {
    const experiment = this.store.getExperiment(id);
    if (experiment === null) throw new RangeError(`no experiment ${id}`);
    if (this.active.has(id)) throw new Error(`experiment ${id} is already running`);
    if (experiment.status === 'done') throw new Error(`experiment ${id} is done: nothing to resume`);
    this.start(id);
  }

  /** Cancel: queued runs are dropped, running ones killed; the data so far is kept. */
  cancel(id: number): void {
    const experiment = this.store.getExperiment(id);
    if (experiment === null) throw new RangeError(`no experiment ${id}`);
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
    const active = this.active.get(id);
    if (active !== undefined) return active.done;
    const experiment = this.store.getExperiment(id);
    return experiment === null ? Promise.reject(new RangeError(`no experiment ${id}`)) : Promise.resolve(experiment);
  }

  /** Run one job in an engine process of its own, outside the queue (the calibration probe). */
  runDetached(input: JobInput): Promise<JobResult> {
    return this.pool.runDetached(input);
  }

  /** Ids of experiments running or queued in this process. */
  get running(): number[] {
    return [...this.active.keys()];
  }

  private start(id: number): void {
    // Taken in one transaction: another process resuming it at the same moment cannot take it too.
    const holder = this.store.claimExperiment(id, orphanTest(this.running));
    if (holder !== null) throw new ExperimentBusyError(`experiment ${id} is running in another process (${describeRunner(holder)}): cancel it there first`);
    const experiment = this.store.getExperiment(id) as ExperimentRecord;
    const spec = experiment.spec;
    const runs = this.store.listRuns(id);
    const pending = runs.filter((r) => r.status !== 'done' && r.status !== 'diverged');
    const steps = new Map(runs.map((r) => [r.id, r.status === 'done' || r.status === 'diverged' ? spec.sft.steps : r.stepsDone]));
    let resolveDone!: (record: ExperimentRecord) => void;
    let rejectDone!: (error: Error) => void;
    const active: Active = {
      id,
      spec,
      runsTotal: runs.length,
      stepsPerRun: spec.sft.steps,
      started: Date.now(),
      steps,
      stepsAtStart: [...steps.values()].reduce((a, b) => a + b, 0),
      runsDone: runs.length - pending.length,
      lastProgress: 0,
      lastCancelCheck: 0,
      cancelled: false,
      done: new Promise((resolve, reject) => {
        resolveDone = resolve;
        rejectDone = reject;
      }),
    };
    this.active.set(id, active);
    this.emit({ type: 'experiment', experimentId: id, status: 'running' });
    const size = runsPerJob(spec, pending.length, this.pool.size);
    void Promise.allSettled(inGroups(pending, size).flatMap((runs) => this.runJob(active, runs)))
      .then((settled) => {
        const failure = settled.find((s) => s.status === 'rejected');
        if (failure !== undefined) throw failure.reason;
        return this.finalize(active);
      })
      .then(
        (record) => {
          this.active.delete(id);
          this.emit({ type: 'experiment', experimentId: id, status: record.status });
          resolveDone(record);
        },
        // The history could not take the runs' data (a full disk): whoever waits hears why, and
        // the experiment becomes interrupted, now or at the next look once the file takes writes.
        (error: unknown) => {
          this.active.delete(id);
          try {
            this.store.markInterrupted(orphanTest(this.running));
            this.emit({ type: 'experiment', experimentId: id, status: this.store.getExperiment(id)?.status ?? 'interrupted' });
          } catch {
            // the next look (opening the history, or the watch) does it
          }
          rejectDone(error instanceof Error ? error : new Error(String(error)));
        },
      );
    // A shell that does not wait for it (serve, the desktop app) must not die of the rejection.
    active.done.catch(() => undefined);
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
          store.appendSeries(r.run.id, message.chunk, message.from, { stepsDone: message.checkpoint.kernel.step, checkpoint: message.checkpoint });
          r.stored = message.checkpoint.recorded;
          active.steps.set(r.run.id, message.checkpoint.kernel.step);
        } else {
          active.steps.set(r.run.id, message.step);
        }
        this.progress(active, false);
      },
      active.id,
    );
    return inFlight.map((r, i) => this.settleRun(active, r, results[i]));
  }

  /** Store a run's outcome (with those of the runs that end about when it does), then report it. */
  private async settleRun(active: Active, r: RunInFlight, outcome: Promise<JobResult>): Promise<void> {
    const { run } = r;
    let computeMs: number | undefined;
    let status: RunRecord['status'];
    try {
      const result = await outcome;
      const last = result.series.step.length > 0 ? result.series.step[result.series.step.length - 1] : 0;
      // The engine's measured speed, for time estimates (calibration.ts): this job's own steps only.
      const steps = Math.max(0, last - (run.checkpoint?.kernel.step ?? 0));
      await this.writeBehind({
        experimentId: active.id,
        end: { runId: run.id, chunk: slice(result.series, r.stored), from: r.stored, stepsDone: last, status: result.status, descriptor: r.described ? null : result.descriptor },
        work: { ms: result.computeMs, samples: steps * active.spec.sft.batchSize, steps },
      });
      active.steps.set(run.id, active.stepsPerRun);
      computeMs = result.computeMs;
      status = result.status;
    } catch (error) {
      status = error instanceof JobCancelledError ? 'cancelled' : 'failed';
      const message = status === 'failed' ? (error instanceof Error ? error.message : String(error)) : null;
      await this.writeBehind({ experimentId: active.id, status: { runId: run.id, status, error: message } });
    }
    active.runsDone++;
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
      if (this.store.getExperiment(active.id)?.status === 'cancelled') {
        active.cancelled = true;
        this.pool.cancel(active.id);
      }
    }
    if (!force && now - active.lastProgress < this.options.progressIntervalMs) return;
    active.lastProgress = now;
    const total = active.runsTotal * active.stepsPerRun;
    let done = 0;
    for (const s of active.steps.values()) done += s;
    const fraction = total > 0 ? done / total : 1;
    const rate = (done - active.stepsAtStart) / Math.max(1e-3, (now - active.started) / 1000);
    const etaSeconds = rate > 0 ? (total - done) / rate : null;
    this.emit({ type: 'progress', experimentId: active.id, runsDone: active.runsDone, runsTotal: active.runsTotal, fraction, etaSeconds });
  }

  /** Summarise what is stored (as a collected Slurm sweep is: storedSummary.ts) and set the experiment's final status. */
  private finalize(active: Active): ExperimentRecord {
    const { store } = this;
    storeSummary(store, active.id);
    const failed = store.firstRunWithStatus(active.id, 'failed');
    const cancelled = active.cancelled || store.firstRunWithStatus(active.id, 'cancelled') !== null;
    const status: ExperimentStatus = cancelled ? 'cancelled' : failed !== null ? 'failed' : 'done';
    store.setExperimentStatus(active.id, status, failed?.error ?? null);
    return store.getExperiment(active.id) as ExperimentRecord;
  }
}
