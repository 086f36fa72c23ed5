/**
 * The LabApi contract carries the engine's own types: the spec, the summary, the run key and
 * descriptor. Their schemas' outputs equal those types (checked by the compiler below), and an
 * output whose spec or summary is malformed is refused with the field named.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { cellsOf, type RunDescriptor, type RunKey } from '../../src/engine/grid';
import type { ExperimentSpec } from '../../src/engine/spec';
import { type ExperimentSummary, type StoredSummary, summarizeExperiment } from '../../src/engine/summary';
import { MIGRATIONS } from '../../src/backend/store/schema';
import {
  CLUSTER_TASK_STATES,
  EXPERIMENT_STATUSES,
  type ExperimentSpecSchema,
  type ExperimentSummarySchema,
  RUN_STATUSES,
  type RunDescriptorSchema,
  type RunKeySchema,
  type RunRecordStatus,
} from '../../src/shared/experiment';
import { LabEventSchema, type LabOutput, parseOutput } from '../../src/shared/labApi';
import type { RunStatus } from '../../src/engine/run';
import { makeSpec, summaryOf, syntheticInput } from '../helpers/synthetic';

/** True when each type is assignable to the other (readonly aside). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameSpec: Same<z.output<typeof ExperimentSpecSchema>, ExperimentSpec> = true;
const sameSummary: Same<z.output<typeof ExperimentSummarySchema>, ExperimentSummary> = true;
const sameKey: Same<z.output<typeof RunKeySchema>, RunKey> = true;
const sameDescriptor: Same<z.output<typeof RunDescriptorSchema>, RunDescriptor> = true;
const sameDetail: Same<LabOutput<'getExperiment'>['summary'], StoredSummary | null> = true;
/** The engine's own run statuses are among the store's. */
const engineStatuses: [RunStatus] extends [RunRecordStatus] ? true : false = true;

/** A stored experiment as getExperiment answers it (the summary as the store holds it: JSON). */
function detail(spec: ExperimentSpec, summary: unknown): Record<string, unknown> {
  return {
    id: 1,
    name: 'contract',
    setup: spec.setup,
    status: 'done',
    createdAt: '2026-12-01T00:00:00.000Z',
    finishedAt: null,
    tags: [],
    notes: '',
    label: null,
    seed: spec.seed,
    parameters: {},
    fractionImproved: null,
    gainMean: null,
    path: 'reduced',
    spec,
    summary,
    appVersion: '0.1.0',
    error: null,
    duplicatedFrom: null,
    runs: { done: 1 },
  };
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the contract accepted it');
}

describe('the LabApi contract types the spec and the summary', () => {
  it('declares each type once: the schemas give the engine its own types', () => {
    expect([sameSpec, sameSummary, sameKey, sameDescriptor, sameDetail, engineStatuses]).toEqual([true, true, true, true, true, true]);
  });

  it('carries a stored experiment unchanged', () => {
    const spec = makeSpec();
    const { runs } = syntheticInput(spec, 40);
    const summary = summaryOf(spec, runs);
    const out = parseOutput('getExperiment', detail(spec, summary));
    expect(out.spec).toEqual(spec);
    expect(out.summary).toEqual(summary);
    expect(out.summary?.teachers[0].bestLrIndex).toBe(summary.teachers[0].bestLrIndex);
  });

  it("reads a stored summary's null as the engine's NaN, and leaves its nullable fields null", () => {
    const spec = makeSpec({ student: { norm: 1 } });
    // No run at all: every mean is over no teacher (NaN), which JSON stores as null.
    const empty = summarizeExperiment(spec, 'reduced', cellsOf(spec), []);
    const stored = JSON.parse(JSON.stringify(empty)) as Record<string, unknown>;
    expect(stored.gainMean).toBeNull();
    const summary = parseOutput('getExperiment', detail(spec, stored)).summary as ExperimentSummary;
    expect(summary.gainMean).toBeNaN();
    expect(summary.fractionImproved).toBeNaN();
    expect(summary.initial.cos).toBeNaN();
    expect(summary.cells[0].pgrMean).toBeNull();
    // The other transport sends the parsed value again (NaN through structured clone): still accepted.
    expect(parseOutput('getExperiment', detail(spec, summary)).summary?.gainStd).toBeNaN();
  });

  it('reads a summary stored before bestLrIndex existed, with the index null', () => {
    const spec = makeSpec();
    const summary = summaryOf(spec, syntheticInput(spec, 20).runs);
    const old = JSON.parse(JSON.stringify(summary)) as { teachers: Record<string, unknown>[]; cells: { teachers: Record<string, unknown>[] }[] };
    for (const t of [...old.teachers, ...old.cells.flatMap((c) => c.teachers)]) delete t.bestLrIndex;
    const out = parseOutput('getExperiment', detail(spec, old)).summary as ExperimentSummary;
    expect(out.teachers.every((t) => t.bestLrIndex === null)).toBe(true);
  });

  it('refuses a malformed spec in an output, naming the field', () => {
    const spec = makeSpec();
    const bad = { ...spec, sft: { ...spec.sft, learningRates: [-1] } };
    expect(refusal(() => parseOutput('getExperiment', detail(bad as ExperimentSpec, null)))).toMatch(/^getExperiment: the backend answered outside the contract: spec: sft\.learningRates\[0\]: /);
    expect(refusal(() => parseOutput('duplicateSpec', { spec: { ...spec, teachers: { ...spec.teachers, count: 'four' } } }))).toMatch(/spec: teachers\.count: /);
    expect(refusal(() => parseOutput('duplicateSpec', { spec: { ...spec, extra: 1 } }))).toMatch(/spec: extra: unknown key/);
    expect(refusal(() => parseOutput('duplicateSpec', { spec: 'a spec' }))).toMatch(/spec: \(spec\): /);
  });

  it('refuses a malformed summary in an output, naming the field', () => {
    const spec = makeSpec();
    const summary = summaryOf(spec, syntheticInput(spec, 20).runs);
    const missing: Record<string, unknown> = { ...summary };
    delete missing.gainMean;
    expect(refusal(() => parseOutput('getExperiment', detail(spec, missing)))).toMatch(/summary\.gainMean: /);
    const wrongTeacher = { ...summary, teachers: [{ ...summary.teachers[0], gain: 'large' }, ...summary.teachers.slice(1)] };
    expect(refusal(() => parseOutput('getExperiment', detail(spec, wrongTeacher)))).toMatch(/summary\.teachers\.0\.gain: /);
    const wrongTrajectory = { ...summary, cells: [{ ...summary.cells[0], trajectory: { ...summary.cells[0].trajectory, n: [-1] } }, ...summary.cells.slice(1)] };
    expect(refusal(() => parseOutput('getExperiment', detail(spec, wrongTrajectory)))).toMatch(/summary\.cells\.0\.trajectory\.n: must be a list of counts/);
    const wrongSpec = { ...summary, spec: { ...spec, beta: -1 } };
    expect(refusal(() => parseOutput('getExperiment', detail(spec, wrongSpec)))).toMatch(/summary\.spec: beta: /);
  });

  it('refuses a malformed run descriptor or status in a series bundle, naming the field', () => {
    const spec = makeSpec();
    const bundle = syntheticInput(spec, 10).input.bundle;
    expect(parseOutput('getSeries', bundle).runs[0].descriptor).toEqual(bundle.runs[0].descriptor);
    const noKappa = { ...bundle, runs: [{ ...bundle.runs[0], descriptor: { ...bundle.runs[0].descriptor, kappa: undefined } }] };
    expect(refusal(() => parseOutput('getSeries', noKappa))).toMatch(/runs\.0\.descriptor\.kappa: /);
    const status = { ...bundle, runs: [{ ...bundle.runs[0], status: 'finished' }] };
    expect(refusal(() => parseOutput('getSeries', status))).toMatch(/runs\.0\.status: /);
  });

  it("refuses a run event whose status is not a run's", () => {
    for (const status of RUN_STATUSES) expect(LabEventSchema.safeParse({ type: 'run', experimentId: 1, runId: 2, status }).success).toBe(true);
    expect(LabEventSchema.safeParse({ type: 'run', experimentId: 1, runId: 2, status: 'finished' }).success).toBe(false);
  });

  it("the store's CHECK constraints allow exactly the contract's statuses (its migrations are frozen SQL)", () => {
    const sql = MIGRATIONS.map((m) => m.sql).join('\n');
    const allowed = (column: string, table: string) => {
      const create = new RegExp(`CREATE TABLE ${table} \\(([\\s\\S]*?)\\n\\s*\\)`).exec(sql);
      const check = new RegExp(`${column}\\s+TEXT NOT NULL CHECK \\(${column} IN \\(([^)]*)\\)\\)`).exec(create?.[1] ?? '');
      return (check?.[1] ?? '').split(',').map((s) => s.trim().replace(/'/g, '')).sort();
    };
    expect(allowed('status', 'experiments')).toEqual([...EXPERIMENT_STATUSES].sort());
    expect(allowed('status', 'runs')).toEqual([...RUN_STATUSES].sort());
    expect(allowed('state', 'cluster_tasks')).toEqual([...CLUSTER_TASK_STATES].sort());
  });
});
