/**
 * What the matplotlib script needs to know of an ECharts option: each series' look (kind, colour,
 * dash, width, alpha, markers), the axes, a heatmap's colour scale, and the panels of a stacked
 * figure with their limits and reference lines. Read from the very option the app draws.
 */
import type { Figure, Panel } from '../../charts/types';
import { BAND_LOWER_SUFFIX, BAND_UPPER_SUFFIX } from './csv';

export type Obj = Record<string, unknown>;
export const asArray = (v: unknown): Obj[] => (v === undefined || v === null ? [] : Array.isArray(v) ? (v as Obj[]) : [v as Obj]);
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** ECharts dash type → matplotlib linestyle. */
function dash(type: unknown): string {
  if (type === 'dashed') return '--';
  if (type === 'dotted') return ':';
  if (Array.isArray(type)) return type.length >= 4 ? '-.' : '--';
  return '-';
}

export interface SeriesStyle {
  kind: 'line' | 'scatter';
  color: string | null;
  linestyle: string;
  /** Relative to the widest line in the figure (1 = the main curves). */
  width: number;
  alpha: number;
  marker: boolean;
  /** A scatter of hollow symbols. */
  hollow: boolean;
}

/** Per-series drawing hints from the option, by series name. */
export function seriesStyles(option: Obj): { styles: Record<string, SeriesStyle>; hasHeatmap: boolean; legend: boolean } {
  const palette = asArray(option.color).map(str);
  const series = asArray(option.series);
  // Relative widths against the widest visible line (band edges have width 0; scatters none).
  const widths = series.map((s) => (s.type === 'line' || s.type === 'lines' ? num((s.lineStyle as Obj | undefined)?.width) : null));
  const maxWidth = Math.max(1e-9, ...widths.map((w) => w ?? 0));
  const defaultWidth = widths.some((w) => w !== null) ? maxWidth : 1;
  const styles: Record<string, SeriesStyle> = {};
  let hasHeatmap = false;
  series.forEach((s, i) => {
    if (s.type === 'heatmap') hasHeatmap = true;
    const name = str(s.name);
    if (name === null || (s.type !== 'line' && s.type !== 'scatter' && s.type !== 'lines')) return;
    const line = (s.lineStyle ?? {}) as Obj;
    const item = (s.itemStyle ?? {}) as Obj;
    // A ring (border in another colour than the fill) is drawn hollow, in the border's colour.
    const ring = s.type === 'scatter' && num(item.borderWidth) !== null && (item.borderWidth as number) > 0 && str(item.borderColor) !== null && item.borderColor !== item.color;
    const style: SeriesStyle = {
      kind: s.type === 'scatter' ? 'scatter' : 'line',
      color: (ring ? str(item.borderColor) : null) ?? str(line.color) ?? str(item.color) ?? str(s.color) ?? palette[i % Math.max(1, palette.length)] ?? null,
      linestyle: dash(line.type),
      width: (widths[i] ?? defaultWidth) / maxWidth,
      alpha: num(line.opacity) ?? num(item.opacity) ?? 1,
      marker: s.type === 'line' && s.showSymbol === true,
      hollow: ring || (typeof s.symbol === 'string' && s.symbol.startsWith('empty')),
    };
    // A polyline series draws many CSV series (one per data item, e.g. each teacher's line).
    if (s.type === 'lines') for (const d of asArray(s.data)) styles[str(d.name) ?? name] = style;
    else styles[name] = style;
  });
  const legend = asArray(option.legend).some((l) => l.show !== false);
  return { styles, hasHeatmap, legend };
}

export function axisInfo(option: Obj, key: 'xAxis' | 'yAxis'): { log: boolean; min: number | null; max: number | null; categories: string[] | null } {
  const a = asArray(option[key])[0] ?? {};
  const data = Array.isArray(a.data) ? a.data.map((d) => (typeof d === 'object' && d !== null ? String((d as Obj).value ?? '') : String(d))) : null;
  return { log: a.type === 'log', min: num(a.min), max: num(a.max), categories: a.type === 'category' ? data : null };
}

/** Colour scale of a heatmap from the option's first visualMap: [vmin, vmax, colours]. */
export function heatmapScale(option: Obj): { min: number | null; max: number | null; colors: string[] | null; labels: boolean } {
  const vm = asArray(option.visualMap)[0] ?? {};
  const colors = asArray((vm.inRange as Obj | undefined)?.color as unknown).map(str).filter((c): c is string => c !== null);
  const hm = asArray(option.series).find((s) => s.type === 'heatmap') ?? {};
  return { min: num(vm.min), max: num(vm.max), colors: colors.length >= 2 ? colors : null, labels: (hm.label as Obj | undefined)?.show === true };
}

/**
 * Panels stacked on one x (several grids in the option, as charts/stackedPanels.ts builds them):
 * one panel per y axis, named by it, and each CSV series in the panel of the option series of its
 * name. Null for a single chart.
 */
export function stackedPanels(option: Obj, figure: Figure): { panels: Panel[]; seriesPanel: Record<string, { panel: number; label: string }> } | null {
  const yAxes = asArray(option.yAxis);
  if (asArray(option.grid).length < 2 || yAxes.length < 2) return null;
  const x = axisInfo(option, 'xAxis');
  const panels: Panel[] = yAxes.map((a, i) => ({
    row: i,
    col: 0,
    letter: '',
    title: '',
    xLabel: figure.xAxisLabel,
    yLabel: str(a.name) ?? '',
    axisName: str(a.name) ?? '',
    xLog: x.log,
    yLog: a.type === 'log',
  }));
  const byName = new Map(asArray(option.series).map((s) => [str(s.name) ?? '', num(s.yAxisIndex) ?? 0]));
  const seriesPanel: Record<string, { panel: number; label: string }> = {};
  for (const p of figure.series) {
    const base = p.name.replace(new RegExp(`(${BAND_LOWER_SUFFIX}|${BAND_UPPER_SUFFIX})$`), '');
    const panel = byName.get(p.name) ?? byName.get(base);
    if (panel !== undefined) seriesPanel[p.name] = { panel, label: p.name };
  }
  return { panels, seriesPanel };
}

/** A panel's y limits and the dashed reference lines its series mark (x = boundary, y = 0). */
export function referenceLinesOf(option: Obj, panel: number): { y_min: number | null; y_max: number | null; vlines: number[]; hlines: number[] } {
  const yAxis = asArray(option.yAxis)[panel] ?? {};
  const vlines: number[] = [];
  const hlines: number[] = [];
  for (const s of asArray(option.series)) {
    if ((num(s.yAxisIndex) ?? 0) !== panel) continue;
    for (const d of asArray((s.markLine as Obj | undefined)?.data as unknown)) {
      const at = d as Obj;
      if (num(at.xAxis) !== null) vlines.push(num(at.xAxis)!);
      if (num(at.yAxis) !== null) hlines.push(num(at.yAxis)!);
    }
  }
  return { y_min: num(yAxis.min), y_max: num(yAxis.max), vlines, hlines };
}

