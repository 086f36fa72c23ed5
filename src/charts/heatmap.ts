/**
 * Paper Figure 2: a cell statistic over initial norm (rows) × teacher accuracy (columns). Mean gain
 * uses a diverging map centred on 0 (blue hurts, red helps); the fraction of teachers improved a
 * sequential one on [0, 1]. Values come from the summary, or from the series while it runs. Each
 * value label is near-black or white, whichever contrasts more with its cell.
 */
import type { HeatmapSeriesOption } from 'echarts';
import { fmt, frame } from './common';
import { cellGroups, meanStd } from './data';
import { inkOn, rampColor, themeColors } from './style';
import type { Figure, FigureInput, FigureStyle, PlottedSeries } from './types';

export interface CellValue {
  readonly norm: number | null;
  readonly teacherAccuracy: number | null;
  /** NaN when the cell has no teacher yet (JSON null in a stored summary). */
  readonly value: number;
}

/** The chosen statistic per cell: the summary's when there is one, else from the selected runs. */
export function cellValues(input: FigureInput, which: FigureStyle['heatmapValue']): CellValue[] {
  if (input.summary !== null) {
    return input.summary.cells.map((c) => ({ norm: c.norm, teacherAccuracy: c.teacherAccuracy, value: (c[which] as number | null) ?? NaN }));
  }
  return cellGroups(input).map((g) => {
    const gains = g.teachers.map((t) => t.gain).filter(Number.isFinite);
    const value = which === 'gainMean' ? meanStd(gains).mean : gains.length === 0 ? NaN : gains.filter((x) => x > 0).length / gains.length;
    return { norm: g.cell.norm, teacherAccuracy: g.cell.teacherAccuracy, value };
  });
}

const axisValues = (xs: (number | null)[]): (number | null)[] => [...new Set(xs)].sort((a, b) => (a ?? 0) - (b ?? 0));

export function heatmap(input: FigureInput, style: FigureStyle): Figure {
  const which = style.heatmapValue;
  const cells = cellValues(input, which);
  const norms = axisValues(cells.map((c) => c.norm));
  const accs = axisValues(cells.map((c) => c.teacherAccuracy));
  const normLabel = (n: number | null) => (n === null ? 'pretrained' : String(n));
  const accLabel = (a: number | null) => (a === null ? 'pretrained' : `${Number((a * 100).toPrecision(4))}`);
  const theme = themeColors(style);

  const finite = cells.map((c) => c.value).filter(Number.isFinite);
  const bound = Math.max(1e-6, ...finite.map(Math.abs));
  const ramp = which === 'gainMean' ? ['#3B4CC0', style.theme === 'dark' ? '#404040' : '#F2F2F2', '#B40426'] : ['#440154', '#3B528B', '#21918C', '#5EC962', '#FDE725'];
  const [lo, hi] = which === 'gainMean' ? [-bound, bound] : [0, 1];
  const data = cells.map((c) => {
    const x = accs.indexOf(c.teacherAccuracy);
    const y = norms.indexOf(c.norm);
    const ok = Number.isFinite(c.value);
    // No halo (a stroked outline doubles in rasterisers): each label takes whichever of near-black
    // and white contrasts more with its own cell's colour. A literal formatter string (no {}
    // template) is drawn as is: data, not a function.
    const color = ok ? inkOn(rampColor(ramp, (c.value - lo) / (hi - lo))) : theme.text;
    return { value: [x, y, ok ? c.value : '-'], label: { formatter: ok ? fmt(c.value, which === 'gainMean' ? 3 : 2) : '—', color } };
  });
  const plotted: PlottedSeries[] = norms.map((n) => {
    const row = accs.map((a) => cells.find((c) => c.norm === n && c.teacherAccuracy === a)?.value ?? NaN);
    return {
      name: `‖w₀‖ = ${normLabel(n)}`,
      experimentId: input.id,
      x: Float64Array.from(accs, (a) => (a === null ? NaN : a)),
      y: Float64Array.from(row),
      xLabel: 'teacher_accuracy',
      yLabel: which,
    };
  });

  const visualMap = { min: lo, max: hi, text: which === 'gainMean' ? [fmt(bound), fmt(-bound)] : ['1', '0'], inRange: { color: ramp } };
  const series: HeatmapSeriesOption = {
    type: 'heatmap',
    name: which,
    data,
    label: { show: true, fontFamily: style.fontFamily, textBorderWidth: 0 },
    itemStyle: { borderColor: theme.background, borderWidth: 1 },
    emphasis: { disabled: true },
  } as HeatmapSeriesOption;

  const title = `${which === 'gainMean' ? 'mean gain in cos(w, w*)' : 'fraction of teachers improved'}`;
  const xAxisLabel = 'teacher accuracy (%)';
  const yAxisLabel = 'initial norm ‖w₀‖';
  const option = frame(
    style,
    title,
    { name: xAxisLabel, type: 'category', categories: accs.map(accLabel) },
    { name: yAxisLabel, type: 'category', categories: norms.map(normLabel) },
    [series],
    [],
    {
      visualMap: {
        type: 'continuous',
        ...visualMap,
        ...colorBarPlacement(style, theme),
      },
    },
  );
  // Room for the colour bar on the right.
  (option.grid as { right: number }).right = 70;
  return { option, series: plotted, xAxisLabel, yAxisLabel, title };
}

/** Where a heatmap's continuous colour bar sits and how it reads: right of the panels, upright, two decimals. */
export function colorBarPlacement(style: FigureStyle, theme: { readonly text: string }) {
  return {
    calculable: false,
    orient: 'vertical' as const,
    right: 4,
    top: 'middle',
    itemHeight: style.height * 0.45,
    itemWidth: 12,
    textStyle: { color: theme.text, fontFamily: style.fontFamily },
    precision: 2,
  };
}
