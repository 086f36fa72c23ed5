/**
 * Histogram of per-teacher gains in cosine (docs/spec.md §2) on bins shared by every cell, with the
 * no-gain line at 0: one row per cell, or the cells stacked, so no histogram hides another. Bars
 * are drawn as a filled step polygon (plain line data), so the bins sit exactly on their edges in
 * both renderers.
 */
import type { SeriesOption } from 'echarts';
import { TOGETHER_MAX_CELLS } from '../shared/figureExport';
import { layoutCells, specAxes } from './cellAxes';
import { frame, line, niceRange, zeroLine } from './common';
import { cellGroups } from './data';
import { legendName, longestHeader, wrapColumns } from './trajectories';
import { px } from './style';
import { panelFrame, panelLetter, type PanelSpec } from './panels';
import { cellColorsOf } from './cellColors';
import type { Figure, FigureInput, FigureStyle, PanelLayout, PlottedSeries } from './types';

export interface Histogram {
  readonly edges: Float64Array;
  readonly counts: Float64Array;
}

/**
 * Equal-width bins over the values (widened to include 0), of a round width (1, 2, 2.5 or 5 × 10^k,
 * about `bins` of them) starting at a multiple of it, so the axis ends on round numbers (0.055,
 * not 0.05501); bin b holds lo + b·w ≤ g < lo + (b+1)·w, the last bin closed.
 */
export function histogramEdges(values: number[], bins: number): Float64Array {
  let lo = Math.min(0, ...values);
  let hi = Math.max(0, ...values);
  if (hi - lo < 1e-12) {
    lo -= 0.5;
    hi += 0.5;
  }
  const raw = (hi - lo) / bins;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const width = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw * (1 - 1e-9)) ?? 10) * magnitude;
  const round = (v: number) => Number(v.toPrecision(12));
  const start = round(Math.floor(lo / width + 1e-9) * width);
  const count = Math.max(1, Math.ceil(round((hi - start) / width) - 1e-9));
  return Float64Array.from({ length: count + 1 }, (_, i) => round(start + width * i));
}

export function histogram(values: number[], edges: Float64Array): Histogram {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  const lo = edges[0];
  const w = (edges[bins] - lo) / bins;
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / w)))]++;
  return { edges, counts };
}

/** Square-root rule, 5 to 40 bins. */
export const binCount = (n: number): number => Math.max(5, Math.min(40, Math.ceil(Math.sqrt(n))));

/**
 * Cells in rows of their own (facet 'rows'), in small multiples laid out by the grid's axes ('grid',
 * or 'auto' beyond TOGETHER_MAX_CELLS cells), or stacked on shared bins: no histogram hides another.
 */
export function gainsArrangement(style: Pick<FigureStyle, 'facet'>, cells: number): 'single' | 'stacked' | 'rows' | 'grid' {
  if (cells <= 1) return 'single';
  if (style.facet === 'rows') return 'rows';
  if (style.facet === 'grid' || (style.facet === 'auto' && cells > TOGETHER_MAX_CELLS)) return 'grid';
  if (cells > TOGETHER_MAX_CELLS) throw new RangeError(`facet 'together' stacks at most ${TOGETHER_MAX_CELLS} cells' histograms (this experiment has ${cells}): choose 'grid' or 'rows'`);
  return 'stacked';
}

/** Whether each cell's histogram has a panel of its own. */
export function gainsFaceted(style: Pick<FigureStyle, 'facet'>, cells: number): boolean {
  const a = gainsArrangement(style, cells);
  return a === 'rows' || a === 'grid';
}

/** Histogram rows are wide and short. */
export const GAINS_ROW_ASPECT = 0.3;

/** The small multiples of a grid's histograms: where each cell's panel sits. */
function gainsGrid(input: FigureInput, style: FigureStyle, cells: ReturnType<typeof cellGroups>) {
  const { axes, cells: placed } = specAxes(input.spec, cells.map((g) => g.cell));
  return layoutCells(axes, placed, wrapColumns(style.width, cells.length, longestHeader(axes, placed), px(style.fontSize)));
}

export function gainsLayout(input: FigureInput, style: FigureStyle): PanelLayout {
  const groups = cellGroups(input).filter((g) => g.teachers.length > 0);
  const a = gainsArrangement(style, groups.length);
  if (a === 'grid') {
    const g = gainsGrid(input, style, groups);
    return { rows: g.rows, cols: g.cols, aspect: 0.6 };
  }
  return a === 'rows' ? { rows: groups.length, cols: 1, aspect: GAINS_ROW_ASPECT } : { rows: 1, cols: 1 };
}

export function gains(input: FigureInput, style: FigureStyle): Figure {
  const groups = cellGroups(input).filter((g) => g.teachers.length > 0);
  const all = groups.flatMap((g) => g.teachers.map((t) => t.gain)).filter(Number.isFinite);
  const edges = histogramEdges(all, binCount(all.length));
  const arrangement = gainsArrangement(style, groups.length);
  const faceted = arrangement === 'rows' || arrangement === 'grid';
  const stacked = arrangement === 'stacked';
  const colors = cellColorsOf(input, style, groups.map((g) => g.cell));
  const plotted: PlottedSeries[] = [];
  const series: SeriesOption[] = [];
  const legend: string[] = [];
  let top = 0;
  groups.forEach((g, gi) => {
    const color = colors.get(g.cell.index) as string;
    const h = histogram(g.teachers.map((t) => t.gain).filter(Number.isFinite), edges);
    const name = legendName(g.label, g.teachers.length);
    legend.push(name);
    top = Math.max(top, ...h.counts);
    const p = { name, experimentId: input.id, x: h.counts.map((_, b) => (edges[b] + edges[b + 1]) / 2), y: h.counts, xLabel: 'gain_bin_centre', yLabel: 'teachers' };
    plotted.push(faceted ? { ...p, name: `${panelLetter(gi)} ${name}`, panel: gi, drawnAs: name } : p);
    // Outline (e0,0) (e0,c0) (e1,c0) (e1,c1) … (eB,c_{B−1}) (eB,0), filled down to 0 — or, stacked,
    // down to the cells before it (every cell's outline has the same x, so stacking by index is exact).
    const outline: [number, number][] = [[edges[0], 0]];
    h.counts.forEach((c, b) => outline.push([edges[b], c], [edges[b + 1], c]));
    outline.push([edges[edges.length - 1], 0]);
    const s = line({ name, color, width: px(style.lineWidth) / 2, z: 2 + gi }, outline) as Record<string, unknown>;
    series.push({
      ...s,
      sampling: undefined,
      ...(stacked ? { stack: 'gains' } : {}),
      ...(faceted ? { xAxisIndex: gi, yAxisIndex: gi } : {}),
      areaStyle: { color, opacity: stacked ? 0.75 : 0.6 },
      markLine: gi === 0 || faceted ? zeroLine(style, 'xAxis') : undefined,
    } as SeriesOption);
  });
  const title = `gain per teacher (${all.length} teachers, ${all.filter((g) => g > 0).length} improve)${stacked ? ', cells stacked' : ''}`;
  const xAxisLabel = 'gain in cos(w, w*)';
  const yAxisLabel = 'teachers';
  const x = { name: xAxisLabel, type: 'value', min: edges[0], max: edges[edges.length - 1] } as const;
  if (arrangement === 'grid') {
    // Small multiples: the grid's axes place the cells, one count scale and one set of bins for all;
    // each panel's n only when the cells' differ (the title counts them all).
    const layout = gainsGrid(input, style, groups);
    const sameN = new Set(groups.map((g) => g.teachers.length)).size === 1;
    const counts = niceRange(0, top);
    const specs: PanelSpec[] = groups.map((g) => {
      const at = layout.place.get(g.cell.index) ?? { row: 0, col: 0 };
      const header = layout.rowHeaders === null ? (layout.cellHeaders.get(g.cell.index) ?? '') : '';
      return { title: [header, sameN ? '' : `n = ${g.teachers.length}`].filter((t) => t !== '').join(' · '), x, y: { name: yAxisLabel, type: 'value', min: 0, max: counts.max, interval: counts.interval }, rowLabel: layout.rowHeaders?.[at.row], yRange: [0, counts.max], row: at.row, col: at.col };
    });
    const { option, panels } = panelFrame(style, title, layout.rows, layout.cols, specs, xAxisLabel, series, [], { letters: false, colHeaders: layout.colHeaders ?? undefined, yName: yAxisLabel, sharedY: true });
    return { option, series: plotted, xAxisLabel, yAxisLabel, title, panels, layout: { rows: layout.rows, cols: layout.cols, aspect: 0.6 } };
  }
  if (faceted) {
    // Every row on the same count scale, so the cells' histograms compare by eye.
    const specs: PanelSpec[] = groups.map((g) => ({ title: legendName(g.label, g.teachers.length), x, y: { name: yAxisLabel, type: 'value', min: 0, max: top }, rowLabel: yAxisLabel, yRange: [0, top] }));
    const { option, panels } = panelFrame(style, title, groups.length, 1, specs, xAxisLabel, series, []);
    return { option, series: plotted, xAxisLabel, yAxisLabel, title, panels, layout: { rows: groups.length, cols: 1, aspect: GAINS_ROW_ASPECT } };
  }
  const option = frame(style, title, x, { name: yAxisLabel, type: 'value', min: 0 }, series, groups.length > 1 ? legend : []);
  return { option, series: plotted, xAxisLabel, yAxisLabel, title };
}
