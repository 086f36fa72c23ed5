/**
 * Experiment ids are never reused (issue 19, finding 9): after the newest experiment is deleted,
 * the next one gets a new id (before, SQLite's rowid handed out the deleted one again, and notes,
 * sidecars, duplicatedFrom and compare URLs then named another experiment). A history of the
 * schema before (5) is migrated keeping every id, its runs, series, tags and references, with the
 * usual backup copy.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SERIES_NAMES } from '../../src/engine/run';
import { validateSpec } from '../../src/engine/spec';
import { connectionOf } from '../../src/backend/store/connection';
import { SCHEMA_VERSION } from '../../src/backend/store/schema';
import { decodeChunk } from '../../src/backend/store/seriesEncoding';
import { RunStore } from '../../src/backend/store/store';
import { float64Block } from '../../src/shared/seriesCodec';

const dir = mkdtempSync(join(tmpdir(), 'w2s-ids-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = validateSpec({ teachers: { count: 1 }, sft: { steps: 4, learningRates: [1] } });
const key = { cell: 0, teacher: 0, lr: 0 };
/** The last schema whose experiment ids were plain rowids. */
const ROWID_SCHEMA = 5;
const series = { step: Float64Array.of(0, 1), inner: Float64Array.of(0.1, 0.2), norm: Float64Array.of(1, 1), cos: Float64Array.of(0.5, 0.6), accuracy: Float64Array.of(0.7, 0.8), agreement: Float64Array.of(0.9, 0.9) };

/** Every table's rows, in id order, for comparing a history before and after. */
function rows(file: string, table: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all();
  } finally {
    db.close();
  }
}

describe('experiment ids', () => {
  it('a new history never hands out a deleted id again', () => {
    const store = RunStore.open(join(dir, 'new.sqlite'), 'test');
    const ids = [1, 2, 3].map(() => store.createExperiment(spec, [key]));
    expect(ids).toEqual([1, 2, 3]);
    store.deleteExperiment(3);
    expect(store.createExperiment(spec, [key])).toBe(4);
    store.deleteExperiment(4);
    store.close();
    const again = RunStore.open(join(dir, 'new.sqlite'), 'test');
    expect(again.createExperiment(spec, [key])).toBe(5);
    again.close();
  });

  it('a history of schema 5 (plain rowids) keeps every id, run, series, tag and reference; a deleted newest id is not reused after', () => {
    const file = join(dir, 'old.sqlite');
    const old = RunStore.openAtVersion(file, '0.0.1', ROWID_SCHEMA);
    const a = old.createExperiment(spec, [key]);
    const b = old.createExperiment(spec, [key], { duplicatedFrom: a });
    const c = old.createExperiment(spec, [key]);
    old.deleteExperiment(c);
    const d = old.createExperiment(spec, [key]); // the old schema reuses c's id: the state issue 19 found
    expect(d).toBe(c);
    old.setTags(a, ['paper']);
    old.setNotes(b, 're-run of #1');
    const [run] = old.listRuns(a);
    old.appendSeries(run.id, series, 0, { stepsDone: 1, checkpoint: null, status: 'done' });
    old.close();
    const before = Object.fromEntries(['experiments', 'runs', 'series_chunks', 'tags'].map((t) => [t, rows(file, t)]));

    const store = RunStore.open(file, '0.0.2');
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    expect(existsSync(`${file}.bak-v${ROWID_SCHEMA}`)).toBe(true);
    store.close();
    // Later migrations add columns (experiments.label, schema 9: null for every old row) and store
    // series chunks compactly (schema 10: the same doubles, bit for bit, in fewer bytes); the rest is kept as it was.
    const doubles = (r: unknown, decode: (data: Buffer, count: number) => Float64Array) => {
      const { data, ...rest } = r as { data: Buffer; count: number };
      return { ...rest, values: Buffer.from(decode(data, rest.count).buffer) };
    };
    const columns = [...SERIES_NAMES];
    before.series_chunks = before.series_chunks.map((r) => doubles(r, (data, count) => float64Block(data, count * columns.length)));
    const kept = (table: string) =>
      rows(file, table).map((r) => (table === 'experiments' ? withoutLabel(r as Record<string, unknown>) : table === 'series_chunks' ? doubles(r, (data, count) => decodeChunk(data, columns, count)) : r));
    for (const [table, content] of Object.entries(before)) expect(kept(table), table).toEqual(content);

    const after = RunStore.open(file, '0.0.2');
    expect(after.getExperiment(b)?.duplicatedFrom).toBe(a);
    expect(after.loadSeries(run.id).cos).toEqual(series.cos);
    expect(connectionOf(after).pragma('foreign_keys', { simple: true })).toBe(1);
    expect(after.createExperiment(spec, [key])).toBe(d + 1);
    after.deleteExperiment(d + 1);
    expect(after.createExperiment(spec, [key])).toBe(d + 2);
    // References still hold: deleting an experiment takes its runs, series and tags, and clears duplicatedFrom.
    after.deleteExperiment(a);
    expect(after.getExperiment(b)?.duplicatedFrom).toBeNull();
    expect(after.listRuns(a)).toEqual([]);
    after.close();
    expect(rows(file, 'series_chunks')).toEqual([]);
    expect(rows(file, 'tags')).toEqual([]);
    // The history's change counter still counts inserts (its triggers were made again).
    const revision = () => (rows(file, 'history_revision')[0] as { revision: number }).revision;
    const r0 = revision();
    const last = RunStore.open(file, '0.0.2');
    last.createExperiment(spec, [key]);
    last.close();
    expect(revision()).toBe(r0 + 1);
  });
});

/** An experiments row without the label column (schema 9), which must be null in a migrated row. */
function withoutLabel(row: Record<string, unknown>): Record<string, unknown> {
  const { label, ...rest } = row;
  expect(label).toBeNull();
  return rest;
}
