/**
 * A pool of engine processes running jobs in FIFO order. A job is one SFT run or several short
 * ones of an experiment (shared/jobs.ts); each run settles on its own, as its process replies. The
 * process kind is pluggable: child_process.fork here (CLI, serve), Electron's utilityProcess in
 * the desktop shell. A process that dies mid-job fails only the run it was running; the pool
 * replaces it, puts the job's runs not yet begun back at the head of the queue, and carries on.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EngineMessage, JobReply, JobRequest, RunOrder } from '../shared/jobs';

/** What the pool needs of an engine process. */
export interface EngineProcess {
  /** OS process id, when the process kind has one (for diagnostics and benchmarks). */
  readonly pid?: number;
  send(message: EngineMessage): void;
  onMessage(handler: (message: JobReply) => void): void;
  onExit(handler: (reason: string) => void): void;
  kill(): void;
}

export type SpawnEngine = () => EngineProcess;

/** One run's result. */
export type JobResult = Extract<JobReply, { type: 'result' }>;
/** A job of several runs. */
export type BatchInput = Omit<JobRequest, 'id' | 'type'>;
/** A job of one run. */
export type JobInput = Omit<BatchInput, 'runs'> & RunOrder;

/**
 * V8 flags for engine processes. The reduced path's batch loop is one large function; with V8's
 * default inlining budget it is sometimes compiled on its own, and then runs at ~19 ns a sample
 * instead of ~11 (measured on this project's 2-core machine: the default budget gives either, by
 * luck of the compile; these budgets give ~11 ns in most compiles).
 */
export const ENGINE_V8_FLAGS: readonly string[] = ['--max-inlined-bytecode-size=3000', '--max-inlined-bytecode-size-cumulative=6000'];

/**
 * The worker entry for child_process.fork (CLI, serve): the TypeScript source run through tsx, as
 * the CLI itself is. (The desktop app forks electron-vite's bundle of the same file instead.)
 */
export function workerEntry(): { modulePath: string; execArgv: string[] } {
  const source = join(__dirname, '..', 'worker', 'index.ts');
  return { modulePath: source, execArgv: [...ENGINE_V8_FLAGS, '--import', pathToFileURL(require.resolve('tsx')).href] };
}

/** Engine processes through child_process.fork, with structured-clone IPC (typed arrays travel as such). */
export function forkSpawner(): SpawnEngine {
  const { modulePath, execArgv } = workerEntry();
  return () => {
    const child = fork(modulePath, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return {
      pid: child.pid,
      send: (m) => child.send(m),
      onMessage: (h) => child.on('message', (m) => h(m as JobReply)),
      onExit: (h) =>
        child.on('exit', (code, signal) => h(signal !== null ? `engine process killed by ${signal}` : `engine process exited with code ${code}`)),
      kill: () => child.kill('SIGKILL'),
    };
  };
}

/** A job's progress and checkpoint messages, as they arrive. */
export type JobEvents = (message: Extract<JobReply, { type: 'progress' | 'checkpoint' }>) => void;

/** The error of a job cancelled by `cancel`. */
export class JobCancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelledError';
  }
}

interface Settle {
  resolve(result: JobResult): void;
  reject(error: Error): void;
}

interface PendingJob {
  readonly id: number;
  readonly input: BatchInput;
  /** Label for cancelling a group of jobs (an experiment id). */
  readonly group: number | string | undefined;
  readonly onEvent?: JobEvents;
  /** One per run of `input.runs`. */
  readonly settle: readonly Settle[];
  /** Runs settled so far (replies come in the order of the runs). */
  settled: number;
}

interface Slot {
  process: EngineProcess;
  job: PendingJob | null;
  alive: boolean;
  /** A cancelled job the process is stopping: the slot takes no job until it answers `stopped`. */
  stopping: { id: number; timer: ReturnType<typeof setTimeout> } | null;
}

/** A process that has not stopped a cancelled job this long after the cancel is killed and replaced (ms). */
export const STOP_GRACE_MS = 2000;

export class EnginePool {
  private readonly slots: Slot[] = [];
  private readonly queue: PendingJob[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly spawn: SpawnEngine,
    readonly size: number,
  ) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`pool size must be an integer ≥ 1, got ${size}`);
    for (let i = 0; i < size; i++) this.slots.push(this.startSlot());
  }

  /** Queue a job of one run; resolves with its result, rejects if it fails, is cancelled or its process dies. */
  run(input: JobInput, onEvent?: JobEvents, group?: number | string): Promise<JobResult> {
    const { key, resume, ...rest } = input;
    return this.runBatch({ ...rest, runs: [resume === undefined ? { key } : { key, resume }] }, onEvent, group)[0];
  }

  /**
   * Queue a job of several runs, run one after another in one engine process: one promise per
   * run, settled as that run ends. Events name the run by its index in `input.runs`.
   */
  runBatch(input: BatchInput, onEvent?: JobEvents, group?: number | string): Promise<JobResult>[] {
    if (this.closed) return input.runs.map(() => Promise.reject(new Error('the engine pool is closed')));
    const settle: Settle[] = [];
    const promises = input.runs.map((_, i) => new Promise<JobResult>((resolve, reject) => (settle[i] = { resolve, reject })));
    this.queue.push({ id: this.nextId++, input, group, onEvent, settle, settled: 0 });
    this.dispatch();
    return promises;
  }

  /**
   * Cancel every job of a group: queued ones are dropped, running ones are stopped by their process
   * at its next check (it stays, with its experiment contexts, for the next job; one that does not
   * answer within STOP_GRACE_MS is killed and replaced). Each run not yet settled rejects with
   * JobCancelledError at once. Returns how many were cancelled.
   */
  cancel(group: number | string): number {
    let count = 0;
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].group !== group) continue;
      const [job] = this.queue.splice(i, 1);
      count += rejectRest(job, () => new JobCancelledError());
    }
    for (const slot of [...this.slots]) {
      const job = slot.job;
      if (job === null || job.group !== group) continue;
      slot.job = null;
      this.stop(slot, job.id);
      count += rejectRest(job, () => new JobCancelledError());
    }
    this.dispatch();
    return count;
  }

  /**
   * Run one job in a fresh engine process of its own, outside the queue, then stop that process:
   * for the calibration probe, which must not wait behind a long experiment.
   */
  runDetached(input: JobInput): Promise<JobResult> {
    if (this.closed) return Promise.reject(new Error('the engine pool is closed'));
    const process = this.spawn();
    return new Promise<JobResult>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        process.kill();
        fn();
      };
      process.onMessage((message) => {
        if (message.type === 'result') settle(() => resolve(message));
        else if (message.type === 'error') settle(() => reject(new Error(message.message)));
      });
      process.onExit((reason) => settle(() => reject(new Error(reason))));
      const { key, resume, ...rest } = input;
      process.send({ type: 'run', id: 0, ...rest, runs: [resume === undefined ? { key } : { key, resume }] });
    });
  }

  /** Process ids of the live engine processes. */
  get pids(): number[] {
    return this.slots.flatMap((s) => (s.alive && s.process.pid !== undefined ? [s.process.pid] : []));
  }

  /** Jobs waiting for a process (a job may hold several runs). */
  get queued(): number {
    return this.queue.length;
  }

  /** Kill every process; queued and running jobs are rejected. */
  close(): void {
    this.closed = true;
    const closed = () => new Error('the engine pool was closed');
    for (const job of this.queue.splice(0)) rejectRest(job, closed);
    for (const slot of this.slots) {
      slot.alive = false;
      if (slot.job !== null) rejectRest(slot.job, closed);
      slot.job = null;
      if (slot.stopping !== null) clearTimeout(slot.stopping.timer);
      slot.process.kill();
    }
  }

  /** Ask a slot's process to stop job `id`; kill and replace it if it does not answer in time. */
  private stop(slot: Slot, id: number): void {
    const timer = setTimeout(() => {
      if (slot.stopping?.id === id) this.abandon(slot, null);
    }, STOP_GRACE_MS);
    timer.unref();
    slot.stopping = { id, timer };
    slot.process.send({ type: 'cancel', id });
  }

  private startSlot(): Slot {
    const slot: Slot = { process: this.spawn(), job: null, alive: true, stopping: null };
    slot.process.onMessage((message) => this.onMessage(slot, message));
    slot.process.onExit((reason) => this.onExit(slot, reason));
    return slot;
  }

  private onMessage(slot: Slot, message: JobReply): void {
    if (message.type === 'stopped') {
      if (slot.stopping?.id !== message.id) return;
      clearTimeout(slot.stopping.timer);
      slot.stopping = null;
      this.dispatch();
      return;
    }
    const job = slot.job;
    if (message.type === 'ready' || job === null || !('id' in message) || message.id !== job.id) return;
    if (message.type === 'progress' || message.type === 'checkpoint') {
      try {
        job.onEvent?.(message);
      } catch (error) {
        // The caller could not take this run's data (e.g. a store write failed): the run fails.
        this.fail(slot, error instanceof Error ? error : new Error(String(error)));
      }
      return;
    }
    const settle = job.settle[message.run] as Settle | undefined;
    if (settle === undefined) return;
    job.settled = message.run + 1;
    if (job.settled >= job.settle.length) {
      slot.job = null;
      this.dispatch();
    }
    if (message.type === 'result') settle.resolve(message);
    else settle.reject(new Error(message.message));
  }

  /**
   * The run a slot's process is running fails with `error` (its process is killed and replaced);
   * the job's runs not yet begun go back to the head of the queue.
   */
  private fail(slot: Slot, error: Error): void {
    const job = slot.job;
    slot.job = null;
    this.abandon(slot, job === null ? null : { job, error });
  }

  /** Kill a slot's process and replace it; `failed`: its job, whose running run fails with the error. */
  private abandon(slot: Slot, failed: { job: PendingJob; error: Error } | null): void {
    slot.job = null;
    slot.alive = false;
    if (slot.stopping !== null) clearTimeout(slot.stopping.timer);
    slot.stopping = null;
    slot.process.kill();
    const index = this.slots.indexOf(slot);
    if (index >= 0 && !this.closed) this.slots[index] = this.startSlot();
    if (failed !== null) this.requeueAfterFailure(failed.job, failed.error);
    this.dispatch();
  }

  private onExit(slot: Slot, reason: string): void {
    if (!slot.alive) return;
    slot.alive = false;
    if (slot.stopping !== null) clearTimeout(slot.stopping.timer);
    const job = slot.job;
    slot.job = null;
    const index = this.slots.indexOf(slot);
    if (!this.closed && index >= 0) this.slots[index] = this.startSlot();
    if (job !== null) this.requeueAfterFailure(job, new Error(reason));
    this.dispatch();
  }

  /** The job's first unsettled run (the one its process was running) fails; the rest are queued again, first. */
  private requeueAfterFailure(job: PendingJob, error: Error): void {
    const first = job.settled;
    if (first >= job.settle.length) return;
    if (this.closed) {
      rejectRest(job, () => error);
      return;
    }
    const rest = first + 1;
    if (rest < job.settle.length) {
      const onEvent = job.onEvent === undefined ? undefined : shiftEvents(job.onEvent, rest);
      this.queue.unshift({ id: this.nextId++, input: { ...job.input, runs: job.input.runs.slice(rest) }, group: job.group, onEvent, settle: job.settle.slice(rest), settled: 0 });
    }
    job.settled = job.settle.length;
    job.settle[first].reject(error);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job !== null || slot.stopping !== null || !slot.alive) continue;
      const job = this.queue.shift() as PendingJob;
      slot.job = job;
      slot.process.send({ type: 'run', id: job.id, ...job.input });
    }
  }
}

/** Reject every run of a job not yet settled; returns how many. */
function rejectRest(job: PendingJob, error: () => Error): number {
  const count = job.settle.length - job.settled;
  for (let i = job.settled; i < job.settle.length; i++) job.settle[i].reject(error());
  job.settled = job.settle.length;
  return count;
}

/** A job's event handler for its runs from `offset` on, requeued as a job of their own: events keep the original indices. */
function shiftEvents(onEvent: JobEvents, offset: number): JobEvents {
  return (message) => onEvent({ ...message, run: message.run + offset });
}
