/**
 * The run store on a real SQLite file: migrations (from empty and from the previous version, with
 * a backup), bit-exact series round trips, consistent snapshots during writes, and the crash path.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ExperimentContext } from '../../src/engine/experiment';
import { cellsOf, runKeys } from '../../src/engine/grid';
import { type RunSeries, SftRun } from '../../src/engine/run';
import { resolvePath, validateSpec } from '../../src/engine/spec';
import { summarizeExperiment } from '../../src/engine/summary';
import { historyEntry } from '../../src/backend/historyList';
import { RunStore, SchemaTooNewError } from '../../src/backend/store/store';
import { SCHEMA_VERSION } from '../../src/backend/store/schema';
import { connectionOf } from '../../src/backend/store/connection';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-store-'));
  dirs.push(dir);
  return join(dir, 'lab.sqlite');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function sliceSeries(series: RunSeries, from: number, to: number): RunSeries {
  return Object.fromEntries(Object.entries(series).map(([k, v]) => [k, (v as Float64Array).subarray(from, to)])) as unknown as RunSeries;
}

const spec = validateSpec({ seed: 5, teachers: { count: 2 }, sft: { steps: 25, batchSize: 300, learningRates: [0.1, 1] } });

describe('run store', () => {
  it('migrates an empty file to the current schema with WAL and foreign keys', () => {
    const store = RunStore.open(tempFile(), '0.0.1');
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    expect(connectionOf(store).pragma('journal_mode', { simple: true })).toBe('wal');
    expect(connectionOf(store).pragma('foreign_keys', { simple: true })).toBe(1);
    store.close();
  });

  it('upgrades a database of the previous version, keeping its data and a backup copy', () => {
    const file = tempFile();
    const old = RunStore.openAtVersion(file, '0.0.1', SCHEMA_VERSION - 1);
    expect(old.schemaVersion).toBe(SCHEMA_VERSION - 1);
    connectionOf(old).prepare(`INSERT INTO experiments (name, setup, spec, seed, status, created_at, app_version) VALUES ('old', 'random-teacher', ?, 5, 'done', '2026-01-01', '0.0.1')`).run(JSON.stringify(spec));
    old.close();
    const store = RunStore.open(file, '0.0.2');
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    expect(existsSync(`${file}.bak-v${SCHEMA_VERSION - 1}`)).toBe(true);
    const [e] = store.listExperiments();
    expect(e.name).toBe('old');
    expect(e.duplicatedFrom).toBeNull();
    store.close();
    const backup = new Database(`${file}.bak-v${SCHEMA_VERSION - 1}`, { readonly: true });
    expect(backup.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION - 1);
    backup.close();
  });

  it('refuses a file from a newer app and leaves it untouched', () => {
    const file = tempFile();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => RunStore.open(file, '0.0.1')).toThrow(SchemaTooNewError);
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    after.close();
  });

  it('round-trips series bit-exactly through chunked appends', () => {
    const store = RunStore.open(tempFile(), '0.0.1');
    const keys = runKeys(spec);
    const id = store.createExperiment(spec, keys);
    const runs = store.listRuns(id);
    expect(runs).toHaveLength(keys.length);
    const context = new ExperimentContext(spec);
    const run = SftRun.start(context, runs[3].key).complete();
    const series = run.recordedSeries();
    for (const [from, to] of [[0, 7], [7, 8], [8, 26]]) {
      store.appendSeries(runs[3].id, sliceSeries(series, from, to), from, { stepsDone: series.step[to - 1], checkpoint: null });
    }
    const loaded = store.loadSeries(runs[3].id);
    for (const name of ['step', 'inner', 'norm', 'cos', 'accuracy', 'agreement'] as const) {
      expect(Buffer.from(loaded[name].buffer).equals(Buffer.from(series[name].slice().buffer))).toBe(true);
    }
    expect(() => store.appendSeries(runs[3].id, sliceSeries(series, 3, 5), 3, { stepsDone: 5, checkpoint: null })).toThrow(/26 are stored/);
    store.close();
  });

  it('tags, notes, rename, duplicate and delete (cascading to runs and series)', () => {
    const store = RunStore.open(tempFile(), '0.0.1');
    const id = store.createExperiment(spec, runKeys(spec), { name: 'first' });
    store.rename(id, 'renamed');
    store.setNotes(id, 'a note');
    store.setTags(id, ['fig1', 'baseline', 'fig1']);
    const e = store.getExperiment(id);
    expect(e?.name).toBe('renamed');
    expect(e?.notes).toBe('a note');
    expect(e?.tags).toEqual(['baseline', 'fig1']);
    const copy = store.duplicateSpec(id);
    expect(copy.name).toBe('renamed (copy)');
    expect({ ...copy, name: undefined }).toEqual({ ...spec, name: undefined });
    const runId = store.listRuns(id)[0].id;
    store.appendSeries(runId, SftRun.start(new ExperimentContext(spec), store.listRuns(id)[0].key).complete().recordedSeries(), 0, { stepsDone: 25, checkpoint: null });
    store.deleteExperiment(id);
    expect(store.getExperiment(id)).toBeNull();
    expect(connectionOf(store).prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 0 });
    expect(connectionOf(store).prepare('SELECT COUNT(*) AS n FROM series_chunks').get()).toEqual({ n: 0 });
    expect(() => store.rename(id, 'x')).toThrow(/no experiment/);
    store.close();
  });

  it('marks runs and experiments left running as interrupted', () => {
    const store = RunStore.open(tempFile(), '0.0.1');
    const id = store.createExperiment(spec, runKeys(spec));
    store.setExperimentStatus(id, 'running');
    const [a, b] = store.listRuns(id);
    store.setRunStatus(a.id, 'running');
    store.setRunStatus(b.id, 'done');
    expect(store.markInterrupted()).toEqual({ experiments: [id], runs: 1 });
    expect(store.getRun(a.id)?.status).toBe('interrupted');
    expect(store.getRun(b.id)?.status).toBe('done');
    expect(store.getExperiment(id)?.status).toBe('interrupted');
    store.close();
  });

  it('the history list (summaries left in the file) equals the full records with their two figures', () => {
    const store = RunStore.open(tempFile(), '0.0.1');
    const keys = runKeys(spec);
    const context = new ExperimentContext(spec);
    const runs = keys.map((key) => SftRun.start(context, key).complete());
    const summary = summarizeExperiment(spec, resolvePath(spec), cellsOf(spec), runs.map((r, i) => ({ key: keys[i], status: 'done' as const, descriptor: r.descriptor, series: r.recordedSeries() })));
    const a = store.createExperiment(spec, keys, { name: 'with summary' });
    store.setSummary(a, summary);
    store.setTags(a, ['x', 'a']);
    store.createExperiment(spec, keys, { name: 'without' });
    const full = store.listExperiments().map(historyEntry);
    expect(store.listHistory()).toEqual(full);
    expect(full[0].fractionImproved).toBe(summary.fractionImproved);
    expect(full[0].gainMean).toBe(summary.gainMean);
    expect(full[1].fractionImproved).toBeNull();
    store.close();
  });

  it('a reader during a long write sees a consistent experiment (WAL snapshot)', () => {
    const file = tempFile();
    const writer = RunStore.open(file, '0.0.1');
    const id = writer.createExperiment(spec, runKeys(spec));
    const runs = writer.listRuns(id);
    const reader = RunStore.open(file, '0.0.1');
    const series = SftRun.start(new ExperimentContext(spec), runs[0].key).complete().recordedSeries();
    // A long write: every run gets its series in one transaction; the reader looks in the middle.
    let seenMidway: number[] = [];
    connectionOf(writer).transaction(() => {
      runs.forEach((run, i) => {
        writer.appendSeries(run.id, series, 0, { stepsDone: 25, checkpoint: null, status: 'done' });
        if (i === 2) seenMidway = reader.loadExperimentRuns(id).map((r) => r.series.cos.length);
      });
    })();
    expect(seenMidway.every((n) => n === 0)).toBe(true);
    const after = reader.loadExperimentRuns(id);
    expect(after.every((r) => r.series.cos.length === 26 && r.run.status === 'done')).toBe(true);
    writer.close();
    reader.close();
  });
});
