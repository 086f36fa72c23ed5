/**
 * A summary's per-step mean trajectories (one per cell), stored binary beside the summary's JSON:
 * metric-major Float64 chunks of at most TRAJECTORY_CHUNK_POINTS points, in the column order of
 * engine/summary.ts TRAJECTORY_COLUMNS. The JSON row stays a few kilobytes a cell whatever the
 * number of steps; the trajectories are read only when asked (the summary file, bundles).
 */
import { TRAJECTORY_COLUMNS, type Trajectory, trajectoryFromColumns } from '../../engine/summary';
import { float64Block } from '../../shared/seriesCodec';
import type Database from 'better-sqlite3';

/** Points a stored chunk holds at most: 65 536 × 10 columns × 8 bytes = 5 MB. */
export const TRAJECTORY_CHUNK_POINTS = 65_536;

/** A trajectory as its columns (TRAJECTORY_COLUMNS order); a summary read from JSON has null for NaN. */
export function trajectoryColumns(t: Trajectory): Float64Array[] {
  const column = (xs: readonly (number | null)[]) => Float64Array.from(xs, (x) => (x === null ? NaN : x));
  const metric = (m: keyof Trajectory['metrics']) => [column(t.metrics[m].mean), column(t.metrics[m].std)];
  return [column(t.step), ...metric('inner'), ...metric('norm'), ...metric('cos'), ...metric('accuracy'), column(t.n)];
}

/** Replace an experiment's stored trajectories, cell by cell: in the store's write transaction (RunStore.setSummary). */
export function writeTrajectories(db: Database.Database, experimentId: number, cells: readonly (readonly ArrayLike<number>[])[]): void {
  const width = TRAJECTORY_COLUMNS.length;
  db.prepare('DELETE FROM summary_trajectories WHERE experiment_id = ?').run(experimentId);
  const insert = db.prepare('INSERT INTO summary_trajectories (experiment_id, cell, start, count, data) VALUES (?, ?, ?, ?, ?)');
  cells.forEach((columns, cell) => {
    if (columns.length !== width) throw new RangeError(`a trajectory has ${width} columns, got ${columns.length}`);
    const length = columns[0].length;
    for (let start = 0; start < length; start += TRAJECTORY_CHUNK_POINTS) {
      const count = Math.min(TRAJECTORY_CHUNK_POINTS, length - start);
      const block = new Float64Array(count * width);
      for (let c = 0; c < width; c++) {
        const column = columns[c];
        for (let i = 0; i < count; i++) block[c * count + i] = column[start + i];
      }
      insert.run(experimentId, cell, start, count, Buffer.from(block.buffer, block.byteOffset, block.byteLength));
    }
    // An empty trajectory (no teacher selected) is stored as one empty chunk, so it is known to exist.
    if (length === 0) insert.run(experimentId, cell, 0, 0, Buffer.alloc(0));
  });
}

/**
 * An experiment's stored trajectories by cell, or null when none are stored (a summary of schema 7
 * or before holds them inline): in the store's read transaction (RunStore.loadSummary).
 */
export function readTrajectories(db: Database.Database, experimentId: number): Map<number, Trajectory> | null {
  const width = TRAJECTORY_COLUMNS.length;
  const sizes = db.prepare('SELECT cell, SUM(count) AS points FROM summary_trajectories WHERE experiment_id = ? GROUP BY cell').all(experimentId) as { cell: number; points: number }[];
  if (sizes.length === 0) return null;
  const columns = new Map(sizes.map(({ cell, points }) => [cell, Array.from({ length: width }, () => new Float64Array(points))]));
  const chunks = db.prepare('SELECT cell, start, count, data FROM summary_trajectories WHERE experiment_id = ? ORDER BY cell, start').iterate(experimentId) as IterableIterator<{ cell: number; start: number; count: number; data: Buffer }>;
  for (const { cell, start, count, data } of chunks) {
    const block = float64Block(data, count * width);
    const out = columns.get(cell) as Float64Array[];
    for (let c = 0; c < width; c++) out[c].set(block.subarray(c * count, (c + 1) * count), start);
  }
  return new Map([...columns].map(([cell, cols]) => [cell, trajectoryFromColumns(cols)]));
}
