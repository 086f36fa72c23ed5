/**
 * The figure style on screen: the user's drawing settings over the builders' defaults, the
 * theme's colours, and thinning to a few hundred points per drawn series (screen only: the data,
 * CSV and exports keep full resolution).
 */
import { defaultStyle } from '../charts/index';
import type { BandKind, FigureStyle, Metric } from '../charts/types';
import type { Theme } from './stores/ui';

export interface ScreenSettings {
  readonly metric: Metric;
  readonly band: BandKind;
  readonly xScale: 'linear' | 'log';
  readonly yScale: 'linear' | 'log';
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
