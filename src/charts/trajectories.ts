/**
 * Paper Figure 1 (and Figure 3 for shared pretraining): the student's ⟨w, w*⟩, ‖w‖ and cos during
 * SFT, every teacher's run as a thin faint line, the mean across teachers as a thick line with a
 * band, each teacher's early-stopping step marked, the population flow dashed.
 *
 * A mean across teachers is only drawn over runs that share a time scale (issue 18):
 * - `cellRate` (the default): every teacher's run at the cell's learning rate (engine/cellRate.ts),
 *   on the step axis; the panel says which η;
 * - `flowTime`: each teacher's run at its own selected rate, on the flow's clock η·t, the mean taken
 *   on one grid of flow times (each line interpolated, docs/spec.md §5);
 * - `atStop`: each teacher's selected run on steps from its early stop, t − t*;
 * - `perLearningRate`: each learning rate's mean over all teachers.
 * A mean at an x is over the lines drawn there, never past where they end; where fewer than all
 * reach, it is drawn faded and its n is in the CSV.
 *
 * Layouts: one panel per cell laid out by the grid's axes (small multiples, one metric), a row of
 * metric panels per cell, or all cells in the same panels (at most TOGETHER_MAX_CELLS).
 */
import type { LinesSeriesOption, ScatterSeriesOption, SeriesOption } from 'echarts';
import { FIGURE1_METRICS, TOGETHER_MAX_CELLS } from '../shared/figureExport';
import { type GridLayout, layoutCells, specAxes } from './cellAxes';
import { band, curve, KEY_ICONS, line, METRIC_AXIS, niceExtent, niceRange, pairs, STEP_AXIS, stepFigure } from './common';
import { bandAcross, cellGroups, cellRateGroups, drawable, ema, lrGroups, onGrid, pick, type RunView, selectedTeachersOf, stopsSpanDecade, unionGrid } from './data';
import { cellColorsOf } from './cellColors';
import { cellFlowLines, flowApplies } from './flowOverlay';
import { cellSpec } from '../engine/sweep';
import { panelFrame, panelLetter, type PanelSpec } from './panels';
import { colorAt, dashAt, orderedColors, px, themeColors } from './style';
import type { Figure, FigureInput, FigureStyle, Metric, PanelLayout, PlottedSeries } from './types';
import type { Cell, RunDescriptor } from '../engine/grid';

/** On screen, per-teacher lines get this fraction of style.maxPoints (the means get all of it). */
const THIN_FRACTION = 0.3;

export { STEP_AXIS };
export const FLOW_TIME_AXIS = 'flow time η·t';
export const AT_STOP_AXIS = 'steps from the early stop, t − t*';

export const legendName = (label: string, n: number): string => `${label} (n = ${n})`;

/** The metrics drawn: the Figure 1 panels unless one metric is chosen. */
export const metricsOf = (style: Pick<FigureStyle, 'metric'>): Metric[] => (style.metric === null ? [...FIGURE1_METRICS] : [style.metric]);

/** The layout a style asks for, given the cells that have data: small multiples unless asked otherwise. */
export type Arrangement = 'single' | 'grid' | 'rows' | 'together';

export function arrangementOf(style: Pick<FigureStyle, 'facet'>, cells: number): Arrangement {
  if (cells <= 1) return 'single';
  if (style.facet === 'together') {
    if (cells > TOGETHER_MAX_CELLS) throw new RangeError(`facet 'together' draws at most ${TOGETHER_MAX_CELLS} cells in one panel (this experiment has ${cells}): choose 'grid' (a panel per cell) or 'rows'`);
    return 'together';
  }
  return style.facet === 'rows' ? 'rows' : 'grid';
}

/** The dashboard opens in small multiples whenever there is more than one cell (the default facet). */
export function readableFacet(cells: number): FigureStyle['facet'] {
  return cells > 1 ? 'grid' : 'auto';
}

/**
 * Panels per row when one axis wraps: as many as fit of about 1.55 in (150 px), or wider when
 * their titles need it (`titleChars` at ~0.56 em each), at least one, at most the cells.
 */
export function wrapColumns(widthPx: number, cells: number, titleChars = 0, fontPx = 12): number {
  const panel = Math.max(150, titleChars * fontPx * 0.56 + 28);
  return Math.max(1, Math.min(cells, Math.floor(widthPx / panel)));
}

/** The longest header a cell's panel gets in a wrapped grid (its value on the one varying axis). */
export function longestHeader(axes: Parameters<typeof layoutCells>[0], cells: Parameters<typeof layoutCells>[1]): number {
  const headers = layoutCells(axes, cells, Math.max(1, cells.length)).cellHeaders;
  return Math.max(0, ...[...headers.values()].map((h) => h.length));
}

/** One teacher's line: the run, where it ends, its stop, and its x (the mode's clock). */
interface TeacherLine {
  readonly teacher: number;
  readonly cell: number;
  readonly view: RunView;
  /** Points drawn: the run's first `end`. */
  readonly end: number;
  readonly stop: number;
  readonly x: Float64Array;
  readonly learningRate: number;
  readonly descriptor: RunDescriptor | null;
}

/** What one cell draws: its teachers' lines (or, per learning rate, several curves). */
interface CellCurves {
  readonly cell: Cell;
  readonly label: string;
  /** Shown on its panel: which η (cell rate), or nothing. */
  readonly note: string;
  readonly curves: Curve[];
}

/** One mean with its band, its lines, stops and flow. */
interface Curve {
  readonly name: string;
  readonly color: string;
  readonly dash: ReturnType<typeof dashAt>;
  readonly lines: TeacherLine[];
  /** Thin lines and stop markers drawn (the per-learning-rate view draws neither). */
  readonly teachers: boolean;
  /** The flow's per-teacher inputs, when the flow applies. */
  readonly flow: { readonly descriptor: RunDescriptor; readonly learningRate: number }[] | null;
}

type Mode = FigureStyle['runs'];

/** How the band reads in a legend. */
const BAND_TEXT: Record<FigureStyle['band'], string> = { std: '± std', sem: '± SEM', ci95: '± 95 % CI', minmax: 'and range' };

const lrText = (lr: number): string => `η = ${Number(lr.toPrecision(4))}`;

/** The x of each mode: the step, flow time η·t, or steps from the stop. */
function clock(mode: Mode, view: RunView, learningRate: number, stop: number): Float64Array {
  const step = view.columns.step;
  if (mode === 'flowTime') return step.map((t) => learningRate * t);
  if (mode === 'atStop') return step.map((t) => t - step[stop]);
  return step;
}

/** The cells' curves for a style's mode, cells with no line left out. */
function cellCurves(input: FigureInput, style: FigureStyle, colors: Map<number, string>, noteInName = false): CellCurves[] {
  const nameOf = (label: string, note: string, n: number) => legendName(noteInName && note !== '' ? `${label}, ${note}` : label, n);
  const mode = style.runs;
  const spec = input.spec;
  const showFlow = style.flow && flowApplies(spec) && mode !== 'atStop' && mode !== 'perLearningRate';
  const colorOf = (cell: number, i: number) => colors.get(cell) ?? colorAt(style, i);
  if (mode === 'perLearningRate') {
    const lr = lrGroups(input);
    const lrColors = orderedColors(style, spec.sft.learningRates);
    const out: CellCurves[] = [];
    cellGroups(input).forEach((g) => {
      const mine = lr.filter((x) => x.cell.index === g.cell.index && x.runs.length > 0);
      if (mine.length === 0) return;
      out.push({
        cell: g.cell,
        label: g.label,
        note: '',
        curves: mine.map((x) => ({
          name: lrText(x.learningRate),
          color: lrColors[x.lr],
          dash: dashAt(style, x.lr),
          lines: x.runs.map((r) => ({ teacher: r.teacher, cell: x.cell.index, view: r.view, end: r.view.recorded, stop: 0, x: r.view.columns.step, learningRate: x.learningRate, descriptor: r.view.descriptor })),
          teachers: false,
          flow: null,
        })),
      });
    });
    return out;
  }
  if (mode === 'cellRate') {
    return cellRateGroups(input)
      .filter((g) => g.runs.length > 0 && g.learningRate !== null)
      .map((g, i) => {
        const eta = g.learningRate as number;
        const lines = g.runs.map((r) => ({ teacher: r.teacher, cell: g.cell.index, view: r.view, end: style.endAtStop ? r.index + 1 : r.view.recorded, stop: r.index, x: r.view.columns.step, learningRate: eta, descriptor: r.view.descriptor }));
        return {
          cell: g.cell,
          label: g.label,
          note: lrText(eta),
          curves: [{ name: nameOf(g.label, lrText(eta), lines.length), color: colorOf(g.cell.index, i), dash: dashAt(style, i), lines, teachers: true, flow: showFlow ? flowInputs(lines) : null }],
        };
      });
  }
  // Each teacher's selected run, on flow time or from its stop.
  return cellGroups(input)
    .map((g) => ({ g, teachers: g.teachers.filter((t) => t.view !== null && t.index >= 1) }))
    .filter(({ teachers }) => teachers.length > 0)
    .map(({ g, teachers }, i) => {
      const lines = teachers.map((t) => {
        const view = t.view as RunView;
        return { teacher: t.teacher, cell: t.cell, view, end: style.endAtStop ? t.index + 1 : view.recorded, stop: t.index, x: clock(mode, view, t.learningRate, t.index), learningRate: t.learningRate, descriptor: t.descriptor };
      });
      const rates = [...new Set(lines.map((l) => l.learningRate))].sort((a, b) => a - b);
      // One rate: it is said; several (each teacher's own): the axis (η·t) or the title says so.
      const note = rates.length === 1 ? lrText(rates[0]) : '';
      return {
        cell: g.cell,
        label: g.label,
        note,
        curves: [{ name: nameOf(g.label, note, lines.length), color: colorOf(g.cell.index, i), dash: dashAt(style, i), lines, teachers: true, flow: showFlow ? flowInputs(lines) : null }],
      };
    });
}

const flowInputs = (lines: readonly TeacherLine[]) => lines.flatMap((l) => (l.descriptor === null ? [] : [{ descriptor: l.descriptor, learningRate: l.learningRate }]));

/** Cells that have something to draw in this mode (for the layout, before building). */
function cellsWithData(input: FigureInput, style: FigureStyle): Cell[] {
  return cellCurves(input, { ...style, flow: false }, new Map()).map((c) => c.cell);
}

/** The grid's layout of panels for these cells. */
function gridOf(input: FigureInput, style: FigureStyle, cells: readonly Cell[]): GridLayout {
  const { axes, cells: placed } = specAxes(input.spec, cells);
  const mine = placed.filter((c) => cells.some((x) => x.index === c.index));
  // A wrapped panel's title is its cell and, at the cell's rate, ' · η = 0.001'.
  const chars = longestHeader(axes, mine) + (style.runs === 'cellRate' ? 13 : 0);
  // A title may run on over the gap to the next panel (2.6 em, panels.ts): without it Figure 1's
  // four norms at one column's width stack into one 9-inch column.
  return layoutCells(axes, mine, wrapColumns(style.width + px(style.fontSize) * 2.6, mine.length, chars, px(style.fontSize)));
}

/** Rows × columns of the trajectories figure for this input and style (before it is built: the export height needs it). */
export function trajectoriesLayout(input: FigureInput, style: FigureStyle): PanelLayout {
  const cells = cellsWithData(input, style);
  const arrangement = arrangementOf(style, cells.length);
  if (arrangement === 'grid') {
    const g = gridOf(input, style, cells);
    return { rows: g.rows, cols: g.cols, aspect: GRID_ASPECT };
  }
  return { rows: arrangement === 'rows' ? cells.length : 1, cols: metricsOf(style).length };
}

/** Small multiples' panels: a little wider than tall. */
export const GRID_ASPECT = 0.72;

export function trajectories(input: FigureInput, style: FigureStyle): Figure {
  const mode = style.runs;
  const present = cellsWithData(input, style);
  const arrangement = arrangementOf(style, present.length);
  const metrics = arrangement === 'grid' ? [style.metric ?? 'cos'] : metricsOf(style);
  const colors = mode === 'perLearningRate' ? new Map<number, string>() : cellColorsOf(input, style, present);
  const cells = cellCurves(input, style, colors, arrangement === 'together');
  const grid = arrangement === 'grid' ? gridOf(input, style, present) : null;

  // The step axis: log when the stops drawn span more than a decade (auto), never from the stop (x < 0 there).
  const stops = mode === 'perLearningRate' ? selectedTeachersOf(input) : cells.flatMap((c) => c.curves.flatMap((k) => k.lines.map((l) => ({ step: l.x[l.stop] }))));
  const xLog = mode !== 'atStop' && (style.xScale === 'log' || (style.xScale === 'auto' && stopsSpanDecade(stops)));
  const xName = mode === 'flowTime' ? FLOW_TIME_AXIS : mode === 'atStop' ? AT_STOP_AXIS : STEP_AXIS;
  const xLabel = mode === 'flowTime' ? 'flow_time' : mode === 'atStop' ? 'steps_from_stop' : 'step';

  // Panels: (row, col, the cells drawn there, the metric).
  const slots: { row: number; col: number; cells: CellCurves[]; metric: Metric; rowLabel?: string; title: string }[] = [];
  if (arrangement === 'grid' && grid !== null) {
    for (const c of cells) {
      const at = grid.place.get(c.cell.index);
      if (at === undefined) continue;
      const header = grid.rowHeaders === null ? (grid.cellHeaders.get(c.cell.index) ?? '') : '';
      slots.push({ row: at.row, col: at.col, cells: [c], metric: metrics[0], rowLabel: grid.rowHeaders?.[at.row], title: [header, c.note].filter((t) => t !== '').join(' · ') });
    }
  } else if (arrangement === 'rows') {
    cells.forEach((c, r) => metrics.forEach((metric, col) => slots.push({ row: r, col, cells: [c], metric, rowLabel: legendName(c.label, Math.max(...c.curves.map((k) => k.lines.length))), title: [r === 0 ? METRIC_AXIS[metric] : '', c.note].filter((t) => t !== '').join(' · ') })));
  } else {
    // Together, each cell's legend entry says its η; a single cell's x axis title does.
    const note = arrangement === 'single' ? (cells[0]?.note ?? '') : '';
    metrics.forEach((metric, col) => slots.push({ row: 0, col, cells, metric, title: [METRIC_AXIS[metric], note].filter((t) => t !== '').join(' · ') }));
  }
  slots.sort((a, b) => a.row - b.row || a.col - b.col);
  const rowCount = Math.max(1, ...slots.map((s) => s.row + 1));
  const colCount = Math.max(1, ...slots.map((s) => s.col + 1));
  const single = slots.length === 1;

  // On screen, maxPoints is for the chart's width: a panel a third as wide needs a third of the points.
  const maxPoints = style.maxPoints === null ? null : Math.max(50, Math.floor(style.maxPoints / colCount));
  const s: FigureStyle = { ...style, xScale: xLog ? 'log' : 'linear', maxPoints };
  const width = px(s.lineWidth);
  const experimentId = input.id;
  const plotted: PlottedSeries[] = [];
  const bands: SeriesOption[] = [];
  const thin: SeriesOption[] = [];
  const markers: SeriesOption[] = [];
  const means: SeriesOption[] = [];
  const flows: SeriesOption[] = [];
  const yRange = slots.map(() => [Infinity, -Infinity] as [number, number]);
  let xMax = -Infinity;
  let xMin = Infinity;
  const extendY = (panel: number, y: ArrayLike<number>) => {
    const r = yRange[panel];
    for (let i = 0; i < y.length; i++) {
      if (y[i] < r[0]) r[0] = y[i];
      if (y[i] > r[1]) r[1] = y[i];
    }
  };
  const extendX = (x: ArrayLike<number>) => {
    for (let i = 0; i < x.length; i++) {
      if (x[i] < xMin) xMin = x[i];
      if (x[i] > xMax) xMax = x[i];
    }
  };
  // Several panels: CSV names carry the panel letter (names stay unique), and say which option series draws them.
  const named = (panel: number, p: PlottedSeries): PlottedSeries => (single ? p : { ...p, name: `${panelLetter(panel)} ${p.name}`, panel, drawnAs: p.name });
  const onPanel = <T extends SeriesOption>(panel: number, series: T): T => (single ? series : ({ ...series, xAxisIndex: panel, yAxisIndex: panel } as T));
  const legendNames: string[] = [];
  let faded = false;

  slots.forEach((slot, panel) => {
    const metric = slot.metric;
    for (const cell of slot.cells) {
      for (const c of cell.curves) {
        if (!legendNames.includes(c.name)) legendNames.push(c.name);
        const add = (p: PlottedSeries) => {
          const n = named(panel, p);
          plotted.push(n);
          extendY(panel, n.y);
          extendX(n.x);
        };
        // The lines as drawn: each run's first `end` points, on the mode's clock.
        const drawn = c.lines.map((l) => ({ l, x: l.x.subarray(0, l.end), y: (l.view.columns[metric] ?? new Float64Array(0)).subarray(0, l.end) }));
        if (c.teachers && s.thinLines) {
          // Faint lines need fewer points on screen than the means: hundreds of them are drawn.
          const thinStyle = s.maxPoints === null ? s : { ...s, maxPoints: Math.max(2, Math.floor(s.maxPoints * THIN_FRACTION)) };
          const polylines: { name: string; coords: [number, number][] }[] = [];
          for (const d of drawn) {
            const k = curve(thinStyle, { name: `cell${d.l.cell} teacher${d.l.teacher}`, experimentId, xLabel, yLabel: metric }, d.x, d.y);
            const p = named(panel, k.plotted);
            plotted.push(single ? p : { ...p, drawnAs: undefined });
            extendY(panel, k.plotted.y);
            extendX(k.plotted.x);
            // A polyline needs two points (a line ended at step 1 has one on a log axis).
            if (k.data.length >= 2) polylines.push({ name: p.name, coords: k.data });
          }
          // One polyline series per cell, not one line series per teacher (ECharts' cost is per series).
          // On screen in large mode, all its lines as one path; exports keep a path per line, whose
          // overlaps darken where teachers crowd. Large mode only with a line to draw: ECharts' large
          // path has no segments for an empty series and throws when it paints (a run just begun).
          const large = s.maxPoints !== null && polylines.length > 0 ? { large: true, largeThreshold: 0 } : {};
          thin.push(onPanel(panel, { type: 'lines', name: `${cell.label} teachers`, coordinateSystem: 'cartesian2d', polyline: true, ...large, silent: true, z: 2, lineStyle: { color: c.color, width: width / 3, opacity: 0.25 }, data: polylines } as LinesSeriesOption));
        }
        if (c.teachers && s.stopMarkers) {
          // On screen one path for a cell's markers (silent dots, drawn alike; Figure 2 has 2 000); exports keep one element
          // each. Large mode only with a marker to draw: ECharts' large scatter throws on an empty one (as its large lines do).
          const x = Float64Array.from(c.lines, (l) => l.x[l.stop]);
          const y = Float64Array.from(c.lines, (l) => (l.view.columns[metric] ?? new Float64Array(0))[l.stop]);
          const idx = drawable(x, [y], xLog, s.yScale === 'log');
          const sx = pick(x, idx);
          const sy = pick(y, idx);
          add({ name: `${cell.label} early stops`, experimentId, x: sx, y: sy, xLabel, yLabel: `${metric}_at_stop` });
          markers.push(onPanel(panel, { type: 'scatter', name: `${cell.label} early stops`, data: pairs(sx, sy, [...sx.keys()]), symbolSize: 3, silent: true, z: 3, itemStyle: { color: c.color, opacity: 0.7 }, large: true, largeThreshold: s.maxPoints === null || sx.length === 0 ? 2000 : 0 } as ScatterSeriesOption));
        }

        // The mean at each x over the lines that reach it. Steps are shared (a run is a prefix of
        // the longest), so at the cell's rate the lines' own columns line up; other clocks need a grid.
        const sameClock = mode === 'cellRate' || mode === 'perLearningRate';
        const gridX = sameClock ? longest(drawn.map((d) => d.x)) : unionGrid(drawn);
        const columns = sameClock ? drawn.map((d) => d.y) : onGrid(drawn, gridX);
        const stats = bandAcross(columns, s.band);
        const x = gridX.subarray(0, stats.mean.length);
        const meta = { name: c.name, experimentId, xLabel, yLabel: `${metric}_mean` };
        // Each panel's band stacks on its own.
        const b = band(s, { ...meta, yLabel: `${metric}_${s.band}` }, x, stats.lower, stats.upper, stats.mean, c.color, 0.2, `${panel}`);
        b.plotted.forEach(add);
        bands.push(...b.series.map((series) => onPanel(panel, series)));
        const y = s.smoothing > 0 ? ema(stats.mean, s.smoothing) : stats.mean;
        if (s.smoothing > 0) {
          const raw = curve(s, { ...meta, name: `${c.name} raw mean` }, x, stats.mean);
          add(raw.plotted);
          means.push(onPanel(panel, line({ name: raw.plotted.name, color: c.color, width: width * 0.6, opacity: 0.35, silent: true, z: 4 }, raw.data)));
        }
        const mean = curve(s, s.smoothing > 0 ? { ...meta, yLabel: `${metric}_mean_ema` } : meta, x, y);
        add(mean.plotted);
        // Where fewer than all the lines reach, the mean is faded (its n is in the CSV).
        const full = fullSpan(stats.n, c.lines.length);
        const inFull = mean.data.map(([px_]) => full !== null && px_ >= x[full[0]] && px_ <= x[full[1]]);
        means.push(onPanel(panel, line({ name: c.name, color: c.color, width, dash: c.dash, z: 5 }, mean.data.filter((_, i) => inFull[i]))));
        if (inFull.some((f) => !f)) {
          faded = true;
          means.push(onPanel(panel, line({ name: `${c.name} (fewer teachers)`, color: c.color, width: width * 0.8, dash: 'dashed', opacity: 0.55, silent: true, z: 5 }, partialSegments(mean.data, inFull))));
          const nIdx = drawable(x, [stats.n], xLog, false);
          plotted.push(named(panel, { name: `${c.name} n`, experimentId, x: pick(x, nIdx), y: pick(stats.n, nIdx), xLabel, yLabel: 'teachers' }));
        }

        if (c.flow !== null && c.flow.length > 0) {
          // A sweep's cell flows with its own point's β and T.
          const flow = cellFlowLines(cellSpec(input.spec, cell.cell), c.flow, metric);
          const rates = c.flow.map((f) => f.learningRate);
          const fl = flow.map((f, k) => ({ x: mode === 'flowTime' ? f.step.map((t) => rates[k] * t) : f.step, y: f.y }));
          // One rate: the flows share their clock; several (flow time): averaged on the union of their times.
          const oneClock = new Set(rates).size === 1;
          const fx = oneClock ? fl[0].x : unionGrid(fl);
          const fy = bandAcross(oneClock ? fl.map((f) => f.y) : onGrid(fl, fx), 'std').mean;
          const k = curve(s, { name: `${cell.label} population flow`, experimentId, xLabel, yLabel: `${metric}_flow` }, fx, fy);
          add(k.plotted);
          // In the text colour, thinner: at large batches SGD follows the flow, which would hide a same-coloured dash.
          flows.push(onPanel(panel, line({ name: k.plotted.name, color: themeColors(s).text, width: width * 0.5, opacity: 0.85, dash: 'dashed', silent: true, z: 6 }, k.data)));
        }
      }
    }
  });

  const series = [...bands, ...thin, ...markers, ...means, ...flows];
  const what = mode === 'perLearningRate' ? `: each learning rate's mean over all teachers (band: ${s.band})` : mode === 'flowTime' ? " on flow time η·t, each teacher's selected η" : mode === 'atStop' ? ", each teacher's selected η, aligned at its stop" : " at each cell's learning rate";
  const dashed = flows.length > 0 ? ' (dashed: population flow)' : '';
  const fadedNote = faded ? ' (faded: fewer than all teachers)' : '';
  const metricName = metrics.length > 1 ? 'trajectories' : METRIC_AXIS[metrics[0]];
  const title = `${metricName}${what}${dashed}${fadedNote}`;
  // Small multiples name their cells in headers: the legend keys the line kinds instead, in the text colour.
  const key: { series: SeriesOption; icon: string }[] = [];
  if (arrangement === 'grid' && mode !== 'perLearningRate') {
    const ink = themeColors(s).text;
    key.push({ series: line({ name: `mean ${BAND_TEXT[s.band]}`, color: ink, width, z: 0 }, []), icon: KEY_ICONS.thick });
    if (s.thinLines) key.push({ series: line({ name: 'each teacher', color: ink, width: width / 3, opacity: 0.5, z: 0 }, []), icon: KEY_ICONS.thin });
    if (s.stopMarkers) key.push({ series: { type: 'scatter', name: 'early stop', data: [], symbolSize: 4, itemStyle: { color: ink } } as ScatterSeriesOption, icon: KEY_ICONS.dot });
    if (flows.length > 0) key.push({ series: line({ name: 'population flow', color: ink, width: width * 0.5, dash: 'dashed', z: 0 }, []), icon: KEY_ICONS.dashed });
    if (faded) key.push({ series: line({ name: 'fewer teachers', color: ink, width: width * 0.8, dash: 'dashed', opacity: 0.55, z: 0 }, []), icon: KEY_ICONS.dashedThick });
    series.push(...key.map((k) => k.series));
  }
  const legendIcons = Object.fromEntries(key.map((k) => [String(k.series.name), k.icon]));
  const legend = arrangement === 'grid' ? (mode === 'perLearningRate' ? legendNames : Object.keys(legendIcons)) : legendNames;

  const fixed = s.yRange ?? null;
  if (single) {
    const fig = stepFigure(s, title, series, legend, plotted);
    // The panel says which η it shows, in its x axis title; a range given to share is kept.
    const note = cells[0]?.note ?? '';
    const r = fixed ?? (yRange[0][0] <= yRange[0][1] ? yRange[0] : null);
    const nice = r !== null && s.yScale !== 'log' ? niceRange(r[0], r[1]) : null;
    const yAxis = nice === null ? fig.option.yAxis : { ...(fig.option.yAxis as object), min: nice.min, max: nice.max, interval: nice.interval, scale: false };
    const option = { ...fig.option, xAxis: { ...(fig.option.xAxis as object), name: note === '' ? xName : `${xName} (${note})` }, yAxis };
    return { ...fig, option, xAxisLabel: xName };
  }

  // Linear steps start and end on round ticks (−1 000 to 1 000 from the stop, not −985 to 999).
  const ends = !xLog && Number.isFinite(xMin) && Number.isFinite(xMax) ? niceExtent(xMin, xMax) : { min: Number.isFinite(xMin) ? xMin : undefined, max: Number.isFinite(xMax) ? xMax : undefined };
  const xSpec = { name: xName, type: xLog ? 'log' : 'value', min: ends.min, max: ends.max } as const;
  // Small multiples share one y range (and so do figures given one); other layouts give each panel its own.
  const shared = fixed !== null ? ([fixed[0], fixed[1]] as [number, number]) : arrangement === 'grid' ? yRange.reduce((a, r) => [Math.min(a[0], r[0]), Math.max(a[1], r[1])] as [number, number], [Infinity, -Infinity] as [number, number]) : null;
  const sharedNice = shared !== null && shared[0] <= shared[1] && s.yScale !== 'log' ? niceRange(shared[0], shared[1]) : null;
  const specs: PanelSpec[] = slots.map((slot, i) => {
    // Each panel's own range otherwise, over everything it draws (ECharts leaves the thin lines out of its own extent).
    const own = yRange[i][0] <= yRange[i][1] && s.yScale !== 'log' ? niceRange(yRange[i][0], yRange[i][1]) : null;
    const nice = sharedNice ?? own;
    const range = nice === null ? yRange[i] : ([nice.min, nice.max] as [number, number]);
    return {
      title: slot.title,
      x: xSpec,
      y: { name: METRIC_AXIS[slot.metric], type: s.yScale === 'log' ? 'log' : 'value', ...(nice === null ? {} : { min: nice.min, max: nice.max, interval: nice.interval }) },
      rowLabel: arrangement === 'together' ? undefined : slot.rowLabel,
      yRange: range[0] <= range[1] ? range : undefined,
      row: slot.row,
      col: slot.col,
    };
  });
  const opts =
    arrangement === 'grid'
      ? { letters: false, colHeaders: grid?.colHeaders ?? undefined, yName: METRIC_AXIS[metrics[0]], sharedY: sharedNice !== null, legendIcons }
      : {};
  const { option, panels } = panelFrame(s, title, rowCount, colCount, specs, xName, series, legend, opts);
  return { option, series: plotted, xAxisLabel: xName, yAxisLabel: metrics.map((m) => METRIC_AXIS[m]).join(' · '), title, panels, layout: { rows: rowCount, cols: colCount, ...(arrangement === 'grid' ? { aspect: GRID_ASPECT } : {}) } };
}

/** The longest of the x columns (shorter runs are prefixes of it). */
function longest(xs: readonly Float64Array[]): Float64Array {
  let best: Float64Array = new Float64Array(0);
  for (const x of xs) if (x.length > best.length) best = x;
  return best;
}

/**
 * The points of a mean outside its full span, each side touching the full line, broken ([NaN, NaN]:
 * ECharts leaves a gap) between the two sides.
 */
function partialSegments(data: readonly [number, number][], inFull: readonly boolean[]): [number, number][] {
  const out: [number, number][] = [];
  let open = false;
  for (let i = 0; i < data.length; i++) {
    const keep = !inFull[i] || (i > 0 && !inFull[i - 1]) || (i + 1 < data.length && !inFull[i + 1]);
    if (keep) {
      out.push(data[i]);
      open = true;
    } else if (open) {
      out.push([NaN, NaN]);
      open = false;
    }
  }
  return out;
}

/** The first and last index where all `total` lines count (n = total); null where they never all do. */
function fullSpan(n: Float64Array, total: number): [number, number] | null {
  let a = -1;
  let b = -1;
  for (let i = 0; i < n.length; i++) {
    if (n[i] === total) {
      if (a < 0) a = i;
      b = i;
    }
  }
  return a < 0 ? null : [a, b];
}
