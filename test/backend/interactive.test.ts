/**
 * Explore answers while an exact Figure 1 runs (issue 18 item 6): on a real history and real engine
 * processes, the Figure 1 preset (2 828 exact runs) is started, then an explore preview (20 runs)
 * is submitted. The preview's jobs go ahead of the exact experiment's queued ones, so it is done
 * while the exact one still has thousands of runs queued — read from the lab's events and the
 * pool's queue at the moment the preview's terminal event arrives, never from a clock. On one
 * engine process as on two.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runKeys } from '../../src/engine/grid';
import { validateSpec } from '../../src/engine/spec';
import type { LabEvent } from '../../src/backend/lab';
import { jobPriority } from '../../src/backend/lab';
import { DEFAULT_PARAMS, exploreSpec } from '../../src/renderer/src/explore/params';
import { type LabFixture, openLabFixture } from '../helpers/labFixture';

const ROOT = join(__dirname, '..', '..');
const figure1 = validateSpec(JSON.parse(readFileSync(join(ROOT, 'resources', 'presets', 'figure1.json'), 'utf8')));
const explore = validateSpec(exploreSpec(DEFAULT_PARAMS));

let fixture: LabFixture | null = null;
afterEach(() => {
  fixture?.close();
  fixture = null;
});

describe('an explore preview while an exact Figure 1 runs', () => {
  it('previews are interactive, exact experiments batch work', () => {
    expect(jobPriority(explore)).toBe('interactive');
    expect(jobPriority(figure1)).toBe('batch');
    expect(jobPriority(validateSpec({ ...figure1, engine: { path: 'preview' } }))).toBe('interactive');
  });

  it.each([1, 2])('on %i engine process(es), the preview is done while the exact experiment still has thousands of runs queued', async (workers) => {
    fixture = openLabFixture('interactive', { workers });
    const { lab } = fixture;
    const events: LabEvent[] = [];
    /** The exact experiment's state when the preview's terminal event came. */
    let atPreviewEnd: { exactRunsEnded: number; exactQueued: number | undefined; exactStatus: string | undefined } | null = null;
    let exactId = -1;
    let previewId = -1;
    let firstExactRun!: () => void;
    const exactRunning = new Promise<void>((resolve) => (firstExactRun = resolve));
    lab.on((event) => {
      events.push(event);
      if (event.type === 'run' && event.experimentId === exactId) firstExactRun();
      if (event.type === 'experiment' && event.experimentId === previewId && event.status !== 'running' && atPreviewEnd === null) {
        atPreviewEnd = {
          exactRunsEnded: events.filter((e) => e.type === 'run' && e.experimentId === exactId).length,
          exactQueued: lab.queuePosition(exactId)?.runsQueued,
          exactStatus: lab.store.getExperiment(exactId)?.status,
        };
      }
    });

    exactId = lab.submit(figure1, { name: 'Figure 1, exact' });
    const total = runKeys(figure1).length;
    expect(total).toBe(2828);
    await exactRunning; // its jobs hold every process; the rest wait in the queue

    previewId = lab.submit(explore, { name: 'explore' });
    // Submitted behind 2 800-odd exact runs, it waits only for a process to free.
    const waiting = lab.queuePosition(previewId);
    expect(waiting).not.toBeNull();
    expect(waiting!.priority).toBe('interactive');
    expect(waiting!.batchRunsQueued).toBeGreaterThan(total - 100);
    const preview = await lab.finished(previewId);
    expect(preview.status).toBe('done');
    expect(preview.summary?.teachers).toHaveLength(20);

    expect(atPreviewEnd).not.toBeNull();
    const at = atPreviewEnd!;
    expect(at.exactStatus).toBe('running');
    // The exact experiment's runs that ended before the preview: the ones already in a process
    // when it came, and those that ended while its 20 runs took their turns — never the queue.
    expect(at.exactRunsEnded).toBeLessThan(100);
    expect(at.exactQueued).toBeGreaterThan(total - 100);

    lab.cancel(exactId);
    expect((await lab.finished(exactId)).status).toBe('cancelled');
  });
});
