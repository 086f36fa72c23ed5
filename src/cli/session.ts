/** Opening the store and the engine pool for a command, and closing them whatever happens. */
import { availableParallelism } from 'node:os';
import { Lab } from '../backend/lab';
import { EnginePool, forkSpawner } from '../backend/pool';
import { RunStore } from '../backend/store/store';
import { APP_VERSION } from '../shared/app';
import { UsageError } from './args';

/** Open the run history; experiments whose runner process is gone are marked interrupted. */
export function openStore(file: string): RunStore {
  let store: RunStore;
  try {
    store = RunStore.open(file, APP_VERSION);
  } catch (error) {
    throw new UsageError(`cannot open the run history ${file}: ${(error as Error).message}`);
  }
  store.markInterrupted();
  return store;
}

/** Run `body` with a store and a lab on a pool of `workers` engine processes. */
export async function withLab<T>(file: string, workers: number, checkpointIntervalMs: number, body: (lab: Lab) => Promise<T>): Promise<T> {
  const store = openStore(file);
  const pool = new EnginePool(forkSpawner(), Math.max(1, workers));
  try {
    const lab = new Lab(store, pool, { checkpointIntervalMs });
    return await body(lab);
  } finally {
    pool.close();
    store.close();
  }
}

export function defaultWorkers(): number {
  return availableParallelism();
}
