/**
 * A random-features experiment's exports: the data CSV, the Parquet tables (read back by pyarrow)
 * and the JSON export hold every stored point of the setup's columns bit for bit (step, accuracy,
 * agreement, headNorm, changed, validation, firstLayerShift), `selected` marks each teacher's run
 * at the learning rate summarizeRandomFeatures of the engine's own runs chose, the teachers' table
 * is that summary; a bundle is refused, naming the setup.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCsv, exportJson, makeBundle } from '../../src/backend/exchange';
import { exportParquet } from '../../src/backend/parquet';
import { CEILING } from '../../src/engine/grid';
import { RandomFeaturesContext, RandomFeaturesRun, randomFeaturesRunKeys, type RandomFeaturesSummary, summarizeRandomFeatures } from '../../src/engine/randomFeatures';
import { randomFeaturesConfigOf } from '../../src/engine/randomFeatures/specConfig';
import { validateSpec } from '../../src/engine/spec';
import { type LabFixture, openLabFixture } from '../helpers/labFixture';

const spec = validateSpec({
  setup: 'random-features',
  seed: 9,
  data: { d: 10, pool: 200 },
  features: { student: 50, teacher: 10, train: 'both', firstLayerRate: 10 },
  teachers: { count: 3 },
  pretrain: { studentPoints: 600, teacherPoints: 120, studentSteps: 20, teacherSteps: 8 },
  sft: { batchSize: 40, steps: 33, learningRates: [0.05, 2], recordEvery: 5, earlyStopping: 'validation', validationSize: 200 },
  evaluation: { testPoints: 1000 },
});
const COLUMNS = ['step', 'accuracy', 'agreement', 'headNorm', 'changed', 'validation', 'firstLayerShift'];

let fixture: LabFixture;
let id: number;
let expected: RandomFeaturesSummary;
/** Each teacher's chosen run as `teacher/lr`, from the engine's own runs. */
let chosen: Set<string>;

beforeAll(async () => {
  fixture = openLabFixture('rf-exports');
  id = fixture.lab.submit(spec);
  await fixture.lab.finished(id);
  const config = randomFeaturesConfigOf(spec);
  const context = new RandomFeaturesContext(config, spec.seed);
  const outcomes = randomFeaturesRunKeys(config).map((key) => {
    const r = RandomFeaturesRun.start(context, key).complete();
    return { key, status: r.status, descriptor: r.descriptor, series: r.recordedSeries() };
  });
  expected = summarizeRandomFeatures(config, outcomes);
  chosen = new Set(expected.teachers.map((t) => `${t.teacher}/${config.sft.learningRates.indexOf(t.bestLearningRate as number)}`));
}, 120_000);
afterAll(() => fixture.close());

const bits = (v: number): string => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return b.toString('hex');
};

describe('random-features exports', () => {
  it("the stored summary is the engine's, and the data CSV holds every point of the setup's columns, selected as the summary chose", () => {
    expect(fixture.store.getExperiment(id)?.summary?.randomFeatures).toEqual(expected);
    const lines = exportCsv(fixture.store, id).trimEnd().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(-COLUMNS.length)).toEqual(COLUMNS);
    const runs = fixture.store.loadExperimentRuns(id);
    expect(lines.length - 1).toBe(runs.reduce((a, r) => a + r.run.recorded, 0));
    let line = 1;
    for (const { run, series } of runs) {
      expect(run.columns).toEqual(COLUMNS);
      for (let i = 0; i < run.recorded; i++, line++) {
        const cells = lines[line].split(',');
        const row = Object.fromEntries(header.map((h, c) => [h, cells[c]]));
        expect(row.teacher).toBe(run.key.teacher === CEILING ? 'ceiling' : String(run.key.teacher));
        expect(row.selected).toBe(String(run.key.teacher !== CEILING && chosen.has(`${run.key.teacher}/${run.key.lr}`)));
        for (const c of COLUMNS) expect(bits(Number(row[c]))).toBe(bits((series as unknown as Record<string, Float64Array>)[c][i]));
      }
    }
  });

  it('the Parquet tables, read back by pyarrow: every point bit for bit, and one row per teacher with the summary', async () => {
    const check = spawnSync('python3', ['-c', 'import pyarrow'], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`pyarrow is needed to read the Parquet export back: bash scripts/install-system-deps.sh (${check.stderr.trim()})`);
    const read = (bytes: Buffer, name: string) => {
      const file = join(fixture.dir, name);
      writeFileSync(file, bytes);
      const script = `
import json, struct, sys
import pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
enc = lambda v: struct.pack(">d", v).hex() if isinstance(v, float) else v
print(json.dumps({n: [enc(v) for v in t.column(n).to_pylist()] for n in t.column_names}))`;
      return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as Record<string, (string | number | boolean | null)[]>;
    };
    const series = read(await exportParquet(fixture.store, id, 'series'), 'series.parquet');
    const runs = fixture.store.loadExperimentRuns(id);
    for (const c of COLUMNS.slice(1)) expect(series[c]).toEqual(runs.flatMap(({ series: s }) => Array.from((s as unknown as Record<string, Float64Array>)[c], bits)));
    expect(series.step).toEqual(runs.flatMap(({ series: s }) => Array.from(s.step)));
    expect(series.selected).toEqual(runs.flatMap(({ run }) => Array.from({ length: run.recorded }, () => run.key.teacher !== CEILING && chosen.has(`${run.key.teacher}/${run.key.lr}`))));
    const teachers = read(await exportParquet(fixture.store, id, 'teachers'), 'teachers.parquet');
    expect(teachers.teacher).toEqual([0, 1, 2]);
    expect(teachers.teacher_accuracy).toEqual(expected.teachers.map((t) => bits(t.teacherAccuracy)));
    expect(teachers.gain).toEqual(expected.teachers.map((t) => (t.gain === null ? null : bits(t.gain))));
    expect(teachers.gain_standard_error).toEqual(expected.teachers.map((t) => (t.gainStandardError === null ? null : bits(t.gainStandardError))));
    expect(teachers.best_learning_rate).toEqual(expected.teachers.map((t) => (t.bestLearningRate === null ? null : bits(t.bestLearningRate))));
    expect(teachers.best_step).toEqual(expected.teachers.map((t) => t.bestStep));
    expect(teachers.student_accuracy).toEqual(expected.teachers.map(() => bits(expected.studentAccuracy)));
  });

  it('the JSON export holds the summary and every series; a bundle is refused, naming the setup', () => {
    const json = JSON.parse(JSON.stringify(exportJson(fixture.store, id))) as { experiment: { summary: { randomFeatures: unknown } }; runs: { series: Record<string, number[]> }[] };
    expect(json.experiment.summary.randomFeatures).toEqual(JSON.parse(JSON.stringify(expected)));
    const runs = fixture.store.loadExperimentRuns(id);
    expect(json.runs.map((r) => Object.keys(r.series))).toEqual(runs.map(() => COLUMNS));
    expect(json.runs.map((r) => r.series.headNorm)).toEqual(runs.map(({ series }) => Array.from((series as unknown as Record<string, Float64Array>).headNorm)));
    expect(() => makeBundle(fixture.store, id)).toThrow(/bundles of setup 'random-features' are not wired yet/);
  });
});
