/**
 * The history a preset leaves: `w2s run` of the Figure 1 and Figure 2 presets on the preview path
 * into a fresh history, then the file's size (the CLI checkpoints its log when it closes), the
 * series chunks' bytes and the pages they take (SQLite's dbstat), and the points stored.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { presetSpec } from './preview';

const ROOT = join(__dirname, '..');

export interface StorageResult {
  readonly preset: string;
  readonly runs: number;
  readonly points: number;
  readonly fileMB: number;
  readonly seriesMB: number;
  /** Pages of the series table (data and overflow) that hold no payload. */
  readonly seriesUnusedMB: number;
  readonly pageSize: number;
  readonly schemaVersion: number;
  readonly runSeconds: number;
}

export function benchStorage(name: 'figure1' | 'figure2', workers = 2): StorageResult {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-storage-'));
  try {
    const file = join(dir, 'lab.sqlite');
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(presetSpec(name, 'preview')));
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'w2s.cjs'), 'run', join(dir, 'spec.json'), '--db', file, '--workers', String(workers)], { encoding: 'utf8', cwd: ROOT });
    const runSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) throw new Error(`w2s run failed: ${r.stderr}`);
    const fileBytes = statSync(file).size;
    const db = new Database(file, { readonly: true });
    try {
      const { runs, points } = db.prepare('SELECT COUNT(*) AS runs, TOTAL(recorded) AS points FROM runs').get() as { runs: number; points: number };
      const { bytes } = db.prepare('SELECT TOTAL(length(data)) AS bytes FROM series_chunks').get() as { bytes: number };
      const { unused } = db.prepare("SELECT TOTAL(pgsize - payload) AS unused FROM dbstat WHERE name = 'series_chunks'").get() as { unused: number };
      return {
        preset: name,
        runs,
        points,
        fileMB: fileBytes / 1e6,
        seriesMB: bytes / 1e6,
        seriesUnusedMB: unused / 1e6,
        pageSize: db.pragma('page_size', { simple: true }) as number,
        schemaVersion: db.pragma('user_version', { simple: true }) as number,
        runSeconds,
      };
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reportStorage(results: readonly StorageResult[]): void {
  const targets: Record<string, number> = { figure1: 40, figure2: 200 };
  console.log('storage: the history a preset leaves, preview path, `w2s run` on 2 engine processes into a fresh file (MB = 10⁶ bytes):');
  for (const s of results) {
    console.log(
      `  ${s.preset}: ${s.fileMB.toFixed(1)} MB   target ≤ ${targets[s.preset]} MB; series chunks ${s.seriesMB.toFixed(1)} MB (+ ${s.seriesUnusedMB.toFixed(1)} MB of their pages unused), ${s.runs} runs × ${(s.points / s.runs).toFixed(0)} points, ${(s.seriesMB * 1e6 / s.points).toFixed(1)} bytes a point, ${s.pageSize}-byte pages, schema ${s.schemaVersion}; the run ${s.runSeconds.toFixed(1)} s`,
    );
  }
}
