/**
 * The CLI's prebuilt bundle (scripts/build-cli.mjs, bin/bundle.cjs): bin/w2s.cjs runs it only while
 * every source file it was built from is on disk as it was then, and the bundle (its CLI and its
 * engine process) computes what the sources compute, bit for bit.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { RunStore } from '../../src/backend/store/store';

const ROOT = join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- bin/ is CommonJS, run by node as is
const { BUNDLE, bundleEntry } = require('../../bin/bundle.cjs') as { BUNDLE: string; bundleEntry(root: string, env?: Record<string, string | undefined>): string | null };

const scratch = mkdtempSync(join(tmpdir(), 'w2s-bundle-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('bin/w2s.cjs runs the bundle only while it is current', () => {
  const root = join(scratch, 'checkout');
  const files = ['src/a.ts', 'src/b/c.ts'];
  const stamp = () => {
    const sources = files.map((file) => ({ file, size: statSync(join(root, file)).size, mtimeMs: statSync(join(root, file)).mtimeMs }));
    mkdirSync(join(root, BUNDLE), { recursive: true });
    writeFileSync(join(root, BUNDLE, 'sources.json'), JSON.stringify({ sources }));
  };
  const fresh = () => {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(join(root, 'src', 'b'), { recursive: true });
    for (const file of files) writeFileSync(join(root, file), `export const x = '${file}';\n`);
    stamp();
  };

  it('a stamp that matches every source: the bundle', () => {
    fresh();
    expect(bundleEntry(root, {})).toBe(join(root, BUNDLE, 'w2s.cjs'));
  });
  it('W2S_SOURCES=1: the sources', () => {
    fresh();
    expect(bundleEntry(root, { W2S_SOURCES: '1' })).toBeNull();
  });
  it('a source touched, edited to the same size, resized or deleted since the build: the sources', () => {
    fresh();
    utimesSync(join(root, files[1]), new Date(), new Date(Date.now() + 5_000));
    expect(bundleEntry(root, {})).toBeNull();
    fresh();
    writeFileSync(join(root, files[0]), `export const x = '${files[0]}';\n\n`);
    expect(bundleEntry(root, {})).toBeNull();
    fresh();
    rmSync(join(root, files[0]));
    expect(bundleEntry(root, {})).toBeNull();
  });
  it('no stamp, an unreadable one or an empty one: the sources', () => {
    fresh();
    rmSync(join(root, BUNDLE, 'sources.json'));
    expect(bundleEntry(root, {})).toBeNull();
    writeFileSync(join(root, BUNDLE, 'sources.json'), '{"sources": [');
    expect(bundleEntry(root, {})).toBeNull();
    writeFileSync(join(root, BUNDLE, 'sources.json'), '{"sources": []}');
    expect(bundleEntry(root, {})).toBeNull();
  });
});

describe('the bundle computes what the sources compute', () => {
  it('a preview experiment run by each: the same summary and every run’s series bit for bit', () => {
    // Inside the checkout, as out/cli/bundle is: the bundle finds node_modules (better-sqlite3) from there.
    mkdirSync(join(ROOT, 'out', 'cli'), { recursive: true });
    const out = mkdtempSync(join(ROOT, 'out', 'cli', 'test-'));
    onTestFinished(() => rmSync(out, { recursive: true, force: true }));
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs'), '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const spec = join(scratch, 'spec.json');
    writeFileSync(spec, JSON.stringify({ name: 'bundle check', seed: 11, engine: { path: 'preview' }, teachers: { count: 3, accuracy: 0.7 }, sft: { steps: 60, learningRates: [0.1, 1] } }));
    const runner = join(scratch, 'runBundle.cjs');
    writeFileSync(runner, `require(process.argv[2]).main(process.argv.slice(3)).then((code) => { process.exitCode = code; });\n`);
    const db = { bundle: join(scratch, 'bundle.sqlite'), sources: join(scratch, 'sources.sqlite') };
    const viaBundle = spawnSync(process.execPath, [runner, join(out, 'w2s.cjs'), 'run', spec, '--db', db.bundle, '--workers', '2'], { cwd: ROOT, encoding: 'utf8' });
    expect(viaBundle.status, viaBundle.stderr).toBe(0);
    const viaSources = spawnSync(process.execPath, [join(ROOT, 'bin', 'w2s.cjs'), 'run', spec, '--db', db.sources, '--workers', '2'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, W2S_SOURCES: '1' } });
    expect(viaSources.status, viaSources.stderr).toBe(0);
    const [a, b] = [RunStore.open(db.bundle, 'test'), RunStore.open(db.sources, 'test')];
    try {
      expect(a.loadSummary(1)).toEqual(b.loadSummary(1));
      const runs = a.listRuns(1);
      expect(runs.length).toBe(3 * 2 + 2); // 3 teachers and the ceiling, at 2 learning rates
      for (const run of runs) {
        const [x, y] = [a.loadSeries(run.id), b.loadSeries(run.id)];
        for (const column of Object.keys(x) as (keyof typeof x)[]) {
          const [u, v] = [x[column], y[column]];
          if (u === undefined || v === undefined) expect(u).toBe(v);
          else expect(Buffer.from(Float64Array.from(u).buffer).equals(Buffer.from(Float64Array.from(v).buffer)), `run ${run.id} ${column}`).toBe(true);
        }
      }
    } finally {
      a.close();
      b.close();
    }
  }, 120_000);
});
