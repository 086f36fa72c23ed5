/**
 * The sweep dashboard's figures (issue 22), from the summary's groups (sweepData.ts):
 *  - `sweep`: the target against one axis, each group's estimate with its 95 % interval as a band;
 *    one line per value of the other axes (ordered colours), small multiples by a third axis;
 *    a log x axis when the values are log-spaced.
 *  - `sweepHeatmap`: the target over two axes (diverging map centred on 0 for the gain, viridis on
 *    [0, 1] for the fraction improved), small multiples by the others.
 *  - `sweepParallel`: parallel coordinates across every varying axis and the target, one line per
 *    group coloured by the target; log axes where the values are log-spaced; dragging along an
 *    axis selects a range (the dashboard filters its table by it, sweepData.brushRows).
 * Plain data, as every builder's option, so the same option renders on screen and in the exporter.
 */
import type { HeatmapSeriesOption, SeriesOption } from 'echarts';
import { cosFromAccuracy } from '../engine/accuracy';
import { theory } from '../engine/theory';
import { type AxisSpec, band, fmt, frame, niceRange } from './common';
import { colorBarPlacement } from './heatmap';
import { panelFrame, type PanelSpec } from './panels';
import { boundaryLabel, pointLine, referenceLines } from './stackedPanels';
import { colorAt, inkOn, orderedColors, px, rampColor, themeColors, VIRIDIS } from './style';
import { axisLabel, axisValueText, type SweepAxis, sweepAxes, type SweepGroup, sweepGroupsOf, type SweepTarget, TARGET_LABEL, targetOf } from './sweepData';
import type { Figure, FigureInput, FigureStyle, PanelLayout, PlottedSeries } from './types';

/** The x axis of the one-axis plot: the style's choice when it varies, else the first varying axis. */
export function sweepXAxis(axes: readonly SweepAxis[], chosen: string | null | undefined): SweepAxis {
  if (axes.length === 0) throw new Error('the sweep figures need an experiment whose groups vary along an axis (a spec with axes, a grid or a search)');
  if (chosen === null || chosen === undefined) return axes[0];
  const axis = axes.find((a) => a.path === chosen);
  if (axis === undefined) throw new Error(`sweepX: '${chosen}' is not an axis this sweep varies along (${axes.map((a) => a.path).join(', ')})`);
  return axis;
}

/** The key of a group's values on some axes ('β = 0.5 · d = 100'), '' for none. */
const keyOf = (g: SweepGroup, axes: readonly SweepAxis[]) => axes.map((a) => `${shortName(a.path)} = ${axisValueText(a.path, g.axes[a.path])}`).join(' · ');
const shortName = (path: string) => axisLabel(path).replace(/ \(.*\)$/, '');

/** Groups by the key of their values on `axes`, in increasing order of those values. */
function partition(groups: readonly SweepGroup[], axes: readonly SweepAxis[]): { key: string; groups: SweepGroup[]; values: number[] }[] {
  const out = new Map<string, { key: string; groups: SweepGroup[]; values: number[] }>();
  for (const g of groups) {
    const key = keyOf(g, axes);
    const entry = out.get(key) ?? { key, groups: [], values: axes.map((a) => g.axes[a.path]) };
    entry.groups.push(g);
    out.set(key, entry);
  }
  return [...out.values()].sort((a, b) => {
    for (let i = 0; i < a.values.length; i++) if (a.values[i] !== b.values[i]) return a.values[i] - b.values[i];
    return 0;
  });
}

/**
 * Theorem 1.1's boundary κ = tan θ / tan θ_T = s₀ c_T / (c₀ s_T) (docs/spec.md §6) for a point of a
 * κ sweep: its student and teacher accuracies (the point's own when they are axes, else the
 * spec's); null when it is not inside (−1, 1) or the spec has no teacher accuracy.
 */
export function theoryKappaBoundary(input: FigureInput, point: Readonly<Record<string, number>>): number | null {
  const spec = input.spec;
  const studentAccuracy = point['student.accuracy'] ?? spec.student.accuracy;
  const teacherAccuracy = point['teachers.accuracy'] ?? spec.teachers.accuracy[0];
  if (!Number.isFinite(studentAccuracy) || !Number.isFinite(teacherAccuracy)) return null;
  const b = theory({ studentCos: cosFromAccuracy(studentAccuracy), studentNorm: point['student.norm'] ?? spec.student.norm[0] ?? 1, teacherCos: cosFromAccuracy(teacherAccuracy), kappa: 0, beta: point.beta ?? spec.beta }).conditions.kappaThreshold;
  return Number.isFinite(b) && b > -1 && b < 1 ? b : null;
}

/** The target's y axis: [0, 1] for the fraction improved, through 0 for the gain and PGR. */
function targetAxis(target: SweepTarget): AxisSpec {
  if (target === 'fractionImproved') return { name: TARGET_LABEL[target], type: 'value', min: 0, max: 1 };
  return { name: TARGET_LABEL[target], type: 'value', includeZero: target !== 'bestStep' };
}

/** Panels of small multiples in at most three columns. */
function gridOf(n: number): PanelLayout {
  const cols = Math.min(3, n);
  return { rows: Math.ceil(n / cols), cols, aspect: 0.7 };
}

export function sweepLayout(input: FigureInput, style: FigureStyle, kind: 'sweep' | 'sweepHeatmap'): PanelLayout {
  const axes = sweepAxes(input);
  const x = sweepXAxis(axes, style.sweepX);
  const others = axes.filter((a) => a !== x);
  const panels = kind === 'sweep' ? (others.length >= 2 ? others[1].values.length : 1) : others.length >= 2 ? partition(sweepGroupsOf(input), others.slice(1)).length : 1;
  return panels > 1 ? gridOf(panels) : { rows: 1, cols: 1 };
}

export function sweepFigure(input: FigureInput, style: FigureStyle): Figure {
  const target = style.sweepTarget;
  const groups = sweepGroupsOf(input);
  const axes = sweepAxes(input);
  const x = sweepXAxis(axes, style.sweepX);
  const others = axes.filter((a) => a !== x);
  // The second axis of the others (if any) makes the small multiples; the rest tell the lines apart.
  const panelAxis = others.length >= 2 ? others[1] : null;
  const lineAxes = others.filter((a) => a !== panelAxis);
  const panelGroups = panelAxis === null ? [{ key: '', groups: [...groups], values: [] as number[] }] : partition(groups, [panelAxis]);
  const lineKeys = partition(groups, lineAxes);
  const lineColors = lineAxes.length === 1 ? orderedColors(style, lineKeys.map((l) => l.values[0])) : lineKeys.map((_, i) => colorAt(style, i));
  const xStyle: FigureStyle = { ...style, xScale: x.log ? 'log' : 'linear', yScale: 'linear' };
  const yAxis = targetAxis(target);
  const plotted: PlottedSeries[] = [];
  const series: SeriesOption[] = [];
  const legend = lineAxes.length === 0 ? [] : lineKeys.map((l) => l.key);
  const ys: number[] = [];
  const boundaries: number[] = [];
  panelGroups.forEach((panel, pi) => {
    lineKeys.forEach((line, li) => {
      const mine = panel.groups.filter((g) => keyOf(g, lineAxes) === line.key).sort((a, b) => a.axes[x.path] - b.axes[x.path]);
      if (mine.length === 0) return;
      const name = line.key === '' ? TARGET_LABEL[target] : line.key;
      const unique = panelAxis === null ? name : `${name} | ${panel.key}`;
      const xs = Float64Array.from(mine, (g) => g.axes[x.path]);
      const t = mine.map((g) => targetOf(g, target));
      const est = Float64Array.from(t, (v) => v?.estimate ?? NaN);
      const lo = Float64Array.from(t, (v) => v?.lo ?? NaN);
      const hi = Float64Array.from(t, (v) => v?.hi ?? NaN);
      ys.push(...lo, ...hi, ...est);
      const meta = { name: unique, experimentId: input.id, xLabel: x.path, yLabel: target };
      const b = band(xStyle, meta, xs, lo, hi, est, lineColors[li], 0.2, String(pi));
      const keep = Array.from(xs.keys()).filter((i) => Number.isFinite(est[i]));
      // Along κ, Theorem 1.1's boundary: one labelled line when every line shares it, else one per line in its colour.
      const boundary = x.path === 'teachers.kappa' ? theoryKappaBoundary(input, mine[0].axes) : null;
      if (boundary !== null) boundaries.push(boundary);
      const shared = x.path === 'teachers.kappa' && new Set(lineKeys.map((l) => theoryKappaBoundary(input, groups.find((g) => keyOf(g, lineAxes) === l.key)?.axes ?? {}))).size === 1;
      const marks = [
        ...(li === 0 && yAxis.includeZero === true ? [{ yAxis: 0 }] : []),
        ...(boundary === null || (shared && li > 0) ? [] : [shared ? { xAxis: boundary, label: boundaryLabel(boundary) } : { xAxis: boundary }]),
      ];
      const zero = marks.length === 0 ? undefined : referenceLines(style, marks, shared || boundary === null ? undefined : lineColors[li], 'end');
      const mean = { ...pointLine(style, name, lineColors[li], keep.map((i) => [xs[i], est[i]]), 'solid', zero), xAxisIndex: pi, yAxisIndex: pi } as SeriesOption;
      series.push(...b.series.map((s) => ({ ...s, xAxisIndex: pi, yAxisIndex: pi }) as SeriesOption), mean);
      plotted.push({ ...meta, x: Float64Array.from(keep, (i) => xs[i]), y: Float64Array.from(keep, (i) => est[i]), panel: panelAxis === null ? undefined : pi, drawnAs: unique === name ? undefined : name }, ...b.plotted.map((p) => ({ ...p, panel: panelAxis === null ? undefined : pi })));
    });
  });
  // The x range holds the axis's values and any theory boundary drawn.
  const xMin = Math.min(x.values[0], ...boundaries);
  const xMax = Math.max(x.values[x.values.length - 1], ...boundaries);
  const xSpec: AxisSpec = { name: axisLabel(x.path), type: x.log ? 'log' : 'value', min: xMin, max: xMax, ...(x.log ? { ticksAt: x.values } : {}) };
  const finite = ys.filter(Number.isFinite);
  const range = finite.length === 0 ? null : niceRange(Math.min(...finite, ...(yAxis.includeZero === true ? [0] : [])), Math.max(...finite, ...(yAxis.includeZero === true ? [0] : [])));
  const ySpec: AxisSpec = yAxis.min !== undefined || range === null ? yAxis : { ...yAxis, min: range.min, max: range.max, interval: range.interval };
  const title = `${TARGET_LABEL[target]} against ${shortName(x.path)} (95 % intervals)`;
  if (panelAxis === null) {
    // Ticks at the axis's own values: a log axis of 0.5, 1, 2 labels each, not only powers of ten.
    const option = frame(style, title, xSpec, ySpec, series, legend);
    return { option, series: plotted, xAxisLabel: xSpec.name, yAxisLabel: ySpec.name, title };
  }
  const layout = gridOf(panelGroups.length);
  const specs: PanelSpec[] = panelGroups.map((p) => ({ title: p.key, x: xSpec, y: ySpec, yRange: range === null ? undefined : [range.min, range.max] }));
  const { option, panels } = panelFrame(style, title, layout.rows, layout.cols, specs, xSpec.name, series, legend, { letters: true, yName: ySpec.name, sharedY: true });
  return { option, series: plotted, xAxisLabel: xSpec.name, yAxisLabel: ySpec.name, title, panels, layout };
}

/** The colour scale of a target: diverging about 0 for the gain and PGR when they change sign (else viridis on their range), viridis on [0, 1] for the fraction, on its range for the step. */
function targetScale(target: SweepTarget, values: readonly number[], style: FigureStyle): { lo: number; hi: number; ramp: string[] } {
  const finite = values.filter(Number.isFinite);
  if (target === 'fractionImproved') return { lo: 0, hi: 1, ramp: [...VIRIDIS] };
  if (target === 'bestStep') return { lo: finite.length === 0 ? 0 : Math.min(...finite), hi: finite.length === 0 ? 1 : Math.max(...finite, Math.min(...finite) + 1), ramp: [...VIRIDIS] };
  const min = finite.length === 0 ? 0 : Math.min(...finite);
  const max = finite.length === 0 ? 0 : Math.max(...finite);
  // Values of one sign (every point helps, or every one hurts): a diverging map centred on 0 would
  // paint them all one colour; viridis over their own range shows how they differ (the bar's ends say where).
  if (finite.length > 1 && max > min && (min > 0 || max < 0)) return { lo: min, hi: max, ramp: [...VIRIDIS] };
  const bound = Math.max(1e-6, ...finite.map(Math.abs));
  return { lo: -bound, hi: bound, ramp: ['#3B4CC0', style.theme === 'dark' ? '#404040' : '#F2F2F2', '#B40426'] };
}

/**
 * A target's value as a cell label: steps whole; others to 3 decimals (the gain) or 2, and one
 * more than the decade of the values' spread when they differ by less (0.0337 beside 0.0346, not
 * 0.034 beside 0.035), at most 5.
 */
function targetText(target: SweepTarget, v: number, spread = Infinity): string {
  if (target === 'bestStep') return String(Math.round(v));
  const base = target === 'gainMean' ? 3 : 2;
  const digits = spread > 0 && Number.isFinite(spread) ? Math.min(5, Math.max(base, Math.ceil(-Math.log10(spread)) + 1)) : base;
  return fmt(v, digits);
}

export function sweepHeatmap(input: FigureInput, style: FigureStyle): Figure {
  const target = style.sweepTarget;
  const groups = sweepGroupsOf(input);
  const axes = sweepAxes(input);
  if (axes.length < 2) throw new Error('the heatmap of a sweep needs groups that vary along two axes');
  const x = sweepXAxis(axes, style.sweepX);
  const [y, ...rest] = axes.filter((a) => a !== x);
  const panelGroups = rest.length === 0 ? [{ key: '', groups: [...groups], values: [] as number[] }] : partition(groups, rest);
  const values = groups.map((g) => targetOf(g, target)?.estimate ?? NaN);
  const { lo, hi, ramp } = targetScale(target, values, style);
  const finiteValues = values.filter(Number.isFinite);
  const spread = finiteValues.length < 2 ? Infinity : Math.max(...finiteValues) - Math.min(...finiteValues);
  const theme = themeColors(style);
  const xCats = x.values.map((v) => axisValueText(x.path, v));
  const yCats = y.values.map((v) => axisValueText(y.path, v));
  const plotted: PlottedSeries[] = [];
  const series: SeriesOption[] = panelGroups.map((panel, pi) => {
    const data = panel.groups.map((g) => {
      const v = targetOf(g, target)?.estimate ?? NaN;
      const ok = Number.isFinite(v);
      const color = ok ? inkOn(rampColor(ramp, (v - lo) / (hi - lo || 1))) : theme.text;
      return { value: [x.values.indexOf(g.axes[x.path]), y.values.indexOf(g.axes[y.path]), ok ? v : '-'], label: { formatter: ok ? targetText(target, v, spread) : '—', color } };
    });
    y.values.forEach((yv) => {
      const row = x.values.map((xv) => targetOf(panel.groups.find((g) => g.axes[x.path] === xv && g.axes[y.path] === yv) ?? ({} as SweepGroup), target)?.estimate ?? NaN);
      const name = `${shortName(y.path)} = ${axisValueText(y.path, yv)}${panel.key === '' ? '' : ` | ${panel.key}`}`;
      plotted.push({ name, experimentId: input.id, x: Float64Array.from(x.values), y: Float64Array.from(row), xLabel: x.path, yLabel: target, ...(panel.key === '' ? {} : { panel: pi }) });
    });
    return {
      type: 'heatmap',
      name: panel.key === '' ? target : `${target} | ${panel.key}`,
      data,
      xAxisIndex: pi,
      yAxisIndex: pi,
      label: { show: true, fontFamily: style.fontFamily, textBorderWidth: 0, fontSize: px(style.fontSize) * (panelGroups.length > 1 ? 0.8 : 1) },
      itemStyle: { borderColor: theme.background, borderWidth: 1 },
      emphasis: { disabled: true },
    } as HeatmapSeriesOption;
  });
  const xSpec: AxisSpec = { name: axisLabel(x.path), type: 'category', categories: xCats };
  const ySpec: AxisSpec = { name: axisLabel(y.path), type: 'category', categories: yCats };
  const title = `${TARGET_LABEL[target]} over ${shortName(x.path)} × ${shortName(y.path)}`;
  const visualMap = {
    type: 'continuous' as const,
    min: lo,
    max: hi,
    text: [targetText(target, hi), targetText(target, lo)],
    inRange: { color: ramp },
    ...colorBarPlacement(style, theme),
    seriesIndex: series.map((_, i) => i),
  };
  if (panelGroups.length === 1) {
    const option = frame(style, title, xSpec, ySpec, series, [], { visualMap });
    (option.grid as { right: number }).right = 70;
    return { option, series: plotted, xAxisLabel: xSpec.name, yAxisLabel: ySpec.name, title };
  }
  const layout = gridOf(panelGroups.length);
  // Room on the right for the colour bar: the panels are laid out on a narrower figure.
  const narrow = { ...style, width: style.width - 60 };
  const specs: PanelSpec[] = panelGroups.map((p) => ({ title: p.key, x: xSpec, y: ySpec }));
  const { option, panels } = panelFrame(narrow, title, layout.rows, layout.cols, specs, xSpec.name, series, [], { letters: true, yName: ySpec.name, sharedY: true });
  // panelFrame placed the grids in percent of the narrower width: rescale them to the whole.
  const scale = narrow.width / style.width;
  const rescale = (v: unknown) => (typeof v === 'string' && v.endsWith('%') ? `${(parseFloat(v) * scale).toFixed(4)}%` : v);
  const o = option as Record<string, unknown>;
  o.grid = (o.grid as Record<string, unknown>[]).map((g) => ({ ...g, left: rescale(g.left), width: rescale(g.width) }));
  o.title = (o.title as Record<string, unknown>[]).map((t) => (t.id === 'title' ? t : { ...t, left: rescale(t.left) }));
  o.visualMap = visualMap;
  return { option, series: plotted, xAxisLabel: xSpec.name, yAxisLabel: ySpec.name, title, panels, layout };
}

/** An axis's ends 3 % of its span (in log on a log axis) beyond its first and last values. */
function padded(a: SweepAxis): { min: number; max: number } {
  const lo = a.values[0];
  const hi = a.values[a.values.length - 1];
  if (a.log) {
    const f = (hi / lo) ** 0.03;
    return { min: lo / f, max: hi * f };
  }
  const pad = (hi - lo) * 0.03;
  return { min: lo - pad, max: hi + pad };
}

/** A target's name over its parallel axis: short, the axes sit close. */
const TARGET_SHORT: Record<SweepTarget, string> = { gainMean: 'mean gain', fractionImproved: 'fraction improved', pgr: 'PGR', bestStep: 'stop step' };

/** The parallel axis of the target in sweepParallel (the last one), by name: the brush's key for it. */
export const PARALLEL_TARGET = 'target';

export function sweepParallel(input: FigureInput, style: FigureStyle): Figure {
  const target = style.sweepTarget;
  const groups = sweepGroupsOf(input);
  const axes = sweepAxes(input);
  if (axes.length === 0) throw new Error('parallel coordinates need groups that vary along an axis');
  const theme = themeColors(style);
  const font = px(style.fontSize);
  const values = groups.map((g) => targetOf(g, target)?.estimate ?? NaN);
  const finite = values.filter(Number.isFinite);
  // Lines coloured along viridis over the target's range (a diverging map would fade the lines
  // near its middle into the page); the end of viridis that stays legible on the background.
  const lo = finite.length === 0 ? 0 : Math.min(...finite);
  const hi = finite.length === 0 ? 1 : Math.max(...finite, lo + 1e-12);
  const ramp = style.theme === 'dark' ? VIRIDIS.slice(2) : VIRIDIS.slice(0, 7);
  const tRange = target === 'fractionImproved' ? { min: 0, max: 1 } : finite.length === 0 ? { min: 0, max: 1 } : niceRange(Math.min(...finite), Math.max(...finite));
  const nameStyle = { color: theme.text, fontFamily: style.fontFamily, fontSize: font };
  const line = { lineStyle: { color: theme.axis } };
  const labelStyle = { color: theme.text, fontFamily: style.fontFamily, fontSize: font * 0.9 };
  const parallelAxis = [
    ...axes.map((a, dim) => ({
      id: a.path,
      dim,
      name: shortName(a.path),
      type: a.log ? 'log' : 'value',
      // 3 % beyond the end values (of the log on a log axis): a range brushed to an end comes
      // back through 10^t a rounding short of it (1.9999999999999998 for 2), which ECharts' own
      // highlighting would leave out.
      ...padded(a),
      // Ticks at the axis's own values: a sweep has few, and the user brushes between them.
      axisTick: { customValues: [...a.values], lineStyle: { color: theme.axis } },
      axisLabel: { ...labelStyle, customValues: [...a.values], formatter: (v: number) => axisValueText(a.path, v) },
      nameTextStyle: nameStyle,
      axisLine: line,
    })),
    { id: PARALLEL_TARGET, dim: axes.length, name: TARGET_SHORT[target], type: 'value', min: tRange.min, max: tRange.max, nameTextStyle: nameStyle, axisLine: line, axisTick: line, axisLabel: labelStyle },
  ];
  const data = groups.map((g, i) => [...axes.map((a) => g.axes[a.path]), Number.isFinite(values[i]) ? values[i] : tRange.min]);
  const title = `Parallel coordinates: ${TARGET_LABEL[target]} across the sweep's axes`;
  const option = {
    animation: false,
    backgroundColor: theme.background,
    textStyle: { fontFamily: style.fontFamily, fontSize: font, color: theme.text },
    title: { show: style.showTitle, text: title, left: 'center', top: 4, textStyle: { fontFamily: style.fontFamily, fontSize: font * 1.1, fontWeight: 'normal', color: theme.text } },
    parallel: { left: font * 3, right: font * 9, top: (style.showTitle ? font * 2.2 : 0) + font * 2.6, bottom: font * 2, parallelAxisDefault: { nameLocation: 'start', nameGap: font * 1.2, areaSelectStyle: { width: 16, opacity: 0.3 } } },
    parallelAxis: parallelAxis.map((a) => ({ ...a, nameLocation: 'end', nameGap: font * 0.9 })),
    visualMap: { type: 'continuous', dimension: axes.length, min: lo, max: hi, inRange: { color: ramp }, show: true, calculable: false, orient: 'vertical', right: 4, top: 'middle', itemHeight: style.height * 0.4, itemWidth: 10, text: [targetText(target, hi), targetText(target, lo)], textStyle: { color: theme.text, fontFamily: style.fontFamily, fontSize: font * 0.9 }, precision: 2 },
    series: [{ type: 'parallel', name: target, data, lineStyle: { width: Math.max(1, px(style.lineWidth) * 0.8), opacity: 0.75 }, inactiveOpacity: 0.06, activeOpacity: 1, emphasis: { disabled: true } }],
  };
  // The CSV: one series per axis, its value for each group (x = the group's index).
  const plotted: PlottedSeries[] = [
    ...axes.map((a) => ({ name: a.path, experimentId: input.id, x: Float64Array.from(groups, (_, i) => i), y: Float64Array.from(groups, (g) => g.axes[a.path]), xLabel: 'group', yLabel: a.path })),
    { name: PARALLEL_TARGET, experimentId: input.id, x: Float64Array.from(groups, (_, i) => i), y: Float64Array.from(values), xLabel: 'group', yLabel: target },
  ];
  return { option: option as Figure['option'], series: plotted, xAxisLabel: 'axis', yAxisLabel: TARGET_LABEL[target], title };
}
