/**
 * The engine's measured throughput, for time estimates without a benchmark (calibration.ts): per
 * experiment the engine time its jobs took and the samples and steps they computed (summed over
 * resumes), and per engine path the one-off calibration probe's figure.
 */
import type { Statement } from 'better-sqlite3';
import type { ExperimentSpec } from '../../engine/spec';
import { connectionOf } from './connection';
import type { RunStore } from './store';

/** Engine time (ms) and the work it did: samples drawn and SGD steps taken. */
export interface EngineWork {
  readonly ms: number;
  readonly samples: number;
  readonly steps: number;
}

export class EngineWorkRecords {
  /** Prepared once: the lab adds a run's work after every run. */
  private addStatement: Statement | null = null;

  constructor(private readonly store: RunStore) {}

  private get db() {
    return connectionOf(this.store);
  }

  /** Add a finished run's engine time and the samples and SGD steps it computed to its experiment. */
  addEngineTime(experimentId: number, work: EngineWork): void {
    this.addStatement ??= this.db.prepare('UPDATE experiments SET engine_ms = engine_ms + ?, engine_samples = engine_samples + ?, engine_steps = engine_steps + ? WHERE id = ?');
    const statement = this.addStatement;
    this.store.write(() => statement.run(work.ms, work.samples, work.steps, experimentId));
  }

  /** The engine work of the most recent experiments that did any, newest first, with their specs. */
  recentEngineWork(limit: number): { spec: ExperimentSpec; work: EngineWork }[] {
    const rows = this.store.read(() => this.db.prepare('SELECT spec, engine_ms, engine_samples, engine_steps FROM experiments WHERE engine_ms > 0 ORDER BY id DESC LIMIT ?').all(limit)) as {
      spec: string;
      engine_ms: number;
      engine_samples: number;
      engine_steps: number;
    }[];
    return rows.map((r) => ({ spec: JSON.parse(r.spec) as ExperimentSpec, work: { ms: r.engine_ms, samples: r.engine_samples, steps: r.engine_steps } }));
  }

  /** The calibration probe's figure for an engine path, if it ever ran on this history. */
  getCalibration(path: string): { nsPerUnit: number; measuredAt: string } | null {
    const row = this.store.read(() => this.db.prepare('SELECT ns_per_unit, measured_at FROM engine_calibration WHERE path = ?').get(path)) as { ns_per_unit: number; measured_at: string } | undefined;
    return row === undefined ? null : { nsPerUnit: row.ns_per_unit, measuredAt: row.measured_at };
  }

  setCalibration(path: string, nsPerUnit: number): void {
    this.store.write(() => this.db.prepare('INSERT OR REPLACE INTO engine_calibration (path, ns_per_unit, measured_at) VALUES (?, ?, ?)').run(path, nsPerUnit, new Date().toISOString()));
  }
}
