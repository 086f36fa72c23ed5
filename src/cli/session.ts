/** Opening the history (and the engine pool) for a command, and closing them whatever happens. */
import { availableParallelism } from 'node:os';
import { historyFileProblem } from '../backend/historyFile';
import { LabCommands } from '../backend/labCommands';
import { EnginePool, forkSpawner } from '../backend/pool';
import { APP_VERSION } from '../shared/app';
import { LabRequestError } from '../shared/labApi';
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

/** Open the run history through the backend's commands; experiments whose runner process is gone are marked interrupted. */
export function openCommands(file: string): LabCommands {
  opened = file;
  let commands: LabCommands;
  try {
    commands = LabCommands.open(file, APP_VERSION, ELSEWHERE);
  } catch (error) {
    throw new UsageError(historyFileProblem(file, error, ELSEWHERE) ?? `cannot open the run history ${file}: ${errorMessage(error)}`);
  }
  try {
    commands.markInterrupted();
  } catch (error) {
    commands.close();
    throw error;
  }
  return commands;
}

/** A refusal by the lab's rules (backend/refusals.ts) reads as a usage error: its one line, exit 2. */
function asUsage(error: unknown): unknown {
  return error instanceof LabRequestError ? new UsageError(error.message) : error;
}

/** Run `body` with the history's commands, closed once it returns (or its promise settles) whatever happens. */
export function withCommands<T>(file: string, body: (commands: LabCommands) => T): T {
  const commands = openCommands(file);
  let result: T;
  try {
    result = body(commands);
  } catch (error) {
    commands.close();
    throw asUsage(error);
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => value,
      (error: unknown) => Promise.reject(asUsage(error)),
    ).finally(() => commands.close()) as T;
  }
  commands.close();
  return result;
}

/** Run `body` with the commands and a lab on a pool of `workers` engine processes. */
export async function withLab<T>(file: string, workers: number, checkpointIntervalMs: number, body: (commands: LabCommands) => Promise<T>): Promise<T> {
  const commands = openCommands(file);
  const pool = new EnginePool(forkSpawner(), Math.max(1, workers));
  try {
    return await body(commands.withLab(pool, { checkpointIntervalMs }));
  } catch (error) {
    throw asUsage(error);
  } finally {
    pool.close();
    commands.close();
  }
}

export function defaultWorkers(): number {
  return availableParallelism();
}
