/**
 * Paper Figure 1 (and Figure 3 for shared pretraining): each teacher's early-stopped run as a thin
 * faint line, the mean across teachers as a thick line with a band, one colour per cell, the
 * population flow dashed and each teacher's early-stopping step marked.
 */
import type { LinesSeriesOption, ScatterSeriesOption, SeriesOption } from 'echarts';
import { band, curve, line, METRIC_AXIS, pairs, stepFigure } from './common';
import { bandAcross, type CellGroup, cellGroups, drawable, ema, metricColumn, pick } from './data';
import { cellFlow, flowApplies } from './flowOverlay';
import { colorAt, dashAt, px, themeColors } from './style';
import type { Figure, FigureInput, FigureStyle, PlottedSeries } from './types';

/** On screen, per-teacher lines get this fraction of style.maxPoints (the means get all of it). */
const THIN_FRACTION = 0.3;

/** The step column of a group: the longest selected run's (partial runs are prefixes of it). */
export function groupSteps(g: CellGroup): Float64Array {
  let best: Float64Array = new Float64Array(0);
  for (const t of g.teachers) if (t.view.columns.step.length > best.length) best = t.view.columns.step;
  return best;
}

export const legendName = (label: string, n: number): string => `${label} (n = ${n})`;

export function trajectories(input: FigureInput, style: FigureStyle): Figure {
  const { metric } = style;
  const groups = cellGroups(input).filter((g) => g.teachers.length > 0);
  const width = px(style.lineWidth);
  const plotted: PlottedSeries[] = [];
  const bands: SeriesOption[] = [];
  const thin: SeriesOption[] = [];
  const markers: SeriesOption[] = [];
  const means: SeriesOption[] = [];
  const flows: SeriesOption[] = [];
  const legend: string[] = [];
  const experimentId = input.id;
  const showFlow = style.flow && flowApplies(input.spec);

  groups.forEach((g, gi) => {
    const color = colorAt(style, gi);
    const name = legendName(g.label, g.teachers.length);
    legend.push(name);

    if (style.thinLines) {
      // Faint lines need fewer points on screen than the means: hundreds of them are drawn.
      const thinStyle = style.maxPoints === null ? style : { ...style, maxPoints: Math.max(2, Math.floor(style.maxPoints * THIN_FRACTION)) };
      const polylines: { name: string; coords: [number, number][] }[] = [];
      for (const t of g.teachers) {
        const c = curve(thinStyle, { name: `cell${t.cell} teacher${t.teacher}`, experimentId, xLabel: 'step', yLabel: metric }, t.view.columns.step, metricColumn(t, metric));
        plotted.push(c.plotted);
        polylines.push({ name: c.plotted.name, coords: c.data });
      }
      // One polyline series per cell, not one line series per teacher: ECharts' cost is per series.
      thin.push({
        type: 'lines',
        name: `${g.label} teachers`,
        coordinateSystem: 'cartesian2d',
        polyline: true,
        silent: true,
        z: 2,
        lineStyle: { color, width: width / 3, opacity: 0.25 },
        data: polylines,
      } as LinesSeriesOption);
    }

    if (style.stopMarkers) {
      const x = Float64Array.from(g.teachers, (t) => t.step);
      const y = Float64Array.from(g.teachers, (t) => metricColumn(t, metric)[t.index]);
      const idx = drawable(x, [y], style.xScale === 'log', style.yScale === 'log');
      const sx = pick(x, idx);
      const sy = pick(y, idx);
      plotted.push({ name: `${g.label} early stops`, experimentId, x: sx, y: sy, xLabel: 'step', yLabel: `${metric}_at_stop` });
      markers.push({
        type: 'scatter',
        name: `${g.label} early stops`,
        data: pairs(sx, sy, [...sx.keys()]),
        symbolSize: 3,
        silent: true,
        z: 3,
        itemStyle: { color, opacity: 0.7 },
        large: true,
        largeThreshold: 2000,
      } as ScatterSeriesOption);
    }

    const step = groupSteps(g);
    const stats = bandAcross(g.teachers.map((t) => metricColumn(t, metric)), style.band);
    const x = step.subarray(0, stats.mean.length);
    const meta = { name, experimentId, xLabel: 'step', yLabel: `${metric}_mean` };
    const b = band(style, { ...meta, yLabel: `${metric}_${style.band}` }, x, stats.lower, stats.upper, stats.mean, color);
    plotted.push(...b.plotted);
    bands.push(...b.series);

    if (style.smoothing > 0) {
      const raw = curve(style, { ...meta, name: `${g.label} raw mean` }, x, stats.mean);
      plotted.push(raw.plotted);
      means.push(line({ name: raw.plotted.name, color, width: width * 0.6, opacity: 0.35, silent: true, z: 4 }, raw.data));
      const smooth = curve(style, { ...meta, yLabel: `${metric}_mean_ema` }, x, ema(stats.mean, style.smoothing));
      plotted.push(smooth.plotted);
      means.push(line({ name, color, width, dash: dashAt(style, gi), z: 5 }, smooth.data));
    } else {
      const mean = curve(style, meta, x, stats.mean);
      plotted.push(mean.plotted);
      means.push(line({ name, color, width, dash: dashAt(style, gi), z: 5 }, mean.data));
    }

    if (showFlow) {
      const f = cellFlow(input.spec, g.teachers, metric);
      if (f !== null) {
        const c = curve(style, { name: `${g.label} population flow`, experimentId, xLabel: 'step', yLabel: `${metric}_flow` }, f.step, f.y);
        plotted.push(c.plotted);
        // In the text colour, thinner: at large batches SGD follows the flow, which would hide a same-coloured dash.
        flows.push(line({ name: c.plotted.name, color: themeColors(style).text, width: width * 0.5, opacity: 0.85, dash: 'dashed', silent: true, z: 6 }, c.data));
      }
    }
  });

  const title = `${METRIC_AXIS[metric]} during SFT${showFlow ? ' (dashed: population flow)' : ''}`;
  return stepFigure(style, title, [...bands, ...thin, ...markers, ...means, ...flows], legend, plotted);
}

