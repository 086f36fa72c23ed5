/**
 * The one "temporary history + engine pool + lab" of the tests: a real SQLite file in a fresh
 * folder, real engine processes (child_process.fork), the real Lab. `close()` stops the processes,
 * closes the file and removes the folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, type LabOptions } from '../../src/backend/lab';
import { EnginePool, forkSpawner } from '../../src/backend/pool';
import { RunStore } from '../../src/backend/store/store';

export interface LabFixture {
  readonly dir: string;
  /** The history file, `lab.sqlite` in `dir`. */
  readonly file: string;
  readonly store: RunStore;
  readonly pool: EnginePool;
  readonly lab: Lab;
  close(): void;
}

export function openLabFixture(name: string, options: { workers?: number; lab?: Partial<LabOptions> } = {}): LabFixture {
  const dir = mkdtempSync(join(tmpdir(), `w2s-${name}-`));
  const file = join(dir, 'lab.sqlite');
  const store = RunStore.open(file, 'test');
  const pool = new EnginePool(forkSpawner(), options.workers ?? 2);
  const lab = new Lab(store, pool, options.lab);
  return {
    dir,
    file,
    store,
    pool,
    lab,
    close() {
      pool.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
