/**
 * Is Theorem 1.1's condition sharp? (docs/spec.md §6, §10.) For an experiment with a list of κ
 * (teachers.kappa), against κ: the fraction of teachers that improve the student, the mean gain ±
 * band, and the initial rate d cos/dt = T1 + T2 the local analysis predicts, each in its panel with
 * a vertical line at the boundary κ = tan θ / tan θ_T, where the predicted rate changes sign. One
 * line per (initial norm, teacher accuracy) when the grid has several.
 */
import type { SeriesOption } from 'echarts';
import { cosFromAccuracy } from '../engine/accuracy';
import type { ExperimentSpec } from '../engine/spec';
import { theory } from '../engine/theory';
import { type CellGroup, cellGroups } from './data';
import { bandedPoints, boundaryLabel, type StackedPanel, stackedLayout, stackedPanelFrame, pointLine, referenceLines } from './stackedPanels';
import { colorAt, orderedColors } from './style';
import type { Figure, FigureInput, FigureStyle, PlottedSeries } from './types';

/** The κ cells of one (initial norm, teacher accuracy), in increasing κ. */
export interface KappaLine {
  readonly norm: number;
  readonly teacherAccuracy: number;
  readonly groups: CellGroup[];
}

/** The experiment's κ cells grouped by (norm, teacher accuracy); empty without teachers.kappa. */
export function kappaLines(input: FigureInput): KappaLine[] {
  const lines = new Map<string, KappaLine>();
  for (const g of cellGroups(input)) {
    const { norm, teacherAccuracy, kappa } = g.cell;
    if (kappa === null || norm === null || teacherAccuracy === null) continue;
    const id = `${norm}|${teacherAccuracy}`;
    const line = lines.get(id) ?? { norm, teacherAccuracy, groups: [] };
    line.groups.push(g);
    lines.set(id, line);
  }
  for (const line of lines.values()) line.groups.sort((a, b) => (a.cell.kappa as number) - (b.cell.kappa as number));
  return [...lines.values()];
}

/**
 * The initial rate T1 + T2 of a cell's targets (docs/spec.md §6): student cos c₀ and norm r, teacher cos
 * c_T, the cell's κ, β; and the boundary tan θ / tan θ_T = s₀ c_T / (c₀ s_T).
 */
export function cellTheory(spec: ExperimentSpec, norm: number, teacherAccuracy: number, kappa: number): { rate: number; T1: number; T2: number; boundary: number } {
  const r = theory({ studentCos: cosFromAccuracy(spec.student.accuracy), studentNorm: norm, teacherCos: cosFromAccuracy(teacherAccuracy), kappa, beta: spec.beta });
  return { rate: r.rate, T1: r.T1, T2: r.T2, boundary: r.conditions.kappaThreshold };
}

const percent = (x: number): string => `${Number((x * 100).toPrecision(4))} %`;

export function kappaFigure(input: FigureInput, style: FigureStyle): Figure {
  const lines = kappaLines(input);
  if (lines.length === 0) throw new Error('the κ figure needs an experiment with a list of κ (teachers.kappa)');
  const several = lines.length > 1;
  const plotted: PlottedSeries[] = [];
  const panels: { y: StackedPanel['y']; series: SeriesOption[] }[] = [
    { y: { name: 'fraction improved', type: 'value', min: 0, max: 1 }, series: [] },
    { y: { name: 'gain in cos(w, w*)', type: 'value', includeZero: true }, series: [] },
    { y: { name: 'd cos/dt at t = 0', type: 'value', includeZero: true }, series: [] },
  ];
  const legend: string[] = [];
  const experimentId = input.id;
  let low = Infinity;
  let high = -Infinity;
  // Lines of an ordered quantity (the norm, else the teacher accuracy): sequential colours.
  const byNorm = new Set(lines.map((l) => l.norm)).size > 1;
  const lineColors = several ? orderedColors(style, lines.map((l) => (byNorm ? l.norm : l.teacherAccuracy))) : [colorAt(style, 0)];
  lines.forEach((line, li) => {
    const color = lineColors[li];
    const label = several ? `‖w₀‖ = ${line.norm}, teacher ${percent(line.teacherAccuracy)}` : 'teachers';
    const x = Float64Array.from(line.groups, (g) => g.cell.kappa as number);
    const gains = line.groups.map((g) => g.teachers.map((t) => t.gain).filter(Number.isFinite));
    const fraction = Float64Array.from(gains, (v) => (v.length === 0 ? NaN : v.filter((g) => g > 0).length / v.length));
    const rates = Float64Array.from(x, (k) => cellTheory(input.spec, line.norm, line.teacherAccuracy, k).rate);
    const boundary = cellTheory(input.spec, line.norm, line.teacherAccuracy, 0).boundary;
    low = Math.min(low, ...x, Number.isFinite(boundary) ? boundary : Infinity);
    high = Math.max(high, ...x, Number.isFinite(boundary) ? boundary : -Infinity);
    // The boundary in every panel (labelled in the top one when there is one line), zero lines below.
    const mark = (panel: number) => {
      if (!Number.isFinite(boundary)) return undefined;
      const at = panel === 0 && !several ? { xAxis: boundary, label: boundaryLabel(boundary) } : { xAxis: boundary };
      const zero = panel > 0 && li === 0 ? [{ yAxis: 0 }] : [];
      // The boundary's label across the top of the first panel, where it covers no line.
      return referenceLines(style, [at, ...zero], several ? color : undefined, panel === 0 ? 'end' : undefined);
    };
    legend.push(label);
    const keep = Array.from(x.keys()).filter((i) => Number.isFinite(fraction[i]));
    panels[0].series.push(pointLine(style, label, color, keep.map((i) => [x[i], fraction[i]]), 'solid', mark(0)));
    plotted.push({ name: label, experimentId, x: Float64Array.from(keep, (i) => x[i]), y: Float64Array.from(keep, (i) => fraction[i]), xLabel: 'kappa', yLabel: 'fraction_improved' });
    const gain = bandedPoints(style, { name: `${label}: mean gain`, experimentId, xLabel: 'kappa', yLabel: 'gain_cos' }, x, gains, color, mark(1));
    plotted.push(...gain.plotted);
    panels[1].series.push(...gain.series);
    panels[2].series.push(pointLine(style, `${label}: T1 + T2`, color, Array.from(x, (k, i) => [k, rates[i]]), 'dashed', mark(2)));
    plotted.push({ name: `${label}: T1 + T2`, experimentId, x, y: rates, xLabel: 'kappa', yLabel: 'dcos_dt_t0' });
  });
  // Round ends at tenths, inside [−1, 1], a little beyond the data and the boundary.
  const pad = 0.03 * Math.max(1e-3, high - low);
  const min = Math.max(-1, Math.floor((low - pad) * 10) / 10);
  const max = Math.min(1, Math.ceil((high + pad) * 10) / 10);
  const xAxisLabel = 'κ = cos(w⊥, w_T⊥)';
  const title = "Theorem 1.1's boundary: fraction improved, gain and initial rate against κ";
  const option = stackedPanelFrame(style, title, { name: xAxisLabel, type: 'value', min, max }, panels, several ? legend : []);
  return { option, series: plotted, xAxisLabel, yAxisLabel: panels.map((p) => p.y.name).join(' | '), title, layout: stackedLayout(panels.length) };
}
