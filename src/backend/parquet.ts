/**
 * An experiment as Parquet for pandas, polars or R: every stored point in one long table (one row
 * per run and recorded step, the run's keys as columns), and the per-teacher summary in another.
 * Written by hyparquet-writer (no hand-made format); types chosen so readers need no conversion:
 * INT32/INT64 integers, DOUBLE metrics (NaN where a run diverged), BOOLEAN flags, UTF-8 strings,
 * nullable where a value may be missing (a cell's norm under shared pretraining, a summary field).
 */
import { CEILING, type Cell, cellsOf } from '../engine/grid';
import { isRandomFeaturesSpec } from '../engine/randomFeatures/spec';
import type { ExperimentSummary } from '../engine/summary';
import { runLearningRate, sweptPaths } from '../engine/sweep';
import { startCos } from '../charts/data';
import { APP_VERSION } from '../shared/app';
import type { DataTable } from '../shared/labApi';
import { blockViews, columnOf } from '../shared/seriesBlock';
import type { RunStore } from './store/store';
import { selectedRuns } from './figureFiles';

/** The tables: every stored point, and one row per teacher. */
export type ParquetTable = DataTable;

type Column = { name: string; data: ArrayLike<unknown>; type: 'INT32' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'STRING'; nullable?: boolean; encoding?: 'BYTE_STREAM_SPLIT' };

/** `w2s-3-series.parquet`, `w2s-3-teachers.parquet`. */
export function parquetFileName(id: number, table: ParquetTable): string {
  return `w2s-${id}-${table}.parquet`;
}

function seriesColumns(store: RunStore, id: number): Column[] {
  const e = store.getExperiment(id);
  if (e === null) throw new RangeError(`no experiment ${id}`);
  const block = store.loadSeriesBlock(id);
  const { runs, columns } = block;
  const cells = cellsOf(e.spec);
  const lrs = e.spec.sft.learningRates;
  const chosen = selectedRuns(e);
  const rows = runs.reduce((a, r) => a + r.recorded, 0);
  const key = { cell: new Int32Array(rows), teacher: new Int32Array(rows), lr: new Int32Array(rows) };
  const norm: (number | null)[] = new Array(rows);
  const accuracy: (number | null)[] = new Array(rows);
  const kappa: (number | null)[] = new Array(rows);
  const learningRate = new Float64Array(rows);
  const ceiling: boolean[] = new Array(rows);
  const selected: (boolean | null)[] = new Array(rows);
  const status: string[] = new Array(rows);
  const step = new BigInt64Array(rows);
  const metrics = columns.filter((c) => c !== 'step').map((c) => ({ name: c, values: new Float64Array(rows) }));
  const views = blockViews(block);
  let row = 0;
  for (const [r, run] of runs.entries()) {
    const n = run.recorded;
    const steps = columnOf(views[r], 'step');
    const values = metrics.map((m) => columnOf(views[r], m.name));
    const cell = cells[run.key.cell];
    const isSelected = run.key.teacher === CEILING ? false : chosen === undefined ? null : chosen(run);
    for (let i = 0; i < n; i++, row++) {
      key.cell[row] = run.key.cell;
      key.teacher[row] = run.key.teacher;
      key.lr[row] = run.key.lr;
      norm[row] = cell?.norm ?? null;
      accuracy[row] = cell?.teacherAccuracy ?? null;
      kappa[row] = cell?.kappa ?? null;
      learningRate[row] = runLearningRate(cell, lrs, run.key.lr);
      ceiling[row] = run.key.teacher === CEILING;
      selected[row] = isSelected;
      status[row] = run.status;
      const s = steps[i];
      if (!Number.isSafeInteger(s)) throw new Error(`run ${run.id}: step ${s} is not an integer`);
      step[row] = BigInt(s);
      for (let m = 0; m < metrics.length; m++) metrics[m].values[row] = values[m][i];
    }
  }
  return [
    { name: 'experiment_id', data: new Int32Array(rows).fill(id), type: 'INT32', nullable: false },
    { name: 'cell', data: key.cell, type: 'INT32', nullable: false },
    { name: 'initial_norm', data: norm, type: 'DOUBLE' },
    { name: 'teacher_target_accuracy', data: accuracy, type: 'DOUBLE' },
    { name: 'teacher_kappa', data: kappa, type: 'DOUBLE' },
    ...axisColumns(cells, key.cell),
    { name: 'teacher', data: key.teacher, type: 'INT32', nullable: false },
    { name: 'ceiling', data: ceiling, type: 'BOOLEAN', nullable: false },
    { name: 'lr_index', data: key.lr, type: 'INT32', nullable: false },
    { name: 'learning_rate', data: learningRate, type: 'DOUBLE', nullable: false },
    { name: 'selected', data: selected, type: 'BOOLEAN' },
    { name: 'status', data: status, type: 'STRING', nullable: false },
    { name: 'step', data: step, type: 'INT64', nullable: false },
    ...metrics.map((m): Column => ({ name: m.name, data: m.values, type: 'DOUBLE', nullable: false, encoding: 'BYTE_STREAM_SPLIT' })),
  ];
}

/** A sweep's coordinates, one column per swept path named by it ("beta", "data.d"; "replicate" as INT32), for rows of the given cells. */
function axisColumns(cells: readonly Cell[], rowCells: Int32Array): Column[] {
  return sweptPaths(cells[0]).map((path): Column => {
    if (path === 'replicate') return { name: path, data: Int32Array.from(rowCells, (c) => cells[c].axes[path]), type: 'INT32', nullable: false };
    return { name: path, data: Float64Array.from(rowCells, (c) => cells[c].axes[path]), type: 'DOUBLE', nullable: false };
  });
}

/** One row per teacher (the ceiling left out): what it started from and, once summarised, what it reached. */
function teacherColumns(store: RunStore, id: number): Column[] {
  const e = store.getExperiment(id);
  if (e === null) throw new RangeError(`no experiment ${id}`);
  const summary = e.summary as ExperimentSummary | null;
  const cells = cellsOf(e.spec);
  const byKey = new Map((summary?.teachers ?? []).map((t) => [`${t.cell}/${t.teacher}`, t]));
  // Each teacher's descriptor from its first run: every learning rate starts from the same pair.
  const teachers = new Map<string, { cell: number; teacher: number; d: Record<string, number> | null }>();
  for (const r of store.listRuns(id)) {
    if (r.key.teacher === CEILING) continue;
    const k = `${r.key.cell}/${r.key.teacher}`;
    const known = teachers.get(k);
    if (known === undefined || (known.d === null && r.descriptor !== null)) teachers.set(k, { cell: r.key.cell, teacher: r.key.teacher, d: r.descriptor as Record<string, number> | null });
  }
  const list = [...teachers.values()].sort((a, b) => a.cell - b.cell || a.teacher - b.teacher);
  const of = <T>(f: (t: (typeof list)[number]) => T) => list.map(f);
  const sum = (t: (typeof list)[number]) => byKey.get(`${t.cell}/${t.teacher}`);
  const num = (v: number | null | undefined) => (v === null || v === undefined ? null : v);
  const d = (f: string) => of((t) => num(t.d?.[f]));
  return [
    { name: 'experiment_id', data: new Int32Array(list.length).fill(id), type: 'INT32', nullable: false },
    { name: 'cell', data: Int32Array.from(list, (t) => t.cell), type: 'INT32', nullable: false },
    { name: 'initial_norm', data: of((t) => cells[t.cell]?.norm ?? null), type: 'DOUBLE' },
    { name: 'teacher_target_accuracy', data: of((t) => cells[t.cell]?.teacherAccuracy ?? null), type: 'DOUBLE' },
    ...axisColumns(cells, Int32Array.from(list, (t) => t.cell)),
    { name: 'teacher', data: Int32Array.from(list, (t) => t.teacher), type: 'INT32', nullable: false },
    { name: 'student_cos', data: d('studentCos'), type: 'DOUBLE' },
    { name: 'student_norm', data: d('studentNorm'), type: 'DOUBLE' },
    { name: 'student_accuracy', data: d('studentAccuracy'), type: 'DOUBLE' },
    { name: 'teacher_cos', data: d('teacherCos'), type: 'DOUBLE' },
    { name: 'teacher_accuracy', data: d('teacherAccuracy'), type: 'DOUBLE' },
    { name: 'kappa', data: d('kappa'), type: 'DOUBLE' },
    { name: 'start_cos', data: of((t) => (t.d === null ? null : startCos(t.d as { studentCos: number; teacherCos: number; kappa: number }))), type: 'DOUBLE' },
    { name: 'best_learning_rate', data: of((t) => num(sum(t)?.bestLearningRate)), type: 'DOUBLE' },
    { name: 'best_lr_index', data: of((t) => num(sum(t)?.bestLrIndex)), type: 'INT32' },
    { name: 'best_step', data: of((t) => { const s = num(sum(t)?.bestStep); return s === null ? null : BigInt(s); }), type: 'INT64' },
    { name: 'peak_cos', data: of((t) => num(sum(t)?.peakCos)), type: 'DOUBLE' },
    { name: 'peak_accuracy', data: of((t) => num(sum(t)?.peakAccuracy)), type: 'DOUBLE' },
    { name: 'gain', data: of((t) => num(sum(t)?.gain)), type: 'DOUBLE' },
    { name: 'gain_accuracy', data: of((t) => num(sum(t)?.gainAccuracy)), type: 'DOUBLE' },
    { name: 'pgr', data: of((t) => num(sum(t)?.pgr)), type: 'DOUBLE' },
  ];
}

/**
 * A random-features experiment's teachers (docs/random-features.md §4), one row each: the accuracies
 * before SFT (descriptor), and the summary's choice, accuracy, gain with its paired standard error, PGR.
 */
function randomFeaturesTeacherColumns(store: RunStore, id: number): Column[] {
  const e = store.getExperiment(id);
  if (e === null) throw new RangeError(`no experiment ${id}`);
  const rf = e.summary?.randomFeatures;
  const byTeacher = new Map((rf?.teachers ?? []).map((t) => [t.teacher, t]));
  const descriptors = new Map<number, Record<string, number>>();
  for (const r of store.listRuns(id)) if (r.key.teacher !== CEILING && r.descriptor !== null && !descriptors.has(r.key.teacher)) descriptors.set(r.key.teacher, r.descriptor as unknown as Record<string, number>);
  const teachers = [...new Set(store.listRuns(id).filter((r) => r.key.teacher !== CEILING).map((r) => r.key.teacher))].sort((a, b) => a - b);
  const num = (v: number | null | undefined) => (v === null || v === undefined ? null : v);
  const d = (f: string) => teachers.map((t) => num(descriptors.get(t)?.[f]));
  const s = (f: 'bestLearningRate' | 'accuracy' | 'gain' | 'gainStandardError' | 'pgr') => teachers.map((t) => num(byTeacher.get(t)?.[f]));
  return [
    { name: 'experiment_id', data: new Int32Array(teachers.length).fill(id), type: 'INT32', nullable: false },
    { name: 'teacher', data: Int32Array.from(teachers), type: 'INT32', nullable: false },
    { name: 'student_accuracy', data: d('studentAccuracy'), type: 'DOUBLE' },
    { name: 'teacher_accuracy', data: d('teacherAccuracy'), type: 'DOUBLE' },
    { name: 'agreement', data: d('agreement'), type: 'DOUBLE' },
    { name: 'test_points', data: teachers.map((t) => num(descriptors.get(t)?.testPoints)), type: 'INT32' },
    { name: 'best_learning_rate', data: s('bestLearningRate'), type: 'DOUBLE' },
    { name: 'best_step', data: teachers.map((t) => { const v = num(byTeacher.get(t)?.bestStep); return v === null ? null : BigInt(v); }), type: 'INT64' },
    { name: 'accuracy', data: s('accuracy'), type: 'DOUBLE' },
    { name: 'gain', data: s('gain'), type: 'DOUBLE' },
    { name: 'gain_standard_error', data: s('gainStandardError'), type: 'DOUBLE' },
    { name: 'pgr', data: s('pgr'), type: 'DOUBLE' },
  ];
}

/** The experiment's `table` as a Parquet file (snappy-compressed), with the spec and app version as key–value metadata. */
export async function exportParquet(store: RunStore, id: number, table: ParquetTable): Promise<Buffer> {
  const e = store.getExperiment(id);
  if (e === null) throw new RangeError(`no experiment ${id}`);
  const columnData = table === 'series' ? seriesColumns(store, id) : isRandomFeaturesSpec(e.spec) ? randomFeaturesTeacherColumns(store, id) : teacherColumns(store, id);
  // ESM-only package: imported where it is used (the CLI runs as CommonJS).
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const buffer = parquetWriteBuffer({
    columnData: columnData.map((c) => ({ ...c, data: c.data as never })),
    kvMetadata: [
      { key: 'w2s.app_version', value: APP_VERSION },
      { key: 'w2s.experiment', value: JSON.stringify({ id, name: e.name, seed: e.seed, status: e.status }) },
      { key: 'w2s.spec', value: JSON.stringify(e.spec) },
    ],
    createdBy: `W2S Lab ${APP_VERSION} (hyparquet-writer)`,
  });
  return Buffer.from(buffer);
}
