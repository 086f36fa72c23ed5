/**
 * The figure style on screen: the user's drawing settings over the builders' defaults, the
 * theme's colours, and thinning to a few hundred points per drawn series (screen only: the data,
 * CSV and exports keep full resolution).
 */
import type { EChartsOption } from 'echarts';
import { buildFigure, defaultStyle } from '../../charts/index';
import type { BandKind, FigureInput, FigureKind, FigureStyle, Metric } from '../../charts/types';
import type { Theme } from './stores/ui';

export type Scale = 'linear' | 'log';

export interface ScreenSettings {
  readonly metric: Metric;
  readonly band: BandKind;
  readonly xScale: Scale;
  readonly yScale: Scale;
  readonly smoothing: number;
  readonly thinLines: boolean;
  readonly flow: boolean;
  readonly stopMarkers: boolean;
  readonly heatmapValue: 'gainMean' | 'fractionImproved';
}

export const DEFAULT_SETTINGS: ScreenSettings = {
  metric: 'cos',
  band: 'std',
  xScale: 'linear',
  yScale: 'linear',
  smoothing: 0,
  thinLines: true,
  flow: true,
  stopMarkers: true,
  heatmapValue: 'gainMean',
};

// The choices shared by the chart controls and the Export dialog, written once so both offer the same.
export const BANDS: readonly { value: BandKind; label: string }[] = [
  { value: 'std', label: '± std' },
  { value: 'sem', label: '± SEM' },
  { value: 'ci95', label: '95 % CI' },
  { value: 'minmax', label: 'min–max' },
];
export const SCALES: readonly Scale[] = ['linear', 'log'];
export const AXES: readonly { key: 'xScale' | 'yScale'; label: string }[] = [
  { key: 'xScale', label: 'Step axis' },
  { key: 'yScale', label: 'Value axis' },
];

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
