/**
 * A sweep through the real lab (engine processes, a SQLite history): β × d × replicates. Laws: its
 * stored summary equals the engine's in-process one (whatever the workers), each replicate-0 cell's
 * runs equal the same spec without the sweep run as its own experiment, the groups pool exactly
 * their replicates' teachers, and the CSV and Parquet exports carry one column per swept path.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCsv } from '../../src/backend/exchange';
import { exportParquet } from '../../src/backend/parquet';
import type { RunStore } from '../../src/backend/store/store';
import { cellsOf } from '../../src/engine/grid';
import { validateSpec } from '../../src/engine/spec';
import { summarizeExperiment, withoutTrajectories } from '../../src/engine/summary';
import { meanInterval, wilsonInterval } from '../../src/engine/intervals';
import { runAll } from '../helpers/experiment';
import { type LabFixture, openLabFixture } from '../helpers/labFixture';

const base = { seed: 5, engine: { path: 'preview' }, student: { accuracy: 0.8, norm: 1 }, teachers: { count: 5, accuracy: 0.7 }, sft: { steps: 120, learningRates: [0.1, 1], batchSize: 1000 } };
const doc = { ...base, beta: [0.5, 2], data: { d: [20, 40] }, replicates: 2 };

let fixture: LabFixture;
let store: RunStore;
let sweepId: number;
let plainId: number;

beforeAll(async () => {
  fixture = openLabFixture('sweep-lab');
  store = fixture.store;
  sweepId = fixture.lab.submit(validateSpec(doc));
  plainId = fixture.lab.submit(validateSpec({ ...base, beta: 2, data: { d: 40 } }));
  await fixture.lab.finished(sweepId);
  await fixture.lab.finished(plainId);
});
afterAll(() => fixture.close());

describe('a β × d × replicates sweep in the lab', () => {
  it('stores the summary the engine computes in one process, groups and intervals included', () => {
    const { spec, outcomes } = runAll(doc);
    const expected = withoutTrajectories(summarizeExperiment(spec, 'preview', cellsOf(spec), outcomes));
    const stored = store.getExperiment(sweepId)?.summary;
    expect(stored?.groups).toEqual(expected.groups);
    expect(stored?.cells.map((c) => [c.axes, c.gainMean, c.gainInterval])).toEqual(expected.cells.map((c) => [c.axes, c.gainMean, c.gainInterval]));
    expect(stored?.groups).toHaveLength(4);
  });

  it('its cell at β = 2, d = 40, replicate 0 ran exactly the runs of that spec written without the sweep', () => {
    const cells = cellsOf(validateSpec(doc));
    const cell = cells.find((c) => c.axes.beta === 2 && c.axes['data.d'] === 40 && c.axes.replicate === 0);
    const swept = store.loadExperimentRuns(sweepId).filter((r) => r.run.key.cell === cell?.index);
    const plain = store.loadExperimentRuns(plainId);
    expect(swept.map((r) => [r.run.key.teacher, r.run.key.lr, Array.from(r.series.cos)])).toEqual(plain.map((r) => [r.run.key.teacher, r.run.key.lr, Array.from(r.series.cos)]));
  });

  it('a group pools its replicates: the gain across replicate means (t), the fraction improved over every teacher (Wilson)', () => {
    const s = store.getExperiment(sweepId)?.summary;
    const group = s?.groups?.find((g) => g.axes.beta === 0.5 && g.axes['data.d'] === 40);
    const members = s?.cells.filter((c) => c.axes?.beta === 0.5 && c.axes['data.d'] === 40) ?? [];
    expect(members.map((m) => m.axes?.replicate)).toEqual([0, 1]);
    expect(group?.cells).toEqual(members.map((m) => m.cell));
    expect(group?.gainMean).toEqual(meanInterval(members.map((m) => m.gainMean)));
    const gains = members.flatMap((m) => m.teachers.map((t) => t.gain as number));
    expect(group?.fractionImproved).toEqual(wilsonInterval(gains.filter((g) => g > 0).length, gains.length));
  });

  it('cancelled after its first run and resumed, it stores the uninterrupted sweep’s series (item 6: sweeps resume)', async () => {
    const lab = fixture.lab;
    // Longer runs than the other tests' (so the cancel finds runs left), against the same spec run whole.
    const long = { ...doc, teachers: { count: 20, accuracy: 0.7 }, sft: { ...base.sft, steps: 2000 } };
    const whole = lab.submit(validateSpec(long));
    await lab.finished(whole);
    const id = lab.submit(validateSpec(long));
    const stop = lab.on((e) => {
      if (e.type === 'run') {
        stop();
        lab.cancel(id);
      }
    });
    expect((await lab.finished(id)).status).toBe('cancelled');
    const runs = store.listRuns(id);
    expect(runs.some((r) => r.status === 'cancelled')).toBe(true);
    lab.resume(id);
    expect((await lab.finished(id)).status).toBe('done');
    const cos = (of: number) => store.loadExperimentRuns(of).map(({ run, series }) => [run.key, Array.from(series.cos)]);
    expect(cos(id)).toEqual(cos(whole));
    expect(store.getExperiment(id)?.summary?.groups).toEqual(store.getExperiment(whole)?.summary?.groups);
  });

  it('CSV and Parquet carry one column per swept path, with each row its cell’s coordinates', async () => {
    const cells = cellsOf(validateSpec(doc));
    const [header, ...rows] = exportCsv(store, sweepId).trimEnd().split('\n');
    const names = header.split(',');
    expect(names.slice(5, 8)).toEqual(['beta', 'data.d', 'replicate']);
    for (const row of rows.filter((_, i) => i % 97 === 0)) {
      const v = row.split(',');
      const cell = cells[Number(v[1])];
      expect([Number(v[5]), Number(v[6]), Number(v[7])]).toEqual([cell.axes.beta, cell.axes['data.d'], cell.axes.replicate]);
    }
    // Read back by pyarrow (an independent reader), as test/backend/parquet.test.ts does.
    const dir = mkdtempSync(join(tmpdir(), 'w2s-sweep-parquet-'));
    const file = join(dir, 'teachers.parquet');
    writeFileSync(file, await exportParquet(store, sweepId, 'teachers'));
    const read = spawnSync('python3', ['-c', `import json, pyarrow.parquet as pq; t = pq.read_table(${JSON.stringify(file)}); print(json.dumps(t.select(['cell', 'beta', 'data.d', 'replicate']).to_pylist()))`], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(read.stderr).toBe('');
    const teachers = JSON.parse(read.stdout) as Record<string, number>[];
    expect(teachers).toHaveLength(8 * 5);
    for (const t of teachers) expect([t.beta, t['data.d'], t.replicate]).toEqual([cells[t.cell].axes.beta, cells[t.cell].axes['data.d'], cells[t.cell].axes.replicate]);
  });
});
