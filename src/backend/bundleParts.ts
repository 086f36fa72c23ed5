/**
 * Every part of a bundle or shard checked with the rules the store writes by, before anything is
 * stored (exchange.ts readBundle; cluster/shards.ts adds what is a task's): the experiment's name,
 * notes and tags (the LabApi's tag rule; tags of the app's own `w2s:` namespace refused), its
 * summary (the contract's schema, for this spec and its cells), and each run's key (inside the
 * grid, once), status, columns (the spec's), points (as many as its status allows, at the steps the
 * spec records), progress (≤ steps), descriptor and checkpoint (the engine's own shapes for the
 * spec's path). A bundle that passes can be shown, exported, resumed and summarised. Each refusal is
 * one line naming the part.
 */
import { z } from 'zod';
import { isRunKeyOf, recordedLength, type RunKey } from '../engine/grid';
import { type ExperimentSpec, resolvePath } from '../engine/spec';
import type { ExperimentSummary } from '../engine/summary';
import { APP_TAG_PREFIX, ExperimentSummarySchema, isFinished, RunDescriptorSchema, TagSchema } from '../shared/experiment';
import { viewColumns } from '../shared/seriesCodec';
import { canonicalJson } from './figures/sidecar';
import { seriesColumns } from './store/store';

export class BundleError extends Error {}

/** A run as a bundle carries it (exchange.ts PayloadSchema). */
export interface BundleRun {
  readonly key: RunKey;
  readonly status: string;
  readonly descriptor: unknown;
  readonly columns: readonly string[];
  readonly recorded: number;
  readonly stepsDone: number;
  readonly checkpoint: unknown;
}

/** How a run is named in a refusal. */
export const keyText = (k: RunKey) => `(cell ${k.cell}, teacher ${k.teacher === -1 ? 'ceiling' : k.teacher}, lr ${k.lr})`;

const issues = (error: z.ZodError) => error.issues.map((i) => `${i.path.length === 0 ? '' : `${i.path.join('.')}: `}${i.message}`).join('; ');

const uint32 = z.number().int().min(0).max(0xffff_ffff);

/** A run's checkpoint (engine/run.ts RunCheckpoint): the kernel's state and the points stored with it. */
const CheckpointSchema = z
  .object({
    kernel: z
      .object({
        path: z.enum(['reduced', 'preview', 'projected', 'dense']),
        step: z.number().int().min(0),
        state: z.array(z.number().refine(Number.isFinite, { error: 'must be finite numbers' })),
        rng: z.tuple([uint32, uint32, uint32, uint32]).refine((s) => s.some((x) => x !== 0), { error: 'must not be all zero (xoshiro128** would emit only zeros)' }),
      })
      .strict(),
    recorded: z.number().int().min(0),
  })
  .strict();

/** Points recorded by step s: steps 0, k, 2k, … ≤ s, and T itself once reached. */
function recordedBy(s: number, steps: number, every: number): number {
  return Math.floor(s / every) + 1 + (s >= steps && steps % every !== 0 ? 1 : 0);
}

/** The kernel state's length for the spec's path (the engine's restore refuses any other). */
function stateLength(spec: ExperimentSpec): { length: number; what: string } {
  const path = resolvePath(spec);
  if (path === 'reduced' || path === 'preview') return { length: 3, what: `3 numbers (α, b, ρ) on the ${path} path` };
  if (path === 'projected') return { length: spec.data.d, what: `d = ${spec.data.d} numbers on the projected path` };
  const n = spec.sft.finiteSet;
  return n === null ? { length: spec.data.d, what: `d = ${spec.data.d} numbers on the dense path` } : { length: spec.data.d + 1 + n, what: `d + 1 + n = ${spec.data.d + 1 + n} numbers on the dense path with a finite set` };
}

/** The checkpoint of an unfinished run, checked against the spec and the points stored with it. */
function checkCheckpoint(spec: ExperimentSpec, run: BundleRun, where: string): void {
  if (run.checkpoint === null || run.checkpoint === undefined) return;
  if (isFinished(run)) throw new BundleError(`${where}: checkpoint: a ${run.status} run has none`);
  const parsed = CheckpointSchema.safeParse(run.checkpoint);
  if (!parsed.success) throw new BundleError(`${where}: checkpoint: ${issues(parsed.error)}`);
  const { kernel, recorded } = parsed.data;
  const { steps, recordEvery } = spec.sft;
  const path = resolvePath(spec);
  if (kernel.path !== path) throw new BundleError(`${where}: checkpoint: kernel.path must be '${path}', the spec's path (got '${kernel.path}')`);
  if (kernel.step >= steps) throw new BundleError(`${where}: checkpoint: kernel.step must be in [0, ${steps - 1}] (got ${kernel.step})`);
  const { length, what } = stateLength(spec);
  if (kernel.state.length !== length) throw new BundleError(`${where}: checkpoint: kernel.state must hold ${what} (got ${kernel.state.length})`);
  if (spec.sft.finiteSet !== null) {
    const n = spec.sft.finiteSet;
    const rest = kernel.state.slice(spec.data.d);
    if (!rest.every((x) => Number.isInteger(x) && x >= 0 && x <= n)) throw new BundleError(`${where}: checkpoint: kernel.state's position and order must be integers in [0, ${n}]`);
  }
  if (recorded !== run.recorded) throw new BundleError(`${where}: checkpoint: recorded must be ${run.recorded}, the run's points (got ${recorded})`);
  if (recorded !== recordedBy(kernel.step, steps, recordEvery)) {
    throw new BundleError(`${where}: checkpoint: at step ${kernel.step} a run of this spec has recorded ${recordedBy(kernel.step, steps, recordEvery)} points (got ${recorded})`);
  }
  if (run.stepsDone !== kernel.step) throw new BundleError(`${where}: stepsDone must be the checkpoint's step ${kernel.step} (got ${run.stepsDone})`);
}

/**
 * Each run's parts. `blocks[i]` is run i's series (metric-major doubles, its size already checked):
 * its step column must be the steps the spec records (0, k, 2k, …, T), a prefix of them.
 */
export function checkRuns(spec: ExperimentSpec, runs: readonly BundleRun[], blocks: readonly Uint8Array[], cells: number): void {
  const columns = seriesColumns(spec);
  const { steps, recordEvery } = spec.sft;
  const full = recordedLength(steps, recordEvery);
  const seen = new Set<string>();
  runs.forEach((run, i) => {
    const key = keyText(run.key);
    const where = `run ${key}`;
    if (!isRunKeyOf(spec, run.key, cells)) {
      throw new BundleError(`${where}: its key is outside the spec's grid (cells 0–${cells - 1}, teachers ${spec.sft.ceiling ? 'ceiling, ' : ''}0–${spec.teachers.count - 1}, learning rates 0–${spec.sft.learningRates.length - 1})`);
    }
    if (seen.has(key)) throw new BundleError(`${where}: in the bundle twice`);
    seen.add(key);
    if (canonicalJson(run.columns) !== canonicalJson(columns)) throw new BundleError(`${where}: columns must be the spec's ${columns.join(',')} (got ${run.columns.join(',').slice(0, 200)})`);
    const allowed = run.status === 'done' ? [full, full] : run.status === 'diverged' ? [1, full] : [0, full];
    if (run.recorded < allowed[0] || run.recorded > allowed[1]) {
      throw new BundleError(`${where}: recorded must be ${allowed[0] === allowed[1] ? allowed[0] : `in [${allowed[0]}, ${allowed[1]}]`} for a ${run.status} run of this spec (got ${run.recorded})`);
    }
    if (run.stepsDone > steps) throw new BundleError(`${where}: stepsDone must be in [0, ${steps}], the spec's steps (got ${run.stepsDone})`);
    if (run.status === 'done' && run.stepsDone !== steps) throw new BundleError(`${where}: stepsDone must be ${steps} for a done run (got ${run.stepsDone})`);
    const described = run.descriptor !== null && run.descriptor !== undefined;
    const descriptor = RunDescriptorSchema.safeParse(run.descriptor);
    if (described && !descriptor.success) throw new BundleError(`${where}: descriptor: ${issues(descriptor.error)}`);
    if (!described && (run.recorded > 0 || isFinished(run))) throw new BundleError(`${where}: descriptor: a run with recorded points has one (got none)`);
    checkCheckpoint(spec, run, where);
    if (run.recorded > 0) {
      const { step } = viewColumns(blocks[i], columns, run.recorded);
      for (let p = 0; p < run.recorded; p++) {
        const expected = Math.min(p * recordEvery, steps);
        if (step[p] !== expected) throw new BundleError(`${where}: series: point ${p} is at step ${step[p]}, where this spec records step ${expected}`);
      }
    }
  });
}

/** The experiment's own parts: name, notes, tags and summary. */
export function checkExperiment(spec: ExperimentSpec, experiment: { name: string; notes: string; tags: readonly string[]; summary: unknown }, cells: number): ExperimentSummary | null {
  if (experiment.name.length === 0 || experiment.name.length > 200) throw new BundleError(`experiment.name: must be 1 to 200 characters (got ${experiment.name.length})`);
  if (experiment.notes.length > 100_000) throw new BundleError(`experiment.notes: at most 100 000 characters (got ${experiment.notes.length})`);
  if (experiment.tags.length > 64) throw new BundleError(`experiment.tags: at most 64 tags (got ${experiment.tags.length})`);
  for (const tag of experiment.tags) {
    const r = TagSchema.safeParse(tag);
    if (!r.success) throw new BundleError(`experiment.tags: ${JSON.stringify(tag.slice(0, 80))}: ${issues(r.error)}`);
    if (tag.startsWith(APP_TAG_PREFIX)) throw new BundleError(`experiment.tags: '${tag.slice(0, 80)}' is the app's own (tags beginning '${APP_TAG_PREFIX}' are reserved: an explore run would be hidden)`);
  }
  if (new Set(experiment.tags).size !== experiment.tags.length) throw new BundleError('experiment.tags: a tag is listed twice');
  if (experiment.summary === null || experiment.summary === undefined) return null;
  const parsed = ExperimentSummarySchema.safeParse(experiment.summary);
  if (!parsed.success) throw new BundleError(`experiment.summary: ${issues(parsed.error).slice(0, 500)}`);
  const summary = parsed.data;
  if (canonicalJson(summary.spec) !== canonicalJson(spec)) throw new BundleError("experiment.summary: spec: differs from the experiment's spec");
  if (summary.cells.length !== cells || summary.cells.some((c, i) => c.cell !== i)) throw new BundleError(`experiment.summary: cells: must be the spec's ${cells} cells in order (got ${summary.cells.length})`);
  return summary;
}
