/**
 * Summaries that scale (issue 19, finding 3). The stored summary's row is the same few kilobytes
 * whatever the steps: the per-step trajectory is stored binary apart (before, it was JSON that
 * grew 183 bytes a step, and at 3 × 10⁶ steps could not be written: "Invalid string length").
 * The summary read back with its trajectory equals the engine's in-memory summary of the stored
 * runs, bit for bit. And one real long run: a 3 000 000-step preview teacher through `w2s run`,
 * killed once it has checkpointed, finishes with `w2s resume` and stores its summary.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { cellsOf } from '../../src/engine/grid';
import { resolvePath, validateSpec } from '../../src/engine/spec';
import { summarizeExperiment } from '../../src/engine/summary';
import { RunStore } from '../../src/backend/store/store';
import { openLabFixture } from '../helpers/labFixture';

const W2S = join(__dirname, '..', '..', 'bin', 'w2s.cjs');
const dir = mkdtempSync(join(tmpdir(), 'w2s-long-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bytes of the stored summary's JSON row. */
function summaryRowBytes(file: string, id: number): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT length(summary) AS n FROM experiments WHERE id = ?').get(id) as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('the stored summary', () => {
  it('is the same size at 1 000 and 200 000 steps; read back whole it is the engine summary of the stored runs', { timeout: 600_000 }, async () => {
    const fixture = openLabFixture('summary-size', { workers: 2 });
    try {
      const sizes: number[] = [];
      for (const steps of [1_000, 200_000]) {
        const spec = validateSpec({ seed: 3, teachers: { count: 3 }, sft: { steps, learningRates: [0.01, 0.1] }, engine: { path: 'preview' } });
        const id = fixture.lab.submit(spec);
        expect((await fixture.lab.finished(id)).status).toBe('done');
        sizes.push(summaryRowBytes(fixture.file, id));
        const outcomes = fixture.store.loadExperimentRuns(id).map(({ run, series }) => ({ key: run.key, status: 'done' as const, descriptor: run.descriptor as NonNullable<typeof run.descriptor>, series }));
        const whole = fixture.store.loadSummary(id);
        expect(whole?.trajectory?.step).toHaveLength(steps + 1);
        expect(whole).toEqual(summarizeExperiment(spec, resolvePath(spec), cellsOf(spec), outcomes));
      }
      // Three teachers' summaries: a couple of kilobytes, and not a byte per step more.
      expect(sizes[0]).toBeLessThan(8_000);
      expect(Math.abs(sizes[1] - sizes[0])).toBeLessThan(200);
    } finally {
      fixture.close();
    }
  });
});

describe('a 3 000 000-step preview teacher', () => {
  it('runs, is killed after a checkpoint, resumes and finishes with its summary stored', { timeout: 900_000 }, async () => {
    const db = join(dir, 'long.sqlite');
    const specFile = join(dir, 'long.json');
    writeFileSync(specFile, JSON.stringify({ seed: 11, teachers: { count: 1 }, sft: { steps: 3_000_000, learningRates: [0.1], ceiling: false }, engine: { path: 'preview' } }));
    const run: ChildProcess = spawn(process.execPath, [W2S, 'run', specFile, '--db', db, '--workers', '1', '--checkpoint-seconds', '0.5'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => run.once('exit', () => resolve()));
    // Wait for the run's first checkpoint in the history, then kill the process outright.
    const checkpointed = () => {
      try {
        const reader = new Database(db, { readonly: true, fileMustExist: true });
        try {
          return (reader.prepare('SELECT COUNT(*) AS n FROM runs WHERE checkpoint IS NOT NULL').get() as { n: number }).n > 0;
        } finally {
          reader.close();
        }
      } catch {
        return false;
      }
    };
    // Looked at each time the history's folder changes (its file and write-ahead log), not on a timer.
    await new Promise<void>((resolve, reject) => {
      const look = () => {
        if (!checkpointed()) return;
        watcher.close();
        resolve();
      };
      const watcher = watch(dir, look);
      look();
      run.once('exit', () => {
        watcher.close();
        reject(new Error('w2s run ended before its first checkpoint'));
      });
    });
    run.kill('SIGKILL');
    await exited;

    // The summary file of 3 × 10⁶ steps is 0.5 GB of text, written in pieces (test/cli/readableJson.test.ts
    // checks the writer); here the history's summary is read back whole instead.
    const resumed = spawnSync(process.execPath, [W2S, 'resume', '1', '--db', db, '--workers', '1'], { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(summaryRowBytes(db, 1)).toBeLessThan(8_000);
    const store = RunStore.open(db, 'test');
    try {
      const [r] = store.listRuns(1);
      expect(r.status).toBe('done');
      const summary = store.loadSummary(1);
      expect(summary?.runs.done).toBe(1);
      const trajectory = summary?.trajectory;
      expect(trajectory?.step).toHaveLength(3_000_001);
      expect(trajectory?.step[3_000_000]).toBe(3_000_000);
      expect(trajectory?.n.every((n) => n === 1)).toBe(true);
      // One teacher: the mean trajectory is its run's own cosine, and its std 0.
      const cos = store.loadColumn(r, 'cos') as Float64Array;
      expect(trajectory?.metrics.cos.mean.every((m, i) => m === cos[i])).toBe(true);
      expect(trajectory?.metrics.cos.std.every((s) => s === 0)).toBe(true);
    } finally {
      store.close();
    }
  });
});
