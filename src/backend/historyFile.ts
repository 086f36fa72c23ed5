/**
 * Which file is the run history, and what to tell a user whose file cannot be used. The desktop
 * app, `w2s serve` and every `w2s` command open the same default (`$W2S_DB`, else
 * ~/.w2s-lab/lab.sqlite), so an experiment run from one shows in the others. A file that is
 * read-only, on a full disk, or not a history is refused with one line naming it and what to do,
 * before anything is written.
 */
import { accessSync, closeSync, constants, existsSync, openSync, readSync, statfsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { NotAHistoryError, SchemaTooNewError } from './store/migrate';
import { RunStore, type StoreOptions } from './store/store';
import { HistoryLockedError } from './store/transactions';

export const HISTORY_ENV = 'W2S_DB';

/** The default run history: $W2S_DB when set, else ~/.w2s-lab/lab.sqlite. */
export function defaultHistoryFile(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const chosen = env[HISTORY_ENV];
  return chosen !== undefined && chosen !== '' ? chosen : join(home, '.w2s-lab', 'lab.sqlite');
}

/** A history file that cannot be used; the message is one line: the file, the problem, what to do. */
export class HistoryFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'HistoryFileError';
  }
}

/** Room a new history needs: its first pages and write-ahead log (64 KiB pages). */
const NEW_HISTORY_BYTES = 2 * 1024 * 1024;
/** Room any connection needs: SQLite's shared-memory index (32 KiB) and a first log frame. */
const MIN_FREE_BYTES = 128 * 1024;
const SQLITE_HEADER = 'SQLite format 3\0';

function code(error: unknown): string {
  const c = (error as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : '';
}

function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
}

/**
 * The one line for an error that concerns the history file itself (full, read-only, not a
 * database, damaged, locked, too new), or null for any other error. `elsewhere` says how to
 * choose another file in this shell, e.g. "--db FILE or $W2S_DB".
 */
export function historyFileProblem(file: string, error: unknown, elsewhere: string): string | null {
  if (error instanceof HistoryFileError) return error.message;
  const c = code(error);
  const why = reason(error);
  const other = `or choose another history with ${elsewhere}`;
  if (isDiskFull(file, error)) {
    return `the disk holding the run history ${file} is full (${why}): free some space, ${other}`;
  }
  if (c.startsWith('SQLITE_READONLY') || c === 'EROFS' || c === 'EACCES' || c === 'EPERM' || c.startsWith('SQLITE_PERM')) {
    return `the run history ${file} is read-only (${why}): make it and its folder writable, ${other}`;
  }
  if (c === 'SQLITE_NOTADB' || error instanceof NotAHistoryError) return `${file} is not a W2S Lab run history (${why}): ${other.slice(3)}; the file was left untouched`;
  if (c.startsWith('SQLITE_CORRUPT')) return `the run history ${file} is damaged (${why}): restore it from a copy (an upgrade leaves ${file}.bak-v<N>), ${other}`;
  if (c.startsWith('SQLITE_CANTOPEN') || c === 'EISDIR' || c === 'ENOTDIR') return `cannot open the run history ${file} (${why}): give the path of a file in a folder you can write, ${other}`;
  if (c.startsWith('SQLITE_IOERR')) return `reading or writing the run history ${file} failed (${why}): check the disk, ${other}`;
  if (error instanceof HistoryLockedError) return `${why}: close the process that holds it, or wait and try again`;
  if (error instanceof SchemaTooNewError) return why;
  return null;
}

/**
 * Whether `error` is a write refused because the disk holding the history `file` is full. SQLite
 * reports a full disk met while mapping its shared memory as an I/O error.
 */
export function isDiskFull(file: string, error: unknown): boolean {
  const c = code(error);
  return c === 'SQLITE_FULL' || c === 'ENOSPC' || c === 'EDQUOT' || (c.startsWith('SQLITE_IOERR') && freeBytes(file) < MIN_FREE_BYTES);
}

/**
 * The one line a shell shows while an experiment waits for room (the CLI's words for a full disk,
 * historyFileProblem, and what happens next).
 */
export function diskFullPause(file: string, error: unknown): string {
  return `the disk holding the run history ${file} is full (${reason(error)}); the experiment resumes when there is room`;
}

/** The nearest folder that exists on the way to `file`. */
function existingFolder(file: string): string {
  let folder = dirname(file);
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  return folder;
}

/** Free space for an unprivileged user on the disk that holds (or will hold) `file`. */
export function freeBytes(file: string): number {
  try {
    const { bavail, bsize } = statfsSync(existingFolder(file));
    return bavail * bsize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function fullDisk(free: number, needed: number): Error {
  return Object.assign(new Error(`${Math.floor(free / 1024)} KiB free, ${needed >= 1024 * 1024 ? `${needed / 1024 / 1024} MiB` : `${needed / 1024} KiB`} needed`), { code: 'ENOSPC' });
}

/** Refuse, before SQLite touches anything, a history that is a folder, read-only, not a database, or on a full disk. */
export function checkHistoryFile(file: string, elsewhere: string): void {
  const fail = (error: unknown): never => {
    throw new HistoryFileError(file, historyFileProblem(file, error, elsewhere) ?? `cannot use the run history ${file} (${reason(error)})`);
  };
  if (!existsSync(file)) {
    const folder = existingFolder(file);
    try {
      accessSync(folder, constants.W_OK);
    } catch (error) {
      fail(error);
    }
    const free = freeBytes(file);
    if (free < NEW_HISTORY_BYTES) fail(fullDisk(free, NEW_HISTORY_BYTES));
    return;
  }
  const stat = statSync(file);
  if (stat.isDirectory()) fail(Object.assign(new Error('it is a folder'), { code: 'EISDIR' }));
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
    // SQLite keeps its write-ahead log and shared memory beside the file.
    accessSync(dirname(file), constants.W_OK);
  } catch (error) {
    fail(error);
  }
  if (stat.size === 0) return; // an empty file is an empty database
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1') !== SQLITE_HEADER) fail(Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' }));
  // With no room for SQLite's shared-memory index, opening would fail half-way and leave files behind.
  const free = freeBytes(file);
  if (!existsSync(`${file}-shm`) && free < MIN_FREE_BYTES) fail(fullDisk(free, MIN_FREE_BYTES));
}

/** Check, then open and migrate the history; every problem with the file is a HistoryFileError of one line. */
export function openHistory(file: string, appVersion: string, elsewhere: string, options: StoreOptions = {}): RunStore {
  checkHistoryFile(file, elsewhere);
  try {
    return RunStore.open(file, appVersion, options);
  } catch (error) {
    const problem = historyFileProblem(file, error, elsewhere);
    throw problem === null ? error : new HistoryFileError(file, problem);
  }
}
