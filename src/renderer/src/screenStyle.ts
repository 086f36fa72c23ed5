/**
 * The figure style on screen: the user's drawing settings over the builders' defaults, the
 * theme's colours, and thinning to a few hundred points per drawn series (screen only: the data,
 * CSV and exports keep full resolution).
 */
import type { EChartsOption } from 'echarts';
import { buildFigure, defaultStyle } from '../../charts/index';
import type { FigureInput, FigureKind, FigureStyle } from '../../charts/types';
import type { ExportSettings } from '../../shared/figureExport';
import type { Theme } from './stores/ui';

/** The drawing settings the dashboard shares with the export settings (same names, same values). */
export type ScreenSettings = Readonly<
  Pick<ExportSettings, 'metric' | 'band' | 'xScale' | 'yScale' | 'smoothing' | 'thinLines' | 'flow' | 'stopMarkers' | 'heatmapValue' | 'facet' | 'runs' | 'endAtStop'>
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
  facet: 'together',
  runs: 'selected',
  endAtStop: false,
};

/** Points per drawn series on screen: enough for a 1 000 px wide chart (min and max per bucket). */
export const SCREEN_POINTS = 500;

export function screenStyle(settings: ScreenSettings, theme: Theme, width: number, height: number): FigureStyle {
  return defaultStyle({
    ...settings,
    theme,
    width,
    height,
    fontSize: 10,
    fontFamily: 'system-ui, DejaVu Sans, sans-serif',
    maxPoints: SCREEN_POINTS,
  });
}

/**
 * A figure's option for the screen, or why it cannot be drawn: the message shows in the chart's
 * place (EChart.vue) rather than the view failing.
 */
export function drawFigure(kind: FigureKind, inputs: FigureInput[], settings: ScreenSettings, theme: Theme, width: number, height: number): EChartsOption | string {
  try {
    const option = buildFigure(kind, inputs, screenStyle(settings, theme, width, height)).option;
    performance.mark(`w2s:built:${kind}`); // read by the dashboard benchmark
    return option;
  } catch (err) {
    return `This figure cannot be drawn: ${(err as Error).message}. The stored data is untouched; try other settings.`;
  }
}
