/**
 * Who runs an experiment, and whether that process still lives. A history on a shared disk is
 * opened from several machines: a runner is a process id *on a host*, and only the host that owns
 * a run may decide it is dead. On Linux a SIGKILLed process whose parent does not reap it stays a
 * zombie, which `kill(pid, 0)` still finds: there the state in /proc/PID/stat decides.
 */
import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';

/** The process running an experiment, as stored with it. */
export interface Runner {
  readonly pid: number;
  /** hostId() of the machine it runs on; null in rows written before hosts were recorded (this machine's). */
  readonly host: string | null;
  /** Linux: the process's start time (clock ticks since boot), which tells a reused pid apart; else null. */
  readonly start: string | null;
}

let cachedHost: string | null = null;

/**
 * This installation's machine id: a random id the app writes once into its own folder
 * (~/.w2s-lab/host-id) and reads after, the same on Linux, macOS and Windows (no system path is
 * read). Created by a link of a finished temporary file, so two processes starting at once agree
 * on one id. Null where the folder cannot be written (the host name then stands alone).
 */
export function machineIdIn(folder: string): string | null {
  const file = join(folder, 'host-id');
  const read = (): string | null => {
    try {
      const id = readFileSync(file, 'utf8').trim();
      return id === '' ? null : id;
    } catch {
      return null;
    }
  };
  const known = read();
  if (known !== null) return known;
  const temporary = `${file}.${process.pid}.${randomUUID()}`;
  try {
    mkdirSync(folder, { recursive: true });
    writeFileSync(temporary, `${randomUUID()}\n`);
  } catch {
    return null; // the folder cannot be written
  }
  try {
    // Fails with EEXIST when another process linked its id first: then that one is read.
    linkSync(temporary, file);
  } catch {
    // another process won the race
  } finally {
    rmSync(temporary, { force: true });
  }
  return read();
}

/**
 * This machine: its host name, plus this installation's machine id (machineIdIn), since cloned
 * virtual machines (the nodes of a cluster, most often) can share a name; a shared home folder
 * gives its machines one id, and their names tell them apart.
 */
export function hostId(): string {
  if (cachedHost !== null) return cachedHost;
  const machine = machineIdIn(join(homedir(), '.w2s-lab'));
  cachedHost = machine === null ? hostname() : `${hostname()}/${machine}`;
  return cachedHost;
}

/** /proc/PID/stat's fields after the command name (which may hold spaces and parentheses), or null. */
function procStat(pid: number): string[] | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = text.lastIndexOf(')');
  return close < 0 ? null : text.slice(close + 2).trim().split(' ');
}

/** The start time of a Linux process (field 22 of /proc/PID/stat), or null. */
export function processStartTime(pid: number): string | null {
  if (process.platform !== 'linux') return null;
  // Fields after the name start at field 3 (the state): field 22 is index 19.
  return procStat(pid)?.[19] ?? null;
}

/**
 * Whether a process on this machine is alive. Linux: it has a /proc entry whose state is neither
 * zombie (Z) nor dead (X). Elsewhere: `kill(pid, 0)` (EPERM means it exists under another user).
 */
export function processIsAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (process.platform === 'linux') {
    const fields = procStat(pid);
    return fields !== null && fields[0] !== 'Z' && fields[0] !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This process as a runner. */
export function currentRunner(): Runner {
  return { pid: process.pid, host: hostId(), start: processStartTime(process.pid) };
}

/**
 * Whether a stored runner may be taken for gone by this process: it is on this host (or was
 * stored without one), and its process is dead, or the pid now belongs to a later process. A
 * runner on another host is never gone from here: that host decides.
 */
export function runnerIsGone(runner: Runner, isAlive: (pid: number) => boolean = processIsAlive): boolean {
  if (runner.host !== null && runner.host !== hostId()) return false;
  if (!isAlive(runner.pid)) return true;
  return runner.start !== null && processStartTime(runner.pid) !== runner.start;
}

/** Where a runner is, for messages: "pid 123 on host vm". */
export function describeRunner(runner: Runner): string {
  return `pid ${runner.pid}${runner.host === null ? '' : ` on ${runner.host.split('/')[0]}`}`;
}

/**
 * The test for experiments left `running`: is its runner gone? `keep` are the experiments this
 * process runs; a record naming this very process but not kept is a leftover (a reused pid).
 * A row without a runner predates runner records: gone.
 */
export function orphanTest(keep: readonly number[] = [], isAlive?: (pid: number) => boolean): (runner: Runner | null, experimentId: number) => boolean {
  const kept = new Set(keep);
  return (runner, experimentId) => {
    if (kept.has(experimentId)) return false;
    if (runner === null) return true;
    const here = runner.host === null || runner.host === hostId();
    if (here && runner.pid === process.pid) return true;
    return runnerIsGone(runner, isAlive);
  };
}
