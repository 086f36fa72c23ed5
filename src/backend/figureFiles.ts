/**
 * A stored experiment's figure as a file: load the experiments, build the figure with the shared
 * chart-option builders (the app draws the same option), render it with the figure backend. Used
 * by the LabApi's exportFigure (the app's Export dialog) and by `w2s export --figure`, so the same
 * settings give the same bytes from either.
 */
import { cellLearningRate } from '../engine/cellRate';
import { cellsOf } from '../engine/grid';
import { selectLearningRate } from '../engine/selection';
import { isRandomFeaturesSpec } from '../engine/randomFeatures/spec';
import { resolvePath } from '../engine/spec';
import { LabRequestError } from '../shared/labApi';
import type { ExperimentSummary } from '../engine/summary';
import { buildFigure, defaultStyle, figureLayout } from '../charts/index';
import { sharedCellRates } from '../charts/compare';
import { figureInput } from '../charts/data';
import type { FigureInput, FigureKind, FigureStyle, PanelLayout, SeriesBundle } from '../charts/types';
import { APP_VERSION } from '../shared/app';
import { type ExportFormat, type ExportSettings, heightOf } from '../shared/figureExport';
import { blockViews, chosenKeys, type PackedBlock, runKeyId, selectBlock, selectByKey, summaryChoices } from '../shared/seriesBlock';
import { exportFigure, sidecarJson } from './figures/index';
import { sidecarFileName } from './figures/sidecar';
import type { ExperimentRecord, RunRecord, RunStore } from './store/store';

/** Keeps each teacher's run at the learning rate its summary selected; undefined (all) without a summary. */
export function selectedRuns(e: ExperimentRecord): ((run: RunRecord) => boolean) | undefined {
  if (e.summary === null) return undefined;
  const chosen = chosenKeys(e.spec.sft.learningRates, summaryChoices(e.summary));
  return (run) => chosen.has(runKeyId(run.key));
}

/** The store's block of an experiment's runs (shared/seriesBlock.ts layout). */
type SeriesBlock = PackedBlock<RunRecord>;

/** Which runs a block holds (getSeries' `runs`): every run, each teacher's selected one, or each cell's learning rate's. */
export type RunSelection = 'all' | 'selected' | 'cellRate';

/** A block with what it was chosen by: the cell's learning-rate index per cell when the cell rate chose it. */
export type ChosenBlock = SeriesBlock & { readonly selection: RunSelection; readonly cellLearningRates?: (number | null)[] };

/** One run of a block: its record and its columns as views. */
interface BlockRun {
  readonly run: RunRecord;
  readonly columns: Readonly<Record<string, Float64Array>>;
}

function blockRuns(block: SeriesBlock): BlockRun[] {
  return blockViews(block).map((columns, i) => ({ run: block.runs[i], columns }));
}

/** The block of the kept runs (in block order) and columns (in stored order; all when undefined). */
function subBlock(block: SeriesBlock, keep: readonly BlockRun[], columns?: readonly string[]): SeriesBlock {
  return selectByKey(block, new Set(keep.map((k) => runKeyId(k.run.key))), columns);
}

/** The teachers' runs of a block, grouped by (cell, teacher); the ceiling and runs with nothing past step 0 left out. */
function byTeacher(runs: readonly BlockRun[]): BlockRun[][] {
  const groups = new Map<string, BlockRun[]>();
  for (const r of runs) {
    if (r.run.key.teacher < 0 || r.run.recorded < 2) continue;
    const key = `${r.run.key.cell}/${r.run.key.teacher}`;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  return [...groups.values()];
}

const criterion = (r: BlockRun) => ({ lr: r.run.key.lr, series: { cos: r.columns.cos, agreement: r.columns.agreement, validation: r.columns.validation }, r });

/** Each teacher's run the early-stopping rule selects over its learning rates, on what the block holds. */
function selectedOf(e: ExperimentRecord, runs: readonly BlockRun[]): BlockRun[] {
  return byTeacher(runs).flatMap((list) => {
    const best = selectLearningRate(list.map(criterion), e.spec.sft.earlyStopping);
    return best === null ? [] : [best.run.r];
  });
}

/** The cell's learning-rate index per cell (engine/cellRate.ts) from every teacher run of a block. */
function cellRatesOf(e: ExperimentRecord, runs: readonly BlockRun[]): (number | null)[] {
  const lrs = e.spec.sft.learningRates.length;
  return cellsOf(e.spec).map((cell) => cellLearningRate(runs.filter((r) => r.run.key.cell === cell.index && r.run.key.teacher >= 0 && r.run.recorded >= 2).map(criterion), e.spec.sft.earlyStopping, lrs));
}

/** The cell rates a finished experiment's summary keeps; undefined for one stored before it kept them. */
function storedCellRates(e: ExperimentRecord): (number | null)[] | undefined {
  const cells = (e.summary as ExperimentSummary | null)?.cells;
  if (cells === undefined || cells.some((c) => c.cellLrIndex === undefined)) return undefined;
  return cellsOf(e.spec).map((cell) => cells.find((c) => c.cell === cell.index)?.cellLrIndex ?? null);
}

/** Cell rates worked out from the series of finished experiments whose summaries predate them: once per store and summary. */
const ratesWorkedOut = new WeakMap<RunStore, Map<number, { finishedAt: string | null; rates: (number | null)[] }>>();

/**
 * Each teacher's selected run, which is all the per-teacher figures draw: from the summary once the experiment
 * is finished; while it runs, by the engine's selection rule on what is stored so far, as the
 * summary and the chart builders choose, so a live dashboard receives a few runs, not every
 * learning rate's.
 */
export function loadSelectedBlock(store: RunStore, e: ExperimentRecord, columns?: readonly string[]): SeriesBlock {
  const fromSummary = selectedRuns(e);
  if (fromSummary !== undefined) return project(store.loadSeriesBlock(e.id, fromSummary, columns), columns);
  const block = store.loadSeriesBlock(e.id);
  return subBlock(block, selectedOf(e, blockRuns(block)), columns);
}

const project = (block: SeriesBlock, columns?: readonly string[]): SeriesBlock => selectBlock(block, () => true, columns);

/**
 * The runs of each cell's learning rate (every teacher's run at it: what the trajectories draw by
 * default) and the rate per cell. A finished experiment's summary names the rates, so only those
 * runs are read; while it runs the rates come from what is stored so far, and each teacher's
 * selected run is sent too (the per-teacher figures have no summary to read).
 */
export function loadCellRateBlock(store: RunStore, e: ExperimentRecord, columns?: readonly string[], atRates?: readonly (number | null)[]): ChosenBlock {
  if (atRates !== undefined) {
    // Another experiment's cell rates (compare draws every experiment at the first's: sharedCellRates).
    const chosen = [...atRates];
    const block = store.loadSeriesBlock(e.id, { cellRates: chosen }, columns);
    return { ...project(block, columns), selection: 'cellRate', cellLearningRates: chosen };
  }
  let rates = storedCellRates(e);
  const cached = ratesWorkedOut.get(store)?.get(e.id);
  if (rates === undefined && e.summary !== null && cached !== undefined && cached.finishedAt === e.finishedAt) rates = cached.rates;
  if (rates !== undefined && e.summary !== null) {
    const chosen = rates;
    const block = store.loadSeriesBlock(e.id, { cellRates: chosen }, columns);
    return { ...project(block, columns), selection: 'cellRate', cellLearningRates: chosen };
  }
  const block = store.loadSeriesBlock(e.id);
  const runs = blockRuns(block);
  const worked = cellRatesOf(e, runs);
  if (e.summary !== null) {
    const perStore = ratesWorkedOut.get(store) ?? new Map();
    perStore.set(e.id, { finishedAt: e.finishedAt, rates: worked });
    ratesWorkedOut.set(store, perStore);
    return { ...subBlock(block, runs.filter((r) => r.run.key.teacher >= 0 && r.run.key.lr === worked[r.run.key.cell]), columns), selection: 'cellRate', cellLearningRates: worked };
  }
  const keep = new Set([...runs.filter((r) => r.run.key.teacher >= 0 && r.run.key.lr === worked[r.run.key.cell]), ...selectedOf(e, runs)]);
  return { ...subBlock(block, [...keep], columns), selection: 'cellRate', cellLearningRates: worked };
}

/** The runs `selection` names, with only `columns` (the step always among them; all when undefined). */
export function loadBlock(store: RunStore, e: ExperimentRecord, selection: RunSelection, columns?: readonly string[], atRates?: readonly (number | null)[]): ChosenBlock {
  const wanted = columns === undefined ? undefined : ['step', ...columns.filter((c) => c !== 'step')];
  if (selection === 'cellRate') return loadCellRateBlock(store, e, wanted, atRates);
  if (selection === 'selected') return { ...loadSelectedBlock(store, e, wanted), selection };
  return { ...project(store.loadSeriesBlock(e.id, undefined, wanted), wanted), selection };
}

/** A series block as getSeries sends it and the builders read it. */
export function seriesBundle(experimentId: number, { runs, columns, data, ...chosen }: SeriesBlock & Partial<Pick<ChosenBlock, 'selection' | 'cellLearningRates'>>): SeriesBundle {
  return {
    experimentId,
    columns,
    // A random-features run's descriptor (its accuracies and agreement before SFT: its summary has them) is not the linear one the charts read.
    runs: runs.map((r) => ({ runId: r.id, key: r.key, status: r.status, recorded: r.recorded, descriptor: r.descriptor !== null && 'studentCos' in r.descriptor ? r.descriptor : null })),
    data,
    ...(chosen.selection === undefined ? {} : { selection: chosen.selection }),
    ...(chosen.cellLearningRates === undefined ? {} : { cellLearningRates: chosen.cellLearningRates }),
  };
}

/**
 * One experiment as the builders see it, straight from the store: each cell's learning rate's
 * runs (the default), each teacher's selected run, or every run (the per-learning-rate view).
 */
export function loadFigureInput(store: RunStore, id: number, runs: RunSelection = 'cellRate', atRates?: readonly (number | null)[]): FigureInput {
  const e = store.getExperiment(id);
  if (e === null) throw new RangeError(`no experiment ${id}`);
  return figureInput(e, seriesBundle(id, loadBlock(store, e, runs, undefined, atRates)));
}

/**
 * A comparison's inputs: the first experiment at its own cell rates, and every other whose cells
 * and learning rates are the first's at those same rates (sharedCellRates), so that a panel
 * overlays one time scale; the others at their own.
 */
export function loadCompareInputs(store: RunStore, ids: readonly number[]): FigureInput[] {
  const first = loadFigureInput(store, ids[0], 'cellRate');
  return [first, ...ids.slice(1).map((id) => loadFigureInput(store, id, 'cellRate', sharedCellRates(first, store.getExperiment(id)?.spec)))];
}

/**
 * Export settings as a figure style: inches at 96 px, light theme, full resolution. The height of
 * a panelled figure (layout) is its natural one unless set.
 */
export function exportStyle(settings: ExportSettings, layout?: PanelLayout): FigureStyle {
  const { dpi: _dpi, widthIn, heightIn: _h, ...drawing } = settings;
  return defaultStyle({ ...drawing, width: Math.round(widthIn * 96), height: Math.round(heightOf(settings, layout) * 96), theme: 'light', maxPoints: null });
}

const MIME: Record<ExportFormat, string> = {
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  png: 'image/png',
  csv: 'text/csv',
  py: 'text/x-python',
  json: 'application/json',
};

/** `w2s-3-trajectories.svg`, `w2s-3+5-compare.csv`. */
export function exportFileName(ids: readonly number[], kind: FigureKind, format: ExportFormat): string {
  return `w2s-${ids.join('+')}-${kind}.${format === 'json' ? 'meta.json' : format}`;
}

export interface ExportedFile {
  readonly fileName: string;
  readonly mime: string;
  readonly content: Buffer | string;
}

/**
 * The runs a figure draws: every run for the per-learning-rate view, each teacher's selected run on
 * flow time or aligned at the stop, else each cell's learning rate's (the per-teacher figures read
 * the summary, or the selected runs that come with a running experiment's block).
 */
export function runsFor(kind: FigureKind, settings: Pick<ExportSettings, 'runs'>): RunSelection {
  if (kind !== 'trajectories') return 'cellRate';
  return settings.runs === 'perLearningRate' ? 'all' : settings.runs === 'cellRate' ? 'cellRate' : 'selected';
}

export async function exportExperimentFigure(
  store: RunStore,
  request: { ids: number[]; kind: FigureKind; format: ExportFormat; settings: ExportSettings; describes?: ExportFormat },
): Promise<ExportedFile> {
  const { ids, kind, format, settings } = request;
  if (kind === 'compare' ? ids.length < 2 : ids.length !== 1) {
    throw new RangeError(kind === 'compare' ? 'compare needs 2–8 experiments' : `${kind} is a figure of one experiment (got ${ids.length})`);
  }
  for (const id of ids) {
    if (isRandomFeaturesSpec(store.getExperiment(id)?.spec ?? { setup: '' })) {
      throw new LabRequestError(409, `experiment ${id} is of setup 'random-features': the figure exporter draws the linear setups' figures (cos, κ) only; its trajectories are drawn in the app, its data exported with --format csv, json or parquet`);
    }
  }
  // Only the per-learning-rate view of the trajectories needs every run.
  const inputs = kind === 'compare' ? loadCompareInputs(store, ids) : ids.map((id) => loadFigureInput(store, id, runsFor(kind, settings)));
  // A figure's sidecar is named after its file (`….svg.meta.json`): one per file.
  const fileName = format === 'json' && request.describes !== undefined ? sidecarFileName(exportFileName(ids, kind, request.describes)) : exportFileName(ids, kind, format);
  if (format === 'json') {
    const experiments = inputs.map((i) => ({ id: i.id, seed: i.seed, path: resolvePath(i.spec), spec: i.spec }));
    return { fileName, mime: MIME.json, content: sidecarJson({ experiments, kind, settings, format: request.describes ?? format, appVersion: APP_VERSION }) };
  }
  const layout = figureLayout(kind, inputs, exportStyle(settings));
  const figure = buildFigure(kind, inputs, exportStyle(settings, layout));
  const content = await exportFigure(figure, { format, settings, csvFile: exportFileName(ids, kind, 'csv') });
  return { fileName, mime: MIME[format], content };
}
