/**
 * A pool of engine processes running jobs (one SFT run each) in FIFO order. The process kind is
 * pluggable: child_process.fork here (CLI, serve), Electron's utilityProcess in the desktop shell.
 * A process that dies mid-job fails only that job; the pool replaces it and carries on.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JobReply, JobRequest } from '../shared/jobs';

/** What the pool needs of an engine process. */
export interface EngineProcess {
  /** OS process id, when the process kind has one (for diagnostics and benchmarks). */
  readonly pid?: number;
  send(message: JobRequest): void;
  onMessage(handler: (message: JobReply) => void): void;
  onExit(handler: (reason: string) => void): void;
  kill(): void;
}

export type SpawnEngine = () => EngineProcess;

export type JobResult = Extract<JobReply, { type: 'result' }>;
export type JobInput = Omit<JobRequest, 'id' | 'type'>;

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

interface PendingJob {
  readonly id: number;
  readonly input: JobInput;
  /** Label for cancelling a group of jobs (an experiment id). */
  readonly group: number | string | undefined;
  readonly onEvent?: JobEvents;
  resolve(result: JobResult): void;
  reject(error: Error): void;
}

interface Slot {
  process: EngineProcess;
  job: PendingJob | null;
  alive: boolean;
}

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

  /** Queue a job; resolves with its result, rejects if it fails, is cancelled or its process dies. */
  run(input: JobInput, onEvent?: JobEvents, group?: number | string): Promise<JobResult> {
    if (this.closed) return Promise.reject(new Error('the engine pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, group, onEvent, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Cancel every job of a group: queued ones are dropped, running ones have their process killed
   * (and replaced). Each rejects with JobCancelledError. Returns how many were cancelled.
   */
  cancel(group: number | string): number {
    let count = 0;
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].group !== group) continue;
      const [job] = this.queue.splice(i, 1);
      job.reject(new JobCancelledError());
      count++;
    }
    for (const slot of [...this.slots]) {
      if (slot.job === null || slot.job.group !== group) continue;
      this.abandon(slot, new JobCancelledError());
      count++;
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
      process.send({ type: 'run', id: 0, ...input });
    });
  }

  /** Process ids of the live engine processes. */
  get pids(): number[] {
    return this.slots.flatMap((s) => (s.alive && s.process.pid !== undefined ? [s.process.pid] : []));
  }

  /** Jobs waiting for a process. */
  get queued(): number {
    return this.queue.length;
  }

  /** Kill every process; queued and running jobs are rejected. */
  close(): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the engine pool was closed'));
    for (const slot of this.slots) {
      slot.alive = false;
      slot.job?.reject(new Error('the engine pool was closed'));
      slot.job = null;
      slot.process.kill();
    }
  }

  private startSlot(): Slot {
    const slot: Slot = { process: this.spawn(), job: null, alive: true };
    slot.process.onMessage((message) => this.onMessage(slot, message));
    slot.process.onExit((reason) => this.onExit(slot, reason));
    return slot;
  }

  private onMessage(slot: Slot, message: JobReply): void {
    const job = slot.job;
    if (message.type === 'ready' || job === null || !('id' in message) || message.id !== job.id) return;
    if (message.type === 'progress' || message.type === 'checkpoint') {
      try {
        job.onEvent?.(message);
      } catch (error) {
        // The caller could not take this job's data (e.g. a store write failed): the job fails.
        this.abandon(slot, error instanceof Error ? error : new Error(String(error)));
      }
      return;
    }
    slot.job = null;
    if (message.type === 'result') job.resolve(message);
    else job.reject(new Error(message.message));
    this.dispatch();
  }

  /** Kill a slot's process, replace it, and reject its job with `error`. */
  private abandon(slot: Slot, error: Error): void {
    const job = slot.job;
    slot.job = null;
    slot.alive = false;
    slot.process.kill();
    const index = this.slots.indexOf(slot);
    if (index >= 0 && !this.closed) this.slots[index] = this.startSlot();
    job?.reject(error);
    this.dispatch();
  }

  private onExit(slot: Slot, reason: string): void {
    if (!slot.alive) return;
    slot.alive = false;
    const job = slot.job;
    slot.job = null;
    const index = this.slots.indexOf(slot);
    if (!this.closed && index >= 0) this.slots[index] = this.startSlot();
    job?.reject(new Error(reason));
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job !== null || !slot.alive) continue;
      const job = this.queue.shift() as PendingJob;
      slot.job = job;
      slot.process.send({ type: 'run', id: job.id, ...job.input });
    }
  }
}
