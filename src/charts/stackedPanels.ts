/**
 * Figures of several quantities against one x (κ, the initial norm): panels stacked on a shared x
 * axis, one y axis each, every series assigned to its panel; reference lines (zero, Theorem 1.1's
 * boundary) as mark lines. Plain data, as frame() builds it, so the same option renders on screen
 * and in the SSR exporter; the matplotlib script reads the panels back from the option.
 */
import type { EChartsOption, SeriesOption } from 'echarts';
import { axis, type AxisSpec, band, frame, line } from './common';
import { bandAcross } from './data';
import { px, themeColors } from './style';
import type { BandKind, FigureStyle, PanelLayout, PlottedSeries } from './types';

export interface StackedPanel {
  readonly y: AxisSpec;
  readonly series: SeriesOption[];
}

/** The layout of n stacked panels: wide and short, for the exporter's natural height. */
export function stackedLayout(n: number): PanelLayout {
  return { rows: n, cols: 1, aspect: 0.35 };
}

/**
 * The option of panels stacked top to bottom; only the bottom panel labels the x axis. `legend`
 * names what every panel shares (lines of one colour each); a panel whose series differ from the
 * others' (the norm puzzle's T1, T2, T1 + T2) keys them in a legend of its own, inside its top edge.
 */
export function stackedPanelFrame(style: FigureStyle, title: string, x: AxisSpec, panels: readonly StackedPanel[], legend: string[], panelLegends: readonly (readonly string[] | undefined)[] = []): EChartsOption {
  const series = panels.flatMap((p, i) => p.series.map((s) => ({ ...s, xAxisIndex: i, yAxisIndex: i }) as SeriesOption));
  const option = frame(style, title, x, panels[0].y, series, legend) as Record<string, unknown>;
  const grid = option.grid as { left: number; right: number; top: number; bottom: number };
  const font = px(style.fontSize);
  const gap = font * 1.6;
  const height = Math.max(20, (style.height - grid.top - grid.bottom - gap * (panels.length - 1)) / panels.length);
  const left = Math.max(grid.left, ...panels.map((p) => (axis(style, p.y, true).nameGap as number) + font * 1.4));
  option.grid = panels.map((_, i) => ({ left, right: grid.right, top: grid.top + i * (height + gap), height, containLabel: false }));
  option.xAxis = panels.map((_, i) => {
    const a = axis(style, x, false);
    const last = i === panels.length - 1;
    return { ...a, gridIndex: i, name: last ? a.name : '', axisLabel: { ...(a.axisLabel as object), show: last } };
  });
  option.yAxis = panels.map((p, i) => ({ ...axis(style, p.y, true), gridIndex: i, nameTextStyle: { ...(axis(style, p.y, true).nameTextStyle as object), fontSize: font * 0.9 } }));
  const own = panelLegends.flatMap((names, i) =>
    names === undefined || names.length === 0
      ? []
      : [{ show: true, data: [...names], top: grid.top + i * (height + gap) + 2, right: grid.right + 4, orient: 'horizontal', itemGap: 10, itemWidth: 16, itemHeight: font * 0.7, textStyle: { fontFamily: style.fontFamily, fontSize: font * 0.85, color: themeColors(style).text }, backgroundColor: themeColors(style).background, padding: 2 }],
  );
  if (own.length > 0) option.legend = [...(Array.isArray(option.legend) ? option.legend : [option.legend]), ...own];
  return option as EChartsOption;
}

/** The label of Theorem 1.1's boundary, the same on the κ figure and in the Theory view. */
export const boundaryLabel = (threshold: number): string => `κ = tan θ / tan θ_T = ${threshold.toFixed(3)}`;

/**
 * Dashed reference lines as one series' mark line, in the theme's reference colour or `color`:
 * vertical ones at x = value (Theorem 1.1's boundary), horizontal ones at y = value (zero), each
 * with its own label or none.
 */
export function referenceLines(
  style: FigureStyle,
  lines: readonly ({ xAxis: number } | { yAxis: number } | { xAxis: number; label: string })[],
  color?: string,
  /** Along the line from its foot (default), or across, just above the plot ('end': never over the data). */
  labelPosition: 'insideStartTop' | 'end' = 'insideStartTop',
): Record<string, unknown> {
  const c = color ?? themeColors(style).reference;
  return {
    silent: true,
    symbol: 'none',
    label: { show: false },
    lineStyle: { color: c, type: 'dashed', width: 1 },
    data: lines.map((l) => {
      if (!('label' in l)) return { ...l };
      const { label, ...at } = l;
      return { ...at, label: { show: true, formatter: label, position: labelPosition, ...(labelPosition === 'end' ? { distance: 3 } : {}), color: c, fontFamily: style.fontFamily, fontSize: px(style.fontSize) * 0.85 } };
    }),
  };
}

/** A single reference line (see referenceLines). */
export const referenceLine = (style: FigureStyle, at: { xAxis: number } | { yAxis: number }, color?: string): Record<string, unknown> => referenceLines(style, [at], color);

/** A line with a marker at every point (few x values, one per cell). */
export function pointLine(style: FigureStyle, name: string, color: string, data: [number, number][], dash: 'solid' | 'dashed' | 'dotted' = 'solid', markLine?: Record<string, unknown>): SeriesOption {
  return {
    ...line({ name, color, width: px(style.lineWidth), dash, z: 3 }, data),
    showSymbol: true,
    symbol: 'circle',
    symbolSize: px(style.fontSize) * 0.45,
    itemStyle: { color },
    markLine,
  } as SeriesOption;
}

/** Mean and band (style.band) of each x's values, as bandAcross computes them for trajectories. */
export function meanBand(values: readonly (readonly number[])[], kind: BandKind): { mean: Float64Array; lower: Float64Array; upper: Float64Array } {
  const mean = new Float64Array(values.length);
  const lower = new Float64Array(values.length);
  const upper = new Float64Array(values.length);
  values.forEach((v, i) => {
    const b = bandAcross(v.map((x) => [x]), kind);
    mean[i] = b.mean.length === 0 ? NaN : b.mean[0];
    lower[i] = b.lower.length === 0 ? NaN : b.lower[0];
    upper[i] = b.upper.length === 0 ? NaN : b.upper[0];
  });
  return { mean, lower, upper };
}

/** The mean ± band as the plotted series and the option's series (a band and a line with markers). */
export function bandedPoints(
  style: FigureStyle,
  meta: { name: string; experimentId: number; xLabel: string; yLabel: string },
  x: Float64Array,
  values: readonly (readonly number[])[],
  color: string,
  markLine?: Record<string, unknown>,
): { plotted: PlottedSeries[]; series: SeriesOption[] } {
  const { mean, lower, upper } = meanBand(values, style.band);
  const b = band(style, meta, x, lower, upper, mean, color);
  const keep = Array.from(x.keys()).filter((i) => Number.isFinite(x[i]) && Number.isFinite(mean[i]) && (style.xScale !== 'log' || x[i] > 0));
  const px_ = Float64Array.from(keep, (i) => x[i]);
  const py = Float64Array.from(keep, (i) => mean[i]);
  return {
    plotted: [{ ...meta, x: px_, y: py }, ...b.plotted],
    series: [...b.series, pointLine(style, meta.name, color, keep.map((i) => [x[i], mean[i]]), 'solid', markLine)],
  };
}

