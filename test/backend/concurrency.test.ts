/**
 * One history, many processes, all real: processes migrating a new or old file at the same
 * instant; a write lock held by another process (waited for, then given up on with one line);
 * six `w2s run` and a `w2s serve` started together on a fresh file while Chromium polls the
 * server; writers SIGKILLed while they hold the write lock. Every experiment must end `done` with
 * the series the engine computes on its own, and the file must pass integrity_check.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Browser, chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { ExperimentContext } from '../../src/engine/experiment';
import { SftRun } from '../../src/engine/run';
import { validateSpec } from '../../src/engine/spec';
import { SCHEMA_VERSION } from '../../src/backend/store/schema';
import { RunStore } from '../../src/backend/store/store';
import { HistoryLockedError } from '../../src/backend/store/transactions';
import { connectionOf } from '../../src/backend/store/connection';
import { until as waitUntil } from '../helpers/until';

const ROOT = join(__dirname, '..', '..');
const W2S = join(ROOT, 'bin', 'w2s.cjs');
const HELPER = join(__dirname, '..', 'helpers', 'historyProcess.ts');
const CHROMIUM = '/usr/bin/chromium';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-concurrency-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A process with its output collected; `exited` resolves when it ends. */
function start(args: string[], options: { helper?: boolean } = {}): { child: ChildProcess; exited: Promise<Exit>; stdout: () => string } {
  const argv = options.helper === true ? ['--import', 'tsx', HELPER, ...args] : [W2S, ...args];
  const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: [options.helper === true ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  // 'close', not 'exit': the last of stdout can arrive after the process has exited.
  const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, exited, stdout: () => stdout };
}

/** The shared wait, with this file's own timeout and polling. */
const until = (condition: () => boolean, what: string, ms = 90_000) => waitUntil(condition, what, ms, 25);

/** integrity_check and foreign_key_check of a file, from a plain connection. */
function checkFile(file: string): { integrity: string; foreignKeys: number } {
  const db = new Database(file, { readonly: true });
  try {
    return { integrity: db.pragma('integrity_check', { simple: true }) as string, foreignKeys: (db.pragma('foreign_key_check') as unknown[]).length };
  } finally {
    db.close();
  }
}

/** Every stored run of experiment `id` has exactly the series the engine computes for its key, here, alone. */
function expectEngineSeries(store: RunStore, id: number): void {
  const experiment = store.getExperiment(id);
  if (experiment === null) throw new Error(`no experiment ${id}`);
  const context = new ExperimentContext(experiment.spec);
  const stored = store.loadExperimentRuns(id);
  expect(stored.length).toBeGreaterThan(0);
  for (const { run, series } of stored) {
    const alone = SftRun.start(context, run.key).complete().recordedSeries();
    for (const column of run.columns) {
      const a = (series as unknown as Record<string, Float64Array>)[column];
      const b = (alone as unknown as Record<string, Float64Array>)[column];
      expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), `experiment ${id} run ${JSON.stringify(run.key)} ${column}`).toBe(true);
    }
  }
}

/**
 * The helpers that did not report the current schema, with what they said. (As a list of strings:
 * a child's stack trace inside an assertion's message sends vitest reading source maps of the
 * files it names, and it fails on that.)
 */
function unexpected(exits: Exit[]): string[] {
  return exits.filter((e) => !new RegExp(`^version ${SCHEMA_VERSION} `, 'm').test(e.stdout)).map((e) => `code ${e.code} ${e.signal ?? ''}: ${e.stdout} | ${e.stderr.replace(/\n\s*at /g, ' ← ')}`);
}

/** `count` processes open `file` at once: each says ready, then all are told to go together. */
async function openTogether(file: string, count: number): Promise<Exit[]> {
  const helpers = Array.from({ length: count }, () => start(['open', file], { helper: true }));
  await until(() => helpers.every((h) => h.stdout().includes('ready')), 'every helper to be ready');
  for (const h of helpers) h.child.stdin?.write('go\n');
  return Promise.all(helpers.map((h) => h.exited));
}

const specOf = (seed: number, steps = 400) => ({ name: `seed ${seed}`, seed, teachers: { count: 3 }, sft: { steps, batchSize: 500, learningRates: [0.1, 1] } });

describe('migrations under the write lock', () => {
  it('six processes opening a new file at the same instant all get the current schema', async () => {
    const file = join(tempDir(), 'lab.sqlite');
    const exits = await openTogether(file, 6);
    expect(unexpected(exits)).toEqual([]);
    const store = RunStore.open(file, 'test');
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    expect(connectionOf(store).pragma('page_size', { simple: true })).toBe(4096);
    store.close();
    expect(checkFile(file).integrity).toBe('ok');
  });

  it('six processes upgrading an old file at once: one backup, data kept', async () => {
    const dir = tempDir();
    const file = join(dir, 'lab.sqlite');
    const old = RunStore.openAtVersion(file, '0.0.1', SCHEMA_VERSION - 1);
    connectionOf(old).prepare(`INSERT INTO experiments (name, setup, spec, seed, status, created_at, app_version) VALUES ('old', 'random-teacher', ?, 5, 'done', '2026-01-01', '0.0.1')`).run(JSON.stringify(validateSpec(specOf(5))));
    old.close();
    const exits = await openTogether(file, 6);
    expect(unexpected(exits)).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.includes('.bak'))).toEqual([`lab.sqlite.bak-v${SCHEMA_VERSION - 1}`]);
    const backup = new Database(join(dir, `lab.sqlite.bak-v${SCHEMA_VERSION - 1}`), { readonly: true });
    expect(backup.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION - 1);
    expect(backup.prepare('SELECT name FROM experiments').all()).toEqual([{ name: 'old' }]);
    backup.close();
    const store = RunStore.open(file, 'test');
    expect(store.listExperiments().map((e) => e.name)).toEqual(['old']);
    store.close();
  });
});

describe('a write lock held by another process', () => {
  it('is waited for past the busy timeout, with backoff, and the write goes in', async () => {
    const file = join(tempDir(), 'lab.sqlite');
    RunStore.open(file, 'test').close();
    const holder = start(['hold', file, '3000'], { helper: true });
    await until(() => holder.stdout().includes('locked'), 'the lock');
    const store = RunStore.open(file, 'test', { retry: { busyTimeoutMs: 100 } });
    cleanups.push(() => store.close());
    const spec = validateSpec(specOf(6));
    const id = store.createExperiment(spec, [{ cell: 0, teacher: 0, lr: 0 }]);
    // The holder kept the lock 3 s against a 0.1 s busy timeout: the write went in by waiting again.
    expect(store.contention.retries).toBeGreaterThan(0);
    expect((await holder.exited).stdout).toContain('released');
    expect(store.getExperiment(id)?.name).toBe('seed 6');
  });

  it('held past the deadline: one error naming the file, and nothing written', async () => {
    const file = join(tempDir(), 'lab.sqlite');
    RunStore.open(file, 'test').close();
    const holder = start(['hold', file, '4000'], { helper: true });
    await until(() => holder.stdout().includes('locked'), 'the lock');
    const store = RunStore.open(file, 'test', { retry: { busyTimeoutMs: 50, deadlineMs: 400 } });
    cleanups.push(() => store.close());
    expect(() => store.createExperiment(validateSpec(specOf(7)), [])).toThrow(HistoryLockedError);
    expect(() => store.createExperiment(validateSpec(specOf(7)), [])).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} stayed locked`));
    holder.child.kill('SIGKILL');
    expect(store.listExperiments()).toEqual([]);
  });
});

describe('six w2s run and a w2s serve on one history, Chromium polling', () => {
  it('every experiment ends done with the engine’s series; the browser never saw an error', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-system-deps.sh`);
    const dir = tempDir();
    const db = join(dir, 'lab.sqlite');
    // The server and the browser first, so that the browser sees the runs from their start (the
    // race of processes creating a new file is the migration tests' and the loop's).
    const serve = start(['serve', '--db', db, '--workers', '1']);
    await until(() => /W2S Lab on http/.test(serve.stdout()), 'w2s serve');
    const url = new URL(/W2S Lab on (\S+)/.exec(serve.stdout())?.[1] ?? '');
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    await page.goto(url.href);
    // In the page: the history polled every 100 ms, each running experiment's series read, and the event stream.
    await page.evaluate(`(() => {
      const token = ${JSON.stringify(url.searchParams.get('token'))};
      const headers = { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token };
      const poll = (window.__poll = { requests: 0, failures: [], statuses: {}, events: {} });
      const post = async (method, body) => {
        poll.requests++;
        const r = await fetch('/api/' + method, { method: 'POST', headers, body: JSON.stringify(body) });
        if (!r.ok) poll.failures.push(method + ' ' + r.status + ' ' + (await r.text()));
        return r;
      };
      const tick = async () => {
        try {
          const r = await post('listExperiments', {});
          if (!r.ok) return;
          for (const e of await r.json()) {
            poll.statuses[e.id] = e.status;
            if (e.status === 'running') await post('getSeries', { id: e.id, runs: 'selected' }).then((s) => s.arrayBuffer());
          }
        } catch (error) {
          poll.failures.push(String(error));
        }
      };
      setInterval(tick, 100);
      const events = new EventSource('/api/events?token=' + token);
      events.onopen = () => (poll.connected = true);
      events.onmessage = (m) => { const t = JSON.parse(m.data).type; poll.events[t] = (poll.events[t] || 0) + 1; };
    })()`);
    await expect.poll(() => page.evaluate('window.__poll.connected === true'), { timeout: 30_000 }).toBe(true);
    const runs = [11, 12, 13, 14, 15, 16].map((seed) => {
      const file = join(dir, `spec-${seed}.json`);
      writeFileSync(file, JSON.stringify(specOf(seed)));
      return { seed, process: start(['run', file, '--db', db, '--workers', '1', '--checkpoint-seconds', '0.05']) };
    });
    const exits = await Promise.all(runs.map((r) => r.process.exited));
    for (const e of exits) expect(e.code, e.stderr).toBe(0);
    const ids = exits.map((e) => Number(e.stdout.trim()));
    expect([...ids].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    type Poll = { requests: number; failures: string[]; statuses: Record<string, string>; events: Record<string, number> };
    const polled = () => page.evaluate('window.__poll') as Promise<Poll>;
    await expect.poll(async () => Object.values((await polled()).statuses).filter((s) => s === 'done').length, { timeout: 30_000 }).toBe(6);
    // The server learnt of the other processes' writes on its own and pushed them.
    await expect.poll(async () => (await polled()).events.history ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
    const seen = await polled();
    expect(seen.failures).toEqual([]);
    expect(seen.requests).toBeGreaterThan(5);

    serve.child.kill('SIGTERM');
    expect((await serve.exited).code).toBe(0);
    const store = RunStore.open(db, 'test');
    cleanups.push(() => store.close());
    for (const [i, id] of ids.entries()) {
      const e = store.getExperiment(id);
      expect(e?.status).toBe('done');
      expect(e?.name).toBe(`seed ${runs[i].seed}`);
      expect(store.listRuns(id).every((r) => r.status === 'done')).toBe(true);
      expectEngineSeries(store, id);
    }
    expect(checkFile(db)).toEqual({ integrity: 'ok', foreignKeys: 0 });
  });
});

describe('writers SIGKILLed while they hold the write lock', () => {
  it('the other writers go on; nothing half-written remains; the file is whole', async () => {
    const dir = tempDir();
    const db = join(dir, 'lab.sqlite');
    RunStore.open(db, 'test').close();
    // Runs of a few seconds each, so that the kills below land while the runners write.
    const long = (seed: number) => ({ name: `seed ${seed}`, seed, teachers: { count: 2 }, sft: { steps: 15_000, batchSize: 2000, learningRates: [0.1] } });
    const runs = [21, 22, 23].map((seed) => {
      const file = join(dir, `spec-${seed}.json`);
      writeFileSync(file, JSON.stringify(long(seed)));
      return start(['run', file, '--db', db, '--workers', '1', '--checkpoint-seconds', '0.05']);
    });
    // A fourth w2s run, killed mid-run: whatever it held is released; its experiment resumes later.
    const victimSpec = join(dir, 'spec-24.json');
    writeFileSync(victimSpec, JSON.stringify(long(24)));
    const victim = start(['run', victimSpec, '--db', db, '--workers', '1', '--checkpoint-seconds', '0.05']);
    // Writers that take the lock and never let go, ready before the runners have stored anything.
    const holders = [0, 1, 2].map(() => start(['write-and-hold', db], { helper: true }));
    await until(() => holders.every((h) => h.stdout().includes('ready')), 'the lock holders');
    const stored = () => {
      const store = RunStore.open(db, 'test');
      try {
        return store.listExperiments().filter((e) => store.listRuns(e.id).some((r) => r.recorded > 0)).length;
      } finally {
        store.close();
      }
    };
    await until(() => stored() === 4, 'stored points of all four experiments');
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    let kills = 1;
    for (const holder of holders) {
      holder.child.stdin?.write('go\n');
      await until(() => holder.stdout().includes('locked'), 'the lock');
      await new Promise((r) => setTimeout(r, 300)); // the runners queue behind it
      holder.child.kill('SIGKILL');
      expect((await holder.exited).signal).toBe('SIGKILL');
      kills++;
    }
    // The scenario happened: runners were still writing when the last holder died.
    expect(runs.some((r) => r.child.exitCode === null)).toBe(true);
    const exits = await Promise.all(runs.map((r) => r.exited));
    for (const e of exits) expect(e.code, e.stderr).toBe(0);
    expect(kills).toBe(4);
    expect(checkFile(db)).toEqual({ integrity: 'ok', foreignKeys: 0 });

    const store = RunStore.open(db, 'test');
    cleanups.push(() => store.close());
    // Its runner is gone (this process reaped it): the liveness sweep every shell runs on opening.
    const victimRecord = store.listExperiments().find((e) => e.name === 'seed 24');
    expect(victimRecord?.status).toBe('running');
    expect(store.markInterrupted().experiments).toEqual([victimRecord?.id]);
    const resumed = await start(['resume', String(victimRecord?.id), '--db', db, '--workers', '1']).exited;
    expect(resumed.code, resumed.stderr).toBe(0);
    const experiments = store.listExperiments().sort((a, b) => a.name.localeCompare(b.name));
    expect(experiments.map((e) => e.name)).not.toContain('never committed');
    expect(experiments.map((e) => [e.name, e.status])).toEqual([21, 22, 23, 24].map((s) => [`seed ${s}`, 'done']));
    for (const e of experiments) expectEngineSeries(store, e.id);
    expect(checkFile(db)).toEqual({ integrity: 'ok', foreignKeys: 0 });
  });
});
