/**
 * Explore mode's three trajectory panels: ⟨w, w*⟩, ‖w‖ and cos(w, w*) against the step, each the
 * existing trajectories figure with its metric switched. A three-panel figure kind in src/charts
 * can replace this one function (one option, three grids) without touching the view.
 */
import type { EChartsOption } from 'echarts';
import { buildFigure } from '../../../charts/index';
import type { FigureInput, Metric, PlottedSeries } from '../../../charts/types';
import { DEFAULT_SETTINGS, type Scale, screenStyle } from '../screenStyle';
import type { Theme } from '../stores/ui';

export interface Panel {
  readonly metric: Metric;
  readonly label: string;
  /** The option, or why it cannot be drawn. */
  readonly option: EChartsOption | string;
  /** The mean curve across teachers exactly as plotted (the tests read its ends), or null. */
  readonly mean: PlottedSeries | null;
}

export const PANELS: readonly { readonly metric: Metric; readonly label: string }[] = [
  { metric: 'inner', label: '⟨w, w*⟩' },
  { metric: 'norm', label: '‖w‖' },
  { metric: 'cos', label: 'cos(w, w*)' },
];

export function explorePanels(input: FigureInput, theme: Theme, width: number, height: number, xScale: Scale = 'linear'): Panel[] {
  return PANELS.map(({ metric, label }) => {
    try {
      // Small panels: the view heads each one, so the figure draws no title of its own.
      const style = { ...screenStyle({ ...DEFAULT_SETTINGS, metric, xScale }, theme, width, height), showTitle: false };
      const figure = buildFigure('trajectories', [input], style);
      return { metric, label, option: figure.option, mean: figure.series.find((s) => s.yLabel === `${metric}_mean`) ?? null };
    } catch (err) {
      return { metric, label, option: `This panel cannot be drawn: ${(err as Error).message}`, mean: null };
    }
  });
}

/** The ends of a plotted curve, for the page's data attributes (tests and the benchmark read them). */
export function curveEnds(curve: PlottedSeries | null): { firstX: number; lastX: number; firstY: number; lastY: number } | null {
  if (curve === null || curve.x.length === 0) return null;
  const n = curve.x.length;
  return { firstX: curve.x[0], lastX: curve.x[n - 1], firstY: curve.y[0], lastY: curve.y[n - 1] };
}
