/**
 * What a preview that has not drawn yet waits for, in words, from the pool's queue position
 * (LabApi queuePosition) and the experiment's progress. A preview is interactive: it never waits
 * behind queued exact runs, only for a process to free (the job running there ends) or to start,
 * or for its turn beside another preview; the words say which, and how long when it is known.
 * And whether a superseded preview is worth cancelling, from the same position.
 */
import type { LabOutput } from '../../../shared/labApi';

export type QueuePosition = NonNullable<LabOutput<'queuePosition'>>;

export interface RunsProgress {
  readonly runsDone: number;
  readonly runsTotal: number;
}

/** '~0.3 s', '~12 s' (at least '~0.1 s': a job past its expected end is about to end). */
export function about(ms: number): string {
  const s = Math.max(0.1, ms / 1000);
  return `~${s < 9.95 ? s.toFixed(1) : Math.round(s)} s`;
}

/**
 * `position` null: nothing of it is left in the pool (its last runs are being stored and
 * summarised); undefined: not asked yet.
 */
export function waitText(position: QueuePosition | null | undefined, progress: RunsProgress | undefined): string {
  if (position === undefined) return 'starting…';
  if (position === null) return progress !== undefined && progress.runsDone >= progress.runsTotal ? 'storing the results…' : 'starting…';
  const done = progress === undefined ? '' : `: ${progress.runsDone} of ${progress.runsTotal} runs done`;
  if (position.runsRunning > 0) {
    if (position.processesStarting > 0 && (progress === undefined || progress.runsDone === 0)) return 'starting an engine process (a second or so)…';
    return progress === undefined || progress.runsDone === 0 ? 'starting…' : `running${done}`;
  }
  // Its runs all wait: a process is free (it is about to be sent one), or every process runs another experiment's job.
  if (position.processesBusy < position.processes) return 'starting…';
  const eta = position.nextFreeMs === null ? '' : ` (${about(position.nextFreeMs)})`;
  const job = position.processes === 1 ? 'the running job' : `one of the ${position.processes} running jobs`;
  const turns = position.interactiveRunsQueued > 0 ? `, then taking turns with another preview (${position.interactiveRunsQueued} runs)` : '';
  return `waiting for ${job} to end${eta}${turns}`;
}

/**
 * Whether to cancel a superseded preview rather than let it finish. Cancelling drops its queued
 * jobs for free, but kills the processes running its jobs, and the next preview then waits for
 * their replacements (`restartMs`, about a second: BENCHMARKS.md, explore). So: cancel when none
 * of its runs is in a process, or when what is left of it, at its time per run on the processes
 * it has, would take longer than a restart.
 */
export function worthCancelling(position: QueuePosition | null, restartMs: number): boolean {
  if (position === null) return false; // nothing left in the pool: it is being stored
  if (position.runsRunning === 0) return position.runsQueued > 0;
  if (position.msPerRun === null) return true;
  const leftMs = ((position.runsRunning + position.runsQueued) * position.msPerRun) / Math.max(1, position.processesRunning);
  return leftMs >= restartMs;
}
