/**
 * Synthetic experiments for the chart tests: runs whose series are known in closed form, packed into
 * the block getSeries returns, and the summary the engine would store for them.
 */
import { accuracyFromCos } from '../../src/engine/accuracy';
import { CEILING, cellsOf, type RunDescriptor, type RunKey } from '../../src/engine/grid';
import { type ExperimentSpec, validateSpec } from '../../src/engine/spec';
import { summarizeExperiment, type ExperimentSummary, type RunOutcome } from '../../src/engine/summary';
import type { FigureInput, SeriesBundle } from '../../src/charts/types';
import type { RunRecordStatus } from '../../src/shared/experiment';

export const COLUMNS = ['step', 'inner', 'norm', 'cos', 'accuracy', 'agreement'] as const;
export type Column = (typeof COLUMNS)[number];

export interface SyntheticRun {
  key: RunKey;
  descriptor: RunDescriptor | null;
  cols: Record<Column, number[]>;
  status?: RunRecordStatus;
}

/** Pack per-run arrays into the metric-major block getSeries returns. */
export function pack(runs: SyntheticRun[], experimentId = 1): SeriesBundle {
  const values: number[] = [];
  for (const r of runs) for (const c of COLUMNS) values.push(...r.cols[c]);
  return {
    experimentId,
    columns: [...COLUMNS],
    runs: runs.map((r, i) => ({
      runId: i + 1,
      key: r.key,
      status: r.status ?? 'done',
      recorded: r.cols.step.length,
      descriptor: r.descriptor === null ? null : { ...r.descriptor },
    })),
    data: Float64Array.from(values),
  };
}

/** Deterministic uniform numbers in [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export const C0 = Math.cos(0.2 * Math.PI); // 80 % student
export const CT = Math.cos(0.3 * Math.PI); // 70 % teacher

export function descriptor(norm: number, kappa: number): RunDescriptor {
  return { studentCos: C0, studentNorm: norm, studentAccuracy: 0.8, teacherCos: CT, teacherAccuracy: 0.7, kappa };
}

/** A run: cos rises from C0 by `amp` with time constant tau then drifts down by `drift` per step, plus noise. */
export function syntheticRun(key: RunKey, norm: number, amp: number, tau: number, drift: number, points: number, rand: () => number, kappa = 0.1): SyntheticRun {
  const cols = Object.fromEntries(COLUMNS.map((c) => [c, [] as number[]])) as Record<Column, number[]>;
  for (let i = 0; i < points; i++) {
    const cos = i === 0 ? C0 : C0 + amp * (1 - Math.exp(-i / tau)) - drift * i + 0.002 * (rand() - 0.5);
    const n = norm * (1 + 0.001 * i);
    cols.step.push(i);
    cols.cos.push(cos);
    cols.norm.push(n);
    cols.inner.push(n * cos);
    cols.accuracy.push(accuracyFromCos(cos));
    cols.agreement.push(0.8);
  }
  return { key, descriptor: descriptor(norm, kappa), cols };
}

export function makeSpec(overrides: Record<string, unknown> = {}): ExperimentSpec {
  return validateSpec({
    seed: 1,
    data: { d: 10 },
    student: { norm: [1, 3] },
    teachers: { count: 4, accuracy: 0.7 },
    sft: { steps: 99, learningRates: [0.01, 0.1, 1], recordEvery: 1, batchSize: 100 },
    ...overrides,
  });
}

/** Every cell × teacher × lr (plus ceilings) of a spec as synthetic runs, 100 points each. */
export function syntheticInput(spec: ExperimentSpec, points = 100, seed = 7): { input: FigureInput; runs: SyntheticRun[] } {
  const rand = lcg(seed);
  const runs: SyntheticRun[] = [];
  for (const cell of cellsOf(spec)) {
    for (let teacher = CEILING; teacher < spec.teachers.count; teacher++) {
      spec.sft.learningRates.forEach((_, lr) => {
        const amp = teacher === CEILING ? 0.15 : 0.02 + 0.08 * rand() - (teacher === 1 ? 0.09 : 0);
        runs.push(syntheticRun({ cell: cell.index, teacher, lr }, cell.norm ?? 1, amp, 5 + 20 * rand(), 0.0002 * rand(), points, rand, 0.05 + 0.5 * rand()));
      });
    }
  }
  return { input: { id: 1, name: 'synthetic', seed: spec.seed, spec, summary: null, bundle: pack(runs) }, runs };
}

/** The summary the engine would store, NaN → null as after JSON. */
export function summaryOf(spec: ExperimentSpec, runs: SyntheticRun[]): ExperimentSummary {
  const outcomes: RunOutcome[] = runs.map((r) => ({
    key: r.key,
    status: 'done',
    descriptor: r.descriptor as RunDescriptor,
    series: Object.fromEntries(COLUMNS.map((c) => [c, Float64Array.from(r.cols[c])])) as unknown as RunOutcome['series'],
  }));
  return JSON.parse(JSON.stringify(summarizeExperiment(spec, 'reduced', cellsOf(spec), outcomes))) as ExperimentSummary;
}

export type AnySeries = { name?: string; type?: string; data?: unknown[]; stack?: string; xAxisIndex?: number; yAxisIndex?: number };
/** The points a series draws: a polyline series' per-teacher lines flattened. */
export const drawnPoints = (s: AnySeries): number[][] =>
  s.type === 'lines' ? (s.data as { coords: number[][] }[]).flatMap((d) => d.coords) : ((s.data ?? []) as number[][]);
export const optionSeries = (option: unknown): AnySeries[] => (option as { series: AnySeries[] }).series;
