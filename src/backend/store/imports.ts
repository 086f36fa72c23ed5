/**
 * An experiment brought in whole from elsewhere (a bundle, exchange.ts): its record, its runs with
 * their checkpoints and their series, written in one write transaction. What was live where it came
 * from is interrupted here (its runner is not this machine's).
 */
import type { ExperimentSpec } from '../../engine/spec';
import type { ExperimentSummary } from '../../engine/summary';
import { connectionOf } from './connection';
import { blockPieces, type ExperimentRecord, type RunRecord } from './records';
import type { RunStore } from './store';

export type ImportedExperiment = Pick<ExperimentRecord, 'name' | 'status' | 'createdAt' | 'finishedAt' | 'appVersion' | 'notes' | 'error' | 'tags'> & { readonly summary: ExperimentSummary | null };
/** A run as a bundle carries it; its descriptor and checkpoint are stored as the JSON they are. */
export type ImportedRun = Pick<RunRecord, 'key' | 'status' | 'columns' | 'recorded' | 'stepsDone' | 'error'> & { readonly descriptor: unknown; readonly checkpoint: unknown };

/** Store the experiment and its runs; `blocks[i]` is run i's series, packed metric-major. Returns the new id. */
export function insertImportedExperiment(store: RunStore, spec: ExperimentSpec, experiment: ImportedExperiment, runs: readonly ImportedRun[], blocks: readonly Uint8Array[]): number {
  const db = connectionOf(store);
  return store.write(() => {
    const status = experiment.status === 'running' || experiment.status === 'queued' ? 'interrupted' : experiment.status;
    const info = db
      .prepare(
        `INSERT INTO experiments (name, setup, spec, seed, status, created_at, finished_at, app_version, notes, summary, error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
      )
      .run(experiment.name, spec.setup, JSON.stringify(spec), spec.seed, status, experiment.createdAt, experiment.finishedAt, experiment.appVersion, experiment.notes, experiment.error);
    const id = Number(info.lastInsertRowid);
    // Its JSON, and its trajectories binary, as a local run's summary is stored.
    if (experiment.summary !== null && experiment.summary !== undefined) store.setSummary(id, experiment.summary);
    const tag = db.prepare('INSERT OR IGNORE INTO tags (experiment_id, tag) VALUES (?, ?)');
    for (const t of experiment.tags) tag.run(id, t);
    const insertRun = db.prepare(
      `INSERT INTO runs (experiment_id, cell, teacher, lr_index, status, descriptor, columns, recorded, steps_done, checkpoint, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertChunk = db.prepare('INSERT INTO series_chunks (run_id, start, count, data) VALUES (?, ?, ?, ?)');
    runs.forEach((run, i) => {
      const runStatus = run.status === 'running' ? 'interrupted' : run.status;
      const descriptor = run.descriptor === null || run.descriptor === undefined ? null : JSON.stringify(run.descriptor);
      const checkpoint = run.checkpoint === null || run.checkpoint === undefined ? null : JSON.stringify(run.checkpoint);
      const r = insertRun.run(id, run.key.cell, run.key.teacher, run.key.lr, runStatus, descriptor, JSON.stringify(run.columns), run.recorded, run.stepsDone, checkpoint, run.error);
      const runId = Number(r.lastInsertRowid);
      for (const [start, n, data] of blockPieces(blocks[i], run.columns, run.recorded)) insertChunk.run(runId, start, n, data);
    });
    return id;
  });
}
