/**
 * One desktop instance per history file. Electron's own single-instance lock is per userData folder,
 * not per history, so the lock is a local socket named after the history's real path: the first
 * instance listens on it; a second one finds it answering, asks it to come to the front and quits.
 * A socket left by a crashed instance answers nothing and is replaced. No Electron import.
 *
 * The socket is never at a guessable name in a folder other users can write (the shared /tmp):
 * there another local user could listen first, make the app quit at every launch and receive its
 * arguments. On Linux and macOS it lives in a folder only this user can write ($XDG_RUNTIME_DIR,
 * else the app's userData folder); on Windows, where pipes share one namespace, its name carries a
 * per-user secret kept in userData.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

/** The one message a second instance sends. */
const SecondInstanceSchema = z.object({ type: z.literal('focus'), argv: z.array(z.string()).max(1000) }).strict();
export type SecondInstance = z.output<typeof SecondInstanceSchema>;

/** Where this user's locks are: a private folder (Linux, macOS) or a secret for the pipe names (Windows). */
export interface LockPlace {
  readonly platform: NodeJS.Platform;
  readonly folder: string;
  readonly secret: string;
}

/** The longest Unix socket path every platform takes (macOS: 104 bytes with the terminating zero). */
const MAX_SOCKET_PATH = 103;
const SECRET_FILE = 'instance-lock.key';

/** A folder this user owns that no one else may write into (and not a symlink someone could swap). */
function isPrivateFolder(folder: string): boolean {
  try {
    const s = lstatSync(folder);
    return s.isDirectory() && (process.getuid === undefined || s.uid === process.getuid()) && (s.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** This user's secret for pipe names, created on first use (readable by this user only). */
function pipeSecret(userData: string): string {
  const file = join(userData, SECRET_FILE);
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(text)) return text;
  } catch {
    // Not there yet.
  }
  const secret = randomBytes(32).toString('hex');
  mkdirSync(userData, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * Where the locks of a user of `userData` go. Linux: $XDG_RUNTIME_DIR when it is private (it is made
 * 0700 at login), else userData; macOS: userData. When a socket path there would be too long, a
 * folder of this user's alone in the temp folder (made 0700 and checked, never taken over).
 */
export function lockPlace(userData: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, temp: string = tmpdir()): LockPlace {
  if (platform === 'win32') return { platform, folder: userData, secret: pipeSecret(userData) };
  const runtime = env['XDG_RUNTIME_DIR'];
  if (platform === 'linux' && runtime !== undefined && isAbsolute(runtime) && isPrivateFolder(runtime)) return { platform, folder: runtime, secret: '' };
  mkdirSync(userData, { recursive: true, mode: 0o700 });
  if (isPrivateFolder(userData) && Buffer.byteLength(join(userData, 'lock-0123456789abcdef.sock')) <= MAX_SOCKET_PATH) return { platform, folder: userData, secret: '' };
  const folder = join(temp, `w2s-lab-${process.getuid?.() ?? 'user'}`);
  try {
    mkdirSync(folder, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (!isPrivateFolder(folder)) throw new Error(`the instance lock's folder ${folder} is not this user's alone (another user made it, or anyone may write into it): remove it and start W2S Lab again`);
  return { platform, folder, secret: '' };
}

/** The socket's address for a history file (the file itself may not exist yet). */
export function lockAddress(historyFile: string, place: LockPlace): string {
  let path = resolve(historyFile);
  try {
    path = realpathSync(path);
  } catch {
    // Not created yet: its resolved path is what the first instance used too.
  }
  const key = createHash('sha256').update(place.secret).update('\0').update(path).digest('hex');
  // Unix socket paths are limited to ~100 bytes: a hash in the private folder, never the history's path.
  return place.platform === 'win32' ? `\\\\.\\pipe\\w2s-lab-${key.slice(0, 32)}` : join(place.folder, `lock-${key.slice(0, 16)}.sock`);
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
 * Take the lock at `address` (lockAddress of a history), or hand over to the instance that holds
 * it: null then, and that instance's `onSecondInstance` runs with this process's arguments.
 */
export async function acquireInstanceLock(address: string, onSecondInstance: (message: SecondInstance) => void, options: { argv?: readonly string[] } = {}): Promise<InstanceLock | null> {
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
