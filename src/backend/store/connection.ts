/**
 * The SQLite connection behind a RunStore, for the store's own modules (cluster.ts, engineWork.ts,
 * imports.ts) and for tests that look inside the file. Everything else uses the store's repository
 * methods: the lint refuses this import outside src/backend/store (eslint.config.mjs).
 */
import type Database from 'better-sqlite3';

const connections = new WeakMap<object, Database.Database>();

/** Called once by the RunStore constructor. */
export function registerConnection(store: object, db: Database.Database): void {
  connections.set(store, db);
}

export function connectionOf(store: object): Database.Database {
  const db = connections.get(store);
  if (db === undefined) throw new Error('not a RunStore');
  return db;
}
