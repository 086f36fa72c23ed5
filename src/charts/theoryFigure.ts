/**
 * Theory against observation (docs/spec.md §6): each teacher's predicted initial rate d cos/dt at t = 0,
 * from its run descriptor, against its observed gain; the theorem is borne out where the signs agree.
 */
import type { ScatterSeriesOption } from 'echarts';
import { theory } from '../engine/theory';
import { frame, zeroLine } from './common';
import { cellGroups } from './data';
import { colorAt, px } from './style';
import type { Figure, FigureInput, FigureStyle, PlottedSeries } from './types';

/** Signs agree: the rate predicts improvement and the teacher improved, or neither. */
export const signsAgree = (rate: number, gain: number): boolean => (rate > 0 && gain > 0) || (rate <= 0 && gain <= 0);

export function theoryFigure(input: FigureInput, style: FigureStyle): Figure {
  const points = cellGroups(input).flatMap((g) =>
    g.teachers.flatMap((t) => {
      const d = t.descriptor;
      if (d === null || !Number.isFinite(t.gain)) return [];
      const { rate } = theory({ studentCos: d.studentCos, studentNorm: d.studentNorm, teacherCos: d.teacherCos, kappa: d.kappa, beta: input.spec.beta });
      return Number.isFinite(rate) ? [{ rate, gain: t.gain }] : [];
    }),
  );
  const agree = points.filter((p) => signsAgree(p.rate, p.gain));
  const disagree = points.filter((p) => !signsAgree(p.rate, p.gain));
  const plotted: PlottedSeries[] = [];
  const series: ScatterSeriesOption[] = [];
  const legend: string[] = [];
  [
    { label: `signs agree (${agree.length})`, pts: agree, color: colorAt(style, 2) },
    { label: `signs disagree (${disagree.length})`, pts: disagree, color: colorAt(style, 3) },
  ].forEach(({ label, pts, color }, i) => {
    const x = Float64Array.from(pts, (p) => p.rate);
    const y = Float64Array.from(pts, (p) => p.gain);
    legend.push(label);
    plotted.push({ name: label, experimentId: input.id, x, y, xLabel: 'predicted_dcos_dt_t0', yLabel: 'gain_cos' });
    series.push({
      type: 'scatter',
      name: label,
      data: pts.map((p) => [p.rate, p.gain]),
      symbolSize: px(style.fontSize) * 0.45,
      itemStyle: { color, opacity: 0.8 },
      large: true,
      largeThreshold: 2000,
      markLine: i === 0 ? { ...zeroLine(style, 'xAxis'), data: [{ xAxis: 0 }, { yAxis: 0 }] } : undefined,
    } as ScatterSeriesOption);
  });
  const title = `theory vs observed, ${agree.length} of ${points.length} teachers agree in sign`;
  const xAxisLabel = 'predicted d cos/dt at t = 0 (per step)';
  const yAxisLabel = 'observed gain in cos(w, w*)';
  const option = frame(
    style,
    title,
    { name: xAxisLabel, type: 'value', includeZero: true },
    { name: yAxisLabel, type: 'value', includeZero: true },
    series,
    legend,
  );
  return { option, series: plotted, xAxisLabel, yAxisLabel, title };
}
