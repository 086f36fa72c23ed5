/**
 * Schema migrations of a history that other processes may be opening at the same moment (three
 * `w2s run` started together on a new file). The write lock is taken first and the schema version
 * read again inside it: the first process migrates, the others find the file migrated and go on.
 * All steps run in that one transaction, so a file is either at its old version or at the new one.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from './schema';
import { type ContentionStats, type RetryPolicy, withRetry } from './transactions';

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

/** A connection's settings. Throws, having written nothing, for another program's database. */
export function configure(db: Database.Database): void {
  const version = userVersion(db);
  refuseForeign(db, version);
  // Series chunks are ~50 kB BLOBs: large pages keep their overflow chains short (effective only
  // when the file is created), and memory-mapped reads skip a copy per page.
  if (version === 0) db.pragma('page_size = 65536');
  db.pragma('mmap_size = 1073741824');
  db.pragma('journal_mode = WAL');
  // With 64 KiB pages SQLite's default (a checkpoint every 1 000 pages) lets the log reach 64 MB,
  // and a log is never shrunk: fold it in every 16 MB and cut it back to that after.
  db.pragma('wal_autocheckpoint = 256');
  db.pragma('journal_size_limit = 16777216');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
}

/**
 * A database of another program (tables, but no schema version of ours) is refused before anything
 * is written to it: a new history is empty, and ours has a version from its first commit on.
 */
export function refuseForeign(db: Database.Database, version: number): void {
  if (version === 0 && (db.prepare('SELECT COUNT(*) AS n FROM sqlite_schema').get() as { n: number }).n > 0) {
    throw new NotAHistoryError('an SQLite database with tables but no W2S Lab schema version');
  }
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
  if (seen >= target) return;
  withRetry(db, context.retry, context.stats, 'migration', () => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const current = userVersion(db);
      refuseNewer(context, current);
      if (current < target) {
        refuseForeign(db, current);
        if (current > 0 && context.file !== ':memory:') backup(context, current);
        for (const migration of MIGRATIONS) {
          if (migration.version <= current || migration.version > target) continue;
          db.exec(migration.sql);
        }
        db.pragma(`user_version = ${target}`);
      }
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  });
}
