/**
 * The shard plan: an experiment's runs split into the tasks of one Slurm job array.
 *
 * Every run of an experiment costs the same before it starts: one engine path, T steps of B samples
 * (docs/spec.md §3–5; a run that diverges stops early, which nobody can know beforehand). So the
 * plan gives each task a contiguous stretch of the run order (cell, teacher, learning rate) of
 * ⌊R/N⌋ or ⌈R/N⌉ runs: the predicted balance (slowest task ÷ mean) is ⌈R/N⌉ ÷ (R/N), the best any
 * split of equal costs can do, and a teacher's learning rates stay together, so a task builds each
 * teacher (and, for shared pretraining, pretrains it) once per engine process.
 */
import { z } from 'zod';
import { runCount, runKeyAt, type RunKey } from '../../engine/grid';
import type { ExperimentSpec } from '../../engine/spec';
import { specHash } from '../figures/sidecar';

export const PLAN_FORMAT = 'w2s-slurm-plan';
export const PLAN_VERSION = 1;
/** Slurm's default MaxArraySize is 1001: array indices 0…1000. */
export const MAX_TASKS = 1000;

/** The work of one run, in samples drawn: the same for every run of an experiment. */
export function runCost(spec: ExperimentSpec): number {
  return spec.sft.steps * spec.sft.batchSize;
}

/** Slowest ÷ mean of per-task costs (1 = perfectly even). */
export function balance(costs: readonly number[]): number {
  if (costs.length === 0) return 1;
  const mean = costs.reduce((a, b) => a + b, 0) / costs.length;
  return mean === 0 ? 1 : Math.max(...costs) / mean;
}

/** The largest number of tasks an experiment of `runs` runs can have. */
export function maxTasks(runs: number): number {
  return Math.min(runs, MAX_TASKS);
}

/** Run indices (engine/grid.ts runKeyAt) for each of `tasks` tasks: contiguous, sizes ⌊R/N⌋ or ⌈R/N⌉, bigger first. */
export function planTasks(runs: number, tasks: number): number[][] {
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`an experiment needs at least one run (got ${runs})`);
  if (!Number.isInteger(tasks) || tasks < 1 || tasks > maxTasks(runs)) throw new RangeError(`--tasks must be an integer in [1, ${maxTasks(runs)}] (at most the experiment's ${runs} runs, and ${MAX_TASKS}) (got ${tasks})`);
  const base = Math.floor(runs / tasks);
  const extra = runs % tasks;
  const out: number[][] = [];
  let next = 0;
  for (let t = 0; t < tasks; t++) {
    const size = base + (t < extra ? 1 : 0);
    out.push(Array.from({ length: size }, (_, i) => next + i));
    next += size;
  }
  return out;
}

/** What `plan.json` in a job directory holds. */
export interface ShardPlan {
  readonly format: typeof PLAN_FORMAT;
  readonly version: number;
  /** The sweep's random token: shards carry it, so a shard of another sweep is refused. */
  readonly sweep: string;
  readonly experimentId: number;
  /** SHA-256 of the spec's canonical JSON (spec.json must match it). */
  readonly specSha256: string;
  readonly runs: number;
  /** Per task, run indices (runKeyAt). */
  readonly tasks: number[][];
  /** Predicted slowest ÷ mean task cost. */
  readonly balance: number;
}

export function makePlan(spec: ExperimentSpec, tasks: number, sweep: string, experimentId: number): ShardPlan {
  const runs = runCount(spec);
  const assignment = planTasks(runs, tasks);
  const cost = runCost(spec);
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    sweep,
    experimentId,
    specSha256: specHash(spec),
    runs,
    tasks: assignment,
    balance: balance(assignment.map((t) => t.length * cost)),
  };
}

const PlanSchema = z
  .object({
    format: z.literal(PLAN_FORMAT, { error: `must be '${PLAN_FORMAT}'` }),
    version: z.number().int().min(1),
    sweep: z.string().regex(/^[0-9a-f-]{8,64}$/, { error: 'must be the sweep token (hex and dashes)' }),
    experimentId: z.number().int().min(1, { error: 'must be a positive integer' }),
    specSha256: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be 64 hex digits' }),
    runs: z.number().int().min(1, { error: 'must be an integer ≥ 1' }),
    tasks: z.array(z.array(z.number().int().min(0))).min(1).max(MAX_TASKS, { error: `at most ${MAX_TASKS} tasks` }),
    balance: z.number().min(1),
  })
  .strict();

/**
 * Check a plan read from a job directory against its spec: format, version, the spec's hash, and
 * that its tasks split the spec's runs exactly (each run in exactly one task). Throws a RangeError
 * naming the field.
 */
export function parsePlan(document: unknown, spec: ExperimentSpec): ShardPlan {
  const head = z.object({ format: z.string(), version: z.number() }).safeParse(document);
  if (head.success && head.data.format === PLAN_FORMAT && head.data.version > PLAN_VERSION) {
    throw new RangeError(`plan.json version ${head.data.version} is newer than this W2S Lab reads (${PLAN_VERSION}): install the same version on the login and compute nodes`);
  }
  const r = PlanSchema.safeParse(document);
  if (!r.success) throw new RangeError(`plan.json: ${r.error.issues.map((i) => `${i.path.join('.') || '(plan)'}: ${i.message}`).join('; ')}`);
  const plan = r.data as ShardPlan;
  if (plan.specSha256 !== specHash(spec)) throw new RangeError('plan.json: specSha256 does not match spec.json: the job directory mixes two sweeps');
  const runs = runCount(spec);
  if (plan.runs !== runs) throw new RangeError(`plan.json: runs must be ${runs}, the spec's run count (got ${plan.runs})`);
  const seen = new Uint8Array(runs);
  plan.tasks.forEach((task, t) => {
    for (const i of task) {
      if (i >= runs) throw new RangeError(`plan.json: tasks.${t}: run index must be in [0, ${runs - 1}] (got ${i})`);
      if (seen[i] === 1) throw new RangeError(`plan.json: tasks.${t}: run ${i} is in two tasks`);
      seen[i] = 1;
    }
  });
  const missing = seen.indexOf(0);
  if (missing >= 0) throw new RangeError(`plan.json: run ${missing} is in no task`);
  return plan;
}

/** The run keys of one task of a plan. */
export function taskKeys(spec: ExperimentSpec, plan: ShardPlan, task: number): RunKey[] {
  return plan.tasks[task].map((i) => runKeyAt(spec, i));
}
