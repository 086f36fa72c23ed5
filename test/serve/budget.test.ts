/**
 * The budget through a real `w2s serve` (issue 19, finding 1). A grid of 26 billion runs: checkSpec
 * answers ok: false with the limit named and submit a 400, the server's peak memory stays small
 * (before, one checkSpec of it killed the server), nothing is stored. A grid of a million runs,
 * within budget, is submitted at once and stored in the background: a listExperiments sent after
 * the submit is answered while its runs are still being stored (before, the server answered
 * nothing for minutes), seen by ordering: the experiment is listed queued with part of its runs,
 * and the answer arrives before the event saying it runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logspace } from '../../src/engine/spec';
import { type ServeProcess, startServeProcess } from '../helpers/serveProcess';

let dir: string;
let serve: ServeProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'w2s-serve-budget-'));
  serve = await startServeProcess(dir);
});
afterAll(async () => {
  await serve.stop();
  rmSync(dir, { recursive: true, force: true });
});

const accuracies = Array.from({ length: 64 }, (_, i) => 0.55 + i * 0.005);
const HUGE = { student: { norm: logspace(-1, 2, 64) }, teachers: { count: 100_000, accuracy: accuracies }, sft: { learningRates: logspace(-5, 1, 64) } };

/** 10 norms × 10 accuracies × (1 249 teachers + the ceiling) × 8 learning rates: exactly 1 000 000 preview runs of 2 points. */
const MILLION = {
  name: 'a million runs',
  student: { norm: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
  teachers: { count: 1249, accuracy: [0.6, 0.62, 0.64, 0.66, 0.68, 0.7, 0.72, 0.74, 0.76, 0.78] },
  sft: { steps: 100, recordEvery: 100, learningRates: [1, 2, 3, 4, 5, 6, 7, 8] },
  engine: { path: 'preview' },
};

function storedRuns(id: number): number {
  const db = new Database(join(dir, 'serve.sqlite'), { readonly: true, timeout: 10_000 });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM runs WHERE experiment_id = ?').get(id) as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('w2s serve against the budget', () => {
  it('checkSpec of 26 billion runs: ok false with the limit named, the server small and alive; submit 400', async () => {
    const check = await serve.call('checkSpec', { spec: HUGE });
    expect(check.status).toBe(200);
    expect(check.json.ok).toBe(false);
    expect(check.json.runs).toBe(0);
    const errors = check.json.errors as string[];
    expect(errors[0]).toBe('(spec): the grid makes 26 214 662 144 runs (64 initial norms × 64 teacher accuracies × 100 001 teachers and the ceiling × 64 learning rates); at most 1 000 000 in one experiment');
    const submit = await serve.call('submit', { spec: HUGE });
    expect(submit.status).toBe(400);
    expect(String(submit.json.error)).toContain('at most 1 000 000 in one experiment');
    // One key of 26 billion is 40 bytes: had the keys been built, the server would be gigabytes or dead.
    expect(serve.peakRss()).toBeLessThan(400e6);
    const list = await serve.call('listExperiments', {});
    expect(list.status).toBe(200);
    expect(list.json).toEqual([]);
  });

  it('a million-run submit: listExperiments is answered while its runs are stored, before it runs', { timeout: 900_000 }, async () => {
    const order: string[] = [];
    let runningSeen!: () => void;
    const running = new Promise<void>((resolve) => (runningSeen = resolve));
    let cancelledSeen!: () => void;
    const cancelled = new Promise<void>((resolve) => (cancelledSeen = resolve));
    await serve.events((event) => {
      if (event.type !== 'experiment') return;
      order.push(`event ${String(event.status)}`);
      if (event.status === 'running') runningSeen();
      if (event.status === 'cancelled') cancelledSeen();
    });
    const submitted = await serve.call('submit', { spec: MILLION });
    expect(submitted.status, JSON.stringify(submitted.json)).toBe(200);
    const id = submitted.json.id as number;
    const list = await serve.call('listExperiments', {});
    order.push('list answered');
    const stored = storedRuns(id);
    expect(list.status).toBe(200);
    const row = (list.json as unknown as { id: number; status: string }[]).find((e) => e.id === id);
    expect(row?.status).toBe('queued');
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(1_000_000);
    await running;
    expect(order.indexOf('list answered')).toBeLessThan(order.indexOf('event running'));
    expect(storedRuns(id)).toBe(1_000_000);
    expect((await serve.call('cancel', { id })).status).toBe(200);
    await cancelled;
    const detail = await serve.call('getExperiment', { id });
    expect(detail.json.status).toBe('cancelled');
    // A million runs: the server holds a few thousand at a time, not a million records.
    expect(serve.peakRss()).toBeLessThan(1e9);
  });
});
