/**
 * A full disk under `w2s serve` (issue 19, finding 7). The history lives on a 3 MB tmpfs and the
 * experiment writes 7 MB of series: the server announces at once that the experiment waits, with
 * the one line the UI shows ("the disk holding the run history … is full (…); the experiment
 * resumes when there is room"), and getExperiment says the same. Before, it stayed `running`
 * forever with no event. Then the tmpfs is grown: the experiment resumes by itself, finishes, and
 * its series are bit-identical to the same spec run by `w2s run` on an ordinary disk.
 * Needs root for mount (tests run as root here); the tmpfs is unmounted after.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/backend/store/store';
import { type ServeProcess, startServeProcess } from '../helpers/serveProcess';

const W2S = join(__dirname, '..', '..', 'bin', 'w2s.cjs');
const dir = mkdtempSync(join(tmpdir(), 'w2s-full-disk-'));
const disk = join(dir, 'disk');
let serve: ServeProcess | null = null;

/** One preview run of 150 000 steps, every step recorded: 150 001 points × 6 columns × 8 bytes = 7.2 MB. */
const SPEC = { name: 'fills the disk', seed: 23, teachers: { count: 1 }, sft: { steps: 150_000, recordEvery: 1, learningRates: [0.1], ceiling: false }, engine: { path: 'preview' } };

beforeAll(() => {
  mkdirSync(disk);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', disk]);
});
afterAll(async () => {
  await serve?.stop();
  execFileSync('umount', [disk]);
  rmSync(dir, { recursive: true, force: true });
});

describe('w2s serve on a full disk', () => {
  it('the experiment waits with an event and a one-line reason, resumes once there is room, and ends bit-identical', { timeout: 600_000 }, async () => {
    const db = join(disk, 'lab.sqlite');
    const server = await startServeProcess(dir, { db });
    serve = server;
    const events: { status: string; error?: string }[] = [];
    let onEvent: () => void = () => undefined;
    const next = (test: (e: { status: string; error?: string }) => boolean) =>
      new Promise<{ status: string; error?: string }>((resolve) => {
        onEvent = () => {
          const found = events.find(test);
          if (found !== undefined) resolve(found);
        };
        onEvent();
      });
    await server.events((event) => {
      if (event.type !== 'experiment') return;
      events.push(event as unknown as { status: string; error?: string });
      onEvent();
    });

    const submitted = await server.call('submit', { spec: SPEC });
    expect(submitted.status, JSON.stringify(submitted.json)).toBe(200);
    const id = submitted.json.id as number;

    const paused = await next((e) => e.status === 'interrupted');
    const line = new RegExp(`^the disk holding the run history ${db.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is full \\(.+\\); the experiment resumes when there is room$`);
    expect(paused.error).toMatch(line);
    expect(paused.error).not.toContain('\n');
    const detail = await server.call('getExperiment', { id });
    expect(detail.status).toBe(200);
    expect(detail.json.status).toBe('interrupted');
    expect(detail.json.error).toBe(paused.error);

    // Room: the tmpfs grows, and the experiment goes on by itself.
    execFileSync('mount', ['-o', 'remount,size=64m', disk]);
    await next((e) => e.status === 'done');
    const after = await server.call('getExperiment', { id });
    expect(after.json.status).toBe('done');
    expect(after.json.error).toBeNull();
    await server.stop();
    serve = null;

    // The same spec on an ordinary disk, uninterrupted.
    const specFile = join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify(SPEC));
    const reference = join(dir, 'reference.sqlite');
    const run = spawnSync(process.execPath, [W2S, 'run', specFile, '--db', reference, '--workers', '1'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const a = RunStore.open(db, 'test');
    const b = RunStore.open(reference, 'test');
    try {
      const [ra] = a.listRuns(id);
      const [rb] = b.listRuns(1);
      expect(ra.recorded).toBe(150_001);
      const sa = a.loadSeries(ra.id);
      const sb = b.loadSeries(rb.id);
      for (const column of Object.keys(sb) as (keyof typeof sb)[]) {
        expect(Buffer.from((sa[column] as Float64Array).buffer).equals(Buffer.from((sb[column] as Float64Array).buffer)), column).toBe(true);
      }
      expect(a.getExperiment(id)?.summary?.teachers).toEqual(b.getExperiment(1)?.summary?.teachers);
    } finally {
      a.close();
      b.close();
    }
  });
});
