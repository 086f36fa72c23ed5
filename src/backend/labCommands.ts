/**
 * The one door to the backend: every shell — the LabApi service (desktop IPC and `w2s serve`'s
 * HTTP, labApi.ts) and the command line (src/cli) — asks the history and the lab through these
 * commands, and the lab's rules are applied here (or in the lab itself, lab.ts) with the
 * refusals of refusals.ts: no shell repeats a rule or its message, and none reaches the store.
 *
 * A refusal is a LabRequestError (status and message; a bad spec's errors by field); the LabApi
 * service passes it on, the CLI prints its message and exits 2. The shells keep what is theirs:
 * input validation of the contract (labApi.ts), flags, files and wording of output (src/cli).
 */
import { cellsOf, runCount } from '../engine/grid';
import { gridEntry, type SearchInput, type SearchResult, searchStep } from '../engine/search';
import { type ExperimentSpec, parseSpec } from '../engine/spec';
import type { ExperimentSummary } from '../engine/summary';
import { LabRequestError } from '../shared/labApi';
import { type CollectReport, collect, listSweeps, type SweepStatus } from './cluster/collect';
import { clusterRefusal } from './cluster/errors';
import { type Resubmitted, resubmitSweep, type SweepRequest, type SweepSubmitted, submitSweep } from './cluster/sweep';
import { EngineCalibration } from './calibration';
import { BundleError, exportCsv, exportJson, importBundle, makeBundle } from './exchange';
import { type ChosenBlock, exportExperimentFigure, loadBlock, type RunSelection } from './figureFiles';
import { openHistory } from './historyFile';
import type { HistoryWatch } from './historyWatch';
import { Lab, type LabEvent, type LabOptions } from './lab';
import { exportParquet, type ParquetTable } from './parquet';
import type { EnginePool } from './pool';
import { refuse } from './refusals';
import type { ExperimentRecord, HistoryEntry, RunRecord, RunStore } from './store/store';

export type { ExperimentRecord, HistoryEntry, RunRecord } from './store/store';

/** A failed run as `w2s run` reports it. */
export interface RunFailure {
  readonly key: RunRecord['key'];
  readonly message: string;
}

/** The refusal for an error of a command's own kind (a bad bundle, a bad figure request, …), or the error itself. */
function refusal(error: unknown, status: 400 | 409, matches: (error: unknown) => string | null): unknown {
  const why = matches(error);
  return why === null ? error : new LabRequestError(status, why);
}
const bundleProblem = (e: unknown) => (e instanceof BundleError ? e.message : null);
const rangeProblem = (e: unknown) => (e instanceof RangeError ? e.message : null);

/** Validate a spec document with the engine's schema; a refusal (400) carries every error by field. */
export function validSpec(document: unknown): ExperimentSpec {
  const r = parseSpec(document);
  if (!r.ok) throw refuse.invalidSpec(r.errors);
  return r.spec;
}

export class LabCommands {
  constructor(
    private readonly store: RunStore,
    /** Null for a command that runs nothing here (`w2s list`, `w2s export`, …). */
    private readonly labOrNull: Lab | null = null,
  ) {}

  /** Open a history file for the commands (migrated and checked); `elsewhere` says how the user picks another file, for the messages about it. */
  static open(file: string, appVersion: string, elsewhere: string): LabCommands {
    return new LabCommands(openHistory(file, appVersion, elsewhere));
  }

  /** Mark the experiments and runs left `running` by a process that is gone as interrupted. */
  markInterrupted(): void {
    this.store.markInterrupted();
  }

  /** The same history with a lab running its experiments on `pool`. */
  withLab(pool: EnginePool, options: Partial<LabOptions> = {}): LabCommands {
    return new LabCommands(this.store, new Lab(this.store, pool, options));
  }

  get file(): string {
    return this.store.file;
  }

  close(): void {
    this.store.close();
  }

  /** The lab; a command that runs experiments needs one (withLab). */
  get lab(): Lab {
    if (this.labOrNull === null) throw new Error('this command runs no experiments: open the commands withLab');
    return this.labOrNull;
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────

  /** The experiment, or the refusal 404. */
  experiment(id: number): ExperimentRecord {
    const e = this.store.getExperiment(id);
    if (e === null) throw refuse.noExperiment(id);
    return e;
  }

  history(): HistoryEntry[] {
    return this.store.listHistory();
  }

  runs(id: number): RunRecord[] {
    this.experiment(id);
    return this.store.listRuns(id);
  }

  runStatusCounts(id: number): Record<string, number> {
    return this.store.runStatusCounts(this.experiment(id).id);
  }

  /** Its failed runs with their messages. */
  failures(id: number): RunFailure[] {
    return this.store.runsWithStatus(this.experiment(id).id, 'failed', -1).map((r) => ({ key: r.key, message: r.error ?? 'failed' }));
  }

  /** Its summary in full (per teacher and cell), null until it has one. */
  summary(id: number): ExperimentSummary | null {
    return this.store.loadSummary(this.experiment(id).id);
  }

  /** Its runs that have not finished (what a resume runs). */
  runsLeft(id: number): number {
    const e = this.experiment(id);
    return runCount(e.spec) - this.store.runTally(id, e.spec.sft.steps).finished;
  }

  /** The spec to re-run it with (the builder's Duplicate). */
  duplicateSpec(id: number): ExperimentSpec {
    this.experiment(id);
    return this.store.duplicateSpec(id);
  }

  /** Its runs' series as one block (getSeries): all runs, each teacher's selected one, or each cell's learning rate. */
  seriesBlock(id: number, selection: RunSelection, columns?: readonly string[], cellRates?: readonly (number | null)[]): ChosenBlock {
    const e = this.experiment(id);
    if (cellRates !== undefined) {
      if (selection !== 'cellRate') throw refuse.badCellRates(id, `only with runs 'cellRate' (got '${selection}')`);
      const cells = cellsOf(e.spec).length;
      if (cellRates.length !== cells) throw refuse.badCellRates(id, `one per cell: ${cells} (got ${cellRates.length})`);
      const lrs = e.spec.sft.learningRates.length;
      const past = cellRates.findIndex((r) => r !== null && r >= lrs);
      if (past >= 0) throw refuse.badCellRates(id, `cell ${past}: a learning-rate index in 0…${lrs - 1} (got ${cellRates[past]})`);
    }
    return loadBlock(this.store, e, selection, columns, cellRates);
  }

  /** The time estimates of this machine (checkSpec), probing the engine through the lab when none is on record. */
  calibration(): EngineCalibration {
    const lab = this.lab;
    return new EngineCalibration(this.store, (input) => lab.runDetached(input));
  }

  // ── running ───────────────────────────────────────────────────────────────────────────

  /**
   * Store and start an experiment. A bad spec is refused (400) with its errors by field;
   * `duplicatedFrom` must name an experiment; `tags` are stored in the same turn, before any
   * list is answered.
   */
  submit(document: unknown, options: { name?: string; duplicatedFrom?: number; tags?: readonly string[] } = {}): number {
    const spec = validSpec(document);
    const { name, duplicatedFrom, tags } = options;
    if (duplicatedFrom !== undefined && this.store.getExperiment(duplicatedFrom) === null) throw refuse.noExperiment(duplicatedFrom).prefixed('submit: duplicatedFrom');
    const id = this.lab.submit(spec, { name, duplicatedFrom });
    if (tags !== undefined && tags.length > 0) this.store.setTags(id, [...tags]);
    return id;
  }

  /**
   * Start an adaptive search for a boundary (engine/search.ts, docs/spec.md §13): the spec with
   * `search` and, as its grid, the first round (both ends at replicate 0), stored and run as an
   * ordinary experiment; `runSearch` takes it round by round to the end. A bad spec or search is
   * refused (400) with its errors by field (`search.level: …`).
   */
  startSearch(document: unknown, search: SearchInput, options: { name?: string; tags?: readonly string[] } = {}): number {
    // Not an object (or missing): refused as a spec is, never read as an empty one and stored with defaults.
    // (A Date, Map or Error through IPC's structured clone is no spec either: only a plain object is spread.)
    const proto: unknown = typeof document === 'object' && document !== null ? Object.getPrototypeOf(document) : undefined;
    if (typeof document !== 'object' || document === null || (proto !== Object.prototype && proto !== null)) return this.submit(document, options);
    const base = document;
    const axis = search.axis;
    const grid = [{ [axis]: search.from, replicate: 0 }, { [axis]: search.to, replicate: 0 }];
    return this.submit({ ...base, search, grid }, options);
  }

  /**
   * Take a search to its end: wait for its round, read the summary's groups, and while the step
   * function asks for another evaluation extend the experiment's grid with it and run its runs
   * (Lab.extend). The rounds are a pure function of the stored points (searchStep), so this is
   * also how a search resumes. `onRound` hears each evaluation asked for. A round that ends other
   * than done (cancelled, failed) stops the search with a refusal (409); it stays resumable.
   */
  async runSearch(id: number, onRound: (step: { value: number; replicate: number }) => void = () => undefined): Promise<SearchResult> {
    for (;;) {
      const record = await this.finished(id);
      if (record.status !== 'done') throw refuse.searchStopped(id, record.status);
      const { spec } = record;
      if (spec.search === undefined || spec.grid === undefined) throw refuse.notASearch(id);
      const step = searchStep({ search: spec.search, grid: spec.grid, teachers: spec.teachers }, this.summary(id));
      if ('done' in step) return step.done;
      onRound(step);
      this.lab.extend(id, validSpec({ ...spec, grid: [...spec.grid, gridEntry(spec.search, step)] }));
    }
  }

  /** Continue a search (`w2s resume` on one): its unfinished round resumed from its checkpoints, then runSearch. */
  resumeSearch(id: number, onRound?: (step: { value: number; replicate: number }) => void): Promise<SearchResult> {
    const e = this.experiment(id);
    if (e.spec.search === undefined) throw refuse.notASearch(id);
    if (e.status !== 'done') this.lab.resume(id);
    return this.runSearch(id, onRound);
  }

  /** Whether an experiment is a boundary search (its spec has `search`). */
  isSearch(id: number): boolean {
    return this.experiment(id).spec.search !== undefined;
  }

  /** Queue its unfinished runs (each from its checkpoint); the lab's rules refuse the rest (lab.ts). */
  resume(id: number): void {
    this.experiment(id);
    this.lab.resume(id);
  }

  /** Cancel it in this process's lab: queued runs dropped, running ones killed, the data so far kept. */
  cancel(id: number): void {
    this.experiment(id);
    this.lab.cancel(id);
  }

  /**
   * Cancel it from a process that does not run it (`w2s cancel`): the process running it sees
   * the status within a second and kills its jobs; the data so far is kept.
   */
  cancelElsewhere(id: number): void {
    if (this.experiment(id).status === 'done') throw refuse.nothingToCancel(id);
    this.store.setExperimentStatus(id, 'cancelled');
  }

  /** Resolves with the experiment once it has finished (done, failed or cancelled). */
  finished(id: number): Promise<ExperimentRecord> {
    return this.lab.finished(id);
  }

  on(listener: (event: LabEvent) => void): () => void {
    return this.lab.on(listener);
  }

  /** Other processes' changes to the history, as the lab's events (the desktop app, `w2s serve`). */
  watchHistory(): HistoryWatch {
    return this.lab.watchHistory();
  }

  // ── editing ───────────────────────────────────────────────────────────────────────────

  rename(id: number, name: string): void {
    this.experiment(id);
    this.store.rename(id, name);
  }

  setLabel(id: number, label: string | null): void {
    this.experiment(id);
    this.store.setLabel(id, label);
  }

  setNotes(id: number, notes: string): void {
    this.experiment(id);
    this.store.setNotes(id, notes);
  }

  setTags(id: number, tags: readonly string[]): void {
    this.experiment(id);
    this.store.setTags(id, [...tags]);
  }

  /** Delete it; not while it runs, here or in another process (its runner would write into what is gone). */
  deleteExperiment(id: number): void {
    const e = this.experiment(id);
    if (this.labOrNull?.running.includes(id) === true || e.status === 'running') throw refuse.deleteRunning(id);
    this.store.deleteExperiment(id);
  }

  // ── files ─────────────────────────────────────────────────────────────────────────────

  exportCsv(id: number): string {
    return exportCsv(this.store, this.experiment(id).id);
  }

  exportJson(id: number): unknown {
    return exportJson(this.store, this.experiment(id).id);
  }

  exportParquet(id: number, table: ParquetTable): Promise<Buffer> {
    return exportParquet(this.store, this.experiment(id).id, table);
  }

  /** A figure of these experiments as a file; a request the figure cannot take is refused (400). */
  async exportFigure(request: Parameters<typeof exportExperimentFigure>[1]): ReturnType<typeof exportExperimentFigure> {
    for (const id of request.ids) this.experiment(id);
    try {
      return await exportExperimentFigure(this.store, request);
    } catch (error) {
      throw refusal(error, 400, rangeProblem);
    }
  }

  bundle(id: number): Buffer {
    return makeBundle(this.store, this.experiment(id).id);
  }

  /** Import a bundle as a new experiment; a bundle that fails its checks is refused (400) and nothing is written. */
  async importBundle(bytes: Uint8Array): Promise<number> {
    try {
      return await importBundle(this.store, bytes);
    } catch (error) {
      throw refusal(error, 400, bundleProblem);
    }
  }

  // ── Slurm sweeps (src/backend/cluster) ──────────────────────────────────────────────────

  /** Every sweep in the history as last collected (Slurm is not asked). */
  clusterStatus(): SweepStatus[] {
    return listSweeps(this.store);
  }

  /** Ask Slurm about a sweep's tasks and import the finished shards; what the cluster refuses is a 409. */
  async collect(id: number): Promise<CollectReport> {
    this.experiment(id);
    try {
      return await collect(this.store, id);
    } catch (error) {
      throw refusal(error, 409, clusterRefusal);
    }
  }

  async submitSweep(request: SweepRequest): Promise<SweepSubmitted> {
    try {
      return await submitSweep(this.store, request);
    } catch (error) {
      throw refusal(error, 409, clusterRefusal);
    }
  }

  async resubmitSweep(id: number, args: readonly string[]): Promise<Resubmitted> {
    this.experiment(id);
    try {
      return await resubmitSweep(this.store, id, args);
    } catch (error) {
      throw refusal(error, 409, clusterRefusal);
    }
  }
}
