/**
 * The adaptive boundary search's figure (docs/spec.md §13, engine/search.ts), from the stored spec
 * (its `search` and the grid of evaluated points, in the order evaluated) and the summary's groups:
 *  (a) the target at each evaluated point against the axis value, its 95 % interval as an error
 *      bar (the fraction improved: the Wilson interval of the teachers that improved, pooled over
 *      the point's replicates, as the summary's groups give it), the level as a dotted line, the
 *      found boundary as a solid line with its bracket shaded, and along κ Theorem 1.1's boundary
 *      tan θ / tan θ_T as a dashed line beside it;
 *  (b) the evaluation order: the round at which each point was evaluated against its value, joined
 *      in order, so the bracketing and the bisection read at a glance (a point's extra replicates
 *      are rounds at the same value).
 * The same option renders on screen and in the exporter; every line is a plotted series (CSV and
 * the matplotlib script carry them), the bracket a band named `found … interval`.
 */
import type { SeriesOption } from 'echarts';
import { type PointEvaluation, type Search, type SearchResult, searchPoints, searchStep } from '../engine/search';
import { type AxisSpec, band, fmt, line, niceExtent, niceRange } from './common';
import { pointLine, referenceLines, type StackedPanel, stackedLayout, stackedPanelFrame } from './stackedPanels';
import { colorAt, px, themeColors } from './style';
import { theoryKappaBoundary } from './sweep';
import { axisLabel, TARGET_LABEL } from './sweepData';
import type { Figure, FigureInput, FigureStyle, PanelLayout, PlottedSeries } from './types';

/** One round of a search: the point evaluated and the replicate it added, 1-based. */
export interface SearchRound {
  readonly round: number;
  readonly value: number;
  readonly replicate: number;
}

/** What the search figure and the dashboard's search panel read of a search experiment. */
export interface SearchView {
  readonly search: Search;
  /** The evaluated points in the order first evaluated, their targets pooled over their replicates (NaN before the summary has them). */
  readonly points: readonly PointEvaluation[];
  readonly rounds: readonly SearchRound[];
  /** The result once the search has stopped; null while it has more to evaluate. */
  readonly result: SearchResult | null;
  /** The point it evaluates next, while it runs. */
  readonly next: { readonly value: number; readonly replicate: number } | null;
  /** Along κ, Theorem 1.1's boundary tan θ / tan θ_T for the spec's accuracies; else null. */
  readonly theory: number | null;
}

/** Whether an experiment is a boundary search (its spec has `search` and a grid). */
export function isSearchInput(input: Pick<FigureInput, 'spec'>): boolean {
  return input.spec.search !== undefined && input.spec.grid !== undefined;
}

/**
 * A search experiment as the figure and the panel read it. A summary that does not fit the
 * search's rule (a point evaluated out of turn) leaves `result` and `next` null rather than throw.
 */
export function searchView(input: Pick<FigureInput, 'spec' | 'summary'>): SearchView {
  const { search, grid, teachers } = input.spec;
  if (search === undefined || grid === undefined) throw new Error('the search figure needs a boundary search (a spec with search and its grid)');
  const spec = { search, grid, teachers };
  const points = searchPoints(spec, input.summary?.groups ?? []);
  const rounds = grid.map((g, i) => ({ round: i + 1, value: g[search.axis], replicate: g.replicate }));
  let result: SearchResult | null = null;
  let next: SearchView['next'] = null;
  try {
    const step = searchStep(spec, input.summary);
    if ('done' in step) result = step.done;
    else next = step;
  } catch {
    // Not a sequence the rule evaluates (an edited grid): the points are still shown.
  }
  const theory = search.axis === 'teachers.kappa' ? theoryKappaBoundary(input as FigureInput, {}) : null;
  return { search, points, rounds, result, next, theory };
}

/** The found boundary as the legend says it: `found 0.528 [0.524, 0.532]`. */
export function foundLabel(result: SearchResult): string {
  if (result.boundary === null || result.interval === null) return 'no boundary found';
  return `found ${fmt(result.boundary, 3)} [${fmt(result.interval[0], 3)}, ${fmt(result.interval[1], 3)}]`;
}

/** The search figure's two panels stacked on the axis value, taller than the κ figure's three: the legend takes a column's width. */
export function searchLayout(): PanelLayout {
  return { ...stackedLayout(2), aspect: 0.5 };
}

/** The targets' short names, for the y axis and the legend (a one-column figure has no room for more). */
const SHORT: Record<Search['target'], string> = { fractionImproved: 'fraction improved', gainMean: 'mean gain', pgr: 'PGR' };

export function searchFigure(input: FigureInput, style: FigureStyle): Figure {
  const view = searchView(input);
  const { search, points, rounds, result, theory } = view;
  const experimentId = input.id;
  const xLabel = search.axis;
  const target = search.target;
  const plotted: PlottedSeries[] = [];
  const top: SeriesOption[] = [];
  const bottom: SeriesOption[] = [];
  const legend: string[] = [];
  const width = px(style.lineWidth);
  const accent = colorAt(style, 0);
  const found = colorAt(style, 1);
  const reference = themeColors(style).reference;

  // The target's y range: [0, 1] for a fraction; else the intervals and the level, rounded.
  const ends = points.flatMap((p) => [p.target.lo, p.target.hi, p.target.estimate]).filter(Number.isFinite);
  const range = target === 'fractionImproved' ? { min: 0, max: 1 } : niceRange(Math.min(search.level, ...ends), Math.max(search.level, ...ends));
  const yTarget: AxisSpec = { name: SHORT[target], type: 'value', min: range.min, max: range.max };

  // The x range: the search's range, and the theory's boundary when it lies outside it.
  const xMin = Math.min(search.from, theory ?? Infinity);
  const xMax = Math.max(search.to, theory ?? -Infinity);
  const nice = niceExtent(xMin, xMax);
  const xSpec: AxisSpec = { name: axisLabel(search.axis), type: 'value', min: nice.min, max: nice.max };

  // (a) The found boundary's bracket, shaded over the panel's height (drawn first, beneath).
  const boundary = result?.boundary ?? null;
  const bracket = result?.interval ?? null;
  if (boundary !== null && bracket !== null) {
    const name = foundLabel(result!);
    const b = band(style, { name: `${name} interval`, experimentId, xLabel, yLabel: target }, Float64Array.of(bracket[0], bracket[1]), Float64Array.of(range.min, range.min), Float64Array.of(range.max, range.max), Float64Array.of(range.min, range.max), found, 0.25);
    top.push(...b.series);
    plotted.push(...b.plotted);
    top.push({ ...line({ name, color: found, width, dash: 'solid', z: 4 }, [[boundary, range.min], [boundary, range.max]]) } as SeriesOption);
    plotted.push({ name, experimentId, x: Float64Array.of(boundary, boundary), y: Float64Array.of(range.min, range.max), xLabel, yLabel: target });
    legend.push(name);
  }
  if (theory !== null) {
    const name = `theory tan θ/tan θ_T = ${fmt(theory, 3)}`;
    top.push({ ...line({ name, color: reference, width, dash: 'dashed', z: 4 }, [[theory, range.min], [theory, range.max]]) } as SeriesOption);
    plotted.push({ name, experimentId, x: Float64Array.of(theory, theory), y: Float64Array.of(range.min, range.max), xLabel, yLabel: target });
    legend.push(name);
  }
  const levelName = `level ${fmt(search.level, 3).replace(/\.?0+$/, '')}`;
  top.push({ ...line({ name: levelName, color: reference, width: width * 0.7, dash: 'dotted', z: 2 }, [[search.from, search.level], [search.to, search.level]]) } as SeriesOption);
  plotted.push({ name: levelName, experimentId, x: Float64Array.of(search.from, search.to), y: Float64Array.of(search.level, search.level), xLabel, yLabel: target });
  legend.push(levelName);

  // Each point's estimate, and its interval as an error bar (segments apart by NaN: gaps).
  const shown = points.filter((p) => Number.isFinite(p.target.estimate));
  const pointsName = `${SHORT[target]}, 95 % interval`;
  const barX: number[] = [];
  const barY: number[] = [];
  for (const p of shown) {
    barX.push(p.value, p.value, NaN);
    barY.push(p.target.lo, p.target.hi, NaN);
  }
  const barsName = `${pointsName}: interval`;
  top.push({ ...line({ name: barsName, color: accent, width, dash: 'solid', z: 3 }, barX.map((x, i) => [x, barY[i]] as [number, number])), connectNulls: false } as SeriesOption);
  plotted.push({ name: barsName, experimentId, x: Float64Array.from(barX), y: Float64Array.from(barY), xLabel, yLabel: `${target}_interval` });
  top.push({
    type: 'scatter',
    name: pointsName,
    data: shown.map((p) => [p.value, p.target.estimate]),
    symbolSize: px(style.fontSize) * 0.55,
    itemStyle: { color: accent },
    z: 5,
  } as SeriesOption);
  plotted.push({ name: pointsName, experimentId, x: Float64Array.from(shown, (p) => p.value), y: Float64Array.from(shown, (p) => p.target.estimate), xLabel, yLabel: target });
  legend.push(pointsName);

  // (b) The evaluation order: round against value, joined in order.
  // The boundary found (its colour) and the theory's (dashed grey) carried down as reference lines.
  const orderName = 'evaluation order';
  bottom.push(pointLine(style, orderName, accent, rounds.map((r) => [r.value, r.round]), 'solid', boundary === null ? undefined : { ...referenceLines(style, [{ xAxis: boundary }], found), lineStyle: { color: found, type: 'solid', width } }));
  if (theory !== null) bottom.push({ type: 'line', name: 'Theorem 1.1 (b)', data: [], silent: true, markLine: referenceLines(style, [{ xAxis: theory }]) } as SeriesOption);
  plotted.push({ name: orderName, experimentId, x: Float64Array.from(rounds, (r) => r.value), y: Float64Array.from(rounds, (r) => r.round), xLabel, yLabel: 'round' });

  const lastRound = Math.max(1, rounds.length);
  const step = lastRound <= 6 ? 1 : lastRound <= 14 ? 2 : Math.ceil(lastRound / 7);
  const panels: StackedPanel[] = [
    { y: yTarget, series: top },
    { y: { name: 'round', type: 'value', min: 0, max: Math.ceil((lastRound + 1) / step) * step, interval: step }, series: bottom },
  ];
  const title = `Search for ${TARGET_LABEL[target]} = ${fmt(search.level, 3).replace(/\.?0+$/, '')} along ${axisLabel(search.axis)}`;
  const option = stackedPanelFrame(style, title, xSpec, panels, legend);
  return { option, series: plotted, xAxisLabel: xSpec.name, yAxisLabel: panels.map((p) => p.y.name).join(' | '), title, layout: searchLayout() };
}
