/**
 * A random-features experiment through the real `w2s` process: `run` prints its result line,
 * `show` its summary (the student's and teachers' accuracies, each teacher's gain, the fraction
 * improved, the test set's standard error) equal to summarizeRandomFeatures of the engine's own
 * runs in this process, `list` names it, a linear-only field is refused naming it, and a backend
 * killed mid-experiment resumes (`w2s resume`) to the series of a straight run, bit for bit.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/backend/store/store';
import { RandomFeaturesContext, RandomFeaturesRun, randomFeaturesRunKeys, summarizeRandomFeatures } from '../../src/engine/randomFeatures';
import { randomFeaturesConfigOf } from '../../src/engine/randomFeatures/specConfig';
import { validateSpec } from '../../src/engine/spec';

const W2S = join(__dirname, '..', '..', 'bin', 'w2s.cjs');
const dir = mkdtempSync(join(tmpdir(), 'w2s-cli-rf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function w2s(...args: string[]) {
  const r = spawnSync(process.execPath, [W2S, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, W2S_DB: join(dir, 'default.sqlite') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const DOC = {
  setup: 'random-features',
  seed: 21,
  data: { d: 10 },
  features: { student: 50, teacher: 10 },
  teachers: { count: 3 },
  pretrain: { studentPoints: 600, teacherPoints: 120, studentSteps: 20, teacherSteps: 8 },
  sft: { batchSize: 40, steps: 60, learningRates: [0.05, 2], recordEvery: 5 },
  evaluation: { testPoints: 2000 },
};

function writeSpec(name: string, doc: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

/** Every stored run's columns as bits, in run order. */
function storedBits(file: string): Record<string, string[]>[] {
  const store = RunStore.open(file, 'test');
  try {
    return store.loadExperimentRuns(1).map(({ series }) =>
      Object.fromEntries(Object.entries(series).map(([k, v]) => [k, Array.from(new BigUint64Array(Float64Array.from(v as Float64Array).buffer), (b) => b.toString(16))])),
    );
  } finally {
    store.close();
  }
}

describe('w2s on a random-features spec', () => {
  it('run, show and list report the summary of the engine’s own runs', () => {
    const db = join(dir, 'rf.sqlite');
    const run = w2s('run', writeSpec('rf.json', DOC), '--db', db, '--workers', '2');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('1\n');
    expect(run.stderr).toMatch(/8 runs × 60 steps of random features, 2 engine processes/);

    // The engine's runs here, and their summary.
    const spec = validateSpec(DOC);
    const config = randomFeaturesConfigOf(spec);
    const context = new RandomFeaturesContext(config, spec.seed);
    const outcomes = randomFeaturesRunKeys(config).map((key) => {
      const r = RandomFeaturesRun.start(context, key).complete();
      return { key, status: r.status, descriptor: r.descriptor, series: r.recordedSeries() };
    });
    const expected = summarizeRandomFeatures(config, outcomes);

    const json = w2s('show', '1', '--json', '--db', db);
    expect(json.code, json.stderr).toBe(0);
    const shown = JSON.parse(json.stdout) as { summary: { randomFeatures: typeof expected }; path: string; runs: Record<string, number> };
    expect(shown.summary.randomFeatures).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(shown.path).toBe('random-features');
    expect(shown.runs).toEqual({ done: 8 });

    const text = w2s('show', '1', '--teachers', '--db', db);
    expect(text.code, text.stderr).toBe(0);
    const p = outcomes[0].descriptor.studentAccuracy;
    // The test set's standard error √(p(1 − p)/N), computed here.
    const se = Math.sqrt((p * (1 - p)) / 2000);
    expect(text.stdout).toContain(`pretrained student: test accuracy ${(100 * p).toFixed(2)} % (standard error ${(100 * se).toFixed(2)} % on 2000 test points)`);
    const teacherAccuracies = [0, 1, 2].map((t) => outcomes.find((o) => o.key.teacher === t)?.descriptor.teacherAccuracy as number);
    const mean = teacherAccuracies.reduce((a, b) => a + b, 0) / 3;
    expect(text.stdout).toContain(`teachers: mean test accuracy ${(100 * mean).toFixed(2)} % over 3; the student beats them on average (3 of 3 below it)`);
    // Each teacher's gain: its chosen run's accuracy at the chosen step less at step 0.
    const improved = expected.teachers.filter((t) => {
      const o = outcomes.find((x) => x.key.teacher === t.teacher && config.sft.learningRates[x.key.lr] === t.bestLearningRate);
      const i = Array.from(o?.series.step ?? []).indexOf(t.bestStep as number);
      const gain = (o?.series.accuracy[i] ?? NaN) - (o?.series.accuracy[0] ?? NaN);
      expect(t.gain).toBe(gain);
      const line = text.stdout.split('\n').find((l) => new RegExp(`^\\s+${t.teacher}\\s`).test(l));
      expect(line, text.stdout).toContain(`${gain >= 0 ? '+' : '−'}${Math.abs(100 * gain).toFixed(2)} ±`);
      return gain > 0;
    }).length;
    expect(text.stdout).toContain(`${((100 * improved) / 3).toFixed(1)} % of teachers improved the student`);

    const list = w2s('list', '--db', db);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/random-features/);
    expect(list.stdout).toMatch(/d=10 β=1 relu features, student 50, teachers 10 \(head only\), 3 teachers/);
  });

  it("refuses a linear setup's field, naming it, and a Slurm sweep", () => {
    const r = w2s('run', writeSpec('bad.json', { ...DOC, teachers: { count: 3, kappa: [0.3] } }), '--db', join(dir, 'bad.sqlite'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^w2s: .*teachers\.kappa: applies only to the linear setups/);
    const sweep = w2s('sweep', writeSpec('sweep.json', DOC), '--slurm', '--db', join(dir, 'sweep.sqlite'));
    expect(sweep.code).toBe(2);
    expect(sweep.stderr).toBe("w2s: a sweep of setup 'random-features' on Slurm is not wired yet: run it on this machine with w2s run\n");
    // The figure exporter draws the linear setups' figures only.
    const db = join(dir, 'rf.sqlite');
    const figure = w2s('export', '1', '--figure', 'trajectories', '--db', db, '--out', join(dir, 'rf.svg'));
    expect(figure.code).toBe(2);
    expect(figure.stderr).toMatch(/^w2s: experiment 1 is of setup 'random-features': the figure exporter draws the linear setups' figures \(cos, κ\) only/);
  });

  it('a w2s run killed with SIGKILL mid-experiment resumes (w2s resume) to the straight series', async () => {
    const specFile = writeSpec('long.json', { ...DOC, data: { d: 10, pool: 400 }, sft: { ...DOC.sft, steps: 4000, recordEvery: 20 } });
    const crashed = join(dir, 'crashed.sqlite');
    const child: ChildProcess = spawn(process.execPath, [W2S, 'run', specFile, '--db', crashed, '--workers', '2', '--checkpoint-seconds', '0.05'], { stdio: 'ignore' });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          try {
            const store = RunStore.open(crashed, 'test');
            const runs = store.listRuns(1);
            store.close();
            if (runs.some((r) => r.checkpoint !== null) && runs.some((r) => r.status !== 'done')) {
              clearInterval(timer);
              child.kill('SIGKILL');
              resolve();
            }
          } catch (error) {
            if (!/no such table|database is locked|SQLITE_BUSY/.test(String(error))) {
              clearInterval(timer);
              reject(error);
            }
          }
        }, 20);
      });
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
    const listed = w2s('list', '--json', '--db', crashed);
    expect((JSON.parse(listed.stdout) as { status: string }[])[0].status).toBe('interrupted');
    const resumed = w2s('resume', '1', '--db', crashed, '--workers', '2');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming [1-9]\d* runs/);
    const whole = join(dir, 'whole.sqlite');
    expect(w2s('run', specFile, '--db', whole, '--workers', '1').code).toBe(0);
    expect(storedBits(crashed)).toEqual(storedBits(whole));
    const a = JSON.parse(w2s('show', '1', '--json', '--db', crashed).stdout) as { summary: unknown };
    const b = JSON.parse(w2s('show', '1', '--json', '--db', whole).stdout) as { summary: unknown };
    expect(a.summary).toEqual(b.summary);
  });
});
