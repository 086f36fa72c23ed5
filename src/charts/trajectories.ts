/**
 * Paper Figure 1 (and Figure 3 for shared pretraining): the three metrics ⟨w, w*⟩, ‖w‖ and cos as
 * panels side by side (or one metric), each teacher's early-stopped run as a thin faint line, the
 * mean across teachers as a thick line with a band, one colour per cell, the population flow
 * dashed and each teacher's early-stopping step marked. Cells share the panels or get a row each.
 * The per-learning-rate view draws, instead, each learning rate's mean ± band over all teachers.
 */
import type { LinesSeriesOption, ScatterSeriesOption, SeriesOption } from 'echarts';
import { FIGURE1_METRICS } from '../shared/figureExport';
import { band, curve, line, METRIC_AXIS, pairs, STEP_AXIS, stepFigure } from './common';
import { bandAcross, type CellGroup, cellGroups, drawable, ema, longestSteps, lrGroups, metricColumn, pick, type RunView, stopsSpanDecade } from './data';
import { cellFlows, flowApplies } from './flowOverlay';
import { panelFrame, panelLetter, type PanelSpec } from './panels';
import { colorAt, dashAt, px, themeColors } from './style';
import type { Figure, FigureInput, FigureStyle, Metric, PanelLayout, PlottedSeries } from './types';

/** On screen, per-teacher lines get this fraction of style.maxPoints (the means get all of it). */
const THIN_FRACTION = 0.3;

/** The step column of a group: the longest selected run's (partial runs are prefixes of it). */
export function groupSteps(g: CellGroup): Float64Array {
  return longestSteps(g.teachers);
}

export const legendName = (label: string, n: number): string => `${label} (n = ${n})`;

/** The metrics drawn: the Figure 1 panels unless one metric is chosen. */
export const metricsOf = (style: Pick<FigureStyle, 'metric'>): Metric[] => (style.metric === null ? [...FIGURE1_METRICS] : [style.metric]);

/** Whether the figure has a row of panels per cell: when asked, and there are several. */
export function facetRows(style: Pick<FigureStyle, 'facet'>, cells: number): boolean {
  return cells > 1 && style.facet === 'rows';
}

/**
 * The layout that reads best on screen for an experiment of `cells` cells (the dashboard opens in
 * it): a row per cell for two to eight cells — together, the cells' bands of cos cover one another
 * (the selected learning rates differ, so their means mix time scales) — and together beyond
 * eight, where rows would be too thin to read.
 */
export function readableFacet(cells: number): FigureStyle['facet'] {
  return cells >= 2 && cells <= 8 ? 'rows' : 'together';
}

/** Rows × columns of the trajectories figure for this input and style (before it is built: the export height needs it). */
export function trajectoriesLayout(input: FigureInput, style: FigureStyle): PanelLayout {
  const cells = cellGroups(input).filter((g) => g.teachers.length > 0).length;
  const rows = facetRows(style, cells) ? cells : 1;
  return { rows, cols: metricsOf(style).length };
}

/** One mean curve with its band: a cell (selected view) or a learning rate of a cell. */
interface Curve {
  readonly row: number;
  /** Legend name, shared by the curve's series in every panel. */
  readonly name: string;
  readonly color: string;
  readonly dash: ReturnType<typeof dashAt>;
  readonly views: readonly { readonly view: RunView }[];
  /** The selected teachers (selected view): thin lines, stop markers and the flow. */
  readonly group: CellGroup | null;
}

const lrLabel = (lr: number): string => `η = ${lr}`;

export function trajectories(input: FigureInput, style: FigureStyle): Figure {
  const metrics = metricsOf(style);
  const groups = cellGroups(input).filter((g) => g.teachers.length > 0);
  const perLr = style.runs === 'perLearningRate';
  const lr = perLr ? lrGroups(input) : [];
  const cellsWithData = perLr ? [...new Set(lr.filter((g) => g.runs.length > 0).map((g) => g.cell.index))] : groups.map((g) => g.cell.index);
  const rows = facetRows(style, cellsWithData.length);
  const xLog = style.xScale === 'log' || (style.xScale === 'auto' && stopsSpanDecade(groups.flatMap((g) => g.teachers)));
  const cols = metrics.length;
  // On screen, maxPoints is for the chart's width: a panel a third as wide needs a third of the points.
  const maxPoints = style.maxPoints === null ? null : Math.max(50, Math.floor(style.maxPoints / cols));
  const s: FigureStyle = { ...style, xScale: xLog ? 'log' : 'linear', maxPoints };
  const rowLabels: string[] = [];

  const curves: Curve[] = [];
  if (perLr) {
    const labels = new Map(groups.map((g) => [g.cell.index, g.label]));
    cellsWithData.forEach((cell, ci) => {
      const mine = lr.filter((g) => g.cell.index === cell && g.runs.length > 0);
      const teachers = Math.max(0, ...mine.map((g) => g.runs.length));
      const label = labels.get(cell) ?? cellGroups(input)[cell].label;
      if (rows) rowLabels.push(legendName(label, teachers));
      for (const g of mine) {
        const name = rows || cellsWithData.length === 1 ? lrLabel(g.learningRate) : `${lrLabel(g.learningRate)} · ${label}`;
        // Together, cells are told apart by dashes (the colours are the learning rates).
        const dash = rows || cellsWithData.length === 1 ? dashAt(s, g.lr) : dashAt({ ...s, lineStyles: true }, ci);
        curves.push({ row: rows ? ci : 0, name, color: colorAt(s, g.lr), dash, views: g.runs, group: null });
      }
    });
  } else {
    groups.forEach((g, gi) => {
      const name = legendName(g.label, g.teachers.length);
      if (rows) rowLabels.push(name);
      curves.push({ row: rows ? gi : 0, name, color: colorAt(s, gi), dash: dashAt(s, gi), views: g.teachers, group: g });
    });
  }
  const rowCount = rows ? cellsWithData.length : 1;
  const single = rowCount === 1 && cols === 1;

  const width = px(s.lineWidth);
  const plotted: PlottedSeries[] = [];
  const bands: SeriesOption[] = [];
  const thin: SeriesOption[] = [];
  const markers: SeriesOption[] = [];
  const means: SeriesOption[] = [];
  const flows: SeriesOption[] = [];
  const legend = [...new Set(curves.map((c) => c.name))];
  const experimentId = input.id;
  const showFlow = !perLr && s.flow && flowApplies(input.spec);
  const yRange = Array.from({ length: rowCount * cols }, () => [Infinity, -Infinity] as [number, number]);
  let xMax = -Infinity;
  let xMin = Infinity;
  // The panels' ranges size their tick labels; a single chart has its axis names instead.
  const extend = (panel: number, x: ArrayLike<number>, y: ArrayLike<number>) => {
    if (single) return;
    const r = yRange[panel];
    for (let i = 0; i < y.length; i++) {
      if (y[i] < r[0]) r[0] = y[i];
      if (y[i] > r[1]) r[1] = y[i];
    }
    if (x.length > 0) {
      xMin = Math.min(xMin, x[0]);
      xMax = Math.max(xMax, x[x.length - 1]);
    }
  };
  // Several panels: CSV names carry the panel letter (names stay unique), and say which option series draws them.
  const named = (panel: number, p: PlottedSeries): PlottedSeries => (single ? p : { ...p, name: `${panelLetter(panel)} ${p.name}`, panel, drawnAs: p.name });
  const onPanel = <T extends SeriesOption>(panel: number, series: T): T => (single ? series : ({ ...series, xAxisIndex: panel, yAxisIndex: panel } as T));

  for (const c of curves) {
    const flow = showFlow && c.group !== null ? cellFlows(input.spec, c.group.teachers, metrics) : null;
    metrics.forEach((metric, mi) => {
      const panel = c.row * cols + mi;
      const add = (p: PlottedSeries) => {
        const n = named(panel, p);
        plotted.push(n);
        extend(panel, n.x, n.y);
      };
      const g = c.group;
      if (g !== null && s.thinLines) {
        // Faint lines need fewer points on screen than the means: hundreds of them are drawn.
        const thinStyle = s.maxPoints === null ? s : { ...s, maxPoints: Math.max(2, Math.floor(s.maxPoints * THIN_FRACTION)) };
        const polylines: { name: string; coords: [number, number][] }[] = [];
        for (const t of g.teachers) {
          const end = s.endAtStop ? t.index + 1 : t.view.recorded;
          const step = t.view.columns.step.subarray(0, end);
          const y = metricColumn(t, metric).subarray(0, end);
          const k = curve(thinStyle, { name: `cell${t.cell} teacher${t.teacher}`, experimentId, xLabel: 'step', yLabel: metric }, step, y);
          const p = named(panel, k.plotted);
          plotted.push(single ? p : { ...p, drawnAs: undefined });
          // The drawn points keep each bucket's extremes: the line's range, at a fraction of the cost.
          if (!single) {
            const r = yRange[panel];
            for (const pt of k.data) {
              if (pt[1] < r[0]) r[0] = pt[1];
              if (pt[1] > r[1]) r[1] = pt[1];
            }
          }
          // A polyline needs two points (a line ended at step 1 has one on a log axis).
          if (k.data.length >= 2) polylines.push({ name: p.name, coords: k.data });
        }
        // One polyline series per cell, not one line series per teacher (ECharts' cost is per series).
        // On screen in large mode, all its lines as one path, not an element each (three panels draw
        // three times as many lines); exports keep a path per line, whose overlaps darken where
        // teachers crowd.
        const large = s.maxPoints !== null ? { large: true, largeThreshold: 0 } : {};
        thin.push(onPanel(panel, { type: 'lines', name: `${g.label} teachers`, coordinateSystem: 'cartesian2d', polyline: true, ...large, silent: true, z: 2, lineStyle: { color: c.color, width: width / 3, opacity: 0.25 }, data: polylines } as LinesSeriesOption));
      }

      if (g !== null && s.stopMarkers) {
        const x = Float64Array.from(g.teachers, (t) => t.step);
        const y = Float64Array.from(g.teachers, (t) => metricColumn(t, metric)[t.index]);
        const idx = drawable(x, [y], xLog, s.yScale === 'log');
        const sx = pick(x, idx);
        const sy = pick(y, idx);
        add({ name: `${g.label} early stops`, experimentId, x: sx, y: sy, xLabel: 'step', yLabel: `${metric}_at_stop` });
        markers.push(onPanel(panel, { type: 'scatter', name: `${g.label} early stops`, data: pairs(sx, sy, [...sx.keys()]), symbolSize: 3, silent: true, z: 3, itemStyle: { color: c.color, opacity: 0.7 }, large: true, largeThreshold: 2000 } as ScatterSeriesOption));
      }

      const stats = bandAcross(c.views.map((t) => metricColumn(t, metric)), s.band);
      const x = longestSteps(c.views).subarray(0, stats.mean.length);
      const meta = { name: c.name, experimentId, xLabel: 'step', yLabel: `${metric}_mean` };
      // Each panel's band stacks on its own.
      const b = band(s, { ...meta, yLabel: `${metric}_${s.band}` }, x, stats.lower, stats.upper, stats.mean, c.color, 0.2, `${panel}`);
      b.plotted.forEach(add);
      bands.push(...b.series.map((series) => onPanel(panel, series)));

      if (s.smoothing > 0) {
        const raw = curve(s, { ...meta, name: `${c.name} raw mean` }, x, stats.mean);
        add(raw.plotted);
        means.push(onPanel(panel, line({ name: raw.plotted.name, color: c.color, width: width * 0.6, opacity: 0.35, silent: true, z: 4 }, raw.data)));
        const smooth = curve(s, { ...meta, yLabel: `${metric}_mean_ema` }, x, ema(stats.mean, s.smoothing));
        add(smooth.plotted);
        means.push(onPanel(panel, line({ name: c.name, color: c.color, width, dash: c.dash, z: 5 }, smooth.data)));
      } else {
        const mean = curve(s, meta, x, stats.mean);
        add(mean.plotted);
        means.push(onPanel(panel, line({ name: c.name, color: c.color, width, dash: c.dash, z: 5 }, mean.data)));
      }

      const fy = flow?.y[metric];
      if (g !== null && flow !== null && fy !== undefined) {
        const k = curve(s, { name: `${g.label} population flow`, experimentId, xLabel: 'step', yLabel: `${metric}_flow` }, flow.step, fy);
        add(k.plotted);
        // In the text colour, thinner: at large batches SGD follows the flow, which would hide a same-coloured dash.
        flows.push(onPanel(panel, line({ name: k.plotted.name, color: themeColors(s).text, width: width * 0.5, opacity: 0.85, dash: 'dashed', silent: true, z: 6 }, k.data)));
      }
    });
  }

  const all = [...bands, ...thin, ...markers, ...means, ...flows];
  const what = perLr ? `: each learning rate's mean over all teachers (band: ${s.band})` : ' during SFT';
  const dashed = showFlow ? ' (dashed: population flow)' : '';
  if (single) {
    const title = `${METRIC_AXIS[metrics[0]]}${what}${dashed}`;
    return stepFigure(s, title, all, legend, plotted);
  }
  const title = `${metrics.length > 1 ? 'trajectories' : METRIC_AXIS[metrics[0]]}${what}${dashed}`;
  const xSpec = { name: STEP_AXIS, type: xLog ? 'log' : 'value', min: Number.isFinite(xMin) ? xMin : undefined, max: Number.isFinite(xMax) ? xMax : undefined } as const;
  const specs: PanelSpec[] = [];
  for (let r = 0; r < rowCount; r++) {
    metrics.forEach((metric, mi) => {
      const range = yRange[r * cols + mi];
      // Metric names head the columns once, on the top row.
      specs.push({ title: r === 0 ? METRIC_AXIS[metric] : '', x: xSpec, y: { name: METRIC_AXIS[metric], type: s.yScale === 'log' ? 'log' : 'value' }, rowLabel: rows ? rowLabels[r] : undefined, yRange: range[0] <= range[1] ? range : undefined });
    });
  }
  const { option, panels } = panelFrame(s, title, rowCount, cols, specs, STEP_AXIS, all, legend);
  return { option, series: plotted, xAxisLabel: STEP_AXIS, yAxisLabel: metrics.map((m) => METRIC_AXIS[m]).join(' · '), title, panels, layout: { rows: rowCount, cols } };
}
