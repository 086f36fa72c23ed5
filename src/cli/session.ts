/** Opening the store and the engine pool for a command, and closing them whatever happens. */
import { availableParallelism } from 'node:os';
import { historyFileProblem, openHistory } from '../backend/historyFile';
import { Lab } from '../backend/lab';
import { EnginePool, forkSpawner } from '../backend/pool';
import type { RunStore } from '../backend/store/store';
import { APP_VERSION } from '../shared/app';
import { UsageError } from './args';
import { errorMessage } from '../shared/errorMessage';

/** How a `w2s` user picks another history. */
const ELSEWHERE = '--db FILE or $W2S_DB';

/** The history this command opened: a later failure that concerns the file names it. */
let opened: string | null = null;

/**
 * The one line for an error about the history file (full disk, read-only, …) met after it was
 * opened, or null.
 */
export function historyProblemLine(error: unknown): string | null {
  return opened === null ? null : historyFileProblem(opened, error, ELSEWHERE);
}

/** Open the run history; experiments whose runner process is gone are marked interrupted. */
export function openStore(file: string): RunStore {
  opened = file;
  let store: RunStore;
  try {
    store = openHistory(file, APP_VERSION, ELSEWHERE);
  } catch (error) {
    throw new UsageError(historyFileProblem(file, error, ELSEWHERE) ?? `cannot open the run history ${file}: ${errorMessage(error)}`);
  }
  try {
    store.markInterrupted();
  } catch (error) {
    store.close();
    throw error;
  }
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
