/**
 * A real single-node Slurm cluster for tests and benchmarks (Debian's slurm-wlm and munge,
 * installed by scripts/install-system-deps.sh): munged, slurmctld and slurmd run as root on
 * 127.0.0.1 with a configuration, key, state and spool of their own in a temporary folder, on free
 * ports, so that nothing collides with another cluster or another test.
 *
 * slurmd runs in a mount namespace of its own in which `hidden` is an empty tmpfs: a job directory
 * under it exists on the "login node" (this process) but not on the "compute node", as when a sweep
 * is written to a disk the compute nodes do not share.
 *
 * The daemons are stopped by their pids whatever happens (stop(), and a process exit handler).
 * This machine's init does not reap zombies, so a daemon counts as stopped when /proc/PID is gone
 * or its state is Z, never by kill(pid, 0).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface SlurmCluster {
  /** The temporary folder holding everything. */
  readonly root: string;
  /** slurm.conf: set SLURM_CONF to it for sbatch, squeue, scancel. */
  readonly conf: string;
  /** A folder the compute node cannot see (an empty tmpfs in slurmd's mount namespace). */
  readonly hidden: string;
  readonly cpus: number;
  readonly env: NodeJS.ProcessEnv;
  readonly pids: readonly number[];
  /** Cancel every job, stop the daemons by pid and wait until each is gone (or a zombie). */
  stop(): Promise<void>;
}

/** Why a cluster cannot start here, or null when it can. */
export function slurmUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'the single-node Slurm test runs its daemons as root';
  for (const command of ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'unshare', 'mount']) {
    if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) return `${command} is missing: run scripts/install-system-deps.sh (slurm-wlm, munge)`;
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** 'R', 'S', 'Z', … from /proc/PID/stat, or null when the process is gone. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

const gone = (pid: number) => {
  const state = processState(pid);
  return state === null || state === 'Z';
};

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startSlurm(): Promise<SlurmCluster> {
  const why = slurmUnavailable();
  if (why !== null) throw new Error(`cannot start the test's Slurm cluster: ${why}`);
  const root = mkdtempSync(join(tmpdir(), 'w2s-slurm-'));
  chmodSync(root, 0o755);
  const dirs = { munge: join(root, 'munge'), state: join(root, 'state'), spool: join(root, 'spool'), log: join(root, 'log'), hidden: join(root, 'hidden') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  // munged wants its socket's folder searchable by all, and its key readable by root only.
  chmodSync(dirs.munge, 0o755);
  const key = join(dirs.munge, 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o600 });
  const socket = join(dirs.munge, 'socket');
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const host = hostname();
  const cpus = availableParallelism();
  // Below the machine's memory, or slurmd would report less than configured and be drained.
  const memory = Math.floor((totalmem() / 2 ** 20) * 0.8);
  const conf = join(root, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=w2stest',
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      `StateSaveLocation=${dirs.state}`,
      `SlurmdSpoolDir=${dirs.spool}`,
      `SlurmctldPidFile=${join(root, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(root, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dirs.log, 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dirs.log, 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'SchedulerType=sched/backfill',
      'MpiDefault=none',
      'ReturnToService=2',
      // Finished jobs stay in squeue this long (there is no accounting database for sacct here).
      'MinJobAge=600',
      'KillWait=5',
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${memory} State=UNKNOWN`,
      'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const children: ChildProcess[] = [];
  const pids: number[] = [];
  const kill = (signal: NodeJS.Signals) => {
    for (const pid of pids) {
      if (!gone(pid)) {
        try {
          process.kill(pid, signal);
        } catch {
          // already gone
        }
      }
    }
  };
  // Whatever happens to this process, its daemons do not outlive it: on exit, and on a signal
  // (which would end it without 'exit'), after which the signal is raised again.
  const onExit = () => kill('SIGKILL');
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const onSignal = (signal: NodeJS.Signals) => {
    kill('SIGKILL');
    for (const s of signals) process.off(s, onSignal);
    process.kill(process.pid, signal);
  };
  process.on('exit', onExit);
  for (const s of signals) process.on(s, onSignal);
  const start = (command: string, args: string[], log: string) => {
    const out = openSync(join(dirs.log, log), 'a');
    const child = spawn(command, args, { env, stdio: ['ignore', out, out] });
    child.on('error', () => undefined);
    children.push(child);
    if (child.pid !== undefined) pids.push(child.pid);
    return child;
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      // Only this cluster's jobs (env names its slurm.conf), while its controller runs.
      const controller = children[1]?.pid;
      if (controller !== undefined && !gone(controller)) spawnSync('scancel', ['--full', '--user=root'], { env, timeout: 10_000 });
      // Jobs' slurmstepd processes end before slurmd does; give them a moment.
      const end = Date.now() + 10_000;
      while (Date.now() < end && spawnSync('squeue', ['-h', '-t', 'RUNNING,COMPLETING'], { env, encoding: 'utf8', timeout: 5000 }).stdout?.trim()) {
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      kill('SIGTERM');
      try {
        await until(() => pids.every(gone), 10_000, 'the Slurm daemons to stop');
      } catch {
        kill('SIGKILL');
        await until(() => pids.every(gone), 5_000, 'the Slurm daemons to die');
      }
      process.off('exit', onExit);
      for (const s of signals) process.off(s, onSignal);
    }
  };
  try {
    start('munged', ['-F', `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${join(dirs.munge, 'munged.pid')}`, `--log-file=${join(dirs.log, 'munged.log')}`, `--seed-file=${join(dirs.munge, 'seed')}`], 'munged.out');
    await until(() => existsSync(socket), 10_000, 'munged');
    start('slurmctld', ['-D', '-f', conf], 'slurmctld.out');
    // slurmd sees an empty tmpfs at `hidden` (exec keeps the pid: unshare → sh → slurmd).
    start('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs none '${dirs.hidden}' && exec slurmd -D -f '${conf}'`], 'slurmd.out');
    await until(() => {
      const r = spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8', timeout: 5000 });
      return r.status === 0 && /^idle/m.test(r.stdout);
    }, 30_000, 'the node to be idle (see log/ in the cluster folder)');
  } catch (error) {
    await stop();
    const logs = ['slurmctld.log', 'slurmd.log', 'slurmd.out'].map((f) => {
      try {
        return `${f}: ${readFileSync(join(dirs.log, f), 'utf8').split('\n').slice(-5).join(' | ')}`;
      } catch {
        return `${f}: none`;
      }
    });
    throw new Error(`${(error as Error).message}; ${logs.join('; ')}`);
  }
  return { root, conf, hidden: dirs.hidden, cpus, env, pids, stop };
}

/** Remove the cluster's folder (after stop()). */
export function removeCluster(cluster: SlurmCluster): void {
  rmSync(cluster.root, { recursive: true, force: true });
}

/** squeue's state of one array task, or null when squeue does not list it. */
export function taskState(cluster: SlurmCluster, jobId: string, task: number): string | null {
  const out = execFileSync('squeue', ['-h', '-r', '-t', 'all', `--jobs=${jobId}`, '--Format=ArrayTaskID:|,State:|'], { env: cluster.env, encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const [t, state] = line.split('|');
    if (Number(t) === task) return state;
  }
  return null;
}
