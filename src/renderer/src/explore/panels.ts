/**
 * Explore mode's three trajectory panels: ⟨w, w*⟩, ‖w‖ and cos(w, w*) against the step, each the
 * existing trajectories figure with its metric switched. A three-panel figure kind in src/charts
 * can replace this one function (one option, three grids) without touching the view. Explore
 * draws one cell of 20 teachers: their own lines are drawn stronger than the dashboard's faint
 * hundreds, and the peak step (the teachers' median early-stopping step) is marked on each panel.
 */
import type { EChartsOption, LinesSeriesOption, SeriesOption } from 'echarts';
import { buildFigure } from '../../../charts/index';
import type { FigureInput, Metric, PlottedSeries } from '../../../charts/types';
import { DEFAULT_SETTINGS, type Scale, screenStyle } from '../screenStyle';
import type { Theme } from '../stores/ui';
import { errorMessage } from '../../../shared/errorMessage';

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

/** The 20 teachers' lines: about twice as strong as the dashboard's (trajectories.ts draws hundreds at 0.25). */
export const TEACHER_LINE_OPACITY = 0.55;

export function explorePanels(input: FigureInput, theme: Theme, width: number, height: number, xScale: Scale = 'linear', peakStep: number | null = null): Panel[] {
  return PANELS.map(({ metric, label }) => {
    try {
      // Small panels: the view heads each one, so the figure draws no title of its own.
      const style = { ...screenStyle({ ...DEFAULT_SETTINGS, metric, xScale }, theme, width, height), showTitle: false };
      const figure = buildFigure('trajectories', [input], style);
      const option = withPeak(strongerTeachers(figure.option), peakStep, metric === 'cos', style.theme === 'dark' ? '#d0d0d0' : '#555555');
      return { metric, label, option, mean: figure.series.find((s) => s.yLabel === `${metric}_mean`) ?? null };
    } catch (err) {
      return { metric, label, option: `This panel cannot be drawn: ${errorMessage(err)}`, mean: null };
    }
  });
}

const seriesOf = (option: EChartsOption): SeriesOption[] => (Array.isArray(option.series) ? option.series : option.series === undefined ? [] : [option.series]);

/** The teachers' polylines (the builder's `lines` series) at TEACHER_LINE_OPACITY. */
function strongerTeachers(option: EChartsOption): EChartsOption {
  const series = seriesOf(option).map((s) => {
    if (s.type !== 'lines') return s;
    const lines = s as LinesSeriesOption;
    return { ...lines, lineStyle: { ...lines.lineStyle, opacity: TEACHER_LINE_OPACITY } };
  });
  return { ...option, series };
}

/** A dotted vertical line at the peak step, labelled on the cos panel. */
function withPeak(option: EChartsOption, peakStep: number | null, labelled: boolean, color: string): EChartsOption {
  if (peakStep === null || !(peakStep > 0)) return option;
  const marker: SeriesOption = {
    type: 'line',
    name: 'peak step',
    data: [],
    silent: true,
    markLine: {
      silent: true,
      symbol: 'none',
      animation: false,
      lineStyle: { type: 'dotted', color, width: 1 },
      label: labelled ? { show: true, formatter: `peak ${peakStep}`, position: 'insideStartTop', color } : { show: false },
      data: [{ xAxis: peakStep }],
    },
  };
  return { ...option, series: [...seriesOf(option), marker] };
}

/** The ends of a plotted curve, for the page's data attributes (tests and the benchmark read them). */
export function curveEnds(curve: PlottedSeries | null): { firstX: number; lastX: number; firstY: number; lastY: number } | null {
  if (curve === null || curve.x.length === 0) return null;
  const n = curve.x.length;
  return { firstX: curve.x[0], lastX: curve.x[n - 1], firstY: curve.y[0], lastY: curve.y[n - 1] };
}
