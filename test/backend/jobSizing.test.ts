/**
 * How runs are grouped into engine jobs (src/backend/jobSizing.ts): the grouping is a matter of
 * speed only (the pool and lab tests check that results do not depend on it); here, its rules.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKeys } from '../../src/engine/grid';
import { validateSpec } from '../../src/engine/spec';
import { inGroups, JOB_BUDGET_MS, JOBS_PER_WORKER, runMs, runsPerJob } from '../../src/backend/jobSizing';

function preset(name: string, path: string) {
  const spec = JSON.parse(readFileSync(join(__dirname, '..', '..', 'resources', 'presets', `${name}.json`), 'utf8'));
  return validateSpec({ ...spec, engine: { path } });
}

describe('runs per engine job', () => {
  it('groups the Figure 1 preset’s millisecond preview runs into jobs of about JOB_BUDGET_MS', () => {
    const spec = preset('figure1', 'preview');
    const size = runsPerJob(spec, runKeys(spec).length, 2);
    // 1 000 steps at ~1.2 µs: 1.2 ms a run.
    expect(runMs(spec)).toBeCloseTo(1.2, 6);
    expect(size).toBe(Math.floor(JOB_BUDGET_MS / 1.2));
  });

  it('keeps an exact run at B = 10 000 alone in its job', () => {
    expect(runsPerJob(preset('figure1', 'reduced'), 2828, 2)).toBe(1);
  });

  it('leaves at least JOBS_PER_WORKER jobs per engine process', () => {
    const spec = preset('figure1', 'preview');
    for (const [pending, workers] of [[100, 2], [40, 1], [3, 4], [1, 1]]) {
      const size = runsPerJob(spec, pending, workers);
      expect(size).toBeGreaterThanOrEqual(1);
      expect(size).toBeLessThanOrEqual(Math.max(1, Math.ceil(pending / (JOBS_PER_WORKER * workers))));
    }
  });

  it('splits runs into consecutive groups, in order, the last one shorter', () => {
    expect(inGroups([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(inGroups([], 3)).toEqual([]);
  });
});
