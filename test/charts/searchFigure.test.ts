/**
 * The boundary search's figure (charts/searchFigure.ts) on a search played out by the engine's own
 * step function over a hand-written target: below b* = 0.41 nine of ten teachers improve, above
 * it one does, so every point is decided at its first replicate and the rule bisects to b*. What
 * is drawn is checked against values computed here: each point's Wilson interval by its formula,
 * the boundary at the final bracket's midpoint, the bracket shaded, the theory's line at the
 * closed form tan θ / tan θ_T, the evaluation order as the grid's; and it exports (PDF, SVG, CSV,
 * a matplotlib script that runs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as echarts from 'echarts';
import { describe, expect, it } from 'vitest';
import { buildFigure, defaultStyle, figureLayout, figuresFor } from '../../src/charts/index';
import { searchView } from '../../src/charts/searchFigure';
import type { SweepGroup } from '../../src/charts/sweepData';
import type { FigureInput } from '../../src/charts/types';
import { exportFigure, parsePlottedCsv } from '../../src/backend/figures/index';
import { exportStyle } from '../../src/backend/figureFiles';
import { wilsonInterval } from '../../src/engine/intervals';
import { gridEntry, nextEvaluation, type PointEvaluation, SearchSchema } from '../../src/engine/search';
import { validateSpec } from '../../src/engine/spec';
import type { StoredSummary } from '../../src/engine/summary';
import { parseExportSettings } from '../../src/shared/figureExport';

const B_STAR = 0.41;
const TEACHERS = 10;
const improved = (kappa: number) => (kappa < B_STAR ? 9 : 1);
const SEARCH = SearchSchema.parse({ axis: 'teachers.kappa', from: 0, to: 0.95, target: 'fractionImproved', level: 0.5 });

/** The 95 % Wilson score interval of k of n, written out from its formula. */
function wilson(k: number, n: number): [number, number] {
  const z = 1.959963984540054;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [centre - half, centre + half];
}

/** The search played out: the step function's rounds, each point's group as the summary gives it. */
function playedSearch(): FigureInput {
  const grid: Record<string, number>[] = [];
  const points: PointEvaluation[] = [];
  for (let i = 0; i < 100; i++) {
    const step = nextEvaluation(SEARCH, points);
    if ('done' in step) break;
    grid.push(gridEntry(SEARCH, step));
    points.push({ value: step.value, replicates: 1, target: wilsonInterval(improved(step.value), TEACHERS), teachers: TEACHERS });
  }
  const spec = validateSpec({
    seed: 1,
    student: { accuracy: 0.8, norm: 1 },
    teachers: { count: TEACHERS, accuracy: 0.7 },
    sft: { steps: 10, batchSize: 1000, learningRates: [0.01], ceiling: false },
    engine: { path: 'preview' },
    search: SEARCH,
    grid,
  });
  const groups: SweepGroup[] = points.map((p, i) => ({
    axes: { 'teachers.kappa': p.value },
    cells: [i],
    fractionImproved: p.target,
    gainMean: { estimate: 0, lo: 0, hi: 0, n: TEACHERS },
    pgr: null,
    bestStep: { estimate: 5, lo: 5, hi: 5, n: TEACHERS },
  }));
  const summary = { spec, path: 'preview', groups, cells: [], teachers: [], runs: { total: 0, done: 0, diverged: 0, failed: 0, cancelled: 0 } } as unknown as StoredSummary;
  return { id: 7, name: 'κ search', seed: 1, spec, summary, bundle: { experimentId: 7, columns: ['step', 'cos'], runs: [], data: new Float64Array(0) } };
}

const input = playedSearch();
const style = defaultStyle({ maxPoints: null });
const THEORY = Math.tan(Math.PI * 0.2) / Math.tan(Math.PI * 0.3);

describe('the search figure', () => {
  const fig = buildFigure('search', [input], style);
  const byName = (re: RegExp) => fig.series.filter((s) => re.test(s.name));

  it('is offered for a search, with two stacked panels', () => {
    expect(figuresFor(input.spec).map((f) => f.kind)).toContain('search');
    expect(figureLayout('search', [input], style)).toMatchObject({ rows: 2, cols: 1 });
  });

  it("plots each point's fraction improved with its Wilson interval, computed from its formula", () => {
    const [points] = byName(/^fraction improved, 95 % interval$/);
    const [bars] = byName(/95 % interval: interval$/);
    const values = input.spec.grid!.map((g) => g['teachers.kappa']);
    expect(Array.from(points.x)).toEqual(values);
    expect(Array.from(points.y)).toEqual(values.map((v) => improved(v) / TEACHERS));
    values.forEach((v, i) => {
      const [lo, hi] = wilson(improved(v), TEACHERS);
      expect(bars.x[3 * i]).toBe(v);
      expect(bars.x[3 * i + 1]).toBe(v);
      expect(bars.y[3 * i]).toBeCloseTo(lo, 12);
      expect(bars.y[3 * i + 1]).toBeCloseTo(hi, 12);
      expect(Number.isNaN(bars.y[3 * i + 2])).toBe(true);
    });
  });

  it('draws the boundary at the final bracket’s midpoint, shaded over the bracket, within the tolerance of b*', () => {
    const view = searchView(input);
    const [lo, hi] = view.result!.interval!;
    expect(hi - lo).toBeLessThan(0.95 / 100);
    expect(lo).toBeLessThan(B_STAR);
    expect(hi).toBeGreaterThan(B_STAR);
    // The bracket's ends are evaluated points on either side of b*: the largest below and the smallest above.
    const values = input.spec.grid!.map((g) => g['teachers.kappa']);
    expect(lo).toBe(Math.max(...values.filter((v) => v < B_STAR)));
    expect(hi).toBe(Math.min(...values.filter((v) => v > B_STAR)));
    const [found] = byName(/^found [^i]*$/);
    expect(Array.from(found.x)).toEqual([(lo + hi) / 2, (lo + hi) / 2]);
    expect(found.name).toBe(`found ${((lo + hi) / 2).toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}]`);
    const [lower, upper] = [byName(/ interval lower$/)[0], byName(/ interval upper$/)[0]];
    expect(Array.from(lower.x)).toEqual([lo, hi]);
    expect(Array.from(lower.y)).toEqual([0, 0]);
    expect(Array.from(upper.y)).toEqual([1, 1]);
    const [level] = byName(/^level /);
    expect(Array.from(level.y)).toEqual([0.5, 0.5]);
  });

  it("draws Theorem 1.1's boundary at tan θ / tan θ_T for the spec's 80 % / 70 %", () => {
    const [theory] = byName(/^theory /);
    expect(theory.x[0]).toBeCloseTo(THEORY, 12);
    expect(THEORY).toBeCloseTo(5 - 2 * Math.sqrt(5), 12);
    expect(theory.name).toBe(`theory tan θ/tan θ_T = ${THEORY.toFixed(3)}`);
  });

  it('panel (b): the rounds in the order evaluated, bracketing then bisecting', () => {
    const [order] = byName(/^evaluation order$/);
    const values = input.spec.grid!.map((g) => g['teachers.kappa']);
    expect(Array.from(order.x)).toEqual(values);
    expect(Array.from(order.y)).toEqual(values.map((_, i) => i + 1));
    expect(values.slice(0, 3)).toEqual([0, 0.95, 0.475]);
    // Each bisection halves the bracket: the steps between rounds shrink by half.
    for (let i = 3; i < values.length; i++) expect(Math.abs(values[i] - values[i - 1])).toBeCloseTo(0.95 / 2 ** (i - 1), 12);
  });

  it('renders to SVG with its legend, and exports a PDF, a CSV of exactly the plotted series and a matplotlib script that runs', async () => {
    const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: style.width, height: style.height });
    chart.setOption(fig.option);
    const svg = chart.renderToSVGString();
    chart.dispose();
    for (const name of ['round', 'fraction improved', `theory tan θ/tan θ_T = ${THEORY.toFixed(3)}`]) expect(svg).toContain(`>${name}</text>`);
    const dir = mkdtempSync(join(tmpdir(), 'w2s-search-export-'));
    const settings = parseExportSettings({ widthIn: 6.5 });
    const exported = buildFigure('search', [input], exportStyle(settings, figureLayout('search', [input], exportStyle(settings))));
    const pdf = (await exportFigure(exported, { settings, format: 'pdf' })) as Buffer;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    writeFileSync(join(dir, 'search.pdf'), pdf);
    const csv = (await exportFigure(exported, { settings, format: 'csv', csvFile: 'search.csv' })) as string;
    const parsed = parsePlottedCsv(csv);
    expect(parsed.map((s) => s.name)).toEqual(exported.series.map((s) => s.name));
    parsed.forEach((s, i) => expect(s.y.map((v) => (Number.isNaN(v) ? null : v))).toEqual(Array.from(exported.series[i].y, (v) => (Number.isNaN(v) ? null : v))));
    const py = (await exportFigure(exported, { settings, format: 'py', csvFile: 'search.csv' })) as string;
    writeFileSync(join(dir, 'search.csv'), csv);
    writeFileSync(join(dir, 'search.py'), py);
    const r = spawnSync('python3', [join(dir, 'search.py'), join(dir, 'search.csv'), join(dir, 'search.png')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const svgFile = (await exportFigure(exported, { settings, format: 'svg' })) as string;
    expect(svgFile).toContain('<svg');
    const keep = process.env.W2S_KEEP_SEARCH_FIGURE;
    if (keep !== undefined) writeFileSync(join(keep, 'search.pdf'), pdf);
  });
});
