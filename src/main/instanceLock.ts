/**
 * One desktop instance per history file. Electron's own single-instance lock is per userData folder,
 * not per history, so the lock is a local socket named after the history's real path: the first
 * instance listens on it; a second one finds it answering, asks it to come to the front and quits.
 * A socket left by a crashed instance answers nothing and is replaced. No Electron import.
 */
import { createHash } from 'node:crypto';
import { realpathSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';

/** The one message a second instance sends. */
const SecondInstanceSchema = z.object({ type: z.literal('focus'), argv: z.array(z.string()).max(1000) }).strict();
export type SecondInstance = z.output<typeof SecondInstanceSchema>;

/** The socket's address for a history file (the file itself may not exist yet). */
export function lockAddress(historyFile: string, platform: string = process.platform, dir: string = tmpdir()): string {
  let path = resolve(historyFile);
  try {
    path = realpathSync(path);
  } catch {
    // Not created yet: its resolved path is what the first instance used too.
  }
  const key = createHash('sha256').update(path).digest('hex').slice(0, 24);
  // Unix socket paths are limited to ~100 bytes: a hash in the temp folder, never the history's path.
  return platform === 'win32' ? `\\\\.\\pipe\\w2s-lab-${key}` : resolve(dir, `w2s-lab-${key}.sock`);
}

export interface InstanceLock {
  release(): void;
}

/** Tell the instance at `address` to come forward; false when nothing answers there. */
function notifyFirst(address: string, argv: readonly string[]): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection(address);
    socket.once('connect', () => socket.end(`${JSON.stringify({ type: 'focus', argv })}\n`, () => done(true)));
    socket.once('error', () => done(false));
  });
}

function listen(server: Server, address: string): Promise<boolean> {
  return new Promise((done, fail) => {
    const onError = (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? done(false) : fail(error));
    server.once('error', onError);
    server.listen(address, () => {
      server.off('error', onError);
      done(true);
    });
  });
}

/**
 * Take the lock for `historyFile`, or hand over to the instance that holds it: null then, and that
 * instance's `onSecondInstance` runs with this process's arguments.
 */
export async function acquireInstanceLock(
  historyFile: string,
  onSecondInstance: (message: SecondInstance) => void,
  options: { argv?: readonly string[]; address?: string } = {},
): Promise<InstanceLock | null> {
  const address = options.address ?? lockAddress(historyFile);
  const server = createServer((socket) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 1_000_000) socket.destroy();
    });
    socket.on('end', () => {
      try {
        const r = SecondInstanceSchema.safeParse(JSON.parse(text));
        if (r.success) onSecondInstance(r.data);
      } catch {
        // Not a W2S Lab instance talking: ignore it.
      }
    });
    socket.on('error', () => undefined);
  });
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await listen(server, address)) {
      return { release: () => server.close() };
    }
    if (await notifyFirst(address, options.argv ?? process.argv)) return null;
    // A stale socket of an instance that is gone: remove it and listen again (once).
    if (process.platform !== 'win32') {
      try {
        unlinkSync(address);
      } catch {
        // Another instance removed it first: the next listen decides.
      }
    }
  }
  throw new Error(`cannot take the instance lock at ${address}`);
}
