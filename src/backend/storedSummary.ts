/**
 * The summary of what a store holds of an experiment, after a local run (Lab.finalize, lab.ts) and
 * after a Slurm sweep is collected (cluster/collect.ts): runs never finished count as cancelled,
 * runs never started are left out. Read a cell at a time, a page of teachers at a time, a column
 * at a time (engine/summary.ts summarizeCellRuns): a million runs or a three-million-step run are
 * summarised holding one run's series and the trajectory's sums, with the numbers of summarizeExperiment bit for bit.
 */
import { type Cell, CEILING, cellsOf } from '../engine/grid';
import { type RandomFeaturesDescriptor, type RandomFeaturesOutcome, type RandomFeaturesSeries, summarizeRandomFeatures } from '../engine/randomFeatures';
import { isRandomFeaturesSpec } from '../engine/randomFeatures/spec';
import { randomFeaturesConfigOf } from '../engine/randomFeatures/specConfig';
import { type ExperimentSpec, resolvePath } from '../engine/spec';
import { type CellSummaryParts, experimentSummaryOf, type RunCounts, type RunOutcome, type StoredSummary, type SummaryRun, summarizeCellRuns, type TeacherRuns } from '../engine/summary';
import type { RunSeries } from '../engine/run';
import type { RunRecord, RunRecordStatus, RunStore } from './store/store';

/** Teachers read from the store at once (with their learning rates: at most 64 runs each). */
const TEACHERS_PER_PAGE = 256;

/** A stored run's status as the summary counts it: runs never finished are cancelled. */
function summaryStatus(status: RunRecordStatus): RunOutcome['status'] {
  return status === 'queued' || status === 'interrupted' || status === 'running' ? 'cancelled' : status;
}

/**
 * The series of the run read last: the summary asks a run for several columns in a row (its
 * criterion, then its values at the selected step, then its metrics), so a run is read whole once
 * for them, and only one run is held at a time.
 */
interface LastRead {
  runId: number;
  series: RunSeries | null;
}

/** A stored run as the summary reads it: its series read from the store when a column is asked for, and kept only until another run's is. */
function storedRun(store: RunStore, run: RunRecord, last: LastRead, kept: ReadonlyMap<number, RunSeries>): SummaryRun {
  return {
    key: run.key,
    status: summaryStatus(run.status),
    descriptor: run.descriptor as NonNullable<RunRecord['descriptor']>,
    recorded: run.recorded,
    column: (name) => {
      if (last.runId !== run.id || last.series === null) {
        last.series = null; // let the previous run's series go before reading this one
        last.series = keptSeries(kept, run) ?? store.loadSeries(run.id);
        last.runId = run.id;
      }
      return last.series[name];
    },
  };
}

/** A cell's described runs grouped by teacher, the ceiling first, a page of teachers at a time. */
function* teacherGroups(store: RunStore, id: number, cell: number, teachers: number, last: LastRead, kept: ReadonlyMap<number, RunSeries>): Generator<TeacherRuns> {
  for (let from = CEILING; from < teachers; from += TEACHERS_PER_PAGE) {
    const runs = store.describedRuns(id, cell, from, from + TEACHERS_PER_PAGE - 1);
    let group: SummaryRun[] = [];
    for (const run of runs) {
      if (group.length > 0 && group[0].key.teacher !== run.key.teacher) {
        yield { teacher: group[0].key.teacher, runs: group };
        group = [];
      }
      group.push(storedRun(store, run, last, kept));
    }
    if (group.length > 0) yield { teacher: group[0].key.teacher, runs: group };
  }
}

/**
 * A run's series as the caller kept it when storing it (Lab: the points the engine sent, which the
 * store encodes losslessly), if it holds every point the store has of the run; else undefined.
 */
function keptSeries(kept: ReadonlyMap<number, RunSeries>, run: RunRecord): RunSeries | undefined {
  const series = kept.get(run.id);
  return series !== undefined && series.step.length === run.recorded ? series : undefined;
}

/** A cell's summary parts from what the store holds of its runs; `kept` as for summarizeStored. */
function cellParts(store: RunStore, id: number, spec: ExperimentSpec, cell: Cell, last: LastRead, kept: ReadonlyMap<number, RunSeries>): CellSummaryParts {
  return summarizeCellRuns(spec, cell, teacherGroups(store, id, cell.index, spec.teachers.count, last, kept));
}

/**
 * One cell's summary parts, in one snapshot; `kept` as for summarizeStored. The lab summarises a
 * cell as soon as its last run is stored, while the kept series of its runs are still in memory,
 * then lets them go (lab.ts cellRunSettled); it passes the spec and cell it runs.
 */
export function summarizeStoredCell(store: RunStore, id: number, spec: ExperimentSpec, cell: Cell, kept: ReadonlyMap<number, RunSeries> = new Map()): CellSummaryParts {
  return store.read(() => cellParts(store, id, spec, cell, { runId: 0, series: null }, kept));
}

/**
 * The summary (its trajectories apart, as each cell's columns) of what the store holds, in one
 * snapshot. `kept`: series of some of its runs already in memory, equal to what the store holds
 * of them (a run whose stored point count differs is read from the store). `done`: cells already
 * summarised (by summarizeStoredCell, after their last run was stored), taken as they are.
 */
export function summarizeStored(
  store: RunStore,
  id: number,
  kept: ReadonlyMap<number, RunSeries> = new Map(),
  done: ReadonlyMap<number, CellSummaryParts> = new Map(),
): { summary: StoredSummary; trajectories: Float64Array[][] } {
  return store.read(() => {
    const experiment = store.getExperiment(id);
    if (experiment === null) throw new RangeError(`no experiment ${id}`);
    const spec = experiment.spec;
    if (isRandomFeaturesSpec(spec)) return { summary: randomFeaturesSummary(store, id, spec, kept), trajectories: [] };
    const last: LastRead = { runId: 0, series: null };
    const parts = cellsOf(spec).map((cell) => done.get(cell.index) ?? cellParts(store, id, spec, cell, last, kept));
    const summary = experimentSummaryOf(spec, resolvePath(spec), parts.map((p) => p.summary), runCounts(store, id));
    return { summary, trajectories: parts.map((p) => p.trajectory) };
  });
}

/** The described runs counted by status, as the summary counts them. */
function runCounts(store: RunStore, id: number): RunCounts {
  const runs: RunCounts = { total: 0, done: 0, diverged: 0, failed: 0, cancelled: 0 };
  for (const [status, n] of Object.entries(store.describedRunStatusCounts(id))) {
    const counted = summaryStatus(status as RunRecordStatus);
    runs.total += n;
    if (counted !== 'running') runs[counted] += n;
  }
  return runs;
}

/**
 * A random-features experiment's summary (summarizeRandomFeatures, docs/random-features.md §4) from
 * its described runs, in the stored summary's frame: no cells, no linear teachers; the student's
 * accuracy and head norm as `initial`, the accuracy gains as the gains. A run at a time is read
 * (its series is a few hundred points: the whole experiment's fit in memory).
 */
function randomFeaturesSummary(store: RunStore, id: number, spec: ExperimentSpec, kept: ReadonlyMap<number, RunSeries>): StoredSummary {
  const config = randomFeaturesConfigOf(spec);
  const outcomes: RandomFeaturesOutcome[] = store.describedRuns(id, 0, CEILING, config.teachers.count - 1).map((run) => ({
    key: run.key,
    status: summaryStatus(run.status),
    descriptor: run.descriptor as unknown as RandomFeaturesDescriptor,
    series: (keptSeries(kept, run) ?? store.loadSeries(run.id)) as unknown as RandomFeaturesSeries,
  }));
  const rf = summarizeRandomFeatures(config, outcomes);
  const headNorm = outcomes[0]?.series.headNorm[0] ?? NaN;
  return {
    spec,
    path: 'random-features',
    initial: { cos: NaN, accuracy: rf.studentAccuracy, norm: headNorm },
    teachers: [],
    fractionImproved: rf.fractionImproved,
    gainMean: rf.gainMean,
    gainStd: rf.gainStd,
    cells: [],
    runs: runCounts(store, id),
    randomFeatures: rf,
  };
}

/** Summarise what is stored and store the summary (its JSON, and the trajectories binary); `kept` and `done` as for summarizeStored. */
export function storeSummary(store: RunStore, id: number, kept?: ReadonlyMap<number, RunSeries>, done?: ReadonlyMap<number, CellSummaryParts>): void {
  const { summary, trajectories } = summarizeStored(store, id, kept, done);
  store.setSummary(id, summary, trajectories);
}
