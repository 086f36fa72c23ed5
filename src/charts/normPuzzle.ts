/**
 * The norm puzzle (the paper's Outlook; docs/spec.md §6): the local analysis predicts an initial
 * rate d cos/dt = T1 + T2 that falls like 1/‖w₀‖, while the simulations show a total gain that does
 * not. Against the initial norm (log axis), in panels: the observed mean gain ± band, the learning
 * rate the early-stopping rule selects (median, min–max), the step of the peak (mean ± band), and
 * T1, T2 and T1 + T2 averaged over the teachers (from each run's descriptor). One line per
 * (teacher accuracy, κ) when the grid has several.
 */
import type { SeriesOption } from 'echarts';
import { theory } from '../engine/theory';
import { type CellGroup, cellGroups } from './data';
import { bandedPoints, type StackedPanel, stackedLayout, stackedPanelFrame, pointLine, referenceLine } from './stackedPanels';
import { colorAt, orderedColors, themeColors } from './style';
import type { Figure, FigureInput, FigureStyle, PlottedSeries } from './types';

/** The cells of one (teacher accuracy, κ), in increasing initial norm. */
export interface NormLine {
  readonly teacherAccuracy: number;
  readonly kappa: number | null;
  readonly groups: CellGroup[];
}

export function normLines(input: FigureInput): NormLine[] {
  const lines = new Map<string, NormLine>();
  for (const g of cellGroups(input)) {
    const { norm, teacherAccuracy, kappa } = g.cell;
    if (norm === null || teacherAccuracy === null) continue;
    const id = `${teacherAccuracy}|${kappa}`;
    const line = lines.get(id) ?? { teacherAccuracy, kappa, groups: [] };
    line.groups.push(g);
    lines.set(id, line);
  }
  for (const line of lines.values()) line.groups.sort((a, b) => (a.cell.norm as number) - (b.cell.norm as number));
  return [...lines.values()];
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : Math.sqrt(s[m - 1] * s[m]);
}

/** T1, T2 and T1 + T2 averaged over a cell's teachers, each from its run's descriptor (docs/spec.md §6). */
export function meanTheory(g: CellGroup, beta: number): { T1: number; T2: number; rate: number } {
  let n = 0;
  let T1 = 0;
  let T2 = 0;
  for (const t of g.teachers) {
    const d = t.descriptor;
    if (d === null) continue;
    const r = theory({ studentCos: d.studentCos, studentNorm: d.studentNorm, teacherCos: d.teacherCos, kappa: d.kappa, beta });
    n++;
    T1 += r.T1;
    T2 += r.T2;
  }
  return n === 0 ? { T1: NaN, T2: NaN, rate: NaN } : { T1: T1 / n, T2: T2 / n, rate: (T1 + T2) / n };
}

/** The nearest value of the form 1, 2 or 5 × 10^k below (or above) x > 0. */
export function niceBound(x: number, direction: 'down' | 'up'): number {
  const decade = 10 ** Math.floor(Math.log10(x));
  const steps = [1, 2, 5, 10].map((m) => m * decade);
  // Rounded to the decade's precision: 0.2, not 0.20000000000000004.
  const round = (v: number) => Number(v.toPrecision(12));
  return round(direction === 'down' ? (steps.filter((v) => v <= x * (1 + 1e-12)).pop() ?? decade) : (steps.find((v) => v >= x * (1 - 1e-12)) ?? 10 * decade));
}

const percent = (x: number): string => `${Number((x * 100).toPrecision(4))} %`;

export function normPuzzle(input: FigureInput, style: FigureStyle): Figure {
  const lines = normLines(input).filter((l) => l.groups.length > 1);
  if (lines.length === 0) throw new Error('the norm figure needs an experiment with several initial norms (student.norm)');
  const several = lines.length > 1;
  const logX = { ...style, xScale: 'log' as const, yScale: 'linear' as const };
  const plotted: PlottedSeries[] = [];
  const panels: StackedPanel[] = [
    { y: { name: 'gain in cos(w, w*)', type: 'value', includeZero: true }, series: [] },
    { y: { name: 'selected η', type: 'log' }, series: [] },
    // A step is never negative: a band of mean − std below 0 is cut at the axis.
    { y: { name: 'step of the peak', type: 'value', min: 0 }, series: [] },
    // Its own legend keys the three terms (colours with one line, dashes with several).
    { y: { name: 'd cos/dt at t = 0', type: 'value', includeZero: true }, series: [] },
  ];
  const legend: string[] = [];
  const experimentId = input.id;
  const zero = referenceLine(style, { yAxis: 0 });
  // With one line the legend names the theory's three curves; with several, the lines (solid T1 + T2, dashed T1, dotted T2).
  const TERMS = { 'T1 + T2': 'T1 + T2 (predicted rate)', T1: "T1 (learning the teacher's knowledge)", T2: "T2 (unlearning the student's error)" } as const;
  // The lines are ordered (teacher accuracy, else κ): sequential colours.
  const lineColors = several ? orderedColors(style, lines.map((l) => (new Set(lines.map((x) => x.teacherAccuracy)).size > 1 ? l.teacherAccuracy : (l.kappa ?? 0)))) : [colorAt(style, 0)];
  const termLegend: string[] = [];
  lines.forEach((line, li) => {
    const color = lineColors[li];
    const kappa = line.kappa === null ? '' : `, κ = ${line.kappa}`;
    const label = several ? `teacher ${percent(line.teacherAccuracy)}${kappa}` : 'teachers';
    if (several) legend.push(label);
    const x = Float64Array.from(line.groups, (g) => g.cell.norm as number);
    const meta = (name: string, yLabel: string) => ({ name: several || name !== '' ? `${label}${name}` : label, experimentId, xLabel: 'initial_norm', yLabel });

    const gain = bandedPoints(logX, meta('', 'gain_cos'), x, line.groups.map((g) => g.teachers.map((t) => t.gain).filter(Number.isFinite)), color, li === 0 ? zero : undefined);
    plotted.push(...gain.plotted);
    (panels[0].series as SeriesOption[]).push(...gain.series);

    // The selected learning rate: median (geometric between the middle two) with the min–max range.
    const lrs = line.groups.map((g) => g.teachers.map((t) => t.learningRate).filter((v) => v > 0));
    const lrMedian = Float64Array.from(lrs, median);
    const lrLow = Float64Array.from(lrs, (v) => (v.length === 0 ? NaN : Math.min(...v)));
    const lrHigh = Float64Array.from(lrs, (v) => (v.length === 0 ? NaN : Math.max(...v)));
    const lrKeep = Array.from(x.keys()).filter((i) => Number.isFinite(lrMedian[i]));
    const lrName = `${label}: selected η`;
    (panels[1].series as SeriesOption[]).push(pointLine(style, lrName, color, lrKeep.map((i) => [x[i], lrMedian[i]])));
    plotted.push(
      { name: lrName, experimentId, x: Float64Array.from(lrKeep, (i) => x[i]), y: Float64Array.from(lrKeep, (i) => lrMedian[i]), xLabel: 'initial_norm', yLabel: 'learning_rate_median' },
      { name: `${lrName} min`, experimentId, x: Float64Array.from(lrKeep, (i) => x[i]), y: Float64Array.from(lrKeep, (i) => lrLow[i]), xLabel: 'initial_norm', yLabel: 'learning_rate_min' },
      { name: `${lrName} max`, experimentId, x: Float64Array.from(lrKeep, (i) => x[i]), y: Float64Array.from(lrKeep, (i) => lrHigh[i]), xLabel: 'initial_norm', yLabel: 'learning_rate_max' },
    );
    for (const [edge, values] of [['min', lrLow], ['max', lrHigh]] as const) {
      (panels[1].series as SeriesOption[]).push({ ...pointLine(style, `${lrName} ${edge}`, color, lrKeep.map((i) => [x[i], values[i]]), 'dotted'), symbolSize: 0 } as SeriesOption);
    }

    const steps = bandedPoints(logX, { ...meta(': step of the peak', 'best_step'), name: `${label}: step of the peak` }, x, line.groups.map((g) => g.teachers.map((t) => t.step)), color);
    plotted.push(...steps.plotted);
    (panels[2].series as SeriesOption[]).push(...steps.series);

    const terms = line.groups.map((g) => meanTheory(g, input.spec.beta));
    for (const [term, dash, pick] of [
      ['T1 + T2', 'solid', (t: { rate: number }) => t.rate],
      ['T1', 'dashed', (t: { T1: number }) => t.T1],
      ['T2', 'dotted', (t: { T2: number }) => t.T2],
    ] as const) {
      const y = Float64Array.from(terms, pick);
      const keep = Array.from(x.keys()).filter((i) => Number.isFinite(y[i]));
      const name = several ? `${label}: ${term}` : TERMS[term];
      if (!several) termLegend.push(name);
      // One line: the three terms in three colours; several: each line's colour, told apart by dash.
      const termColor = several ? color : colorAt(style, term === 'T1 + T2' ? 0 : term === 'T1' ? 1 : 2);
      (panels[3].series as SeriesOption[]).push(pointLine(style, name, termColor, keep.map((i) => [x[i], y[i]]), dash, li === 0 && term === 'T1 + T2' ? zero : undefined));
      plotted.push({ name, experimentId, x: Float64Array.from(keep, (i) => x[i]), y: Float64Array.from(keep, (i) => y[i]), xLabel: 'initial_norm', yLabel: term === 'T1 + T2' ? 'dcos_dt_t0' : term });
    }
  });
  if (several) {
    // The dashes' key: one empty series per term in the text colour, in the rate panel's own legend.
    const ink = themeColors(style).text;
    for (const [term, dash] of [['T1 + T2', 'solid'], ['T1', 'dashed'], ['T2', 'dotted']] as const) {
      const name = TERMS[term];
      termLegend.push(name);
      (panels[3].series as SeriesOption[]).push({ ...pointLine(style, name, ink, [], dash), symbolSize: 0 } as SeriesOption);
    }
  }
  const xAxisLabel = 'initial norm ‖w₀‖';
  const title = 'The norm puzzle: observed gain, selected η, peak step and the initial rate against ‖w₀‖';
  // The axis spans the norms run, to the nearest 1, 2 or 5 × 10^k beyond them (labelled there), not
  // the whole decades around them: norms 0.5 to 3 would otherwise leave a third of every panel empty.
  const norms = lines.flatMap((l) => l.groups.map((g) => g.cell.norm as number));
  // Ticks at the norms run (0.5 and 3 are ticks, not only the powers of ten).
  const xAxis = { name: xAxisLabel, type: 'log' as const, min: niceBound(Math.min(...norms) / 1.1, 'down'), max: niceBound(Math.max(...norms) * 1.1, 'up'), ticksAt: [...new Set(norms)].sort((a, b) => a - b) };
  const option = stackedPanelFrame(style, title, xAxis, panels, legend, [undefined, undefined, undefined, termLegend]);
  return { option, series: plotted, xAxisLabel, yAxisLabel: panels.map((p) => p.y.name).join(' | '), title, layout: stackedLayout(panels.length) };
}
