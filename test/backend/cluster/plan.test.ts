/**
 * The pure parts of a Slurm sweep: the shard plan (a partition of the runs whose balance is the
 * best equal costs allow), the sbatch script (bash parses it; every option is checked and a refusal
 * names its flag), and the parsers of squeue's and sacct's output (on text as Slurm 22.05 printed
 * it on this machine, and as sacct documents it). The `w2s sweep` flag refusals run in a real
 * process; none of them needs Slurm.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKeys } from '../../../src/engine/grid';
import { validateSpec } from '../../../src/engine/spec';
import { balance, makePlan, MAX_TASKS, parsePlan, planTasks } from '../../../src/backend/cluster/plan';
import { checkDir, checkMem, checkName, checkSbatchArg, checkTime, sbatchScript, shellQuote, type SlurmOptions } from '../../../src/backend/cluster/script';
import { arrayIndices, parseArrayIndices, parseSacct, parseSqueue, taskPhase } from '../../../src/backend/cluster/slurm';

const W2S = join(__dirname, '..', '..', '..', 'bin', 'w2s.cjs');
const dir = mkdtempSync(join(tmpdir(), 'w2s-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shard plan', () => {
  it('splits R runs into N contiguous tasks of ⌊R/N⌋ or ⌈R/N⌉, each run exactly once', () => {
    for (const runs of [1, 2, 7, 12, 100, 1001, 14_140]) {
      for (const tasks of [1, 2, 3, 7, 64, 1000].filter((n) => n <= Math.min(runs, MAX_TASKS))) {
        const plan = planTasks(runs, tasks);
        expect(plan).toHaveLength(tasks);
        expect(plan.flat()).toEqual(Array.from({ length: runs }, (_, i) => i));
        const sizes = plan.map((t) => t.length);
        expect(new Set(sizes.map((s) => s === Math.floor(runs / tasks) || s === Math.ceil(runs / tasks)))).toEqual(new Set([true]));
        // Equal run costs: the slowest task has ⌈R/N⌉ runs, the mean R/N.
        expect(balance(sizes)).toBeCloseTo(Math.ceil(runs / tasks) / (runs / tasks), 12);
      }
    }
  });

  it('refuses a task count outside [1, min(R, 1000)], naming --tasks', () => {
    expect(() => planTasks(12, 0)).toThrow(/--tasks must be an integer in \[1, 12\]/);
    expect(() => planTasks(12, 13)).toThrow(/--tasks must be an integer in \[1, 12\]/);
    expect(() => planTasks(5000, 1001)).toThrow(/--tasks must be an integer in \[1, 1000\]/);
    expect(() => planTasks(12, 2.5)).toThrow(/--tasks/);
  });

  it('plan.json round-trips, and a damaged one is refused naming the field', () => {
    const spec = validateSpec({ teachers: { count: 3 }, student: { norm: [1, 2] }, sft: { steps: 10, learningRates: [0.1, 1] } });
    const runs = runKeys(spec).length;
    const plan = makePlan(spec, 4, '3b241101-e2bb-4255-8caf-4136c566a962', 7);
    expect(parsePlan(JSON.parse(JSON.stringify(plan)), spec)).toEqual(plan);
    const damaged = (change: (p: Record<string, unknown>) => void) => {
      const copy = JSON.parse(JSON.stringify(plan)) as Record<string, unknown>;
      change(copy);
      return () => parsePlan(copy, spec);
    };
    expect(damaged((p) => ((p.tasks as number[][])[1][0] = 0))).toThrow(/run 0 is in two tasks/);
    expect(damaged((p) => (p.tasks as number[][])[3].pop())).toThrow(new RegExp(`run ${runs - 1} is in no task`));
    expect(damaged((p) => ((p.tasks as number[][])[0][0] = runs))).toThrow(new RegExp(`tasks.0: run index must be in \\[0, ${runs - 1}\\]`));
    expect(damaged((p) => (p.experimentId = 0))).toThrow(/experimentId: must be a positive integer/);
    expect(damaged((p) => (p.version = 2))).toThrow(/version 2 is newer/);
    expect(() => parsePlan(plan, validateSpec({ ...spec, seed: 1 }))).toThrow(/specSha256 does not match/);
  });
});

const options: SlurmOptions = { tasks: 3, cpusPerTask: 2, partition: 'short', account: 'lab-1', mem: '4G', time: '1-02:00:00', sbatchArgs: ['--qos=high', '--exclusive'], checkpointSeconds: 3 };

describe('sbatch script', () => {
  const script = sbatchScript({ experimentId: 12, dir: '/scratch/w2s/sweep-12', runs: 48, balance: 1, options, launcher: ['/opt/node 20/bin/node', "/home/o'brien/w2s/bin/w2s.cjs"], appVersion: '0.1.0' });

  it('carries every option as an #SBATCH line, and bash parses it', () => {
    const directives = script.split('\n').filter((l) => l.startsWith('#SBATCH'));
    expect(directives).toEqual([
      '#SBATCH --job-name=w2s-12',
      '#SBATCH --array=0-2',
      '#SBATCH --cpus-per-task=2',
      '#SBATCH --output=/scratch/w2s/sweep-12/logs/task-%a.log',
      '#SBATCH --open-mode=append',
      '#SBATCH --partition=short',
      '#SBATCH --account=lab-1',
      '#SBATCH --mem=4G',
      '#SBATCH --time=1-02:00:00',
      '#SBATCH --qos=high',
      '#SBATCH --exclusive',
    ]);
    const file = join(dir, 'sweep.sbatch');
    writeFileSync(file, script);
    const check = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    expect(script).toContain(`exec '/opt/node 20/bin/node' '/home/o'\\''brien/w2s/bin/w2s.cjs' shard "$DIR" --task "$SLURM_ARRAY_TASK_ID" --checkpoint-seconds 3`);
  });

  it("quotes any string so that bash reads it back unchanged", () => {
    for (const value of ["plain", "with space", "it's", "$HOME `x` \\ \" !", ""]) {
      const r = spawnSync('bash', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' });
      expect(r.stdout).toBe(value);
    }
  });

  it('refuses options that are not what sbatch takes, naming the flag', () => {
    expect(() => checkName('partition', 'a b')).toThrow(/^--partition must be a Slurm name/);
    expect(() => checkName('account', '')).toThrow(/^--account must be/);
    expect(() => checkMem('4GB')).toThrow(/^--mem must be a positive integer with an optional K, M, G or T suffix/);
    expect(() => checkMem('0')).toThrow(/^--mem/);
    expect(checkMem('1500M')).toBe('1500M');
    expect(() => checkTime('1:00')).toThrow(/^--time must be HH:MM:SS or D-HH:MM:SS/);
    expect(() => checkTime('10:61:00')).toThrow(/^--time/);
    expect(() => checkTime('2-24:00:00')).toThrow(/^--time/);
    expect(() => checkTime('00:00:00')).toThrow(/^--time must be longer/);
    expect(checkTime('100:00:00')).toBe('100:00:00');
    expect(() => checkSbatchArg('--array=1-3')).toThrow(/sets --array itself/);
    expect(() => checkSbatchArg('-p short')).toThrow(/^--sbatch-arg must be one long sbatch option/);
    expect(() => checkSbatchArg('--comment=a\nrm -rf /')).toThrow(/^--sbatch-arg must be/);
    expect(() => checkDir('relative/dir')).toThrow(/^--dir must be an absolute path/);
    expect(() => checkDir('/scratch/my sweep')).toThrow(/without spaces/);
    expect(() => checkDir('/scratch/%j')).toThrow(/'%'/);
  });
});

describe("Slurm's output", () => {
  it('squeue: one record per array task, a pending range expanded, raw exit status as exit:signal', () => {
    // `squeue --noheader --array --states=all --Format=ArrayJobID:|,ArrayTaskID:|,State:|,Reason:|,exit_code:|` (Slurm 22.05, this machine).
    const text = ['8|2-4|PENDING|Resources|0|', '8|1|CANCELLED|None|15|', '8|0|RUNNING|None|0|', '6|0|FAILED|JobLaunchFailure|4021|', '2|N/A|CANCELLED|Resources|0|', ''].join('\n');
    expect(parseSqueue(text)).toEqual([
      { jobId: '8', task: 2, state: 'PENDING', reason: 'Resources', exitCode: '0:0' },
      { jobId: '8', task: 3, state: 'PENDING', reason: 'Resources', exitCode: '0:0' },
      { jobId: '8', task: 4, state: 'PENDING', reason: 'Resources', exitCode: '0:0' },
      { jobId: '8', task: 1, state: 'CANCELLED', reason: null, exitCode: '0:15' },
      { jobId: '8', task: 0, state: 'RUNNING', reason: null, exitCode: '0:0' },
      // 4021 = (15 << 8) | 128 | 53: slurmstepd's "died by signal: 53" with the core flag.
      { jobId: '6', task: 0, state: 'FAILED', reason: 'JobLaunchFailure', exitCode: '15:53' },
    ]);
  });

  it('sacct: array tasks with their state word and exit code; steps and plain jobs skipped', () => {
    // `sacct --noheader --parsable2 --allocations --format=JobID,State,ExitCode`
    const text = ['123_0|COMPLETED|0:0', '123_1|CANCELLED by 0|0:15', '123_2|OUT_OF_MEMORY|0:125', '123_[3-4,7]|PENDING|0:0', '123_5.batch|FAILED|66:0', '124|COMPLETED|0:0'].join('\n');
    expect(parseSacct(text).map((r) => [r.task, r.state, r.exitCode])).toEqual([
      [0, 'COMPLETED', '0:0'],
      [1, 'CANCELLED', '0:15'],
      [2, 'OUT_OF_MEMORY', '0:125'],
      [3, 'PENDING', '0:0'],
      [4, 'PENDING', '0:0'],
      [7, 'PENDING', '0:0'],
    ]);
  });

  it('array index lists round-trip, and states map to what a task is doing', () => {
    for (const indices of [[0], [0, 1, 2], [1, 3, 4, 5, 9], [7, 2, 3, 2]]) {
      const text = arrayIndices(indices);
      expect(parseArrayIndices(text)).toEqual([...new Set(indices)].sort((a, b) => a - b));
    }
    expect(arrayIndices([1, 3, 4, 5, 9])).toBe('1,3-5,9');
    expect(parseArrayIndices('0-9:3%2')).toEqual([0, 3, 6, 9]);
    expect(['PENDING', 'REQUEUED', 'RUNNING', 'COMPLETING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED'].map(taskPhase)).toEqual([
      'pending', 'pending', 'running', 'running', 'completed', 'failed', 'failed', 'failed', 'failed', 'failed',
    ]);
  });
});

describe('w2s sweep flags', () => {
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify({ teachers: { count: 2 }, sft: { steps: 10, learningRates: [0.1, 1] } }));
  const w2s = (...args: string[]) => spawnSync(process.execPath, [W2S, 'sweep', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, W2S_DB: join(dir, 'never.sqlite') } });

  it('a bad flag is one line naming it, and nothing is stored', () => {
    const cases: [string[], RegExp][] = [
      [['--tasks', '7'], /--tasks must be an integer in \[1, 6\]/],
      [['--cpus-per-task', '0'], /--cpus-per-task must be an integer in \[1, 1024\]/],
      [['--time', '25:00'], /--time must be HH:MM:SS/],
      [['--mem', 'lots'], /--mem must be/],
      [['--partition', 'a;b'], /--partition must be a Slurm name/],
      [['--sbatch-arg', '--output=/tmp/x'], /sets --output itself/],
      [['--checkpoint-seconds', '0'], /--checkpoint-seconds must be a number in \[0.05, 3600\]/],
      [['--dir', '/tmp/a b'], /--dir must be an absolute path without spaces/],
    ];
    for (const [flags, message] of cases) {
      const r = w2s(spec, '--slurm', '--dry-run', ...flags);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    const without = w2s(spec);
    expect(without.status).toBe(2);
    expect(without.stderr).toMatch(/sweep needs --slurm/);
    expect(existsSync(join(dir, 'never.sqlite'))).toBe(false);
  });

  it('--dry-run prints the script and the plan, and stores, writes and submits nothing', () => {
    const r = w2s(spec, '--slurm', '--dry-run', '--tasks', '4', '--partition', 'short', '--sbatch-arg', '--qos=low');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('dry run: 6 runs in 4 tasks of 1–2 runs (shard plan balance 1.333)');
    expect(r.stdout).toMatch(/^#!\/bin\/bash\n/);
    expect(r.stdout).toContain('#SBATCH --array=0-3\n');
    expect(r.stdout).toContain('#SBATCH --partition=short\n');
    expect(r.stdout).toContain('#SBATCH --qos=low\n');
    expect(existsSync(join(dir, 'never.sqlite'))).toBe(false);
    expect(existsSync(join(dir, 'w2s-sweeps'))).toBe(false);
  });
});
