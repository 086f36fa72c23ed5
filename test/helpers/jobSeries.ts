/** A job result's series, for runs that never checkpointed: their result's chunk holds every point from 0. */
import { expect } from 'vitest';
import type { RunSeries } from '../../src/engine/run';
import type { JobResult } from '../../src/backend/pool';

export function seriesOf(result: JobResult): RunSeries {
  expect(result.from).toBe(0);
  return result.chunk as RunSeries;
}
