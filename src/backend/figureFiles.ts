/**
 * A stored experiment's figure as a file: load the experiments, build the figure with the shared
 * chart-option builders (the app draws the same option), render it with the figure backend. Used
 * by the LabApi's exportFigure (the app's Export dialog) and by `w2s export --figure`, so the same
 * settings give the same bytes from either.
 */
import { selectLearningRate } from '../engine/selection';
import { resolvePath } from '../engine/spec';
import type { ExperimentSummary } from '../engine/summary';
import { buildFigure, defaultStyle, figureLayout } from '../charts/index';
import type { FigureInput, FigureKind, FigureStyle, PanelLayout, SeriesBundle } from '../charts/types';
import { APP_VERSION } from '../shared/app';
import { type ExportFormat, type ExportSettings, heightOf } from '../shared/figureExport';
import { exportFigure, sidecarJson } from './figures/index';
import { sidecarFileName } from './figures/sidecar';
import type { ExperimentRecord, RunRecord, RunStore } from './store/store';

/** Keeps each teacher's run at the learning rate its summary selected; undefined (all) without a summary. */
export function selectedRuns(e: ExperimentRecord): ((run: RunRecord) => boolean) | undefined {
  if (e.summary === null) return undefined;
  const lrs = e.spec.sft.learningRates;
  // Summaries stored before bestLrIndex existed name the rate only.
  const index = (t: ExperimentSummary['teachers'][number]) => t.bestLrIndex ?? lrs.indexOf(t.bestLearningRate as number);
  const chosen = new Set(e.summary.teachers.filter((t) => t.bestLearningRate !== null).map((t) => `${t.cell}/${t.teacher}/${index(t)}`));
  return (run) => chosen.has(`${run.key.cell}/${run.key.teacher}/${run.key.lr}`);
}

type SeriesBlock = ReturnType<RunStore['loadSeriesBlock']>;

/**
 * Each teacher's selected run, which is all any figure draws: from the summary once the experiment
 * is finished; while it runs, by the engine's selection rule on what is stored so far, as the
 * summary and the chart builders choose, so a live dashboard receives a few runs, not every
 * learning rate's.
 */
export function loadSelectedBlock(store: RunStore, e: ExperimentRecord): SeriesBlock {
  const fromSummary = selectedRuns(e);
  if (fromSummary !== undefined) return store.loadSeriesBlock(e.id, fromSummary);
  const { runs, columns, data } = store.loadSeriesBlock(e.id);
  const width = columns.length;
  const byTeacher = new Map<string, { lr: number; series: { cos: Float64Array; agreement: Float64Array; validation?: Float64Array }; index: number; offset: number }[]>();
  let offset = 0;
  runs.forEach((run, index) => {
    const n = run.recorded;
    const column = (name: string) => (columns.includes(name) ? data.subarray(offset + columns.indexOf(name) * n, offset + (columns.indexOf(name) + 1) * n) : undefined);
    if (run.key.teacher >= 0 && n > 1) {
      const key = `${run.key.cell}/${run.key.teacher}`;
      const list = byTeacher.get(key) ?? [];
      list.push({ lr: run.key.lr, series: { cos: column('cos')!, agreement: column('agreement')!, validation: column('validation') }, index, offset });
      byTeacher.set(key, list);
    }
    offset += n * width;
  });
  const kept = [...byTeacher.values()]
    .flatMap((list) => {
      const best = selectLearningRate(list, e.spec.sft.earlyStopping);
      return best === null ? [] : [best.run];
    })
    .sort((a, b) => a.index - b.index);
  const out = new Float64Array(kept.reduce((a, k) => a + runs[k.index].recorded * width, 0));
  let at = 0;
  for (const k of kept) {
    const size = runs[k.index].recorded * width;
    out.set(data.subarray(k.offset, k.offset + size), at);
    at += size;
  }
  return { runs: kept.map((k) => runs[k.index]), columns, data: out };
}

/** A series block as getSeries sends it and the builders read it. */
export function seriesBundle(experimentId: number, { runs, columns, data }: SeriesBlock): SeriesBundle {
  return {
    experimentId,
    columns,
    runs: runs.map((r) => ({ runId: r.id, key: r.key, status: r.status, recorded: r.recorded, descriptor: r.descriptor })),
    data,
  };
}

/**
 * One experiment as the builders see it, straight from the store: each teacher's selected run, or
 * every run (`runs: 'all'`, for the per-learning-rate view).
 */
export function loadFigureInput(store: RunStore, id: number, runs: 'selected' | 'all' = 'selected'): FigureInput {
  const e = store.getExperiment(id);
  if (e === null) throw new RangeError(`no experiment ${id}`);
  return {
    id,
    name: e.name,
    seed: e.seed,
    spec: e.spec,
    summary: e.summary as ExperimentSummary | null,
    bundle: seriesBundle(id, runs === 'all' ? store.loadSeriesBlock(id) : loadSelectedBlock(store, e)),
  };
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

export async function exportExperimentFigure(
  store: RunStore,
  request: { ids: number[]; kind: FigureKind; format: ExportFormat; settings: ExportSettings; describes?: ExportFormat },
): Promise<ExportedFile> {
  const { ids, kind, format, settings } = request;
  if (kind === 'compare' ? ids.length < 2 : ids.length !== 1) {
    throw new RangeError(kind === 'compare' ? 'compare needs 2–8 experiments' : `${kind} is a figure of one experiment (got ${ids.length})`);
  }
  // Only the per-learning-rate view of the trajectories needs every run.
  const inputs = ids.map((id) => loadFigureInput(store, id, kind === 'trajectories' && settings.runs === 'perLearningRate' ? 'all' : 'selected'));
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
