/**
 * A LabApi write on a full disk (issue 19, finding 7): a 507 with the CLI's one line naming the
 * file, not a raw error (before: `w2s serve` answered 500 with SQLite's "database or disk is
 * full"). The history is on a 3 MB tmpfs, the rest of which a filler file takes; once the filler
 * is gone the same write succeeds. Needs root for mount (tests run as root here).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/engine/spec';
import { Lab } from '../../src/backend/lab';
import { LabApiService } from '../../src/backend/labApi';
import { EnginePool, forkSpawner } from '../../src/backend/pool';
import { RunStore } from '../../src/backend/store/store';
import { LabRequestError } from '../../src/shared/labApi';

const dir = mkdtempSync(join(tmpdir(), 'w2s-full-api-'));
const disk = join(dir, 'disk');
let store: RunStore;
let pool: EnginePool;

beforeAll(() => {
  mkdirSync(disk);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', disk]);
});
afterAll(() => {
  pool?.close();
  store?.close();
  execFileSync('umount', [disk]);
  rmSync(dir, { recursive: true, force: true });
});

/** Fill what is left of the disk; the path of the filler. */
function fill(): string {
  const filler = join(disk, 'filler');
  const fd = openSync(filler, 'w');
  const block = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return filler;
}

describe('a LabApi write on a full disk', () => {
  it('answers 507 with one line naming the file, and succeeds once there is room', async () => {
    const file = join(disk, 'lab.sqlite');
    store = RunStore.open(file, 'test');
    pool = new EnginePool(forkSpawner(), 1);
    const api = new LabApiService(new Lab(store, pool));
    const id = store.createExperiment(validateSpec({ teachers: { count: 1 }, sft: { steps: 4, learningRates: [1] } }), [{ cell: 0, teacher: 0, lr: 0 }]);
    const filler = fill();
    const notes = 'n'.repeat(100_000);
    const error = await api.handle('setNotes', { id, notes }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LabRequestError);
    expect((error as LabRequestError).status).toBe(507);
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^setNotes: the disk holding the run history ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is full \\(`));
    expect(message).not.toContain('\n');
    rmSync(filler);
    await api.handle('setNotes', { id, notes });
    expect(store.getExperiment(id)?.notes).toBe(notes);
  });
});
