/**
 * The figure style on screen: the user's drawing settings over the builders' defaults, the
 * theme's colours, and thinning to a few hundred points per drawn series (screen only: the data,
 * CSV and exports keep full resolution).
 */
import type { EChartsOption } from 'echarts';
import { LEGEND_GAP, legendRows } from '../../charts/common';
import { buildFigure, defaultStyle, yExtentOf } from '../../charts/index';
import { px } from '../../charts/style';
import type { FigureInput, FigureKind, FigureStyle } from '../../charts/types';
import type { ExperimentSpec } from '../../engine/spec';
import type { ExportSettings } from '../../shared/figureExport';
import { SERIES_COLUMNS, type SeriesColumn } from '../../shared/labApi';
import type { SeriesView } from './stores/figures';
import type { Theme } from './stores/ui';
import { errorMessage } from '../../shared/errorMessage';

/** The drawing settings the dashboard shares with the export settings (same names, same values). */
export type ScreenSettings = Readonly<
  Pick<ExportSettings, 'metric' | 'band' | 'xScale' | 'yScale' | 'smoothing' | 'thinLines' | 'flow' | 'stopMarkers' | 'heatmapValue' | 'sweepTarget' | 'sweepX' | 'facet' | 'runs' | 'endAtStop'>
>;

/** A step-axis scale: auto is logarithmic when the early-stopping steps span more than a decade. */
export type Scale = ScreenSettings['xScale'];
export const SCALES: readonly Scale[] = ['auto', 'linear', 'log'];

export const DEFAULT_SETTINGS: ScreenSettings = {
  metric: null,
  band: 'std',
  xScale: 'auto',
  yScale: 'linear',
  smoothing: 0,
  thinLines: true,
  flow: true,
  stopMarkers: true,
  heatmapValue: 'gainMean',
  sweepTarget: 'gainMean',
  sweepX: null,
  facet: 'auto',
  runs: 'cellRate',
  endAtStop: false,
};

/**
 * The runs and columns the dashboard's open view draws, so that the renderer receives only those
 * (issue 18): each cell's rate's runs, or each teacher's selected run on flow time or from its
 * stop; the metrics drawn (small multiples draw one), and cos and the stopping rule's column, from
 * which the stops and a running experiment's gains are found. `cells` may be an upper estimate
 * (before the spec is loaded): then more columns come than are drawn, never fewer.
 */
export function seriesViewFor(settings: Pick<ScreenSettings, 'runs' | 'metric' | 'facet'>, cells: number, earlyStopping: ExperimentSpec['sft']['earlyStopping']): SeriesView {
  const grid = cells > 1 && (settings.facet === 'auto' || settings.facet === 'grid');
  const metrics: SeriesColumn[] = grid ? [settings.metric ?? 'cos'] : settings.metric === null ? ['inner', 'norm', 'cos'] : [settings.metric];
  const rule: SeriesColumn = earlyStopping === 'oracle' ? 'cos' : earlyStopping === 'teacher' ? 'agreement' : 'validation';
  const columns = SERIES_COLUMNS.filter((c) => c === 'step' || c === 'cos' || c === rule || metrics.includes(c));
  return { runs: settings.runs === 'cellRate' || settings.runs === 'perLearningRate' ? 'cellRate' : 'selected', columns };
}

/** Points per drawn series on screen: enough for a 1 000 px wide chart (min and max per bucket). */
export const SCREEN_POINTS = 500;

export function screenStyle(settings: ScreenSettings, theme: Theme, width: number, height: number): FigureStyle {
  return defaultStyle({
    ...settings,
    theme,
    width,
    height,
    fontSize: SCREEN_FONT_PT,
    fontFamily: 'system-ui, DejaVu Sans, sans-serif',
    maxPoints: SCREEN_POINTS,
  });
}

/** The font size of figures on screen, in pt. */
const SCREEN_FONT_PT = 10;

/**
 * The height a chart `width` px wide needs to show a legend of these names whole, at least
 * `height`: a legend of up to six rows is shown whole (the chart grows by its extra rows, and
 * enough that the builders do not turn it into a one-row scrolling legend that hides most entries:
 * charts/common.ts scrolls a legend taller than a fifth of the chart); a longer one still scrolls.
 */
export function heightForLegend(names: readonly string[], width: number, height: number): number {
  const font = px(SCREEN_FONT_PT);
  const rows = legendRows([...names], width - 10, font);
  if (rows <= 1 || rows > 6) return height;
  return Math.ceil(Math.max(height + (rows - 1) * (font + LEGEND_GAP), rows * (font + LEGEND_GAP) * 5 + 1));
}

/**
 * One y range for figures drawn side by side (a preview beside its exact run): the union of what
 * each plots, so that their panels compare by eye. Null when none can be drawn.
 */
export function sharedYRange(kind: FigureKind, inputs: FigureInput[], settings: ScreenSettings, theme: Theme, width: number, height: number): [number, number] | null {
  let range: [number, number] | null = null;
  for (const input of inputs) {
    try {
      const r = yExtentOf(buildFigure(kind, [input], screenStyle(settings, theme, width, height)));
      if (r !== null) range = range === null ? r : [Math.min(range[0], r[0]), Math.max(range[1], r[1])];
    } catch {
      // A figure that cannot be drawn says so in its own place.
    }
  }
  return range;
}

/**
 * A figure's option for the screen, or why it cannot be drawn: the message shows in the chart's
 * place (EChart.vue) rather than the view failing.
 */
export function drawFigure(kind: FigureKind, inputs: FigureInput[], settings: ScreenSettings, theme: Theme, width: number, height: number, extra: Partial<FigureStyle> = {}): EChartsOption | string {
  try {
    const option = buildFigure(kind, inputs, { ...screenStyle(settings, theme, width, height), ...extra }).option;
    performance.mark(`w2s:built:${kind}`); // read by the dashboard benchmark
    return option;
  } catch (err) {
    return `This figure cannot be drawn: ${errorMessage(err)}. The stored data is untouched; try other settings.`;
  }
}
