/**
 * Several experiments on the same axes: for each, the mean of the metric across its teachers at
 * each cell's learning rate (engine/cellRate.ts; the first experiment's for every experiment with
 * its cells and learning rates, sharedCellRates, so a panel overlays one time scale) with the chosen band, one colour per experiment
 * (categorical: experiments are not ordered), each named by what differs from the others
 * (labels.ts). Experiments of several cells get a panel per cell, laid out by the grid's axes,
 * all on one y range, so the legend names experiments only and stays short.
 */
import type { SeriesOption } from 'echarts';
import { layoutCells, specAxes } from './cellAxes';
import { band, curve, line, METRIC_AXIS, niceRange, STEP_AXIS, stepFigure } from './common';
import { cellsOf } from '../engine/grid';
import type { ExperimentSpec } from '../engine/spec';
import { bandAcross, type CellRateGroup, cellLabel, cellRateGroups, ema, stopsSpanDecade } from './data';
import { differenceLabels } from './labels';
import { panelFrame, panelLetter, type PanelSpec } from './panels';
import { colorAt, px } from './style';
import { legendName, wrapColumns } from './trajectories';
import type { Figure, FigureInput, FigureStyle, PanelLayout, PlottedSeries } from './types';

/** The panels of a comparison: one per cell label, placed by the first experiment's grid when every experiment's cells are among its cells. */
function comparePanels(inputs: readonly FigureInput[], style: FigureStyle): { labels: string[]; place: Map<string, { row: number; col: number }>; rows: number; cols: number; rowHeaders: readonly string[] | null; colHeaders: readonly string[] | null; headers: Map<string, string> } {
  const groups = inputs.map((i) => cellRateGroups(i).filter((g) => g.runs.length > 0));
  const labels = [...new Set(groups.flat().map((g) => g.label))];
  const first = inputs[0];
  const firstLabels = new Map(cellRateGroups(first).map((g) => [g.label, g.cell]));
  const place = new Map<string, { row: number; col: number }>();
  const headers = new Map<string, string>();
  if (labels.every((l) => firstLabels.has(l))) {
    const cells = labels.map((l) => firstLabels.get(l)!);
    const { axes, cells: placed } = specAxes(first.spec, cells);
    const layout = layoutCells(axes, placed, wrapColumns(style.width, cells.length));
    for (const l of labels) {
      const cell = firstLabels.get(l)!;
      const at = layout.place.get(cell.index);
      if (at !== undefined) place.set(l, at);
      headers.set(l, layout.rowHeaders === null ? (layout.cellHeaders.get(cell.index) ?? l) : '');
    }
    return { labels, place, rows: layout.rows, cols: layout.cols, rowHeaders: layout.rowHeaders, colHeaders: layout.colHeaders, headers };
  }
  const cols = wrapColumns(style.width, labels.length);
  labels.forEach((l, k) => {
    place.set(l, { row: Math.floor(k / cols), col: k % cols });
    headers.set(l, l);
  });
  return { labels, place, rows: Math.ceil(labels.length / cols), cols, rowHeaders: null, colHeaders: null, headers };
}

/** Rows × columns of a comparison (one panel per cell of the experiments, or a single chart). */
export function compareLayout(inputs: readonly FigureInput[], style: FigureStyle): PanelLayout {
  const p = comparePanels(inputs, style);
  return p.labels.length <= 1 ? { rows: 1, cols: 1 } : { rows: p.rows, cols: p.cols, aspect: 0.72 };
}

export function compare(inputs: FigureInput[], style: FigureStyle): Figure {
  const metric = style.metric ?? 'cos';
  const groups: CellRateGroup[][] = inputs.map((input) => cellRateGroups(input).filter((g) => g.runs.length > 0));
  const xLog = style.xScale === 'log' || (style.xScale === 'auto' && stopsSpanDecade(groups.flat().flatMap((g) => g.runs)));
  const s: FigureStyle = { ...style, metric, xScale: xLog ? 'log' : 'linear' };
  const layout = comparePanels(inputs, s);
  const single = layout.labels.length <= 1;
  const width = px(s.lineWidth);
  const names = differenceLabels(inputs.map((i) => ({ id: i.id, spec: i.spec, label: i.label })));
  const plotted: PlottedSeries[] = [];
  const bands: SeriesOption[] = [];
  const means: SeriesOption[] = [];
  const legend: string[] = [];
  const yRange: [number, number] = [Infinity, -Infinity];
  let xMin = Infinity;
  let xMax = -Infinity;
  inputs.forEach((input, ei) => {
    const color = colorAt(s, ei);
    const mine = groups[ei];
    // The legend names the experiment; with one cell, its teachers' count too.
    const entry = single && mine.length === 1 ? legendName(names[ei], mine[0].runs.length) : names[ei];
    legend.push(entry);
    for (const g of mine) {
      const panel = layout.labels.indexOf(g.label);
      const stats = bandAcross(g.runs.map((r) => r.view.columns[metric] ?? new Float64Array(0)), s.band);
      let longest: Float64Array = new Float64Array(0);
      for (const r of g.runs) if (r.view.columns.step.length > longest.length) longest = r.view.columns.step;
      const x = longest.subarray(0, stats.mean.length);
      const csvName = single ? entry : `${panelLetter(panel)} ${legendName(`${names[ei]} · ${g.label}`, g.runs.length)}`;
      const meta = { name: csvName, experimentId: input.id, xLabel: 'step', yLabel: `${metric}_mean` };
      const b = band(s, { ...meta, yLabel: `${metric}_${s.band}` }, x, stats.lower, stats.upper, stats.mean, color, 0.15, `${ei}:${panel}`);
      const onPanel = <T extends SeriesOption>(series: T): T => (single ? series : ({ ...series, xAxisIndex: panel, yAxisIndex: panel } as T));
      // Band edges are drawn under the experiment's own name with a suffix: the legend keys on the mean.
      b.series.forEach((series) => bands.push(onPanel({ ...series, name: `${entry}${series.name?.toString().endsWith(' upper') ? ' upper' : ' lower'}` } as SeriesOption)));
      plotted.push(...b.plotted.map((p) => (single ? p : { ...p, panel, drawnAs: `${entry}${p.name.endsWith(' upper') ? ' upper' : ' lower'}` })));
      const y = s.smoothing > 0 ? ema(stats.mean, s.smoothing) : stats.mean;
      const c = curve(s, s.smoothing > 0 ? { ...meta, yLabel: `${metric}_mean_ema` } : meta, x, y);
      plotted.push(single ? c.plotted : { ...c.plotted, panel, drawnAs: entry });
      means.push(onPanel(line({ name: entry, color, width, z: 5 }, c.data)));
      for (const p of [...b.plotted, c.plotted]) {
        for (let i = 0; i < p.y.length; i++) {
          if (p.y[i] < yRange[0]) yRange[0] = p.y[i];
          if (p.y[i] > yRange[1]) yRange[1] = p.y[i];
        }
        if (p.x.length > 0) {
          xMin = Math.min(xMin, p.x[0]);
          xMax = Math.max(xMax, p.x[p.x.length - 1]);
        }
      }
    }
  });
  const title = `${METRIC_AXIS[metric]} during SFT at each cell's learning rate: ${inputs.length} experiments (band: ${s.band})`;
  if (single) return stepFigure(s, title, [...bands, ...means], legend, plotted);
  const nice = yRange[0] <= yRange[1] && s.yScale !== 'log' ? niceRange(yRange[0], yRange[1]) : null;
  const xSpec = { name: STEP_AXIS, type: xLog ? 'log' : 'value', min: Number.isFinite(xMin) ? xMin : undefined, max: Number.isFinite(xMax) ? xMax : undefined } as const;
  const specs: PanelSpec[] = layout.labels.map((l) => {
    const at = layout.place.get(l) ?? { row: 0, col: 0 };
    return {
      title: [layout.headers.get(l) ?? '', ratesText(groups, l)].filter((t) => t !== '').join(' · '),
      x: xSpec,
      y: { name: METRIC_AXIS[metric], type: s.yScale === 'log' ? 'log' : 'value', ...(nice === null ? {} : { min: nice.min, max: nice.max, interval: nice.interval }) },
      rowLabel: layout.rowHeaders?.[at.row],
      yRange: nice === null ? undefined : [nice.min, nice.max],
      row: at.row,
      col: at.col,
    };
  });
  const { option, panels } = panelFrame(s, title, layout.rows, layout.cols, specs, STEP_AXIS, [...bands, ...means], legend, {
    letters: false,
    colHeaders: layout.colHeaders ?? undefined,
    yName: METRIC_AXIS[metric],
    sharedY: nice !== null,
  });
  return { option, series: plotted, xAxisLabel: STEP_AXIS, yAxisLabel: METRIC_AXIS[metric], title, panels, layout: { rows: layout.rows, cols: layout.cols, aspect: 0.72 } };
}

/**
 * The cell rates another experiment is compared at: the first experiment's own (its cellLearningRates),
 * when the other has the same cells and the same learning rates, so each panel overlays one time
 * scale (two experiments a rate apart read as different results, though the two rates' mean gains
 * may be within noise of each other: the Figure 1 preset's preview and exact runs pick η = 0.01
 * and 0.001 at ‖w₀‖ = 0.5). Undefined otherwise: the other is drawn at its own rates.
 */
export function sharedCellRates(first: FigureInput, other: ExperimentSpec | undefined): (number | null)[] | undefined {
  const rates = first.bundle.cellLearningRates;
  if (rates === undefined || other === undefined || other.setup !== first.spec.setup) return undefined;
  const sameRates = other.sft.learningRates.length === first.spec.sft.learningRates.length && other.sft.learningRates.every((r, k) => r === first.spec.sft.learningRates[k]);
  const mine = cellsOf(first.spec).map((c) => cellLabel(first.spec, c));
  const theirs = cellsOf(other).map((c) => cellLabel(other, c));
  const sameCells = mine.length === theirs.length && mine.every((l, k) => l === theirs[k]);
  return sameRates && sameCells ? [...rates] : undefined;
}

/**
 * The η each experiment draws a panel's cell at, in the experiments' order ('η = 0.01', or
 * 'η = 0.1 / 0.01' where their cell's rates differ: the panel then overlays two time scales).
 */
export function ratesText(groups: readonly CellRateGroup[][], label: string): string {
  const rates = groups.map((g) => g.find((x) => x.label === label)?.learningRate ?? null).filter((r): r is number => r !== null);
  if (rates.length === 0) return '';
  const shown = rates.map((r) => `${Number(r.toPrecision(4))}`);
  return `η = ${new Set(shown).size === 1 ? shown[0] : shown.join(' / ')}`;
}
