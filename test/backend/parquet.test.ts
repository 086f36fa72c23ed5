/**
 * The Parquet data export, read back by independent readers (pyarrow and polars, from Python): every
 * stored point of every run, bit for bit, in long format with column types pandas and polars take
 * as they are; the per-teacher table equals the stored summary and descriptors; the LabApi gives the
 * exporter's bytes; the CLI writes both files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {   writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CEILING } from '../../src/engine/grid';
import { validateSpec } from '../../src/engine/spec';
import type { ExperimentSummary } from '../../src/engine/summary';
import { LabApiService } from '../../src/backend/labApi';
import { exportParquet } from '../../src/backend/parquet';
import type { RunStore } from '../../src/backend/store/store';

let fixture: LabFixture;
let dir: string;
let store: RunStore;
let api: LabApiService;
let randomTeacher: number;
let pretrained: number;

beforeAll(async () => {
  fixture = openLabFixture('parquet');
  ({ dir, store } = fixture);
  const lab = fixture.lab;
  api = new LabApiService(lab);
  randomTeacher = lab.submit(validateSpec({ seed: 4, student: { norm: [1, 3] }, teachers: { count: 3, accuracy: 0.7 }, sft: { steps: 25, learningRates: [0.1, 1], batchSize: 500 } }));
  pretrained = lab.submit(validateSpec({ seed: 5, setup: 'shared-pretraining', teachers: { count: 2 }, sft: { steps: 15, learningRates: [0.1], batchSize: 200 } }));
  await lab.finished(randomTeacher);
  await lab.finished(pretrained);
}, 120_000);
afterAll(() => fixture.close());

/** pyarrow's schema and every value (doubles as their IEEE bits, big-endian hex), and polars' dtypes and values. */
interface ReadBack {
  rows: number;
  arrow: Record<string, string>;
  nullable: Record<string, boolean>;
  polars: Record<string, string>;
  columns: Record<string, (string | number | boolean | null)[]>;
  polarsSame: boolean;
  metadata: Record<string, string>;
}

const READER = `
import json, struct, sys
import pyarrow.parquet as pq
import polars as pl

def enc(v):
    if isinstance(v, float):
        return struct.pack(">d", v).hex()
    return v

path = sys.argv[1]
table = pq.read_table(path)
df = pl.read_parquet(path)
columns = {name: [enc(v) for v in table.column(name).to_pylist()] for name in table.column_names}
same = all([enc(v) for v in df[name].to_list()] == columns[name] for name in table.column_names)
meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
print(json.dumps({
    "rows": table.num_rows,
    "arrow": {f.name: str(f.type) for f in table.schema},
    "nullable": {f.name: f.nullable for f in table.schema},
    "polars": {name: str(dtype) for name, dtype in df.schema.items()},
    "columns": columns,
    "polarsSame": same,
    "metadata": meta,
}))
`;
import { type LabFixture, openLabFixture } from '../helpers/labFixture';

function readBack(bytes: Buffer, name: string): ReadBack {
  const check = spawnSync('python3', ['-c', 'import pyarrow, polars'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`pyarrow and polars are needed to read the Parquet export back: bash scripts/install-system-deps.sh (${check.stderr.trim()})`);
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return JSON.parse(execFileSync('python3', ['-c', READER, file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })) as ReadBack;
}

const bits = (v: number): string => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return b.toString('hex');
};

describe('Parquet export of the stored series', () => {
  it('holds every stored point of every run bit for bit, one row per run and step, typed for pandas and polars', async () => {
    const back = readBack(await exportParquet(store, randomTeacher, 'series'), 'series.parquet');
    const e = store.getExperiment(randomTeacher);
    const summary = e?.summary as ExperimentSummary;
    const runs = store.loadExperimentRuns(randomTeacher);
    const metrics = runs[0].run.columns.filter((c) => c !== 'step');
    expect(back.rows).toBe(runs.reduce((a, r) => a + r.run.recorded, 0));
    expect(back.arrow).toEqual({
      experiment_id: 'int32',
      cell: 'int32',
      initial_norm: 'double',
      teacher_target_accuracy: 'double',
      teacher_kappa: 'double',
      teacher: 'int32',
      ceiling: 'bool',
      lr_index: 'int32',
      learning_rate: 'double',
      selected: 'bool',
      status: 'string',
      step: 'int64',
      ...Object.fromEntries(metrics.map((m) => [m, 'double'])),
    });
    expect(back.polars).toMatchObject({ experiment_id: 'Int32', step: 'Int64', cos: 'Float64', ceiling: 'Boolean', status: 'String' });
    expect(back.polarsSame).toBe(true);
    expect(JSON.parse(back.metadata['w2s.spec'])).toEqual(e?.spec);

    const chosen = new Set(summary.teachers.map((t) => `${t.cell}/${t.teacher}/${t.bestLrIndex}`));
    const cells = summary.cells;
    let row = 0;
    for (const { run, series } of runs) {
      for (let i = 0; i < run.recorded; i++, row++) {
        const c = back.columns;
        expect([c.experiment_id[row], c.cell[row], c.teacher[row], c.lr_index[row], c.status[row]]).toEqual([randomTeacher, run.key.cell, run.key.teacher, run.key.lr, run.status]);
        expect(c.initial_norm[row]).toBe(bits(cells[run.key.cell].norm as number));
        expect(c.teacher_target_accuracy[row]).toBe(bits(cells[run.key.cell].teacherAccuracy as number));
        expect(c.teacher_kappa[row]).toBeNull(); // teachers drawn at random: no prescribed κ
        expect(c.learning_rate[row]).toBe(bits(e?.spec.sft.learningRates[run.key.lr] as number));
        expect(c.ceiling[row]).toBe(run.key.teacher === CEILING);
        expect(c.selected[row]).toBe(run.key.teacher !== CEILING && chosen.has(`${run.key.cell}/${run.key.teacher}/${run.key.lr}`));
        expect(c.step[row]).toBe(series.step[i]);
        for (const m of metrics) {
          const v = (series as unknown as Record<string, Float64Array>)[m][i];
          expect(c[m][row], `${m} of run ${run.id} at ${i}`).toBe(bits(v));
        }
      }
    }
    expect(row).toBe(back.rows);
    // The ceiling runs are there too, never marked selected.
    expect(back.columns.ceiling.filter((c) => c === true).length).toBe(runs.filter((r) => r.run.key.teacher === CEILING).reduce((a, r) => a + r.run.recorded, 0));
  });

  it('has null norms and accuracies under shared pretraining, not zeros', async () => {
    const back = readBack(await exportParquet(store, pretrained, 'series'), 'pretrained.parquet');
    expect(back.nullable.initial_norm).toBe(true);
    expect(new Set(back.columns.initial_norm)).toEqual(new Set([null]));
    expect(new Set(back.columns.teacher_target_accuracy)).toEqual(new Set([null]));
    expect(back.rows).toBe(store.listRuns(pretrained).reduce((a, r) => a + r.recorded, 0));
  });
});

describe('Parquet export of the per-teacher summary', () => {
  it('has one row per teacher: its descriptor, cos(w_T, w₀) and the summary, bit for bit', async () => {
    const back = readBack(await exportParquet(store, randomTeacher, 'teachers'), 'teachers.parquet');
    const summary = store.getExperiment(randomTeacher)?.summary as ExperimentSummary;
    expect(back.rows).toBe(summary.teachers.length);
    expect(back.arrow).toMatchObject({ teacher: 'int32', kappa: 'double', start_cos: 'double', best_step: 'int64', gain: 'double', best_lr_index: 'int32' });
    expect(back.polarsSame).toBe(true);
    const descriptors = new Map(store.listRuns(randomTeacher).map((r) => [`${r.key.cell}/${r.key.teacher}`, r.descriptor as unknown as Record<string, number>]));
    summary.teachers.forEach((t, row) => {
      const c = back.columns;
      const d = descriptors.get(`${t.cell}/${t.teacher}`) as Record<string, number>;
      expect([c.cell[row], c.teacher[row], c.best_lr_index[row], c.best_step[row]]).toEqual([t.cell, t.teacher, t.bestLrIndex, t.bestStep]);
      for (const [column, value] of [['gain', t.gain], ['peak_cos', t.peakCos], ['pgr', t.pgr], ['best_learning_rate', t.bestLearningRate], ['kappa', d.kappa], ['teacher_cos', d.teacherCos], ['student_norm', d.studentNorm]] as const) {
        expect(c[column][row], column).toBe(value === null ? null : bits(value));
      }
      // cos(w_T, w₀) = c₀ c_T + s₀ s_T κ, written out here.
      const expected = d.studentCos * d.teacherCos + Math.sqrt(1 - d.studentCos ** 2) * Math.sqrt(1 - d.teacherCos ** 2) * d.kappa;
      expect(Math.abs(Buffer.from(c.start_cos[row] as string, 'hex').readDoubleBE(0) - expected)).toBeLessThanOrEqual(1e-15);
    });
  });

  it('the LabApi gives the same bytes, and refuses a bad table naming the field', async () => {
    for (const table of ['series', 'teachers'] as const) {
      const direct = await exportParquet(store, randomTeacher, table);
      const viaApi = (await api.handle('exportData', { id: randomTeacher, format: 'parquet', table })) as { fileName: string; encoding: string; data: string };
      expect(viaApi.fileName).toBe(`w2s-${randomTeacher}-${table}.parquet`);
      expect(viaApi.encoding).toBe('base64');
      expect(Buffer.from(viaApi.data, 'base64').equals(direct)).toBe(true);
    }
    await expect(api.handle('exportData', { id: randomTeacher, format: 'parquet', table: 'runs' })).rejects.toThrow(/table: must be one of series, teachers/);
    await expect(api.handle('exportData', { id: randomTeacher, format: 'feather', table: 'series' })).rejects.toThrow(/format: must be 'parquet'/);
    await expect(api.handle('exportData', { id: 999, format: 'parquet', table: 'series' })).rejects.toThrow(/no experiment 999/);
  });
});
