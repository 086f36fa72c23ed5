/**
 * Schema 10's compact series chunks (src/backend/store/seriesEncoding.ts): every column of
 * preset-like experiments read back bit for bit — cos and accuracy, where they are left out, are
 * re-derived to exactly the doubles the engine wrote (0 ulp, checked on writing), and kept where
 * they are not such functions (accuracy measured on held-out samples of a non-elliptical law);
 * frozen schema-9 files converted in place with a backup, into 4 KiB pages, every value as before;
 * and the cheap status query of the lab's cancel poll.
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { accuracyFromCos } from '../../src/engine/accuracy';
import { recordedLength } from '../../src/engine/grid';
import type { RunSeries } from '../../src/engine/run';
import { SCHEMA_VERSION } from '../../src/backend/store/schema';
import { decodeChunk, encodeBlock } from '../../src/backend/store/seriesEncoding';
import { RunStore } from '../../src/backend/store/store';
import { connectionOf } from '../../src/backend/store/connection';
import { float64Block } from '../../src/shared/seriesCodec';
import { runAll } from '../helpers/experiment';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-compact-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const COLUMNS = ['step', 'inner', 'norm', 'cos', 'accuracy', 'agreement'] as const;

/** The bytes of a column, to compare doubles bit for bit (NaN payloads and −0 included). */
const bytesOf = (values: Float64Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

/** Figure 1 and Figure 2 as the presets have them, scaled down: preview and reduced paths, and a non-elliptical dense one. */
const PRESET_LIKE = {
  'figure 1, preview': { seed: 1, data: { law: 'gaussian', d: 100 }, student: { accuracy: 0.8, norm: [0.5, 10] }, teachers: { count: 3, accuracy: 0.7 }, sft: { batchSize: 1000, steps: 120, learningRates: [1e-5, 0.1, 10], earlyStopping: 'oracle' }, engine: { path: 'preview' } },
  'figure 2, reduced': { seed: 2, data: { law: 'gaussian', d: 50 }, student: { accuracy: 0.8, norm: [1, 3] }, teachers: { count: 2, accuracy: [0.55, 0.75] }, sft: { batchSize: 300, steps: 60, recordEvery: 7, learningRates: [0.01, 1] }, engine: { path: 'reduced' } },
} as const;

describe('compact series chunks', () => {
  for (const [name, input] of Object.entries(PRESET_LIKE)) {
    it(`${name}: every column of every run stored and read back bit for bit, cos and accuracy derived exactly`, () => {
      const { spec, outcomes } = runAll(input);
      const store = RunStore.open(join(tempDir(), 'lab.sqlite'), 'test');
      try {
        const id = store.createExperiment(spec, outcomes.map((o) => o.key));
        const runs = store.listRuns(id);
        // Half of each run appended, the rest stored as a run end, as the lab does.
        store.write(() =>
          runs.forEach((run, i) => {
            const s = outcomes[i].series;
            const half = s.step.length >> 1;
            const part = (from: number, to: number) => Object.fromEntries(COLUMNS.map((c) => [c, s[c].subarray(from, to)])) as unknown as RunSeries;
            store.appendSeries(run.id, part(0, half), 0, { stepsDone: s.step[half - 1], checkpoint: null });
            store.storeRunEnds([{ runId: run.id, chunk: part(half, s.step.length), from: half, stepsDone: spec.sft.steps, status: outcomes[i].status, descriptor: outcomes[i].descriptor }]);
          }),
        );
        const stored = store.loadExperimentRuns(id);
        let points = 0;
        stored.forEach(({ run, series }, i) => {
          const expected = outcomes[i].series;
          expect(run.recorded).toBe(expected.step.length);
          points += run.recorded;
          for (const c of COLUMNS) expect(bytesOf(series[c]).equals(bytesOf(expected[c])), `${JSON.stringify(run.key)} ${c}`).toBe(true);
        });
        // Every recorded point of every run is there (the Parquet export's rows).
        expect(points).toBe(outcomes.reduce((n, o) => n + o.series.step.length, 0));
        if (spec.sft.recordEvery > 1) expect(stored[0].run.recorded).toBe(recordedLength(spec.sft.steps, spec.sft.recordEvery));
        // The runs at cell rates that SQLite chooses are those a filter of every run chooses, in the same order, with the same doubles.
        for (const rates of [[1, 0], [0, null], [null, null]]) {
          const bySql = store.loadSeriesBlock(id, { cellRates: rates }, ['step', 'cos']);
          const byFilter = store.loadSeriesBlock(id, (r) => r.key.teacher >= 0 && r.key.lr === rates[r.key.cell], ['step', 'cos']);
          expect(bySql.runs.map((r) => r.id), JSON.stringify(rates)).toEqual(byFilter.runs.map((r) => r.id));
          expect(bySql.runs.length).toBe(rates.filter((r) => r !== null).length * spec.teachers.count);
          expect(bytesOf(bySql.data).equals(bytesOf(byFilter.data))).toBe(true);
        }
        // step (the recording schedule), cos and accuracy are left out of every chunk: exact functions
        // of inner and norm on these paths; agreement too exactly where it equals accuracy at every
        // point (the ceiling's teacher is w*).
        const db = connectionOf(store);
        const heads = db.prepare('SELECT run_id AS runId, data FROM series_chunks').all() as { runId: number; data: Buffer }[];
        expect(heads.length).toBeGreaterThanOrEqual(runs.length);
        let agreementDerived = 0;
        for (const { runId, data } of heads) {
          const i = runs.findIndex((r) => r.id === runId);
          const s = outcomes[i].series;
          const same = s.agreement.every((g, k) => Object.is(g, s.accuracy[k]));
          expect(data[0], 'format').toBe(1);
          expect(data[1], JSON.stringify(runs[i].key)).toBe((1 << 0) | (1 << 3) | (1 << 4) | (same ? 1 << 5 : 0));
          if (same) agreementDerived++;
        }
        if (spec.engine.path === 'preview') expect(agreementDerived).toBeGreaterThan(0);
        // And chunks of some length (figure 1's 60 points) hold well under half of the six raw columns.
        if (spec.engine.path === 'reduced') return;
        const { bytes } = db.prepare('SELECT SUM(length(data)) AS bytes FROM series_chunks').get() as { bytes: number };
        expect(bytes).toBeLessThan(0.5 * points * COLUMNS.length * 8);
      } finally {
        store.close();
      }
    });
  }

  it('keeps a measured accuracy (not accuracyFromCos of cos) and any other double as it is: NaN, ±0, ±∞, subnormals', () => {
    const columns = [...COLUMNS];
    const n = 9;
    const block = new Float64Array(columns.length * n);
    const col = (c: number) => block.subarray(c * n, (c + 1) * n);
    const odd = [NaN, -0, 0, Infinity, -Infinity, 5e-324, -Number.MAX_VALUE, 1 / 3, 0.1];
    col(0).set(odd.map((_, i) => i));
    col(1).set(odd);
    col(2).set([1, 2, 0, 3, 4, 5, 6, 7, -1]);
    col(3).set(Array.from({ length: n }, (_, i) => (col(2)[i] > 0 ? col(1)[i] / col(2)[i] : 0)));
    // A held-out accuracy: one point off accuracyFromCos(cos) by one ulp.
    col(4).set(Array.from(col(3), accuracyFromCos));
    col(4)[4] = col(4)[4] + Number.EPSILON / 2;
    col(5).set(odd.slice().reverse());
    const data = encodeBlock(columns, block, n);
    expect(data[1]).toBe((1 << 0) | (1 << 3)); // step and cos derived, accuracy stored
    expect(bytesOf(decodeChunk(data, columns, n)).equals(bytesOf(block))).toBe(true);
  });

  it('a long noisy chunk (its low byte planes stored as they are, its high ones left out) and a chunk of one point read back bit for bit', () => {
    const columns = [...COLUMNS];
    // A random walk of doubles (noise in the low bits, as SGD's) from a fixed linear congruential stream.
    let state = 12345;
    const uniform = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const n of [3000, 1, 2, 3]) {
      const block = new Float64Array(columns.length * n);
      const col = (c: number) => block.subarray(c * n, (c + 1) * n);
      let x = 0.3;
      for (let i = 0; i < n; i++) {
        col(0)[i] = 5 * i;
        x += 1e-4 * (uniform() - 0.5);
        col(1)[i] = x;
        col(2)[i] = 1 + uniform() * 1e-3;
        col(3)[i] = col(1)[i] / col(2)[i];
        col(4)[i] = accuracyFromCos(col(3)[i]);
        col(5)[i] = uniform();
      }
      const data = encodeBlock(columns, block, n);
      expect(bytesOf(decodeChunk(data, columns, n)).equals(bytesOf(block)), `${n} points`).toBe(true);
      if (n === 3000) {
        // Derived: step (every 5), cos, accuracy. Stored: inner, norm, agreement: 3 columns × 8 planes, 2 bits each.
        expect(data[1]).toBe((1 << 0) | (1 << 3) | (1 << 4));
        const classes = Array.from({ length: 24 }, (_, p) => (data[2 + (p >> 2)] >> (2 * (p & 3))) & 3);
        expect(classes[0]).toBe(0); // inner's top byte: its second differences are small
        expect(classes).toContain(2); // some plane stored raw
        expect(classes).toContain(1); // some compressed
        expect(data.length).toBeLessThan(0.75 * 3 * n * 8);
      }
    }
  });

  it('decodes only the wanted columns, each bit for bit as a whole decode gives it, and leaves the others unread', () => {
    const columns = [...COLUMNS];
    let state = 777;
    const uniform = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const n = 1001;
    const block = new Float64Array(columns.length * n);
    const col = (c: number) => block.subarray(c * n, (c + 1) * n);
    let x = 0.4;
    for (let i = 0; i < n; i++) {
      col(0)[i] = i;
      x += 1e-4 * (uniform() - 0.5);
      col(1)[i] = x;
      col(2)[i] = 1 + uniform() * 1e-3;
      col(3)[i] = col(1)[i] / col(2)[i];
      col(4)[i] = accuracyFromCos(col(3)[i]);
      col(5)[i] = uniform();
    }
    const data = encodeBlock(columns, block, n);
    for (const wanted of [['step'], ['step', 'cos'], ['accuracy'], ['agreement'], ['norm', 'agreement'], columns]) {
      const part = decodeChunk(data, columns, n, wanted);
      columns.forEach((name, c) => {
        const got = part.subarray(c * n, (c + 1) * n);
        if (wanted.includes(name)) expect(bytesOf(got).equals(bytesOf(col(c))), `${name} of ${wanted.join(',')}`).toBe(true);
      });
      // A column neither wanted nor needed for one wanted is not decoded (left zero): agreement for a chart of cos.
      if (wanted.length === 2 && wanted[1] === 'cos') expect(part.subarray(5 * n, 6 * n).every((v) => v === 0)).toBe(true);
      // Into the reused buffer (a block of many runs), just after a whole decode filled it: the same doubles, unwanted ones zero too.
      decodeChunk(data, columns, n, undefined, true);
      const reused = decodeChunk(data, columns, n, wanted, true);
      expect(bytesOf(reused).equals(bytesOf(part)), `reused, ${wanted.join(',')}`).toBe(true);
    }
  });

  it('refuses a chunk of another format rather than read garbage', () => {
    expect(() => decodeChunk(new Uint8Array([7, 0, 1, 2]), ['step'], 1)).toThrow(/unknown format 7/);
  });
});

describe('schema 10: a frozen schema-9 history converted in place', () => {
  it('keeps a backup at schema 9, repacks into 4 KiB pages, and reads every series bit for bit as schema 9 stored it', () => {
    const dir = tempDir();
    const file = join(dir, 'lab.sqlite');
    copyFileSync(join(__dirname, '..', 'fixtures', 'histories', 'schema-9.sqlite'), file);
    const before = statSync(file).size;
    const store = RunStore.open(file, 'test');
    try {
      expect(store.schemaVersion).toBe(SCHEMA_VERSION);
      const db = connectionOf(store);
      expect(db.pragma('page_size', { simple: true })).toBe(4096);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const old = new Database(`${file}.bak-v9`, { readonly: true, fileMustExist: true });
      try {
        expect(old.pragma('user_version', { simple: true })).toBe(9);
        const oldRuns = old.prepare('SELECT id, columns, recorded FROM runs ORDER BY id').all() as { id: number; columns: string; recorded: number }[];
        expect(oldRuns.length).toBeGreaterThan(0);
        let compared = 0;
        for (const r of oldRuns) {
          const columns = JSON.parse(r.columns) as string[];
          const series = store.loadSeries(r.id) as unknown as Record<string, Float64Array>;
          for (const chunk of old.prepare('SELECT start, count, data FROM series_chunks WHERE run_id = ? ORDER BY start').all(r.id) as { start: number; count: number; data: Buffer }[]) {
            const raw = float64Block(chunk.data, chunk.count * columns.length);
            columns.forEach((name, c) => {
              expect(bytesOf(series[name].subarray(chunk.start, chunk.start + chunk.count)).equals(bytesOf(raw.subarray(c * chunk.count, (c + 1) * chunk.count))), `run ${r.id} ${name}`).toBe(true);
              compared += chunk.count;
            });
          }
        }
        expect(compared).toBeGreaterThan(0);
      } finally {
        old.close();
      }
    } finally {
      store.close();
    }
    expect(statSync(file).size).toBeLessThan(before);
  });
});

describe('schema 10: repacking a file another connection has open', () => {
  it('migrates and works in its old pages while another connection reads, and is repacked by the next open alone', () => {
    const dir = tempDir();
    const file = join(dir, 'lab.sqlite');
    copyFileSync(join(__dirname, '..', 'fixtures', 'histories', 'schema-9.sqlite'), file);
    const other = new Database(file);
    try {
      expect(other.pragma('page_size', { simple: true })).toBe(65536);
      // A reader in the middle of its snapshot (another process showing the history).
      other.exec('BEGIN');
      expect(other.prepare('SELECT COUNT(*) AS n FROM experiments').get()).toEqual({ n: 5 });
      const store = RunStore.open(file, 'test');
      try {
        expect(store.schemaVersion).toBe(SCHEMA_VERSION);
        expect(connectionOf(store).pragma('page_size', { simple: true })).toBe(65536);
        expect(connectionOf(store).pragma('journal_mode', { simple: true })).toBe('wal');
        const [experiment] = store.listExperiments();
        expect(store.loadExperimentRuns(experiment.id).length).toBeGreaterThan(0);
      } finally {
        store.close();
      }
      other.exec('COMMIT');
    } finally {
      other.close();
    }
    const alone = RunStore.open(file, 'test');
    try {
      expect(connectionOf(alone).pragma('page_size', { simple: true })).toBe(4096);
      expect(connectionOf(alone).pragma('journal_mode', { simple: true })).toBe('wal');
      expect(connectionOf(alone).pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      alone.close();
    }
  });
});

describe('experimentStatus', () => {
  it('is the stored status of one experiment, null for none', () => {
    const { spec, outcomes } = runAll(PRESET_LIKE['figure 2, reduced']);
    const store = RunStore.open(join(tempDir(), 'lab.sqlite'), 'test');
    try {
      const id = store.createExperiment(spec, outcomes.map((o) => o.key));
      expect(store.experimentStatus(id)).toBe('queued');
      store.setExperimentStatus(id, 'cancelled');
      expect(store.experimentStatus(id)).toBe(store.getExperiment(id)?.status);
      expect(store.experimentStatus(id)).toBe('cancelled');
      expect(store.experimentStatus(id + 1)).toBeNull();
    } finally {
      store.close();
    }
  });
});
