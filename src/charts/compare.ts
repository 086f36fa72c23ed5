/**
 * Several experiments on one axis: for each, the mean of the metric across its teachers with the
 * chosen band, each cell separately when it has several; one colour per experiment, dashes per
 * cell, n in the legend.
 */
import type { SeriesOption } from 'echarts';
import { band, curve, line, METRIC_AXIS, stepFigure } from './common';
import { bandAcross, cellGroups, ema, metricColumn, stopsSpanDecade } from './data';
import { groupSteps, legendName } from './trajectories';
import { colorAt, px } from './style';
import type { Figure, FigureInput, FigureStyle, PlottedSeries } from './types';

const CELL_DASHES = ['solid', 'dashed', 'dotted', [6, 2, 1, 2]] as const;

export function compare(inputs: FigureInput[], style: FigureStyle): Figure {
  const metric = style.metric ?? 'cos';
  const cells = inputs.map((input) => cellGroups(input).filter((g) => g.teachers.length > 0));
  const xLog = style.xScale === 'log' || (style.xScale === 'auto' && stopsSpanDecade(cells.flat().flatMap((g) => g.teachers)));
  style = { ...style, metric, xScale: xLog ? 'log' : 'linear' };
  const width = px(style.lineWidth);
  const plotted: PlottedSeries[] = [];
  const bands: SeriesOption[] = [];
  const means: SeriesOption[] = [];
  const legend: string[] = [];
  const seen = new Map<string, number>();
  inputs.forEach((input, ei) => {
    const color = colorAt(style, ei);
    // Two experiments of the same name stay apart in the legend and the CSV.
    const count = seen.get(input.name) ?? 0;
    seen.set(input.name, count + 1);
    const base = count === 0 && inputs.filter((o) => o.name === input.name).length === 1 ? input.name : `${input.name} #${input.id}`;
    const groups = cells[ei];
    groups.forEach((g, gi) => {
      const name = legendName(groups.length > 1 ? `${base} · ${g.label}` : base, g.teachers.length);
      legend.push(name);
      const stats = bandAcross(g.teachers.map((t) => metricColumn(t, metric)), style.band);
      const x = groupSteps(g).subarray(0, stats.mean.length);
      const meta = { name, experimentId: input.id, xLabel: 'step', yLabel: `${metric}_mean` };
      const b = band(style, { ...meta, yLabel: `${metric}_${style.band}` }, x, stats.lower, stats.upper, stats.mean, color, 0.15);
      plotted.push(...b.plotted);
      bands.push(...b.series);
      const y = style.smoothing > 0 ? ema(stats.mean, style.smoothing) : stats.mean;
      const c = curve(style, style.smoothing > 0 ? { ...meta, yLabel: `${metric}_mean_ema` } : meta, x, y);
      plotted.push(c.plotted);
      const d = CELL_DASHES[gi % CELL_DASHES.length];
      means.push(line({ name, color, width, dash: typeof d === 'string' ? d : [...d], z: 5 }, c.data));
    });
  });
  const title = `${METRIC_AXIS[metric]} during SFT: ${inputs.length} experiments (band: ${style.band})`;
  return stepFigure(style, title, [...bands, ...means], legend, plotted);
}
