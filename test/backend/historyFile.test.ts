/**
 * Which file is the history, and what happens when it cannot be used. The desktop app opens the
 * CLI's default history (checked through the desktop's own path function and the IPC stand-in: an
 * experiment run by `w2s run` in another process is listed by the app's handlers). A history that
 * is not a database, another program's database, read-only (a read-only tmpfs) or on a full disk
 * (a full tmpfs) gets one line naming the file and what to do, and nothing is written.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { databasePath } from '../../src/cli/args';
import { HistoryFileError } from '../../src/backend/historyFile';
import { Lab } from '../../src/backend/lab';
import { LabApiService } from '../../src/backend/labApi';
import { EnginePool, forkSpawner } from '../../src/backend/pool';
import { RunStore } from '../../src/backend/store/store';
import { desktopHistoryFile, openDesktopHistory } from '../../src/main/history';
import { registerLabIpc, trustedSender } from '../../src/main/ipc';
import { IpcMainStandIn } from '../helpers/ipcStandIn';

const W2S = join(__dirname, '..', '..', 'bin', 'w2s.cjs');
const RENDERER = '/opt/w2s/resources/app/out/renderer/index.html';
const SPEC = { name: 'from the terminal', seed: 9, teachers: { count: 2 }, sft: { steps: 40, batchSize: 200, learningRates: [0.1] } };

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-history-file-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function w2s(args: string[], env: NodeJS.ProcessEnv = process.env): Result {
  const r = spawnSync(process.execPath, [W2S, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A refusal: exit 2, nothing on stdout, one line on stderr naming `file`; returns the line. */
function expectRefusal(r: Result, file: string): string {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^w2s: /);
  expect(lines[0]).toContain(file);
  return lines[0];
}

/** The bytes of every file in `dir`: what "nothing was written" compares. */
/**
 * The files of a folder by content, but the WAL and its index only by name: a write refused for a
 * full disk can still have put uncommitted frames into the WAL's last, partly used block, and
 * SQLite ignores frames no commit covers. What the history holds is checked through the main
 * file's bytes and `w2s list`.
 */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir).map((f) => [f, /-(wal|shm)$/.test(f) ? 'present' : createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]),
  );
}

/** The IPC stand-in on the desktop's history: what the app's window would list. */
async function listedByTheApp(file: string): Promise<{ id: number; name: string }[]> {
  const store = openDesktopHistory(file, 'test');
  const pool = new EnginePool(forkSpawner(), 1);
  try {
    const ipc = new IpcMainStandIn();
    registerLabIpc(ipc, new LabApiService(new Lab(store, pool)), { isTrustedSender: trustedSender(RENDERER, undefined) });
    const reply = (await ipc.invoke(`file://${RENDERER}`, 'listExperiments', {})) as { ok: true; value: { id: number; name: string }[] };
    expect(reply.ok).toBe(true);
    return reply.value.map(({ id, name }) => ({ id, name }));
  } finally {
    pool.close();
    store.close();
  }
}

describe('the desktop app and the CLI open the same history', () => {
  it('by default (~/.w2s-lab/lab.sqlite): an experiment run from the terminal is listed by the app', async () => {
    const home = tempDir();
    const specFile = join(home, 'spec.json');
    writeFileSync(specFile, JSON.stringify(SPEC));
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    delete env.W2S_DB;
    const run = w2s(['run', specFile, '--workers', '1'], env);
    expect(run.code, run.stderr).toBe(0);
    const file = desktopHistoryFile(env, home);
    expect(file).toBe(join(home, '.w2s-lab', 'lab.sqlite'));
    // The CLI names the file it used: the same.
    expect(run.stderr).toContain(`(${file})`);
    expect(await listedByTheApp(file)).toEqual([{ id: Number(run.stdout.trim()), name: 'from the terminal' }]);
  });

  it('with $W2S_DB: both use it', async () => {
    const home = tempDir();
    const chosen = join(home, 'elsewhere', 'mine.sqlite');
    const specFile = join(home, 'spec.json');
    writeFileSync(specFile, JSON.stringify(SPEC));
    const env = { ...process.env, HOME: home, W2S_DB: chosen };
    const run = w2s(['run', specFile, '--workers', '1'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`(${chosen})`);
    expect(desktopHistoryFile(env, home)).toBe(chosen);
    expect(await listedByTheApp(chosen)).toEqual([{ id: Number(run.stdout.trim()), name: 'from the terminal' }]);
  });

  it('in this very process too: the CLI’s path function and the desktop’s agree', () => {
    const before = process.env.W2S_DB;
    try {
      delete process.env.W2S_DB;
      expect(desktopHistoryFile()).toBe(databasePath(undefined));
      process.env.W2S_DB = '/somewhere/else.sqlite';
      expect(desktopHistoryFile()).toBe(databasePath(undefined));
      expect(databasePath(undefined)).toBe('/somewhere/else.sqlite');
    } finally {
      if (before === undefined) delete process.env.W2S_DB;
      else process.env.W2S_DB = before;
    }
  });
});

describe('a file that is not a history', () => {
  it('random bytes: one line naming the file, which is left untouched; nothing else is written', () => {
    const dir = tempDir();
    const file = join(dir, 'notes.sqlite');
    writeFileSync(file, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    const specFile = join(tempDir(), 'spec.json');
    writeFileSync(specFile, JSON.stringify(SPEC));
    const before = snapshot(dir);
    for (const args of [['list'], ['run', specFile, '--out', join(dir, 'out.json')], ['show', '1']]) {
      expect(expectRefusal(w2s([...args, '--db', file]), file)).toMatch(/not a W2S Lab run history .*--db FILE or \$W2S_DB; the file was left untouched/);
    }
    expect(snapshot(dir)).toEqual(before);
    expect(() => openDesktopHistory(file, 'test')).toThrow(HistoryFileError);
    expect(() => openDesktopHistory(file, 'test')).toThrow(/\$W2S_DB/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('another program’s SQLite database: refused before it is switched to WAL or given our tables', () => {
    const dir = tempDir();
    const file = join(dir, 'other.db');
    const other = new Database(file);
    other.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada')");
    other.close();
    const before = snapshot(dir);
    expect(expectRefusal(w2s(['list', '--db', file]), file)).toContain('not a W2S Lab run history');
    expect(snapshot(dir)).toEqual(before);
  });
});

/**
 * A small tmpfs at a new folder, unmounted (lazily if busy) when the test ends. Mounting needs
 * root: without it the test fails and says so (it is never skipped; CI runs as root).
 */
function tmpfs(sizeKiB: number): string {
  if (process.getuid?.() !== 0) throw new Error('this test mounts a small tmpfs, which needs root: run the suite as root, as .ci/run does');
  const dir = mkdtempSync(join(tmpdir(), 'w2s-tmpfs-'));
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mount.status !== 0) throw new Error(`mount failed: ${mount.stderr}`);
  cleanups.push(() => {
    if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A history with one finished experiment, closed (so its log is folded in and removed). */
function historyWithOneExperiment(file: string): void {
  const specFile = join(tempDir(), 'spec.json');
  writeFileSync(specFile, JSON.stringify(SPEC));
  const run = w2s(['run', specFile, '--db', file, '--workers', '1']);
  expect(run.code, run.stderr).toBe(0);
}

describe('a history on a read-only or full disk (tmpfs; needs root)', () => {
  it('read-only: run and list get one line naming the file; nothing is written', () => {
    const dir = tmpfs(4096);
    const file = join(dir, 'lab.sqlite');
    historyWithOneExperiment(file);
    expect(spawnSync('mount', ['-o', 'remount,ro', dir]).status).toBe(0);
    const before = snapshot(dir);
    const specFile = join(tempDir(), 'spec.json');
    writeFileSync(specFile, JSON.stringify(SPEC));
    // The summary file goes to a writable folder: `w2s run` checks its --out folder before any work.
    for (const args of [['run', specFile, '--out', join(tempDir(), 'out.json')], ['list']]) {
      const line = expectRefusal(w2s([...args, '--db', file]), file);
      expect(line).toMatch(/is read-only .*make it and its folder writable, or choose another history with --db FILE or \$W2S_DB/);
    }
    expect(snapshot(dir)).toEqual(before);
  });

  it('full: run gets one line naming the file; the history and the disk are as they were', () => {
    const dir = tmpfs(4096);
    const file = join(dir, 'lab.sqlite');
    historyWithOneExperiment(file);
    const listed = w2s(['list', '--json', '--db', file]).stdout;
    // Fill the disk to the last block.
    spawnSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=64k'], { encoding: 'utf8' });
    const before = snapshot(dir);
    const specFile = join(tempDir(), 'spec.json');
    writeFileSync(specFile, JSON.stringify(SPEC));
    const line = expectRefusal(w2s(['run', specFile, '--out', join(dir, 'out.json'), '--db', file]), file);
    expect(line).toMatch(/disk holding the run history .* is full .*free some space, or choose another history with --db FILE or \$W2S_DB/);
    // A new history on that disk: refused before its file is made.
    const fresh = join(dir, 'new', 'lab.sqlite');
    expect(expectRefusal(w2s(['run', specFile, '--db', fresh]), fresh)).toContain('is full');
    expect(snapshot(dir)).toEqual(before);
    rmSync(join(dir, 'filler'));
    expect(w2s(['list', '--json', '--db', file]).stdout).toBe(listed);
  });

  it('full while an experiment runs: the command ends with one line naming the file; the file stays whole and the experiment resumes once there is room', () => {
    const dir = tmpfs(16_384);
    const file = join(dir, 'lab.sqlite');
    historyWithOneExperiment(file);
    // Leave 512 KiB: room to start, not to store the series (5 runs × 4 001 points × 6 doubles, in 64 KiB pages).
    const { bavail, bsize } = statfsSync(dir);
    spawnSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=64k', `count=${Math.floor((bavail * bsize - 512 * 1024) / 65536)}`]);
    const specFile = join(tempDir(), 'big.json');
    writeFileSync(specFile, JSON.stringify({ ...SPEC, name: 'too big', teachers: { count: 4 }, sft: { steps: 4000, batchSize: 100, learningRates: [0.1] } }));
    const run = w2s(['run', specFile, '--db', file, '--workers', '1', '--checkpoint-seconds', '0.05']);
    expect(run.code, run.stderr).not.toBe(0);
    const last = run.stderr.trim().split('\n').pop() ?? '';
    expect(last).toMatch(new RegExp(`^w2s: the disk holding the run history ${file} is full`));
    rmSync(join(dir, 'filler'));
    const db = new Database(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const listed = JSON.parse(w2s(['list', '--json', '--db', file]).stdout) as { id: number; name: string; status: string }[];
    expect(listed.map((e) => [e.name, e.status])).toEqual([
      ['from the terminal', 'done'],
      ['too big', 'interrupted'],
    ]);
    const resumed = w2s(['resume', String(listed[1].id), '--db', file, '--workers', '1']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const store = RunStore.open(file, 'test');
    expect(store.getExperiment(listed[1].id)?.status).toBe('done');
    store.close();
  });
});
