/**
 * Gzip bombs (issue 19, finding 5). A file of 8 MB that inflates to 8 GiB is refused, by counting
 * the stream, in bounded memory: `w2s import`'s code in a child process (its peak RSS read from
 * process.resourceUsage) and an upload to a real `w2s serve` (its VmHWM), each well under what the
 * inflated text would take. Before, gunzipSync inflated it whole: `w2s serve` grew to 4.1 GB.
 * A real bundle still inflates, and the caps obey their rule.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { gunzipBounded, InflateError, inflateCap, MAX_INFLATED_BYTES, MAX_RATIO, RATIO_FLOOR } from '../../src/backend/gunzip';
import { startServeProcess } from '../helpers/serveProcess';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'w2s-bomb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 128 gzip members of 64 MiB of zeros each (a valid multi-member gzip file): about 8 MB that inflate to 8 GiB. */
function bomb(): Buffer {
  const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  return Buffer.concat(Array.from({ length: 128 }, () => member));
}

const MB = 1024 * 1024;

describe('gzip caps', () => {
  it('the cap is MAX_RATIO times the file between RATIO_FLOOR and MAX_INFLATED_BYTES', () => {
    expect(inflateCap(1)).toBe(RATIO_FLOOR);
    expect(inflateCap(RATIO_FLOOR / MAX_RATIO + 1000)).toBe(RATIO_FLOOR + MAX_RATIO * 1000);
    expect(inflateCap(1e9)).toBe(MAX_INFLATED_BYTES);
  });

  it('a file within its cap inflates exactly; one past it, or not gzip, is refused saying which', async () => {
    const text = Buffer.from(JSON.stringify({ a: Array.from({ length: 1000 }, (_, i) => i) }));
    expect((await gunzipBounded(gzipSync(text))).equals(text)).toBe(true);
    // 17 MiB of zeros from a file of a few kB: past the floor and past 100 times the file.
    const dense = gzipSync(Buffer.alloc(17 * MB));
    await expect(gunzipBounded(dense)).rejects.toThrow(InflateError);
    await expect(gunzipBounded(dense)).rejects.toMatchObject({ kind: 'bomb' });
    await expect(gunzipBounded(Buffer.from('not gzip at all'))).rejects.toMatchObject({ kind: 'corrupt' });
  });
});

describe('an 8 MB bomb that inflates to 8 GiB', () => {
  const file = join(dir, 'bomb.w2s');
  const bytes = bomb();
  writeFileSync(file, bytes);

  it('`w2s import`: refused in one line, the process peaking far below the inflated size', { timeout: 300_000 }, () => {
    expect(bytes.length).toBeGreaterThan(7 * MB);
    expect(bytes.length).toBeLessThan(10 * MB);
    const script = `
      const { readBundleFile, importBundle } = require('./src/backend/exchange.ts');
      const { RunStore } = require('./src/backend/store/store.ts');
      const store = RunStore.open(${JSON.stringify(join(dir, 'cli.sqlite'))}, 'test');
      importBundle(store, readBundleFile(${JSON.stringify(file)})).then(
        () => console.log(JSON.stringify({ imported: true })),
        (e) => console.log(JSON.stringify({ name: e.constructor.name, message: e.message, maxRssKb: process.resourceUsage().maxRSS, experiments: store.listHistory().length })),
      );`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const out = JSON.parse(child.stdout.trim()) as { name: string; message: string; maxRssKb: number; experiments: number };
    expect(out.name).toBe('BundleError');
    expect(out.message).toMatch(/^refused: it inflates past 524288000 bytes from \d+ .*gzip bomb/);
    expect(out.message).not.toContain('\n');
    expect(out.experiments).toBe(0);
    // The file (8 MB) and the runtime, not the 500 MB cap and not the 8 GiB.
    expect(out.maxRssKb * 1024).toBeLessThan(300 * MB);
  });

  it('an upload to `w2s serve`: 400 naming the bomb, the server peaking far below the inflated size', { timeout: 300_000 }, async () => {
    const serve = await startServeProcess(dir);
    try {
      const answer = await serve.call('importBundle', { data: bytes.toString('base64') });
      expect(answer.status).toBe(400);
      expect(String(answer.json.error)).toMatch(/^importBundle: refused: it inflates past/);
      expect((await serve.call('listExperiments', {})).json).toEqual([]);
      // The 11 MB body and its base64 decoded, not the inflated text (before: 4.1 GB).
      expect(serve.peakRss()).toBeLessThan(400 * MB);
    } finally {
      await serve.stop();
    }
  });
});
