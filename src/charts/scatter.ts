/**
 * Per-teacher gain against the teacher's accuracy, κ (the alignment of student's and teacher's
 * errors orthogonal to w*, which decides the sign of the initial rate, docs/spec.md §6) or
 * cos(w_T, w₀), coloured by cell. A chart whose x values all coincide would be a vertical line:
 * when every teacher has the same accuracy, gain against accuracy is drawn as gain against κ and
 * against cos(w_T, w₀), side by side. In a grid of norms × accuracies a colour is a norm.
 */
import type { ScatterSeriesOption } from 'echarts';
import { frame, niceRange, orderedKeyTexts, paddedRange, zeroLine } from './common';
import { cellGroups, scatterGroups, type SelectedTeacher, startCos } from './data';
import { panelFrame, panelLetter, type PanelSpec } from './panels';
import { legendName } from './trajectories';
import { colorAt, orderedColors, px } from './style';
import type { Figure, FigureInput, FigureStyle, PlottedSeries } from './types';

type Against = 'accuracy' | 'kappa' | 'startCos';

const AXIS: Record<Against, { label: string; short: string; column: string; value: (t: SelectedTeacher) => number }> = {
  accuracy: { label: 'teacher accuracy (%)', short: 'teacher accuracy', column: 'teacher_accuracy_pct', value: (t) => (t.descriptor?.teacherAccuracy ?? NaN) * 100 },
  kappa: { label: 'κ = cos(w⊥, w_T⊥)', short: 'κ', column: 'kappa', value: (t) => t.descriptor?.kappa ?? NaN },
  startCos: { label: 'cos(w_T, w₀)', short: 'cos(w_T, w₀)', column: 'start_cos', value: (t) => (t.descriptor === null ? NaN : startCos(t.descriptor)) },
};

/** Teacher accuracy lives in (50 %, 100 %]: the degenerate-axis test measures spread against that span. */
const ACCURACY_RANGE = { min: 50, max: 100 } as const;

/** The x axis over the data with a margin (not the whole 50–100 %: data at 58–71 % would fill a quarter of it), at whole or half units. */
function fittedX(values: readonly number[]): { min?: number; max?: number; interval?: number } {
  const r = paddedRange(values, 0.04);
  if (r === null) return {};
  // Round ends on the ticks' own interval: '56 57 60 63' would crowd the first two.
  const nice = niceRange(r[0], r[1]);
  return { min: nice.min, max: nice.max, interval: nice.interval };
}

/**
 * Whether gain against teacher accuracy would be a vertical line: the teachers' accuracies span
 * less than 1 % of the axis (half a percentage point), as when every teacher has one target accuracy.
 */
export function accuracyDegenerate(input: FigureInput): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const g of cellGroups(input)) {
    for (const t of g.teachers) {
      const a = AXIS.accuracy.value(t);
      if (!Number.isFinite(a)) continue;
      if (a < lo) lo = a;
      if (a > hi) hi = a;
    }
  }
  return !(hi - lo >= 0.01 * (ACCURACY_RANGE.max - ACCURACY_RANGE.min));
}

function gainScatter(input: FigureInput, style: FigureStyle, against: Against[], note = ''): Figure {
  const groups = scatterGroups(input);
  const single = against.length === 1;
  const plotted: PlottedSeries[] = [];
  const series: ScatterSeriesOption[] = [];
  const legend: string[] = [];
  const yAxisLabel = 'gain in cos(w, w*)';
  // Ordered groups (norms, accuracies) on the sequential ramp; a single group in the palette's first colour.
  const colors = groups.length > 1 ? orderedColors(style, groups.map((g) => g.order)) : [colorAt(style, 0)];
  groups.forEach((g, gi) => {
    against.forEach((which, panel) => {
      const a = AXIS[which];
      const ts = g.teachers.filter((t) => Number.isFinite(a.value(t)) && Number.isFinite(t.gain));
      const name = legendName(g.label, ts.length);
      if (panel === 0) legend.push(name);
      const x = Float64Array.from(ts, a.value);
      const y = Float64Array.from(ts, (t) => t.gain);
      const p = { name, experimentId: input.id, x, y, xLabel: a.column, yLabel: 'gain_cos' };
      plotted.push(single ? p : { ...p, name: `${panelLetter(panel)} ${name}`, panel, drawnAs: name });
      series.push({
        type: 'scatter',
        name,
        data: ts.map((_, i) => [x[i], y[i]]),
        symbolSize: px(style.fontSize) * 0.45,
        itemStyle: { color: colors[gi], opacity: 0.75 },
        large: true,
        largeThreshold: 2000,
        markLine: gi === 0 ? zeroLine(style, 'yAxis') : undefined,
        ...(single ? {} : { xAxisIndex: panel, yAxisIndex: panel }),
      } as ScatterSeriesOption);
    });
  });
  const shown = groups.length > 1 ? legend : [];
  const title = `gain against ${against.map((w) => AXIS[w].short).join(' and ')}${note}`;
  const xs = (w: Against) => groups.flatMap((g) => g.teachers.map(AXIS[w].value));
  // Accuracy in whole or half percent around the data; κ and cos(w_T, w₀) as ECharts scales them (nice ticks around the data).
  const xSpec = (w: Against) => ({ name: AXIS[w].label, type: 'value' as const, ...(w === 'accuracy' ? fittedX(xs(w)) : {}) });
  if (single) {
    const xAxisLabel = AXIS[against[0]].label;
    const option = frame(style, title, xSpec(against[0]), { name: yAxisLabel, type: 'value', includeZero: true }, series, shown, {}, orderedKeyTexts(shown));
    return { option, series: plotted, xAxisLabel, yAxisLabel, title };
  }
  const gains = groups.flatMap((g) => g.teachers.map((t) => t.gain)).filter(Number.isFinite);
  const yRange = [Math.min(0, ...gains), Math.max(0, ...gains)] as const;
  const specs: PanelSpec[] = against.map((w) => ({ title: '', x: xSpec(w), y: { name: yAxisLabel, type: 'value', includeZero: true }, rowLabel: yAxisLabel, yRange }));
  const { option, panels } = panelFrame(style, title, 1, against.length, specs, '', series, shown, { legendTexts: orderedKeyTexts(shown) });
  return { option, series: plotted, xAxisLabel: against.map((w) => AXIS[w].label).join(' · '), yAxisLabel, title, panels, layout: { rows: 1, cols: against.length } };
}

export const gainVsAccuracy = (input: FigureInput, style: FigureStyle): Figure =>
  accuracyDegenerate(input) ? gainScatter(input, style, ['kappa', 'startCos'], ' (every teacher has the same accuracy)') : gainScatter(input, style, ['accuracy']);
export const gainVsKappa = (input: FigureInput, style: FigureStyle): Figure => gainScatter(input, style, ['kappa']);
export const gainVsStartCos = (input: FigureInput, style: FigureStyle): Figure => gainScatter(input, style, ['startCos']);
