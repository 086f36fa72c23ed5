/**
 * The Theory view's picture of Theorem 1.1's second condition (docs/spec.md §6): for one student and
 * teacher, T1, T2 and the initial rate d cos/dt = T1 + T2 as κ runs over [−1, 1], the boundary
 * κ = tan θ / tan θ_T where the rate changes sign (drawn and labelled as on the Theorem boundary
 * figure, kappaFigure.ts), and the κ entered marked on the rate.
 */
import type { SeriesOption } from 'echarts';
import { theory, type TheoryInput } from '../engine/theory';
import { frame, line } from './common';
import { boundaryLabel, referenceLines } from './stackedPanels';
import { colorAt, px } from './style';
import type { Figure, FigureStyle, PlottedSeries } from './types';

const POINTS = 101;

export function theoryAgainstKappa(input: TheoryInput, style: FigureStyle): Figure {
  const kappas = Float64Array.from({ length: POINTS }, (_, i) => -1 + (2 * i) / (POINTS - 1));
  const results = Array.from(kappas, (kappa) => theory({ ...input, kappa }));
  const chosen = theory(input);
  const boundary = chosen.conditions.kappaThreshold;
  const shown = Number.isFinite(boundary) && boundary > -1 && boundary < 1;
  const width = px(style.lineWidth);
  const plotted: PlottedSeries[] = [];
  const series: SeriesOption[] = [];
  const terms = [
    { name: 'T1 + T2 (initial rate)', y: results.map((r) => r.rate), dash: 'solid', color: colorAt(style, 0) },
    { name: "T1 (learning the teacher's knowledge)", y: results.map((r) => r.T1), dash: 'dashed', color: colorAt(style, 1) },
    { name: "T2 (unlearning the student's error)", y: results.map((r) => r.T2), dash: 'dotted', color: colorAt(style, 2) },
  ] as const;
  terms.forEach((t, i) => {
    const y = Float64Array.from(t.y);
    plotted.push({ name: t.name, experimentId: 0, x: kappas, y, xLabel: 'kappa', yLabel: i === 0 ? 'dcos_dt_t0' : t.name.slice(0, 2) });
    const s = line({ name: t.name, color: t.color, width, dash: t.dash, z: 3 - i }, Array.from(kappas, (k, j) => [k, y[j]] as [number, number])) as Record<string, unknown>;
    // The boundary's label above the plot, across the line's top: the lines meet at the boundary, where a label along it would cover them.
    if (i === 0) s.markLine = referenceLines(style, [...(shown ? [{ xAxis: boundary, label: boundaryLabel(boundary) }] : []), { yAxis: 0 }], undefined, 'end');
    series.push(s as SeriesOption);
  });
  plotted.push({ name: 'κ entered', experimentId: 0, x: [input.kappa], y: [chosen.rate], xLabel: 'kappa', yLabel: 'dcos_dt_t0' });
  series.push({ type: 'scatter', name: 'κ entered', data: [[input.kappa, chosen.rate]], symbolSize: px(style.fontSize) * 0.8, itemStyle: { color: colorAt(style, 0) }, z: 5 } as SeriesOption);
  const title = 'd cos/dt at t = 0 against κ';
  const xAxisLabel = 'κ = cos(w⊥, w_T⊥)';
  const yAxisLabel = 'd cos/dt at t = 0';
  const option = frame(style, title, { name: xAxisLabel, type: 'value', min: -1, max: 1 }, { name: yAxisLabel, type: 'value', includeZero: true }, series, terms.map((t) => t.name));
  return { option, series: plotted, xAxisLabel, yAxisLabel, title };
}
