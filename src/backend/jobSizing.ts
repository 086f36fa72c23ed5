/**
 * How many runs of an experiment go into one engine job. A job of one run costs a round trip to
 * the coordinator, which under load can take longer than a preview run itself (a millisecond or
 * two): short runs travel in jobs of several, run one after another in one engine process, each
 * replied to as it ends. Jobs stay short (JOB_BUDGET_MS of engine time, by a typical speed per
 * path) and numerous enough (JOBS_PER_WORKER per process) that the processes finish together and
 * a cancel or a crash costs little. Which job a run travels in never changes its series: a run
 * depends only on its spec and key.
 */
import { workUnits } from './calibration';
import type { ExperimentSpec } from '../engine/spec';
import { resolvePath } from '../engine/spec';

/** Engine time a job of several runs aims at (ms). */
export const JOB_BUDGET_MS = 100;
/** At least this many jobs per engine process, so that no process is left with the tail alone. */
export const JOBS_PER_WORKER = 8;
/** At most this many runs per job. */
export const MAX_RUNS_PER_JOB = 256;

/**
 * Typical engine time per work unit (calibration.ts: a step on the preview path, a sample on the
 * exact O(B) paths, a sample-coordinate on the dense path), ns, on the project's 2-core machine
 * (BENCHMARKS.md). Only the order of magnitude matters here.
 */
const TYPICAL_NS_PER_UNIT = { preview: 1200, reduced: 8, projected: 8, dense: 1 } as const;

/** Expected engine time of one run of `spec` (ms). */
export function runMs(spec: ExperimentSpec): number {
  const path = resolvePath(spec);
  const { steps, batchSize } = spec.sft;
  return (workUnits(path, spec.data.d, { samples: steps * batchSize, steps }) * TYPICAL_NS_PER_UNIT[path]) / 1e6;
}

/** Runs per job for `pending` runs of `spec` on `workers` engine processes (≥ 1). */
export function runsPerJob(spec: ExperimentSpec, pending: number, workers: number): number {
  const byBudget = Math.floor(JOB_BUDGET_MS / runMs(spec));
  const byBalance = Math.ceil(pending / (JOBS_PER_WORKER * Math.max(1, workers)));
  return Math.max(1, Math.min(byBudget, byBalance, MAX_RUNS_PER_JOB));
}

/** `items` in consecutive groups of `size` (the last may be shorter). */
export function inGroups<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}
