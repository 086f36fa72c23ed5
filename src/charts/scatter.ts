/**
 * Per-teacher gain against the teacher's accuracy or κ (the alignment of student's and teacher's
 * errors orthogonal to w*, which decides the sign of the initial rate, docs/spec.md §6), coloured by cell.
 */
import type { ScatterSeriesOption } from 'echarts';
import { frame, zeroLine } from './common';
import { cellGroups, type SelectedTeacher } from './data';
import { legendName } from './trajectories';
import { colorAt, px } from './style';
import type { Figure, FigureInput, FigureStyle, PlottedSeries } from './types';

type Against = 'accuracy' | 'kappa';

const AXIS: Record<Against, { label: string; column: string; value: (t: SelectedTeacher) => number }> = {
  accuracy: { label: 'teacher accuracy (%)', column: 'teacher_accuracy_pct', value: (t) => (t.descriptor?.teacherAccuracy ?? NaN) * 100 },
  kappa: { label: 'κ = cos(w⊥, w_T⊥)', column: 'kappa', value: (t) => t.descriptor?.kappa ?? NaN },
};

function gainScatter(input: FigureInput, style: FigureStyle, against: Against): Figure {
  const a = AXIS[against];
  const groups = cellGroups(input).filter((g) => g.teachers.length > 0);
  const plotted: PlottedSeries[] = [];
  const series: ScatterSeriesOption[] = [];
  const legend: string[] = [];
  groups.forEach((g, gi) => {
    const ts = g.teachers.filter((t) => Number.isFinite(a.value(t)) && Number.isFinite(t.gain));
    const name = legendName(g.label, ts.length);
    legend.push(name);
    const x = Float64Array.from(ts, a.value);
    const y = Float64Array.from(ts, (t) => t.gain);
    plotted.push({ name, experimentId: input.id, x, y, xLabel: a.column, yLabel: 'gain_cos' });
    series.push({
      type: 'scatter',
      name,
      data: ts.map((_, i) => [x[i], y[i]]),
      symbolSize: px(style.fontSize) * 0.45,
      itemStyle: { color: colorAt(style, gi), opacity: 0.75 },
      large: true,
      largeThreshold: 2000,
      markLine: gi === 0 ? zeroLine(style, 'yAxis') : undefined,
    } as ScatterSeriesOption);
  });
  // Teacher accuracy lives in (50 %, 100 %]: a fixed range keeps figures comparable (κ is near 0: free).
  const X_RANGE = { accuracy: { min: 50, max: 100 }, kappa: {} } as const;
  const title = `gain against ${against === 'accuracy' ? 'teacher accuracy' : 'κ'}`;
  const xAxisLabel = a.label;
  const yAxisLabel = 'gain in cos(w, w*)';
  const option = frame(style, title, { name: xAxisLabel, type: 'value', ...X_RANGE[against] }, { name: yAxisLabel, type: 'value', includeZero: true }, series, groups.length > 1 ? legend : []);
  return { option, series: plotted, xAxisLabel, yAxisLabel, title };
}

export const gainVsAccuracy = (input: FigureInput, style: FigureStyle): Figure => gainScatter(input, style, 'accuracy');
export const gainVsKappa = (input: FigureInput, style: FigureStyle): Figure => gainScatter(input, style, 'kappa');
