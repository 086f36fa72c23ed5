/**
 * Transactions on a history that several processes share (every `w2s run`, `w2s serve`, the
 * desktop app). SQLite in WAL mode lets one writer at a time in; a write transaction must take the
 * write lock when it begins (BEGIN IMMEDIATE): a deferred one that reads first and then writes gets
 * SQLITE_BUSY at once, without waiting for the busy timeout, when another process wrote meanwhile.
 * A lock still held after the busy timeout (a long checkpoint, a slow disk) is waited for again
 * with backoff: contention delays a run, it never fails one.
 */
import type Database from 'better-sqlite3';
import { errorMessage } from '../../shared/errorMessage';

export interface RetryPolicy {
  /** SQLite's own wait for a lock, per attempt (ms): PRAGMA busy_timeout. */
  readonly busyTimeoutMs: number;
  /** First pause between attempts (ms); doubled each time up to maxDelayMs, with jitter. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** Give up after this long in all (ms): a lock held that long belongs to a hung process. */
  readonly deadlineMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { busyTimeoutMs: 5000, firstDelayMs: 20, maxDelayMs: 1000, deadlineMs: 10 * 60_000 };

/** Counts for tests and diagnostics: how often a lock was waited for again. */
export interface ContentionStats {
  retries: number;
}

/** The history stayed locked past the deadline. */
export class HistoryLockedError extends Error {
  readonly code = 'W2S_HISTORY_LOCKED';
}

/** SQLITE_BUSY and its extended codes (…_SNAPSHOT, …_RECOVERY, …_TIMEOUT). */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Pause this thread. The store's API is synchronous (better-sqlite3), and SQLite's own busy wait
 * blocks the same way, so a pause between attempts blocks too.
 */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Run `attempt` until it does not fail with SQLITE_BUSY. Inside an open transaction there is
 * nothing to retry (the lock is held, or the outer transaction retries as a whole).
 */
export function withRetry<T>(db: Database.Database, policy: RetryPolicy, stats: ContentionStats, what: string, attempt: () => T): T {
  if (db.inTransaction) return attempt();
  const started = Date.now();
  let delay = policy.firstDelayMs;
  for (;;) {
    try {
      return attempt();
    } catch (error) {
      if (!isBusy(error)) throw error;
      if (Date.now() - started + delay > policy.deadlineMs) {
        throw new HistoryLockedError(`${what}: the run history ${db.name} stayed locked by another process for ${Math.round((Date.now() - started) / 1000)} s (${errorMessage(error)})`);
      }
      stats.retries++;
      sleepSync(delay * (0.5 + Math.random()));
      delay = Math.min(policy.maxDelayMs, delay * 2);
    }
  }
}

/** A write transaction: BEGIN IMMEDIATE, retried while the history is locked. */
export function writeTransaction<T>(db: Database.Database, policy: RetryPolicy, stats: ContentionStats, fn: () => T): T {
  return withRetry(db, policy, stats, 'write', () => db.transaction(fn).immediate());
}

/** A read transaction (one consistent snapshot), retried while a crashed writer's WAL is recovered. */
export function readTransaction<T>(db: Database.Database, policy: RetryPolicy, stats: ContentionStats, fn: () => T): T {
  return withRetry(db, policy, stats, 'read', () => db.transaction(fn).deferred());
}
