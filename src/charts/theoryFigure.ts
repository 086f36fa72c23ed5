/**
 * Theory against observation (docs/spec.md §6): each teacher's predicted initial rate d cos/dt at t = 0,
 * from its run descriptor, against its observed gain, coloured by cell (by norm in a grid of norms ×
 * accuracies); the theorem is borne out where
 * the signs agree (filled points), not where they differ (hollow ones).
 */
import type { ScatterSeriesOption } from 'echarts';
import { theory } from '../engine/theory';
import { valueAtCell } from '../engine/grid';
import { frame, orderedKeyTexts, zeroLine } from './common';
import { scatterGroups } from './data';
import { colorAt, orderedColors, px, themeColors } from './style';
import { legendName } from './trajectories';
import type { Figure, FigureInput, FigureStyle, PlottedSeries } from './types';

/** Signs agree: the rate predicts improvement and the teacher improved, or neither. */
export const signsAgree = (rate: number, gain: number): boolean => (rate > 0 && gain > 0) || (rate <= 0 && gain <= 0);

export function theoryFigure(input: FigureInput, style: FigureStyle): Figure {
  const groups = scatterGroups(input)
    .map((g) => ({
      label: g.label,
      order: g.order,
      points: g.teachers.flatMap((t) => {
        const d = t.descriptor;
        if (d === null || !Number.isFinite(t.gain)) return [];
        const { rate } = theory({ studentCos: d.studentCos, studentNorm: d.studentNorm, teacherCos: d.teacherCos, kappa: d.kappa, beta: valueAtCell(input.spec, t.cell, 'beta') });
        return Number.isFinite(rate) ? [{ rate, gain: t.gain }] : [];
      }),
    }))
    .filter((g) => g.points.length > 0);
  const points = groups.flatMap((g) => g.points);
  const agreeing = points.filter((p) => signsAgree(p.rate, p.gain)).length;
  const plotted: PlottedSeries[] = [];
  const series: ScatterSeriesOption[] = [];
  const legend: string[] = [];
  const size = px(style.fontSize) * 0.45;
  // Colour: the cell; filled where the signs agree, hollow (the background inside a ring of the
  // cell's colour: ECharts' own 'emptyCircle' is filled white whatever the theme) where they do not.
  const paper = themeColors(style).background;
  const ink = themeColors(style).text;
  const filled = (color: string) => ({ color, opacity: 0.8, borderWidth: 0 });
  const hollow = (color: string) => ({ color: paper, opacity: 0.9, borderColor: color, borderWidth: 1.2 });
  const colors = groups.length > 1 ? orderedColors(style, groups.map((g) => g.order)) : [colorAt(style, 0)];
  groups.forEach((g, gi) => {
    const color = colors[gi];
    const name = legendName(g.label, g.points.length);
    legend.push(name);
    const parts = [
      { label: name, pts: g.points.filter((p) => signsAgree(p.rate, p.gain)), itemStyle: filled(color) },
      { label: `${name}: signs disagree`, pts: g.points.filter((p) => !signsAgree(p.rate, p.gain)), itemStyle: hollow(color) },
    ];
    parts.forEach(({ label, pts, itemStyle }, k) => {
      const x = Float64Array.from(pts, (p) => p.rate);
      const y = Float64Array.from(pts, (p) => p.gain);
      // An empty part has no CSV rows: leave it out of the plotted series too.
      if (pts.length > 0) plotted.push({ name: k === 0 ? `${name}: signs agree` : label, experimentId: input.id, x, y, xLabel: 'predicted_dcos_dt_t0', yLabel: 'gain_cos', drawnAs: label });
      series.push({
        type: 'scatter',
        name: label,
        data: pts.map((p) => [p.rate, p.gain]),
        symbol: 'circle',
        symbolSize: size,
        itemStyle,
        markLine: gi === 0 && k === 0 ? { ...zeroLine(style, 'xAxis'), data: [{ xAxis: 0 }, { yAxis: 0 }] } : undefined,
      } as ScatterSeriesOption);
    });
  });
  // The fill's key: two empty series in the text colour.
  const key = [
    { name: `signs agree (${agreeing})`, itemStyle: filled(ink) },
    { name: `signs disagree (${points.length - agreeing})`, itemStyle: hollow(ink) },
  ];
  for (const k of key) {
    legend.push(k.name);
    series.push({ type: 'scatter', name: k.name, data: [], symbol: 'circle', symbolSize: size, itemStyle: k.itemStyle } as ScatterSeriesOption);
  }
  const title = `theory vs observed, ${agreeing} of ${points.length} teachers agree in sign`;
  const xAxisLabel = 'predicted d cos/dt at t = 0 (per step)';
  const yAxisLabel = 'gain in cos(w, w*)';
  const option = frame(style, title, { name: xAxisLabel, type: 'value', includeZero: true }, { name: yAxisLabel, type: 'value', includeZero: true }, series, legend, {}, orderedKeyTexts(legend.slice(0, groups.length)));
  return { option, series: plotted, xAxisLabel, yAxisLabel, title };
}
