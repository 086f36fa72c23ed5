/**
 * Schema migrations of a history that other processes may be opening at the same moment (three
 * `w2s run` started together on a new file). The write lock is taken first and the schema version
 * read again inside it: the first process migrates, the others find the file migrated and go on.
 * All steps run in that one transaction, so a file is either at its old version or at the new one.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS, PACKED_SINCE, PAGE_SIZE, SCHEMA_VERSION } from './schema';
import { type ContentionStats, isBusy, type RetryPolicy, withRetry } from './transactions';

export class SchemaTooNewError extends Error {}

/** A database of another program: no schema version of ours, but tables. */
export class NotAHistoryError extends Error {}

export interface MigrationContext {
  readonly db: Database.Database;
  readonly file: string;
  readonly appVersion: string;
  readonly retry: RetryPolicy;
  readonly stats: ContentionStats;
  readonly nativeBinding?: string;
}

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function refuseNewer(context: MigrationContext, version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new SchemaTooNewError(`${context.file} has schema version ${version}; this app (${context.appVersion}) knows up to ${SCHEMA_VERSION}: update W2S Lab`);
  }
}

/**
 * A connection's settings. Throws, having written nothing, for another program's database.
 * Switching a new file to WAL needs the file to itself for a moment: when other processes open it
 * at the same instant, that fails at once with SQLITE_BUSY (no busy wait), and is tried again.
 */
export function configure(db: Database.Database, retry: RetryPolicy, stats: ContentionStats): void {
  withRetry(db, retry, stats, 'opening', () => {
    const version = versionOfHistory(db);
    // Series chunks are ~15 kB BLOBs in a rowid table (schema 10): 4 KiB pages, whose overflow
    // pages they fill whole (effective only when the file is created; older files are repacked
    // once, after their migration: repack below). Memory-mapped reads skip a copy per page.
    if (version === 0) db.pragma(`page_size = ${PAGE_SIZE}`);
    db.pragma('mmap_size = 1073741824');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal' && db.name !== ':memory:') throw Object.assign(new Error(`the journal mode stayed ${String(mode)}`), { code: 'SQLITE_BUSY' });
  });
  // A log is never shrunk: cut it back to 16 MB after a checkpoint (SQLite's default, one every
  // 1 000 pages, is 4 MB of 4 KiB pages; a file of 64 KiB pages not yet repacked: 64 MB).
  db.pragma('wal_autocheckpoint = 1000');
  db.pragma('journal_size_limit = 16777216');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
}

/**
 * The file's schema version. A database of another program (tables, but no schema version of
 * ours) is refused before anything is written to it: a new history is empty, and ours has a
 * version from its first commit on. Both are read in one statement, so in one snapshot: read
 * apart, another process's migration could commit in between.
 */
export function versionOfHistory(db: Database.Database): number {
  const { version, tables } = db.prepare('SELECT (SELECT user_version FROM pragma_user_version) AS version, (SELECT COUNT(*) FROM sqlite_schema) AS tables').get() as {
    version: number;
    tables: number;
  };
  if (version === 0 && tables > 0) throw new NotAHistoryError('an SQLite database with tables but no W2S Lab schema version');
  return version;
}

/** FILE.bak-v<version>, or, when an older upgrade left one, a name beside it that is free. */
function backupName(file: string, version: number): string {
  const base = `${file}.bak-v${version}`;
  if (!existsSync(base)) return base;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  for (let n = 1; ; n++) {
    const name = `${base}-${stamp}${n === 1 ? '' : `-${n}`}`;
    if (!existsSync(name)) return name;
  }
}

/**
 * Copy the file's committed content aside. It is taken by a second, read-only connection while the
 * first holds the write lock: nobody can write meanwhile, and the copy is whole whatever the WAL
 * holds (VACUUM INTO reads one snapshot).
 */
function backup(context: MigrationContext, version: number): void {
  const reader = new Database(context.file, { readonly: true, ...(context.nativeBinding === undefined ? {} : { nativeBinding: context.nativeBinding }) });
  try {
    reader.prepare('VACUUM INTO ?').run(backupName(context.file, version));
  } finally {
    reader.close();
  }
}

/**
 * Bring the file to `target`. An existing database (version > 0) is first copied to
 * FILE.bak-v<old version>, once: by the process that migrates. A file from a newer app is
 * refused untouched.
 */
export function migrate(context: MigrationContext, target = SCHEMA_VERSION): void {
  const { db } = context;
  const seen = userVersion(db);
  refuseNewer(context, seen);
  if (seen >= target) {
    // Migrated while another process had the file open: repacked by a later open (repack below).
    if (seen >= PACKED_SINCE && db.pragma('page_size', { simple: true }) !== PAGE_SIZE) repack(db);
    return;
  }
  // A table rebuild needs foreign keys off, and the pragma is a no-op inside a transaction.
  const rebuilds = MIGRATIONS.some((m) => m.version > seen && m.version <= target && m.rebuildsTables === true);
  if (rebuilds) db.pragma('foreign_keys = OFF');
  try {
    withRetry(db, context.retry, context.stats, 'migration', () => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const current = versionOfHistory(db);
        refuseNewer(context, current);
        if (current < target) {
          if (current > 0 && context.file !== ':memory:') backup(context, current);
          for (const migration of MIGRATIONS) {
            if (migration.version <= current || migration.version > target) continue;
            db.exec(migration.sql);
            migration.convert?.(db);
          }
          if (rebuilds) {
            const broken = db.pragma('foreign_key_check') as unknown[];
            if (broken.length > 0) throw new Error(`the migration to schema ${target} would break ${broken.length} references: ${JSON.stringify(broken[0])}`);
          }
          db.pragma(`user_version = ${target}`);
        }
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    });
  } finally {
    if (rebuilds) db.pragma('foreign_keys = ON');
  }
  // The conversion to schema 10 frees two thirds of the pages; a file of 64 KiB pages is repacked.
  const converted = seen > 0 && seen < PACKED_SINCE && target >= PACKED_SINCE;
  if (converted || (userVersion(db) >= PACKED_SINCE && db.pragma('page_size', { simple: true }) !== PAGE_SIZE)) repack(db);
}

/**
 * Rewrite the file into PAGE_SIZE pages without its free ones (VACUUM). The page size of a WAL file
 * changes only out of WAL mode, which needs the file to itself: when another process has it open
 * this gives up at once (no busy wait), the file stays correct, only larger, and the next process
 * that opens it alone repacks it (migrate calls this while the page size is not PAGE_SIZE). The
 * backup taken before a migration is untouched.
 */
export function repack(db: Database.Database): boolean {
  if (db.name === ':memory:' || db.inTransaction) return false;
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    if (db.pragma('page_size', { simple: true }) !== PAGE_SIZE) {
      if (db.pragma('journal_mode = DELETE', { simple: true }) !== 'delete') return false;
      db.pragma(`page_size = ${PAGE_SIZE}`);
    }
    db.exec('VACUUM');
    return true;
  } catch (error) {
    if (isBusy(error) || (error as { code?: string }).code === 'SQLITE_LOCKED') return false;
    throw error;
  } finally {
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${timeout}`);
  }
}
