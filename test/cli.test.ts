/**
 * The `w2s` command line as a user runs it (a real process on a real store): one-line errors with
 * exit code 2, the summary's laws, identical results whatever the number of workers, and `theory`
 * against the closed form.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { theory } from '../src/engine/theory';

const W2S = join(__dirname, '..', 'bin', 'w2s.cjs');
const dir = mkdtempSync(join(tmpdir(), 'w2s-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function w2s(...args: string[]) {
  const r = spawnSync(process.execPath, [W2S, ...args], { encoding: 'utf8', env: { ...process.env, W2S_DB: join(dir, 'default.sqlite') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('bad input: exit code 2 and one line naming what is wrong', () => {
  const cases: [string, string[], RegExp][] = [
    ['a bad spec', ['run', file('bad.json', '{"teachers":{"accuracy":0.45}}'), '--out', join(dir, 'x.json')], /teachers\.accuracy: must be in \(0\.5, 1\]/],
    ['invalid JSON', ['run', file('broken.json', '{"seed": '), '--out', join(dir, 'x.json')], /not valid JSON/],
    ['a missing file', ['run', join(dir, 'none.json')], /cannot read/],
    ['an unknown flag', ['run', file('ok.json', '{}'), '--fast'], /Unknown option '--fast'/],
    ['zero workers', ['run', file('ok2.json', '{}'), '--workers', '0'], /--workers must be an integer in \[1, 256\]/],
    ['an unknown command', ['fly'], /unknown command 'fly'/],
    ['a student cosine out of range', ['theory', '--student-cos', '2', '--student-norm', '1', '--teacher-cos', '0.5', '--kappa', '0', '--beta', '1'], /--student-cos must be a number in \(-1, 1\)/],
    ['β = 0', ['theory', '--student-cos', '0.8', '--student-norm', '1', '--teacher-cos', '0.5', '--kappa', '0', '--beta', '0'], /--beta must be a number > 0/],
    ['a missing κ', ['theory', '--student-cos', '0.8', '--student-norm', '1', '--teacher-cos', '0.5', '--beta', '1'], /--kappa is required/],
    ['an experiment that does not exist', ['show', '42'], /no experiment 42/],
  ];
  for (const [what, args, message] of cases) {
    it(what, () => {
      const r = w2s(...args);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^w2s: /);
      expect(lines[0]).toMatch(message);
    });
  }
});

describe('w2s run', () => {
  const spec = file('small.json', JSON.stringify({ seed: 3, teachers: { count: 6 }, sft: { steps: 30, learningRates: [0.1, 1], batchSize: 2000 } }));
  const one = w2s('run', spec, '--out', join(dir, 'one.json'), '--workers', '1', '--db', join(dir, 'one.sqlite'));
  const two = w2s('run', spec, '--out', join(dir, 'two.json'), '--workers', '2', '--db', join(dir, 'two.sqlite'));

  it('writes the summary and prints the experiment id; progress lines are plain when stderr is not a TTY', () => {
    expect(one.code).toBe(0);
    expect(one.stdout.trim()).toBe('1');
    expect(one.stderr).not.toContain('\r');
    expect(one.stderr).toMatch(/100\.0% /);
  });

  it('gives identical results with 1 and 2 worker processes', () => {
    expect(two.code).toBe(0);
    const a = JSON.parse(readFileSync(join(dir, 'one.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(dir, 'two.json'), 'utf8'));
    expect(b.teachers).toEqual(a.teachers);
    expect(b.trajectory).toEqual(a.trajectory);
    expect(b.cells).toEqual(a.cells);
  });

  it('the summary obeys its definitions', () => {
    const s = JSON.parse(readFileSync(join(dir, 'one.json'), 'utf8'));
    expect(s.spec.sft.batchSize).toBe(2000);
    expect(s.initial.accuracy).toBeCloseTo(1 - Math.acos(s.initial.cos) / Math.PI, 12);
    expect(s.teachers).toHaveLength(6);
    for (const t of s.teachers) {
      expect(t.gain).toBeCloseTo(t.peakCos - s.initial.cos, 14);
      expect([0.1, 1]).toContain(t.bestLearningRate);
      for (const key of ['cos', 'accuracy', 'kappa', 'bestStep']) expect(typeof t[key]).toBe('number');
    }
    const gains = s.teachers.map((t: { gain: number }) => t.gain);
    expect(s.fractionImproved).toBe(gains.filter((g: number) => g > 0).length / gains.length);
    expect(s.gainMean).toBeCloseTo(gains.reduce((a: number, b: number) => a + b, 0) / gains.length, 12);
    expect(s.trajectory.metrics.cos.mean).toHaveLength(31);
    expect(s.trajectory.metrics.cos.mean[0]).toBeCloseTo(s.initial.cos, 12);
  });

  it('list, show and export read the stored experiment', () => {
    const list = w2s('list', '--json', '--db', join(dir, 'one.sqlite'));
    expect(JSON.parse(list.stdout)).toHaveLength(1);
    const show = w2s('show', '1', '--db', join(dir, 'one.sqlite'));
    expect(show.stdout).toMatch(/status done/);
    const csv = w2s('export', '1', '--format', 'csv', '--db', join(dir, 'one.sqlite'));
    expect(csv.stdout.trim().split('\n')).toHaveLength(1 + 14 * 31);
  });
});

describe('w2s theory', () => {
  it('prints T1, T2 and the rate of SPEC §6 and the two conditions', () => {
    const input = { studentCos: 0.809, studentNorm: 3, teacherCos: 0.5878, kappa: 0.2, beta: 1 };
    const r = w2s('theory', '--student-cos', '0.809', '--student-norm', '3', '--teacher-cos', '0.5878', '--kappa', '0.2', '--beta', '1', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const expected = theory(input);
    expect(out.T1).toBe(expected.T1);
    expect(out.T2).toBe(expected.T2);
    // The closed form, computed here independently.
    const s0 = Math.sqrt(1 - 0.809 ** 2);
    const sT = Math.sqrt(1 - 0.5878 ** 2);
    expect(out.rate).toBeCloseTo((s0 * (0.5878 * s0 - sT * 0.2 * 0.809)) / (Math.sqrt(2 * Math.PI) * 3), 14);
    expect(out.conditions).toEqual({ teacherBeatsChance: true, errorsNotTooAligned: true, kappaThreshold: (s0 * 0.5878) / (0.809 * sT) });
    const against = JSON.parse(w2s('theory', '--student-cos', '0.809', '--student-norm', '3', '--teacher-cos', '0.5878', '--kappa', '0.99', '--beta', '1', '--json').stdout);
    expect(against.conditions.errorsNotTooAligned).toBe(false);
    expect(against.improves).toBe(false);
  });
});
