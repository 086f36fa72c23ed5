/**
 * Exports and bundles: CSV and JSON hold every stored point bit-exactly; a bundle imported into
 * another store reproduces the experiment; a truncated, corrupt or newer bundle is refused and
 * nothing is written.
 */
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/engine/spec';
import { BundleError, exportCsv, exportJson, importBundle, makeBundle } from '../../src/backend/exchange';
import { Lab } from '../../src/backend/lab';
import { LabApiService } from '../../src/backend/labApi';
import { RunStore } from '../../src/backend/store/store';
import { connectionOf } from '../../src/backend/store/connection';
import { type LabFixture, openLabFixture } from '../helpers/labFixture';

let fixture: LabFixture;
let dir: string;
let store: RunStore;
let id: number;

beforeAll(async () => {
  fixture = openLabFixture('exchange');
  ({ dir, store } = fixture);
  const lab = fixture.lab;
  id = lab.submit(validateSpec({ seed: 17, teachers: { count: 2, accuracy: [0.6, 0.7] }, sft: { steps: 15, batchSize: 200, learningRates: [0.1, 1], earlyStopping: 'validation', validationSize: 50 } }));
  await lab.finished(id);
  store.setTags(id, ['x']);
});
afterAll(() => fixture.close());

describe('exports', () => {
  it("CSV names each cell's prescribed κ (teachers.kappa), and leaves it empty where teachers are drawn at random", async () => {
    const kappaId = fixture.lab.submit(validateSpec({ seed: 18, teachers: { count: 1, accuracy: 0.7, kappa: [-0.5, 0.3] }, sft: { steps: 5, batchSize: 200, learningRates: [0.1] } }));
    await fixture.lab.finished(kappaId);
    const [head, ...rows] = exportCsv(store, kappaId).trim().split('\n').map((l) => l.split(','));
    const at = (name: string) => head.indexOf(name);
    expect(at('teacher_kappa')).toBe(at('teacher_target_accuracy') + 1);
    // Cell c of the grid norm × accuracy × κ has κ = [-0.5, 0.3][c]; every row of a run carries it.
    const byCell = new Map<string, Set<string>>();
    for (const r of rows) byCell.set(r[at('cell')], (byCell.get(r[at('cell')]) ?? new Set()).add(r[at('teacher_kappa')]));
    expect(Object.fromEntries([...byCell].map(([c, k]) => [c, [...k]]))).toEqual({ 0: ['-0.5'], 1: ['0.3'] });
    const [plainHead, plainRow] = exportCsv(store, id).trim().split('\n').map((l) => l.split(','));
    expect(plainRow[plainHead.indexOf('teacher_kappa')]).toBe('');
  });

  it('CSV holds every stored point, and its numbers parse back bit-exactly', () => {
    const lines = exportCsv(store, id).trim().split('\n');
    const header = lines[0].split(',');
    expect(header).toContain('validation');
    const runs = store.loadExperimentRuns(id);
    expect(lines.length - 1).toBe(runs.reduce((a, r) => a + r.run.recorded, 0));
    const cosColumn = header.indexOf('cos');
    const fromCsv = lines.slice(1, 1 + runs[0].run.recorded).map((l) => Number(l.split(',')[cosColumn]));
    expect(Float64Array.from(fromCsv)).toEqual(runs[0].series.cos);
  });

  it('JSON holds the spec, summary and every series', () => {
    const json = exportJson(store, id) as { experiment: { spec: unknown }; runs: { series: Record<string, number[]> }[] };
    expect(json.experiment.spec).toEqual(store.getExperiment(id)?.spec);
    const runs = store.loadExperimentRuns(id);
    expect(Float64Array.from(json.runs[3].series.norm)).toEqual(runs[3].series.norm);
  });
});

describe('bundles', () => {
  function count(target: RunStore): number {
    return (connectionOf(target).prepare('SELECT COUNT(*) AS n FROM experiments').get() as { n: number }).n + (connectionOf(target).prepare('SELECT COUNT(*) AS n FROM series_chunks').get() as { n: number }).n;
  }

  it('round-trip into another store: same spec, summary, statuses and bit-identical series', async () => {
    const other = RunStore.open(join(dir, 'other.sqlite'), 'test');
    const imported = await importBundle(other, makeBundle(store, id));
    const a = store.getExperiment(id);
    const b = other.getExperiment(imported);
    expect(b?.spec).toEqual(a?.spec);
    expect(b?.summary).toEqual(a?.summary);
    expect(other.loadSummary(imported)).toEqual(store.loadSummary(id));
    expect(b?.tags).toEqual(['x']);
    const ra = store.loadExperimentRuns(id);
    const rb = other.loadExperimentRuns(imported);
    expect(rb.map((r) => [r.run.key, r.run.status])).toEqual(ra.map((r) => [r.run.key, r.run.status]));
    rb.forEach((r, i) => expect(r.series).toEqual(ra[i].series));
    other.close();
  });

  it('refuses truncated, corrupt and newer bundles with a clear message, writing nothing', async () => {
    const target = RunStore.open(join(dir, 'target.sqlite'), 'test');
    const bundle = makeBundle(store, id);
    const before = count(target);

    await expect(importBundle(target, bundle.subarray(0, bundle.length >> 1))).rejects.toThrow(/truncated or corrupt/);

    const json = JSON.parse(gunzipSync(bundle).toString('utf8'));
    const tampered = { ...json, payload: json.payload.replace('"done"', '"fail"') };
    await expect(importBundle(target, gzipSync(JSON.stringify(tampered)))).rejects.toThrow(/checksum/);

    const newer = { ...json, formatVersion: 99 };
    await expect(importBundle(target, gzipSync(JSON.stringify(newer)))).rejects.toThrow(/newer .* update W2S Lab/);

    await expect(importBundle(target, Buffer.from('hello'))).rejects.toThrow(BundleError);
    await expect(importBundle(target, gzipSync('{"format":"other","formatVersion":1}'))).rejects.toThrow(/not a W2S Lab bundle/);
    expect(count(target)).toBe(before);
    target.close();
  });

  it('through the LabApi (File → Import bundle…): a new experiment with the same summary; a bad file is a 400 naming the field or the problem', async () => {
    const target = RunStore.open(join(dir, 'api.sqlite'), 'test');
    const service = new LabApiService(new Lab(target, fixture.pool));
    const { id: copy } = (await service.handle('importBundle', { data: makeBundle(store, id).toString('base64') })) as { id: number };
    expect(target.getExperiment(copy)?.summary).toEqual(store.getExperiment(id)?.summary);
    const before = count(target);
    await expect(service.handle('importBundle', { data: 'not base64!' })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('data: must be base64') });
    await expect(service.handle('importBundle', { data: '' })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('data:') });
    await expect(service.handle('importBundle', { data: Buffer.from('hello').toString('base64') })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('not a W2S Lab bundle') });
    expect(count(target)).toBe(before);
    target.close();
  });
});
