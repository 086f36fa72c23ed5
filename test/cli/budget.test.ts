/**
 * The budget from the command line (issue 19, finding 1): a grid of 26 billion runs is refused by
 * `w2s run` with exit code 2 and one line naming the limit, inside a 96 MB heap (before, the run
 * keys were built in memory and the process died of heap exhaustion, exit 134), and no history is
 * created. At and past each limit, the same refusal as the engine's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logspace } from '../../src/engine/spec';

const W2S = join(__dirname, '..', '..', 'bin', 'w2s.cjs');
const dir = mkdtempSync(join(tmpdir(), 'w2s-cli-budget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `w2s ARGS` with a V8 heap of `heapMb` (the process dies past it). */
function w2s(heapMb: number, ...args: string[]) {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, W2S, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, W2S_DB: join(dir, 'default.sqlite') } });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const accuracies = Array.from({ length: 64 }, (_, i) => 0.55 + i * 0.005);
const HUGE = { student: { norm: logspace(-1, 2, 64) }, teachers: { count: 100_000, accuracy: accuracies }, sft: { learningRates: logspace(-5, 1, 64) } };

describe('w2s run against the budget', () => {
  it('refuses 64 norms × 64 accuracies × 100 000 teachers × 64 learning rates: exit 2, one line, inside a 96 MB heap, no history', () => {
    const spec = join(dir, 'huge.json');
    writeFileSync(spec, JSON.stringify(HUGE));
    const db = join(dir, 'huge.sqlite');
    const r = w2s(96, 'run', spec, '--db', db);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^w2s: .*huge\.json: invalid spec: \(spec\): the grid makes 26 214 662 144 runs \(64 initial norms × 64 teacher accuracies × 100 001 teachers and the ceiling × 64 learning rates\); at most 1 000 000 in one experiment/);
    expect(lines[0]).toContain('run-steps; at most 10 000 000 000 in one experiment');
    expect(existsSync(db)).toBe(false);
  });

  it('refuses one run past the run limit and names only it', () => {
    const spec = join(dir, 'runs.json');
    writeFileSync(
      spec,
      JSON.stringify({
        student: { norm: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
        teachers: { count: 1250, accuracy: [0.6, 0.62, 0.64, 0.66, 0.68, 0.7, 0.72, 0.74, 0.76, 0.78] },
        sft: { steps: 100, recordEvery: 100, learningRates: [1, 2, 3, 4, 5, 6, 7, 8] },
        engine: { path: 'preview' },
      }),
    );
    const r = w2s(256, 'run', spec, '--db', join(dir, 'runs.sqlite'));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('the grid makes 1 000 800 runs');
    expect(r.stderr).not.toContain('run-steps');
    expect(existsSync(join(dir, 'runs.sqlite'))).toBe(false);
  });
});
