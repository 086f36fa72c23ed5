/**
 * An experiment as a row of the run history: what the History page, `w2s list` and
 * `w2s list --json` show. Kept apart from the LabApi service so that `w2s list` loads only the store.
 */
import { resolvePath } from '../engine/spec';
import type { ExperimentRecord, HistoryEntry } from './store/store';

function parameters(e: HistoryEntry): Record<string, unknown> {
  const s = e.spec;
  return {
    d: s.data.d,
    law: s.data.law,
    beta: s.beta,
    norms: s.setup === 'random-teacher' ? s.student.norm : null,
    studentAccuracy: s.setup === 'random-teacher' ? s.student.accuracy : null,
    teacherAccuracies: s.setup === 'random-teacher' ? s.teachers.accuracy : null,
    teachers: s.teachers.count,
    batchSize: s.sft.batchSize,
    steps: s.sft.steps,
    learningRates: s.sft.learningRates,
    earlyStopping: s.sft.earlyStopping,
  };
}

/** A whole experiment record as a history entry (the list's two figures from its summary). */
export function historyEntry(e: ExperimentRecord): HistoryEntry {
  const { summary, ...rest } = e;
  return { ...rest, fractionImproved: summary?.fractionImproved ?? null, gainMean: summary?.gainMean ?? null };
}

const finite = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);

/** An experiment as a row of the run history (the LabApi's and `w2s list --json`'s). */
export function experimentListItem(e: HistoryEntry) {
  return {
    id: e.id,
    name: e.name,
    setup: e.setup,
    status: e.status,
    createdAt: e.createdAt,
    finishedAt: e.finishedAt,
    tags: e.tags,
    notes: e.notes,
    label: e.label,
    seed: e.seed,
    parameters: parameters(e),
    fractionImproved: finite(e.fractionImproved),
    gainMean: finite(e.gainMean),
    path: resolvePath(e.spec),
  };
}
