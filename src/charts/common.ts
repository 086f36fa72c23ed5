/**
 * Pieces every figure shares: the frame (background, fonts, title, legend, grid, axes) and the line
 * and band series, with thinning applied only to what goes into the option. Kept as plain data so
 * the same option renders in the browser and in ECharts' Node SSR.
 */
import type { EChartsOption, LineSeriesOption, SeriesOption } from 'echarts';
import { drawable, pick, thinIndices } from './data';
import { px, themeColors } from './style';
import type { Figure, FigureStyle, Metric, PlottedSeries } from './types';

export const METRIC_AXIS: Record<Metric, string> = {
  cos: 'cos(w, w*)',
  inner: '⟨w, w*⟩',
  norm: '‖w‖',
  accuracy: 'accuracy',
};

export const STEP_AXIS = 'SFT step';

export interface AxisSpec {
  readonly name: string;
  readonly type: 'value' | 'log' | 'category';
  readonly min?: number | 'dataMin';
  readonly max?: number | 'dataMax';
  readonly categories?: string[];
  /** Keep 0 inside a value axis (gains: the no-gain line must show). */
  readonly includeZero?: boolean;
  /** Ticks and labels exactly at these values (a log axis of the data's own x: 0.5 and 3, not only powers of ten). */
  readonly ticksAt?: readonly number[];
  /** A fixed tick interval (with min and max on its multiples: every label round). */
  readonly interval?: number;
}

/** Room for a y axis's tick labels: category names can be wider than numbers. */
function verticalNameGap(spec: AxisSpec, font: number): number {
  const longest = Math.max(0, ...(spec.categories ?? []).map((c) => c.length));
  return Math.max(font * 3.6, longest * font * 0.55 + 12);
}

/**
 * A tick label with at most four significant digits (0.03965, not 0.03964806117739624), thousands
 * grouped as ECharts does (1,000), no trailing zeros.
 */
export function tickLabel(v: number): string {
  if (!Number.isFinite(v)) return '';
  if (v === 0) return '0';
  const r = Number(v.toPrecision(4));
  return Math.abs(r) >= 1000 ? r.toLocaleString('en-US', { maximumFractionDigits: 0 }) : String(r);
}

/**
 * [lo, hi] of the values widened by `margin` of their span on each side (a tenth of the middle's
 * magnitude when they are all equal), so that no point sits on the frame.
 */
export function paddedRange(values: readonly number[], margin = 0.06): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi >= lo)) return null;
  const pad = hi > lo ? (hi - lo) * margin : Math.max(Math.abs(lo) * 0.1, 1e-6);
  return [lo - pad, hi + pad];
}

/**
 * A range around [lo, hi] (3 % beyond each end) whose ends are ticks of a nice interval (1, 2, 2.5
 * or 5 × 10^k, about four of them): panels that share it show the same round labels.
 */
export function niceRange(lo: number, hi: number): { min: number; max: number; interval: number } {
  if (!(hi > lo)) {
    const pad = Math.max(Math.abs(lo) * 0.05, 1e-6);
    return { min: lo - pad, max: hi + pad, interval: pad };
  }
  const span = hi - lo;
  const raw = span / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const interval = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const round = (v: number) => Number(v.toPrecision(12));
  return { min: round(Math.floor((lo - span * 0.03) / interval) * interval), max: round(Math.ceil((hi + span * 0.03) / interval) * interval), interval: round(interval) };
}

/** [lo, hi] rounded outward to the nearest multiples of a nice interval (about five): 0–1 000 stays, −985–999 becomes −1 000–1 000. */
export function niceExtent(lo: number, hi: number): { min: number; max: number } {
  if (!(hi > lo)) return { min: lo, max: hi };
  const raw = (hi - lo) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const interval = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const round = (v: number) => Number(v.toPrecision(12));
  return { min: round(Math.floor(lo / interval + 1e-9) * interval), max: round(Math.ceil(hi / interval - 1e-9) * interval) };
}

/** Axis in the figure's fonts and theme; name centred outside the labels. */
export function axis(style: FigureStyle, spec: AxisSpec, vertical: boolean): Record<string, unknown> {
  const c = themeColors(style);
  const font = px(style.fontSize);
  return {
    type: spec.type,
    name: spec.name,
    nameLocation: 'middle',
    nameGap: vertical ? verticalNameGap(spec, font) : font * 2.2,
    nameTextStyle: { color: c.text, fontFamily: style.fontFamily, fontSize: font },
    min: spec.min,
    max: spec.max,
    ...(spec.interval === undefined ? {} : { interval: spec.interval }),
    scale: spec.type === 'value' && spec.min === undefined && spec.includeZero !== true,
    data: spec.categories,
    axisLine: { show: true, onZero: false, lineStyle: { color: c.axis } },
    axisTick: { lineStyle: { color: c.axis }, ...(spec.ticksAt === undefined ? {} : { customValues: [...spec.ticksAt] }) },
    axisLabel: {
      color: c.text,
      fontFamily: style.fontFamily,
      fontSize: font,
      hideOverlap: true,
      ...(spec.type === 'category' ? {} : { formatter: tickLabel }),
      ...(spec.ticksAt === undefined ? {} : { customValues: [...spec.ticksAt] }),
    },
    splitLine: { show: spec.type !== 'category', lineStyle: { color: c.grid, width: 0.5 } },
  };
}

/** The option's frame. `legend` lists exactly the names given (thin lines stay out of it). */
export function frame(
  style: FigureStyle,
  title: string,
  x: AxisSpec,
  y: AxisSpec,
  series: SeriesOption[],
  legend: string[],
  extra: Partial<EChartsOption> = {},
  legendTexts: Readonly<Record<string, string>> = {},
): EChartsOption {
  const c = themeColors(style);
  const font = px(style.fontSize);
  const legendBox = legendLayout(style, legend, c.text, {}, legendTexts);
  // ECharts' own LTTB downsampling is for the screen; exports (maxPoints null) draw every point.
  if (style.maxPoints === null) for (const s of series) if (s.type === 'line') delete (s as LineSeriesOption).sampling;
  return {
    animation: false,
    backgroundColor: c.background,
    textStyle: { fontFamily: style.fontFamily, fontSize: font, color: c.text },
    title: { show: style.showTitle, text: title, left: 'center', top: 4, textStyle: { fontFamily: style.fontFamily, fontSize: font * 1.1, fontWeight: 'normal', color: c.text } },
    legend: legendBox.option,
    grid: { left: verticalNameGap(y, font) + font * 1.4, right: font * 1.5, top: legendBox.bottom + font * 1.2, bottom: font * 3.6, containLabel: false },
    tooltip: { trigger: 'item', confine: true },
    xAxis: axis(style, x, false),
    yAxis: axis(style, y, true),
    series,
    ...extra,
  } as EChartsOption;
}

/** A figure of a metric against the SFT step (trajectories, comparisons), on the style's axes. */
export function stepFigure(style: FigureStyle, title: string, series: SeriesOption[], legend: string[], plotted: PlottedSeries[]): Figure {
  const xAxisLabel = STEP_AXIS;
  const yAxisLabel = METRIC_AXIS[style.metric ?? 'cos'];
  const option = frame(
    style,
    title,
    { name: xAxisLabel, type: style.xScale === 'log' ? 'log' : 'value', min: 'dataMin', max: 'dataMax' },
    { name: yAxisLabel, type: style.yScale === 'log' ? 'log' : 'value' },
    series,
    legend,
  );
  return { option, series: plotted, xAxisLabel, yAxisLabel, title };
}

export const LEGEND_ICON = 18;
export const LEGEND_GAP = 16;

/**
 * Rows the legend wraps into, packing greedily with ~0.5 em per character (DejaVu Sans
 * runs ~0.52 em), so the plot starts below the legend instead of under it.
 */
export function legendRows(names: string[], width: number, fontPx: number): number {
  let rows = 0;
  let used = Infinity;
  for (const name of names) {
    const w = LEGEND_ICON + 5 + name.length * fontPx * 0.5 + LEGEND_GAP;
    if (used + w > width) {
      rows++;
      used = w;
    } else used += w;
  }
  return rows;
}

/** Legends of up to this many entries are always shown whole: never paginated (issue 18). */
export const LEGEND_WHOLE = 20;

/**
 * The legend under the title, wrapped into rows (legendRows) so the plot starts below it, and its
 * bottom edge. Exports (maxPoints null) always show every entry, and so does the screen for up to
 * LEGEND_WHOLE entries; only a longer legend that would take over a fifth of a small chart scrolls
 * on one row there.
 */
export function legendLayout(
  style: FigureStyle,
  legend: string[],
  textColor: string,
  icons: Readonly<Record<string, string>> = {},
  /** What an entry shows, when shorter than its series' name (an ordered key: '0.3162' after '‖w₀‖ = 0.1'). */
  texts: Readonly<Record<string, string>> = {},
): { option: Record<string, unknown>; bottom: number } {
  const font = px(style.fontSize);
  const top = style.showTitle ? font * 1.1 + 10 : 4;
  const wrapped = legendRows(legend.map((n) => texts[n] ?? n), style.width - 10, font);
  const scroll = style.maxPoints !== null && legend.length > LEGEND_WHOLE && wrapped > 1 && wrapped * (font + LEGEND_GAP) > style.height * 0.2;
  const rows = legend.length === 0 ? 0 : scroll ? 1 : wrapped;
  return {
    option: {
      show: legend.length > 0,
      // An entry with an icon of its own (a key of line kinds: thick, thin, dashed) keeps its shape.
      data: legend.map((name) => (icons[name] === undefined ? name : { name, icon: icons[name] })),
      top,
      type: scroll ? 'scroll' : 'plain',
      itemGap: LEGEND_GAP,
      itemWidth: LEGEND_ICON,
      itemHeight: font * 0.8,
      textStyle: { fontFamily: style.fontFamily, fontSize: font, color: textColor },
      ...(Object.keys(texts).length === 0 ? {} : { formatter: (name: string) => texts[name] ?? name }),
    },
    bottom: top + (rows > 0 ? rows * font + (rows - 1) * LEGEND_GAP : 0),
  };
}

/**
 * The entries of an ordered key, shortened when there are many (more than five): the first says
 * the quantity ('κ = −0.5'), the others only their value ('−0.25', …), and n only when it differs.
 * Names are '<quantity> = <value> (n = N)' or '<quantity> <value> % (n = N)'.
 */
export function orderedKeyTexts(names: readonly string[]): Record<string, string> {
  if (names.length <= 5) return {};
  const parts = names.map((n) => /^(.*?)(?: = |\s)(-?[\d.]+(?:e[-+]?\d+)?(?: %)?)(?: \(n = (\d+)\))?$/.exec(n));
  if (parts.some((p) => p === null)) return {};
  const sameN = new Set(parts.map((p) => p?.[3])).size === 1;
  return Object.fromEntries(names.map((n, i) => {
    const p = parts[i] as RegExpExecArray;
    const value = p[2] + (sameN || p[3] === undefined ? '' : ` (n = ${p[3]})`);
    return [n, i === 0 ? n.slice(0, n.length - (p[3] === undefined ? 0 : ` (n = ${p[3]})`.length)) + (sameN && p[3] !== undefined ? ` (n = ${p[3]} each)` : '') : value];
  }));
}

/** Legend icons for a key of line kinds, as paths (the legend keeps their aspect): thick, thin, dashed. */
export const KEY_ICONS = {
  thick: 'path://M0,0H24V2.4H0Z',
  thin: 'path://M0,0H24V0.9H0Z',
  dashed: 'path://M0,0H5V1.2H0ZM8,0H13V1.2H8ZM16,0H21V1.2H16Z',
  dashedThick: 'path://M0,0H6V1.8H0ZM9,0H15V1.8H9ZM18,0H24V1.8H18Z',
  dot: 'circle',
} as const;

/** Points [x, y] at the given indices. */
export function pairs(x: ArrayLike<number>, y: ArrayLike<number>, idx: readonly number[]): [number, number][] {
  return idx.map((i) => [x[i], y[i]]);
}

export interface LineOpts {
  readonly name: string;
  readonly color: string;
  readonly width: number;
  readonly opacity?: number;
  readonly dash?: 'solid' | 'dashed' | 'dotted' | number[];
  readonly silent?: boolean;
  readonly z?: number;
}

/** A line series with no symbols; `silent` lines skip hit-testing (hundreds of teacher lines stay cheap). */
export function line(o: LineOpts, data: [number, number][]): LineSeriesOption {
  return {
    type: 'line',
    name: o.name,
    data,
    showSymbol: false,
    symbol: 'none',
    silent: o.silent ?? false,
    z: o.z ?? 2,
    color: o.color,
    lineStyle: { color: o.color, width: o.width, opacity: o.opacity ?? 1, type: o.dash ?? 'solid' },
    emphasis: { disabled: true },
    triggerLineEvent: false,
    // A line with more points than pixels is downsampled by ECharts itself (screen only).
    sampling: 'lttb',
  } as LineSeriesOption;
}

/**
 * The drawn and the plotted version of a curve: `plotted` keeps every drawable point (log axes
 * drop non-positive values), the option gets those thinned to style.maxPoints.
 */
export function curve(
  style: FigureStyle,
  meta: { name: string; experimentId: number; xLabel: string; yLabel: string },
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): { plotted: PlottedSeries; data: [number, number][] } {
  const idx = drawable(x, [y], style.xScale === 'log', style.yScale === 'log');
  const px_ = pick(x, idx);
  const py = pick(y, idx);
  return { plotted: { ...meta, x: px_, y: py }, data: pairs(px_, py, thinIndices(py, style.maxPoints, style.xScale === 'log' ? px_ : undefined)) };
}

/**
 * A band between lower and upper as two stacked line series (lower transparent, then upper −
 * lower filled on top of it): plain data that both the canvas and the SSR SVG renderer fill
 * correctly. stackStrategy 'all' makes it stack across signs; both series share indices, so
 * stacking by index is exact. Thinning follows the mean (`guide`).
 */
export function band(
  style: FigureStyle,
  meta: { name: string; experimentId: number; xLabel: string; yLabel: string },
  x: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
  guide: ArrayLike<number>,
  color: string,
  opacity = 0.2,
  /** Keeps bands of the same name apart (one per panel). */
  stackKey = '',
): { plotted: PlottedSeries[]; series: LineSeriesOption[] } {
  const idx = drawable(x, [lower, upper], style.xScale === 'log', style.yScale === 'log');
  const bx = pick(x, idx);
  const lo = pick(lower, idx);
  const hi = pick(upper, idx);
  const shown = thinIndices(pick(guide, idx), style.maxPoints, style.xScale === 'log' ? bx : undefined);
  const stack = `band:${meta.name}${stackKey === '' ? '' : `:${stackKey}`}`;
  const base = { type: 'line', stack, stackStrategy: 'all', showSymbol: false, symbol: 'none', silent: true, z: 1, emphasis: { disabled: true }, tooltip: { show: false } } as const;
  const series: LineSeriesOption[] = [
    { ...base, name: `${meta.name} lower`, data: pairs(bx, lo, shown), lineStyle: { opacity: 0, width: 0 } } as LineSeriesOption,
    {
      ...base,
      name: `${meta.name} upper`,
      data: shown.map((i) => [bx[i], hi[i] - lo[i]]),
      lineStyle: { opacity: 0, width: 0 },
      areaStyle: { color, opacity },
    } as LineSeriesOption,
  ];
  const plotted: PlottedSeries[] = [
    { name: `${meta.name} lower`, experimentId: meta.experimentId, x: bx, y: lo, xLabel: meta.xLabel, yLabel: `${meta.yLabel}_lower` },
    { name: `${meta.name} upper`, experimentId: meta.experimentId, x: bx, y: hi, xLabel: meta.xLabel, yLabel: `${meta.yLabel}_upper` },
  ];
  return { plotted, series };
}

/** A dashed reference line at x = 0 or y = 0, attached to a series. */
export function zeroLine(style: FigureStyle, axisName: 'xAxis' | 'yAxis'): Record<string, unknown> {
  return {
    silent: true,
    symbol: 'none',
    label: { show: false },
    lineStyle: { color: themeColors(style).reference, type: 'dashed', width: 1 },
    data: [{ [axisName]: 0 }],
  };
}

/** Fixed-point formatting for labels and legends. */
export const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : '—');
