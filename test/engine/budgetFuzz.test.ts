/**
 * Fuzz of the budget (issue 19): seeded random grids around each limit — runs, run-steps, stored
 * points — with their product computed here independently (norms × accuracies × (teachers + the
 * ceiling) × learning rates, steps, points recorded 0, k, 2k, …, T). The law: a limit the grid
 * passes is named in the refusal, with the product written out; a grid within all three is
 * refused only for its bytes; a limit not passed is not named. Grids of up to 10¹² runs are among
 * them: the budget is the grid's product, nothing per run is built.
 */
import { describe, expect, it } from 'vitest';
import { MAX_RUN_STEPS, MAX_RUNS, MAX_STORED_POINTS } from '../../src/engine/budget';
import { Rng, StreamKind, streamState } from '../../src/engine/rng';
import { parseSpec } from '../../src/engine/spec';

const grouped = (n: bigint) => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

/** Points a run records: steps 0, k, 2k, … ≤ T, and T itself when k does not divide it. */
const recorded = (steps: number, every: number) => Math.floor(steps / every) + 1 + (steps % every === 0 ? 0 : 1);

describe('budget fuzz', () => {
  it('400 random grids near the limits: each limit passed is named, none passed is refused only for bytes', () => {
    const rng = new Rng(streamState(19, StreamKind.sft, 1));
    const pick = (n: number) => 1 + rng.below(n);
    const tally = { runs: 0, runSteps: 0, points: 0, accepted: 0 };
    for (let trial = 0; trial < 400; trial++) {
      const norms = pick(64);
      const accuracies = pick(64);
      const lrs = pick(64);
      const ceiling = rng.below(2) === 1;
      // Teachers chosen so that the run count lands near 10⁶ (or far past it), on either side.
      const cells = norms * accuracies;
      const target = MAX_RUNS * (0.5 + rng.uniform()) * (rng.below(8) === 0 ? 1e6 : 1);
      const teachers = Math.max(1, Math.min(100_000, Math.round(target / (cells * lrs)) - (ceiling ? 1 : 0)));
      const steps = [1, 10, 1_000, 10_000, 100_000, 1_000_000, 10_000_000][rng.below(7)];
      const every = Math.max(1, Math.min(steps, [1, 10, 100, 1_000, 100_000][rng.below(5)]));
      const spec = {
        student: { norm: Array.from({ length: norms }, (_, i) => 0.5 + i) },
        teachers: { count: teachers, accuracy: Array.from({ length: accuracies }, (_, i) => 0.55 + i * 0.005) },
        sft: { steps, recordEvery: every, learningRates: Array.from({ length: lrs }, (_, i) => 0.01 * (i + 1)), ceiling },
        engine: { path: 'preview' },
      };
      const runs = BigInt(cells) * BigInt(teachers + (ceiling ? 1 : 0)) * BigInt(lrs);
      const runSteps = runs * BigInt(steps);
      const points = runs * BigInt(recorded(steps, every));
      const result = parseSpec(spec);
      const errors = result.ok ? '' : result.errors.join(' | ');
      const what = `${norms}×${accuracies}×(${teachers}${ceiling ? '+1' : ''})×${lrs}, ${steps} steps every ${every}`;
      const over = { runs: runs > BigInt(MAX_RUNS), runSteps: runSteps > BigInt(MAX_RUN_STEPS), points: points > BigInt(MAX_STORED_POINTS) };
      if (over.runs) {
        tally.runs++;
        expect(errors, what).toContain(`the grid makes ${grouped(runs)} runs (`);
        expect(errors, what).toContain('at most 1 000 000 in one experiment');
      }
      if (over.runSteps) {
        tally.runSteps++;
        expect(errors, what).toContain(`make ${grouped(runSteps)} run-steps; at most 10 000 000 000 in one experiment`);
      }
      if (over.points) {
        tally.points++;
        expect(errors, what).toContain(`would store ${grouped(points)} points`);
      }
      if (!over.runs && !over.runSteps && !over.points) {
        if (result.ok) tally.accepted++;
        else expect(result.errors.every((e) => e.includes('bytes') && e.includes('to the run history')), `${what}: ${errors}`).toBe(true);
      } else {
        expect(result.ok, what).toBe(false);
      }
      // A limit not passed is not named.
      if (!over.runs) expect(errors, what).not.toContain('the grid makes');
      if (!over.runSteps) expect(errors, what).not.toContain('run-steps;');
      if (!over.points) expect(errors, what).not.toContain('would store');
    }
    // The generator reaches every side of every limit.
    expect(tally.runs).toBeGreaterThan(20);
    expect(tally.runSteps).toBeGreaterThan(20);
    expect(tally.points).toBeGreaterThan(20);
    expect(tally.accepted).toBeGreaterThan(20);
  });
});
