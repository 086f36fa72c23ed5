/**
 * Engine processes as Electron utility processes: the pool's EngineProcess over
 * `utilityProcess.fork` (messages through process.parentPort in the worker).
 */
import type { UtilityProcess } from 'electron';
import type { EngineMessage, JobReply } from '../shared/jobs';
import type { EngineProcess, SpawnEngine } from '../backend/pool';

/** The part of Electron's UtilityProcess the wrapper uses (a stand-in in tests). */
export type UtilityProcessLike = Pick<UtilityProcess, 'postMessage' | 'kill'> & {
  readonly pid?: number | undefined;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
};

export function wrapUtilityProcess(child: UtilityProcessLike): EngineProcess {
  let exited = false;
  return {
    pid: child.pid,
    send: (message: EngineMessage) => {
      if (!exited) child.postMessage(message);
    },
    onMessage: (handler) => child.on('message', (message) => handler(message as JobReply)),
    onExit: (handler) =>
      child.on('exit', (code) => {
        exited = true;
        handler(`engine process exited with code ${code}`);
      }),
    kill: () => {
      if (!exited) child.kill();
    },
  };
}

/** A spawner for the pool: `fork` is electron's utilityProcess.fork bound to the worker bundle. */
export function utilitySpawner(fork: () => UtilityProcessLike): SpawnEngine {
  return () => wrapUtilityProcess(fork());
}
