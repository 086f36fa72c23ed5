/**
 * A pool of engine processes running jobs in FIFO order. A job is one SFT run or several short
 * ones of an experiment (shared/jobs.ts); each run settles on its own, as its process replies. The
 * process kind is pluggable: child_process.fork here (CLI, serve), Electron's utilityProcess in
 * the desktop shell. A process that dies mid-job fails only the run it was running; the pool
 * replaces it, puts the job's runs not yet begun back at the head of the queue, and carries on.
 *
 * Interactive jobs (explore, a preview: someone is looking at the screen) go first: the next
 * process that frees takes the oldest interactive job, and several interactive experiments take
 * turns, job by job (round robin by group), so a small one never waits for a big one's every run.
 * No process is kept idle for them: a batch job is short (jobSizing.ts: about 100 ms of engine
 * time for jobs of several runs, one run otherwise), so the wait is the rest of the job running.
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

/** True in the CLI's prebuilt bundle (scripts/build-cli.mjs defines it); undeclared in the sources. */
declare const W2S_BUNDLED: boolean | undefined;

/**
 * The worker entry for child_process.fork (CLI, serve): the bundle's worker beside the CLI's bundle
 * when the CLI runs from it, else the TypeScript source through tsx, as the CLI itself is. (The
 * desktop app forks electron-vite's bundle of the same file instead.)
 */
export function workerEntry(): { modulePath: string; execArgv: string[] } {
  if (typeof W2S_BUNDLED !== 'undefined' && W2S_BUNDLED) return { modulePath: join(__dirname, 'worker.cjs'), execArgv: [...ENGINE_V8_FLAGS] };
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

/** Interactive jobs are dispatched before every batch job. */
export type JobPriority = 'interactive' | 'batch';

/** How a job is queued. */
export interface JobOptions {
  /** Label for cancelling a group of jobs (an experiment id). */
  readonly group?: number | string;
  readonly priority?: JobPriority;
  /** The caller's guess of one run's time (ms), for wait estimates until the group's first run has ended. */
  readonly expectedRunMs?: number;
}

/** Where a group's jobs stand, and what the first of its waiting jobs waits for. */
export interface QueuePosition {
  readonly priority: JobPriority;
  /** Runs of the group in an engine process now (begun or next in their job). */
  readonly runsRunning: number;
  /** Runs of the group waiting for a process. */
  readonly runsQueued: number;
  /** Processes running the group's jobs. */
  readonly processesRunning: number;
  /** Of those, how many are still starting (a replacement after a cancel or a crash). */
  readonly processesStarting: number;
  /** The group's mean time per run (ms) so far, else the caller's guess (expectedRunMs), else null. */
  readonly msPerRun: number | null;
  /** Interactive runs of other groups queued; with round robin they share the processes with this one. */
  readonly interactiveRunsQueued: number;
  /** Batch runs queued (behind this group when it is interactive). */
  readonly batchRunsQueued: number;
  readonly processes: number;
  /** Processes running other groups' jobs. */
  readonly processesBusy: number;
  /** The expected time until the first of the busy processes frees (ms), when every process is busy; else null. */
  readonly nextFreeMs: number | null;
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
  readonly priority: JobPriority;
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
  /** The process has said it is ready (a fresh one is still loading the engine). */
  ready: boolean;
  /** When the run its job is on began (Date.now()). */
  runStarted: number;
}

/** Runs' times of one group, for wait estimates. */
interface GroupTiming {
  /** Mean ms per run of the group's runs ended so far, else the caller's guess, else null. */
  msPerRun: number | null;
  runsTimed: number;
}

/** A process that has not stopped a cancelled job this long after the cancel is killed and replaced (ms). */
export const STOP_GRACE_MS = 2000;

export class EnginePool {
  private readonly slots: Slot[] = [];
  private readonly queue: PendingJob[] = [];
  private nextId = 1;
  private closed = false;
  /** Interactive jobs in the queue (most of the time none: dispatch then takes the head). */
  private interactiveQueued = 0;
  /** Per group, the count of dispatches when it last had an interactive job dispatched: the turns of the round robin. */
  private readonly lastTurn = new Map<number | string | undefined, number>();
  private turns = 0;
  private readonly timing = new Map<number | string | undefined, GroupTiming>();

  constructor(
    private readonly spawn: SpawnEngine,
    readonly size: number,
  ) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`pool size must be an integer ≥ 1, got ${size}`);
    for (let i = 0; i < size; i++) this.slots.push(this.startSlot());
  }

  /** Queue a job of one run; resolves with its result, rejects if it fails, is cancelled or its process dies. */
  run(input: JobInput, onEvent?: JobEvents, group?: number | string | JobOptions): Promise<JobResult> {
    const { key, resume, ...rest } = input;
    return this.runBatch({ ...rest, runs: [resume === undefined ? { key } : { key, resume }] }, onEvent, group)[0];
  }

  /**
   * Queue a job of several runs, run one after another in one engine process: one promise per
   * run, settled as that run ends. Events name the run by its index in `input.runs`.
   */
  runBatch(input: BatchInput, onEvent?: JobEvents, options?: number | string | JobOptions): Promise<JobResult>[] {
    if (this.closed) return input.runs.map(() => Promise.reject(new Error('the engine pool is closed')));
    const { group, priority = 'batch', expectedRunMs } = typeof options === 'object' ? options : { group: options };
    const settle: Settle[] = [];
    const promises = input.runs.map((_, i) => new Promise<JobResult>((resolve, reject) => (settle[i] = { resolve, reject })));
    if (expectedRunMs !== undefined && !this.timing.has(group)) this.timing.set(group, { msPerRun: expectedRunMs, runsTimed: 0 });
    this.enqueue({ id: this.nextId++, input, group, priority, onEvent, settle, settled: 0 }, 'tail');
    this.dispatch();
    return promises;
  }

  /** Where a group's jobs stand (an experiment's, for the page that waits for it), or null when it has none. */
  position(group: number | string): QueuePosition | null {
    let runsRunning = 0;
    let runsQueued = 0;
    let processesRunning = 0;
    let processesStarting = 0;
    let interactiveRunsQueued = 0;
    let batchRunsQueued = 0;
    let priority: JobPriority | null = null;
    for (const job of this.queue) {
      const runs = job.settle.length - job.settled;
      if (job.group === group) {
        runsQueued += runs;
        priority = job.priority;
      } else if (job.priority === 'interactive') interactiveRunsQueued += runs;
      else batchRunsQueued += runs;
    }
    const now = Date.now();
    let processesBusy = 0;
    let nextFreeMs: number | null = Infinity;
    const live = this.slots.filter((s) => s.alive);
    for (const slot of live) {
      const job = slot.job;
      if (job === null) {
        nextFreeMs = null; // a free process: nothing to wait for but the dispatch
        continue;
      }
      if (job.group === group) {
        runsRunning += job.settle.length - job.settled;
        priority = job.priority;
        processesRunning++;
        if (!slot.ready) processesStarting++;
        continue;
      }
      processesBusy++;
      if (nextFreeMs === null) continue;
      // The job's runs left, at its group's time per run, less what its current run has done.
      const msPerRun = this.timing.get(job.group)?.msPerRun ?? null;
      const left = msPerRun === null ? null : Math.max(0, (job.settle.length - job.settled) * msPerRun - (now - slot.runStarted));
      nextFreeMs = left === null ? nextFreeMs : Math.min(nextFreeMs, left);
    }
    if (priority === null) return null;
    if (processesBusy < live.length || nextFreeMs === Infinity) nextFreeMs = null;
    const msPerRun = this.timing.get(group)?.msPerRun ?? null;
    return { priority, runsRunning, runsQueued, processesRunning, processesStarting, msPerRun, interactiveRunsQueued, batchRunsQueued, processes: live.length, processesBusy, nextFreeMs };
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
      const job = this.take(i);
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
    this.interactiveQueued = 0;
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
    const slot: Slot = { process: this.spawn(), job: null, alive: true, stopping: null, ready: false, runStarted: 0 };
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
    if (message.type === 'ready') {
      slot.ready = true;
      // A job sent to a process still starting begins now: its runs' times leave the start out.
      slot.runStarted = Date.now();
    }
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
    this.timeRun(slot, job);
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
      this.enqueue({ id: this.nextId++, input: { ...job.input, runs: job.input.runs.slice(rest) }, group: job.group, priority: job.priority, onEvent, settle: job.settle.slice(rest), settled: 0 }, 'head');
    }
    job.settled = job.settle.length;
    job.settle[first].reject(error);
  }

  /** The time of the run just ended (a job's runs run one after another), into its group's mean. */
  private timeRun(slot: Slot, job: PendingJob): void {
    const now = Date.now();
    const t = this.timing.get(job.group) ?? { msPerRun: null, runsTimed: 0 };
    const ms = now - slot.runStarted;
    // The caller's guess counts until the first measured run, then only measured runs do.
    t.msPerRun = t.runsTimed === 0 ? ms : (t.msPerRun ?? ms) + (ms - (t.msPerRun ?? ms)) / (t.runsTimed + 1);
    t.runsTimed++;
    this.timing.set(job.group, t);
    slot.runStarted = now;
  }

  private enqueue(job: PendingJob, where: 'head' | 'tail'): void {
    if (where === 'head') this.queue.unshift(job);
    else this.queue.push(job);
    if (job.priority === 'interactive') this.interactiveQueued++;
  }

  private take(index: number): PendingJob {
    const [job] = this.queue.splice(index, 1);
    if (job.priority === 'interactive') this.interactiveQueued--;
    return job;
  }

  /**
   * The next job for a free process: the interactive job of the group whose turn it is (the one
   * served longest ago; in queue order among equals), else the head of the queue.
   */
  private next(): PendingJob {
    if (this.interactiveQueued === 0) return this.take(0);
    let best = -1;
    let bestTurn = Infinity;
    for (let i = 0; i < this.queue.length; i++) {
      const job = this.queue[i];
      if (job.priority !== 'interactive') continue;
      const turn = this.lastTurn.get(job.group) ?? -1;
      if (turn < bestTurn) {
        best = i;
        bestTurn = turn;
      }
    }
    const job = this.take(best);
    this.lastTurn.set(job.group, ++this.turns);
    return job;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (slot.job !== null || slot.stopping !== null || !slot.alive) continue;
      const job = this.next();
      slot.job = job;
      slot.runStarted = Date.now();
      slot.process.send({ type: 'run', id: job.id, ...job.input });
    }
    this.forget();
  }

  /** Drop the turns and timings of groups with no job left (a long-lived pool sees many experiments). */
  private forget(): void {
    if (this.lastTurn.size + this.timing.size < 64) return;
    const live = new Set([...this.queue.map((j) => j.group), ...this.slots.map((s) => s.job?.group)]);
    for (const group of [...this.lastTurn.keys()]) if (!live.has(group)) this.lastTurn.delete(group);
    for (const group of [...this.timing.keys()]) if (!live.has(group)) this.timing.delete(group);
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
