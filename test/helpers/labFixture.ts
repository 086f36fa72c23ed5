/**
 * The one "temporary history + engine pool + lab" of the tests: a real SQLite file in a fresh
 * folder, real engine processes (child_process.fork), the real Lab. `close()` stops the processes,
 * closes the file and removes the folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, type LabOptions } from '../../src/backend/lab';
import type { LabApiService } from '../../src/backend/labApi';
import { EnginePool, forkSpawner } from '../../src/backend/pool';
import { RunStore } from '../../src/backend/store/store';
import { type LabApi, type LabEventMessage, type LabMethod, makeLabApi } from '../../src/shared/labApi';

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

/**
 * What the preload exposes, on a direct transport: the renderer's LabApi over `service`, every call
 * still crossing the contract's validation on both sides.
 */
export function directLabApi(service: LabApiService): LabApi {
  return makeLabApi(
    (method: LabMethod, input: unknown) => service.handle(method, input),
    (listener: (e: LabEventMessage) => void) => service.onEvent(listener),
  );
}
