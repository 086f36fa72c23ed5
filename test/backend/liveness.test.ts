/**
 * Liveness of runners, on real processes: a SIGKILLed process that its parent does not reap is a
 * zombie, which `kill(pid, 0)` still finds but which is dead; a `w2s run` killed that way shows
 * `interrupted` in the next `w2s list`; a run recorded by another host is never taken for
 * interrupted here, whatever its pid.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runKeys } from '../../src/engine/grid';
import { validateSpec } from '../../src/engine/spec';
import { currentRunner, hostId, machineIdIn, orphanTest, processIsAlive, processStartTime, runnerIsGone } from '../../src/backend/liveness';
import { RunStore } from '../../src/backend/store/store';
import { until as waitUntil } from '../helpers/until';

const W2S = join(__dirname, '..', '..', 'bin', 'w2s.cjs');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-liveness-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The state letter of /proc/PID/stat, read here independently of the code under test. */
function procState(pid: number): string | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/**
 * Start `argv` as the child of a parent that does not reap it until told to (a line on its stdin):
 * once killed, the child stays a zombie meanwhile. Perl is in every Debian (perl-base). The parent
 * reaps it when the test ends, so no zombie is left behind.
 */
async function startUnreaped(argv: string[]): Promise<{ pid: number; parent: ChildProcess }> {
  const script = 'my $pid = fork() // die; if (!$pid) { open(STDOUT, ">/dev/null"); open(STDERR, ">/dev/null"); exec @ARGV or die } $| = 1; print "$pid\\n"; <STDIN>; waitpid($pid, 0);';
  const parent = spawn('perl', ['-e', script, ...argv], { stdio: ['pipe', 'pipe', 'ignore'] });
  cleanups.push(() => {
    parent.stdin?.end('reap\\n');
  });
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    parent.once('exit', () => reject(new Error('the parent exited early')));
  });
  return { pid, parent };
}

/** The shared wait, with this file's own timeout and polling. */
const until = (condition: () => boolean, what: string, ms = 60_000) => waitUntil(condition, what, ms, 25);

/** These tests read Linux's /proc: elsewhere they fail and say so (never skipped). */
function onLinux(): void {
  if (process.platform !== 'linux') throw new Error(`this test reads Linux's /proc (zombies, start times); this is ${process.platform}`);
}

describe('a zombie is dead (Linux)', () => {
  it('a SIGKILLed child nobody reaps: kill(pid, 0) still succeeds, processIsAlive says dead', async () => {
    onLinux();
    const { pid } = await startUnreaped(['sleep', '300']);
    expect(processIsAlive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    await until(() => procState(pid) === 'Z', 'the zombie');
    // The premise: the old test (signal 0) takes it for alive.
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(processIsAlive(pid)).toBe(false);
    expect(runnerIsGone({ pid, host: hostId(), start: null })).toBe(true);
  });

  it('a pid reused by a later process is not the runner it was (start time differs)', () => {
    onLinux();
    const me = currentRunner();
    expect(me.start).toBe(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[19]);
    expect(runnerIsGone(me)).toBe(false);
    expect(runnerIsGone({ ...me, start: String(Number(me.start) + 1) })).toBe(true);
    expect(processStartTime(2 ** 30)).toBeNull();
  });

  it('w2s list right after a w2s run was SIGKILLed (and left a zombie) shows it interrupted', async () => {
    onLinux();
    const dir = tempDir();
    const db = join(dir, 'lab.sqlite');
    const specFile = join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify({ seed: 4, teachers: { count: 2 }, sft: { steps: 200_000, batchSize: 500, learningRates: [0.1] } }));
    const { pid } = await startUnreaped([process.execPath, W2S, 'run', specFile, '--db', db, '--workers', '1', '--checkpoint-seconds', '0.1']);
    await until(() => {
      if (!existsSync(db)) return false;
      try {
        const store = RunStore.open(db, 'test');
        try {
          return store.listRuns(1).some((r) => r.checkpoint !== null);
        } finally {
          store.close();
        }
      } catch {
        return false;
      }
    }, 'a stored checkpoint');
    process.kill(pid, 'SIGKILL');
    await until(() => procState(pid) === 'Z', 'the runner to be a zombie');
    const listed = spawnSync(process.execPath, [W2S, 'list', '--json', '--db', db], { encoding: 'utf8' });
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)[0].status).toBe('interrupted');
  });
});

describe('runners on other hosts', () => {
  const spec = validateSpec({ seed: 2, teachers: { count: 1 }, sft: { steps: 10, batchSize: 10, learningRates: [0.1] } });

  /** A pid that no process has now: a child that has exited and been reaped. */
  function deadPid(): number {
    const r = spawnSync('true');
    return r.pid as number;
  }

  it('the host id names this machine and the id the app keeps in ~/.w2s-lab/host-id, on every system', () => {
    expect(hostId()).toBe(`${hostname()}/${readFileSync(join(homedir(), '.w2s-lab', 'host-id'), 'utf8').trim()}`);
  });

  it('a machine id is made once per folder, kept, and one when processes make it at once; none in a folder that cannot be written', async () => {
    const dir = tempDir();
    const first = machineIdIn(join(dir, 'a'));
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(machineIdIn(join(dir, 'a'))).toBe(first);
    expect(machineIdIn(join(dir, 'b'))).not.toBe(first);
    // Four processes at once on a fresh folder: one id, no temporary file left.
    const folder = join(dir, 'race');
    const script = `const { machineIdIn } = require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'backend', 'liveness.ts'))}); process.stdout.write(String(machineIdIn(${JSON.stringify(folder)})));`;
    const ids = await Promise.all(
      [0, 1, 2, 3].map(
        () =>
          new Promise<string>((resolve) => {
            const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
            let out = '';
            child.stdout.on('data', (b: Buffer) => (out += b.toString()));
            child.on('close', () => resolve(out));
          }),
      ),
    );
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toBe(machineIdIn(folder));
    expect(readdirSync(folder)).toEqual(['host-id']);
    // A file where the folder should be: nothing can be written, so no id (the host name stands alone).
    writeFileSync(join(dir, 'blocked'), '');
    expect(machineIdIn(join(dir, 'blocked'))).toBeNull();
  });

  it('w2s list marks a dead local runner interrupted, never a runner of another host, and a legacy row as local', () => {
    const dir = tempDir();
    const db = join(dir, 'lab.sqlite');
    const store = RunStore.open(db, 'test');
    const pid = deadPid();
    const local = store.createExperiment(spec, runKeys(spec), { name: 'local' });
    const remote = store.createExperiment(spec, runKeys(spec), { name: 'remote' });
    const legacy = store.createExperiment(spec, runKeys(spec), { name: 'legacy' });
    store.setExperimentStatus(local, 'running', null, { pid, host: hostId(), start: null });
    store.setExperimentStatus(remote, 'running', null, { pid, host: 'another-machine/0123456789abcdef', start: null });
    store.setExperimentStatus(legacy, 'running', null, { pid, host: null, start: null });
    store.close();
    const listed = spawnSync(process.execPath, [W2S, 'list', '--json', '--db', db], { encoding: 'utf8' });
    expect(listed.status, listed.stderr).toBe(0);
    const status = Object.fromEntries((JSON.parse(listed.stdout) as { name: string; status: string }[]).map((e) => [e.name, e.status]));
    expect(status).toEqual({ local: 'interrupted', remote: 'running', legacy: 'interrupted' });
  });

  it('orphanTest keeps this process’s own experiments and takes its unkept records for leftovers', () => {
    const me = currentRunner();
    expect(orphanTest([7])(me, 7)).toBe(false);
    expect(orphanTest([])(me, 7)).toBe(true);
    expect(orphanTest([])(null, 7)).toBe(true);
    expect(orphanTest([], () => false)({ pid: 12345, host: 'elsewhere', start: null }, 7)).toBe(false);
    expect(orphanTest([], () => true)({ pid: 12345, host: hostId(), start: null }, 7)).toBe(false);
  });
});
