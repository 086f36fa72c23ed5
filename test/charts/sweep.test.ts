/**
 * The sweep dashboard's data and figures (charts/sweepData.ts, sweep.ts) on hand-written sweep
 * summaries (helpers/sweepFixture.ts) whose targets are closed forms: what is drawn is what the
 * groups say (estimates as the points, interval ends as the band), the axes are the ones that
 * vary (log where log-spaced), the importance table obeys the laws its design gives it, a brush
 * keeps exactly the rows inside it, and every figure renders to SVG.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as echarts from 'echarts';
import { describe, expect, it } from 'vitest';
import { buildFigure, defaultStyle, figureLayout, figuresFor, hasFigure } from '../../src/charts/index';
import { sweepVaryingAxes } from '../../src/charts/figures';
import { axisImportance, brushRows, logSpaced, sweepAxes, sweepRows, targetOf } from '../../src/charts/sweepData';
import { PARALLEL_TARGET } from '../../src/charts/sweep';
import type { FigureKind } from '../../src/charts/types';
import { validateSpec } from '../../src/engine/spec';
import { exportFigure, parsePlottedCsv } from '../../src/backend/figures/index';
import { exportStyle } from '../../src/backend/figureFiles';
import { parseExportSettings } from '../../src/shared/figureExport';
import { type AnySeries, drawnPoints, optionSeries } from '../helpers/synthetic';
import { sweepInput } from '../helpers/sweepFixture';

/** β × d with 3 replicates: the gain rises by 0.01 per doubling of β, falls by 1e-4 per unit of d, and replicates differ by ±0.002. */
const betaD = sweepInput({
  axes: { beta: [0.5, 1, 2], 'data.d': [50, 100] },
  replicates: 3,
  gain: (p, r, t) => 0.01 * Math.log2(p.beta) - 1e-4 * p['data.d'] + 0.002 * (r - 1) + 0.001 * (t - 3.5),
});

const style = (o: Parameters<typeof defaultStyle>[0] = {}) => defaultStyle({ maxPoints: null, ...o });

describe('sweepData: the axes, the rows and the statistics of a sweep', () => {
  it('logSpaced: geometric grids yes, even ones and narrow ones no', () => {
    expect(logSpaced([0.5, 1, 2])).toBe(true);
    expect(logSpaced([0.001, 0.01, 0.1, 1])).toBe(true);
    expect(logSpaced([0.01, 0.1])).toBe(true);
    expect(logSpaced([1, 2, 3, 4])).toBe(false);
    expect(logSpaced([50, 100])).toBe(false);
    expect(logSpaced([-1, 1, 2])).toBe(false);
    expect(logSpaced([10, 20, 40])).toBe(true);
    expect(logSpaced([0, 1, 10])).toBe(false);
  });

  it("sweepAxes: the spec's axes in its order, only those that vary, replicate never", () => {
    const axes = sweepAxes(betaD);
    expect(axes.map((a) => a.path)).toEqual(['beta', 'data.d']);
    expect(axes.map((a) => a.values)).toEqual([[0.5, 1, 2], [50, 100]]);
    expect(axes.map((a) => a.log)).toEqual([true, false]);
  });

  it("the groups pool each point's replicates: 6 groups of 3 cells, the gain interval around the replicate mean", () => {
    const rows = sweepRows(betaD, 'gainMean');
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(row.replicates).toBe(3);
      // Replicates at −0.002, 0, +0.002 around the closed form (teachers' offsets average to 0).
      const expected = 0.01 * Math.log2(row.axes.beta) - 1e-4 * row.axes['data.d'];
      expect(row.target?.estimate).toBeCloseTo(expected, 12);
      // t interval of three values with std 0.002: half-width t(2) · 0.002 / √3 (t(2) = 4.30265).
      expect((row.target?.hi ?? 0) - (row.target?.estimate ?? 0)).toBeCloseTo((4.30265 * 0.002) / Math.sqrt(3), 9);
    }
  });

  it('importance: β decides (r on log β and ρ both 1 on a design balanced in d), d second and negative', () => {
    const noiseFree = sweepInput({ axes: { beta: [0.25, 0.5, 1, 2, 4], 'data.d': [50, 100, 200] }, gain: (p) => 0.01 * Math.log2(p.beta) });
    const table = axisImportance(noiseFree, 'gainMean');
    expect(table.map((t) => t.path)).toEqual(['beta', 'data.d']);
    expect(table[0].pearson).toBeCloseTo(1, 12); // linear in log β, and the axis is log-spaced
    expect(table[0].spearman).toBeCloseTo(1, 12);
    expect(table[0].log).toBe(true);
    expect(table[0].n).toBe(15);
    // The target does not depend on d: every d sees the same five values, so both statistics are 0.
    expect(table[1].pearson).toBeCloseTo(0, 12);
    expect(table[1].spearman).toBeCloseTo(0, 12);
    const both = axisImportance(betaD, 'gainMean');
    expect(both[0].path).toBe('beta');
    expect(both[1].spearman).toBeLessThan(0);
  });

  it('brushRows keeps exactly the rows inside every selected range (the target by its own key)', () => {
    const rows = sweepRows(betaD, 'gainMean');
    expect(brushRows(rows, {})).toHaveLength(6);
    expect(brushRows(rows, { beta: [[0.7, 3]] }).map((r) => r.axes.beta)).toEqual([1, 1, 2, 2]);
    expect(brushRows(rows, { beta: [[0.7, 3]], 'data.d': [[90, 110]] }).map((r) => [r.axes.beta, r.axes['data.d']])).toEqual([[1, 100], [2, 100]]);
    expect(brushRows(rows, { beta: [[0.4, 0.6], [1.9, 2.1]] }).map((r) => r.axes.beta)).toEqual([0.5, 0.5, 2, 2]);
    const positive = brushRows(rows, { [PARALLEL_TARGET]: [[0, 1]] });
    expect(positive.map((r) => r.target?.estimate ?? NaN).every((v) => v >= 0)).toBe(true);
    expect(positive).toHaveLength(rows.filter((r) => (r.target?.estimate ?? -1) >= 0).length);
    expect(brushRows(rows, { beta: [] })).toHaveLength(6);
    // A log axis hands back 10^t: the range ends a rounding short of the value brushed to (seen in Chromium).
    expect(brushRows(rows, { beta: [[1.4166420265918147, 1.9999999999999998]] }).map((r) => r.axes.beta)).toEqual([2, 2]);
    expect(brushRows(rows, { beta: [[1.4166420265918147, 1.9999]] })).toEqual([]);
  });
});

describe('figuresFor: a sweep gets the sweep figures', () => {
  it('axes beyond the inner ones: the sweep and parallel coordinates, the heatmap with two varying axes', () => {
    expect(figuresFor(betaD.spec).map((f) => f.kind)).toEqual(expect.arrayContaining(['sweep', 'sweepHeatmap', 'sweepParallel']));
    expect(sweepVaryingAxes(betaD.spec)).toBe(2);
    const one = sweepInput({ axes: { beta: [0.5, 1, 2] }, gain: () => 0.01 });
    expect(hasFigure(one.spec, 'sweep')).toBe(true);
    expect(hasFigure(one.spec, 'sweepHeatmap')).toBe(false);
    const grid = sweepInput({ axes: { 'teachers.kappa': [0.2, 0.5, 0.6] }, asGrid: true, gain: () => 0.01 });
    expect(hasFigure(grid.spec, 'sweep')).toBe(true);
    // No axes, no grid: no sweep (the paper's presets keep their figures).
    const plain = validateSpec({ teachers: { count: 3, accuracy: [0.6, 0.7] }, sft: { steps: 10, learningRates: [0.1], batchSize: 100 } });
    expect(sweepVaryingAxes(plain)).toBeNull();
    expect(hasFigure(plain, 'sweep')).toBe(false);
    // Replicates of a κ list (inner axes only) pool into groups that vary along κ: a sweep; replicates of one cell: none.
    const base = { teachers: { count: 3 }, sft: { steps: 10, learningRates: [0.1], batchSize: 100 } };
    expect(sweepVaryingAxes(validateSpec({ ...base, teachers: { count: 3, kappa: [0.2, 0.6] }, replicates: 2 }))).toBe(1);
    expect(sweepVaryingAxes(validateSpec({ ...base, replicates: 2 }))).toBeNull();
    expect(sweepVaryingAxes(validateSpec({ ...base, teachers: { count: 3, kappa: [0.2, 0.6] } }))).toBeNull();
  });
});

const meanSeries = (option: unknown) => optionSeries(option).filter((s: AnySeries) => s.type === 'line' && s.stack === undefined);
const bandSeries = (option: unknown, name: string) => optionSeries(option).filter((s: AnySeries) => s.stack !== undefined && (s.name ?? '').startsWith(name));

describe('the sweep figure: the target against one axis with its intervals', () => {
  it("β on a log axis, a line per d through the groups' estimates, the band from lo to hi", () => {
    const fig = buildFigure('sweep', [betaD], style());
    const o = fig.option as { xAxis: { type: string; name: string } };
    expect(o.xAxis.type).toBe('log');
    expect(o.xAxis.name).toBe('β (beta)');
    const lines = meanSeries(fig.option);
    expect(lines.map((s) => s.name)).toEqual(['d = 50', 'd = 100']);
    const groups = betaD.summary.groups;
    for (const s of lines) {
      const d = Number((s.name ?? '').split(' = ')[1]);
      const expected = groups.filter((g) => g.axes['data.d'] === d).sort((a, b) => a.axes.beta - b.axes.beta);
      expect(drawnPoints(s)).toEqual(expected.map((g) => [g.axes.beta, g.gainMean.estimate]));
      const [lower, upper] = bandSeries(fig.option, s.name ?? '');
      expect(drawnPoints(lower)).toEqual(expected.map((g) => [g.axes.beta, g.gainMean.lo]));
      // Stacked: the upper series carries hi − lo.
      drawnPoints(upper).forEach(([, v], i) => expect(v).toBeCloseTo(expected[i].gainMean.hi - expected[i].gainMean.lo, 14));
    }
    // The CSV carries the estimates and the interval ends.
    expect(fig.series.map((s) => s.yLabel)).toEqual(['gainMean', 'gainMean_lower', 'gainMean_upper', 'gainMean', 'gainMean_lower', 'gainMean_upper']);
  });

  it('another x axis and another target: d on a linear axis, the fraction improved on [0, 1] from its Wilson interval', () => {
    const fig = buildFigure('sweep', [betaD], style({ sweepX: 'data.d', sweepTarget: 'fractionImproved' }));
    const o = fig.option as { xAxis: { type: string }; yAxis: { min: number; max: number } };
    expect(o.xAxis.type).toBe('value');
    expect([o.yAxis.min, o.yAxis.max]).toEqual([0, 1]);
    const lines = meanSeries(fig.option);
    expect(lines.map((s) => s.name)).toEqual(['β = 0.5', 'β = 1', 'β = 2']);
    const g = betaD.summary.groups.find((x) => x.axes.beta === 2 && x.axes['data.d'] === 50);
    expect(drawnPoints(lines[2])[0]).toEqual([50, g?.fractionImproved.estimate]);
  });

  it('a third axis makes small multiples: one panel per value, every panel on one y range', () => {
    const three = sweepInput({ axes: { beta: [0.5, 1, 2], 'data.d': [50, 100], 'sft.batchSize': [10, 100, 1000] }, gain: (p) => 0.01 * Math.log2(p.beta) + 1e-5 * p['sft.batchSize'] });
    const fig = buildFigure('sweep', [three], style());
    expect(fig.panels?.map((p) => p.title)).toEqual(['B = 10', 'B = 100', 'B = 1000']);
    expect(figureLayout('sweep', [three], style())).toEqual(fig.layout);
    const lines = meanSeries(fig.option);
    expect(lines).toHaveLength(6);
    expect(new Set(lines.map((s) => s.xAxisIndex))).toEqual(new Set([0, 1, 2]));
    const ys = (fig.option as { yAxis: { min: number; max: number }[] }).yAxis;
    expect(new Set(ys.map((y) => `${y.min}:${y.max}`)).size).toBe(1);
  });
});

describe("a κ sweep (a search's grid of points): Theorem 1.1's boundary beside the data", () => {
  it('draws κ = tan θ / tan θ_T = 0.528 for an 80 % student and 70 % teachers, labelled, inside the x range', () => {
    const kappa = sweepInput({ axes: { 'teachers.kappa': [0.2, 0.4, 0.5, 0.55, 0.7] }, asGrid: true, gain: (p) => 0.01 * (0.528 - p['teachers.kappa']) });
    expect([kappa.spec.student.accuracy, kappa.spec.teachers.accuracy]).toEqual([0.8, [0.7]]);
    const fig = buildFigure('sweep', [kappa], style({ sweepTarget: 'fractionImproved' }));
    const expected = Math.tan(0.2 * Math.PI) / Math.tan(0.3 * Math.PI); // θ = π (1 − accuracy)
    const marks = meanSeries(fig.option).flatMap((s) => ((s as { markLine?: { data: { xAxis?: number; label?: { formatter: string } }[] } }).markLine?.data ?? []).filter((d) => d.xAxis !== undefined));
    expect(marks).toHaveLength(1);
    expect(marks[0].xAxis).toBeCloseTo(expected, 12);
    expect(marks[0].label?.formatter).toBe('κ = tan θ / tan θ_T = 0.528');
    // Not along another axis.
    expect(JSON.stringify(buildFigure('sweep', [betaD], style()).option)).not.toContain('tan θ_T');
  });
});

describe('the sweep heatmap and parallel coordinates', () => {
  it('the heatmap: x × y categories, each cell the group estimate', () => {
    const fig = buildFigure('sweepHeatmap', [betaD], style());
    const o = fig.option as { xAxis: { data: string[] }; yAxis: { data: string[] }; series: { data: { value: [number, number, number] }[] }[] };
    expect(o.xAxis.data).toEqual(['0.5', '1', '2']);
    expect(o.yAxis.data).toEqual(['50', '100']);
    for (const { value } of o.series[0].data) {
      const g = betaD.summary.groups.find((x) => x.axes.beta === [0.5, 1, 2][value[0]] && x.axes['data.d'] === [50, 100][value[1]]);
      expect(value[2]).toBe(g?.gainMean.estimate);
    }
    expect(fig.series).toHaveLength(2); // a row per d
    // Gains of both signs: the diverging map, symmetric about 0 to the largest |gain|.
    const vm = (fig.option as { visualMap: { min: number; max: number } }).visualMap;
    const largest = Math.max(...betaD.summary.groups.map((g) => Math.abs(g.gainMean.estimate)));
    expect([vm.min, vm.max]).toEqual([-largest, largest]);
    // Every point helps: viridis over the gains' own range, or every cell would be the same red.
    const helps = sweepInput({ axes: { beta: [0.5, 1, 2], 'data.d': [50, 100] }, gain: (p) => 0.03 + 0.001 * Math.log2(p.beta) });
    const one = buildFigure('sweepHeatmap', [helps], style()).option as { visualMap: { min: number; max: number; inRange: { color: string[] } } };
    expect([one.visualMap.min, one.visualMap.max].map((v) => Number(v.toFixed(12)))).toEqual([0.029, 0.031]);
    expect(one.visualMap.inRange.color[0]).toBe('#440154');
    // Values 0.002 apart: labelled to 4 decimals (at 3, 0.0295 and 0.0305 would read alike).
    const labels = (one as unknown as { series: { data: { label: { formatter: string } }[] }[] }).series[0].data.map((d) => d.label.formatter);
    expect(labels).toContain('0.0290');
    expect(labels).toContain('0.0310');
  });

  it('parallel coordinates: an axis per varying axis (log for β) and the target; a line per group', () => {
    const fig = buildFigure('sweepParallel', [betaD], style({ sweepTarget: 'pgr' }));
    const o = fig.option as { parallelAxis: { type: string; dim: number }[]; series: { type: string; data: number[][] }[] };
    expect(o.parallelAxis.map((a) => a.type)).toEqual(['log', 'value', 'value']);
    expect(o.series[0].type).toBe('parallel');
    expect(o.series[0].data).toEqual(betaD.summary.groups.map((g) => [g.axes.beta, g.axes['data.d'], targetOf(g, 'pgr')?.estimate]));
  });

  it('refuses a figure the groups cannot give, naming what it needs', () => {
    const one = sweepInput({ axes: { beta: [0.5, 1, 2] }, gain: () => 0.01 });
    expect(() => buildFigure('sweepHeatmap', [one], style())).toThrow(/two axes/);
    const none = { ...betaD, summary: null };
    expect(() => buildFigure('sweep', [none], style())).toThrow(/vary along an axis/);
  });

  const kinds: FigureKind[] = ['sweep', 'sweepHeatmap', 'sweepParallel'];
  for (const theme of ['light', 'dark'] as const) {
    for (const kind of kinds) {
      it(`${kind} (${theme}) renders to SVG with its axis names`, () => {
        const s = style({ theme });
        const fig = buildFigure(kind, [betaD], s);
        const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: s.width, height: s.height });
        chart.setOption(fig.option);
        const svg = chart.renderToSVGString();
        chart.dispose();
        expect(svg.startsWith('<svg')).toBe(true);
        for (const name of kind === 'sweepParallel' ? ['β', 'd', 'mean gain'] : [fig.xAxisLabel, fig.yAxisLabel]) expect(svg).toContain(`>${name}</text>`);
      });
    }
  }
});

describe('the sweep figures export as paper figures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-sweep-export-'));
  const three = sweepInput({ axes: { beta: [0.5, 1, 2], 'data.d': [50, 100], 'sft.batchSize': [10, 100, 1000] }, replicates: 2, gain: (p, r, t) => 0.01 * Math.log2(p.beta) + 1e-5 * p['sft.batchSize'] + 0.002 * r + 0.003 * (t - 3.5) });
  for (const kind of ['sweep', 'sweepHeatmap', 'sweepParallel'] as const) {
    it(`${kind}: a PDF, a CSV of exactly the plotted series, and a matplotlib script that runs on it`, async () => {
      const settings = parseExportSettings({ widthIn: 6.5, sweepTarget: 'gainMean' });
      const layout = figureLayout(kind, [three], exportStyle(settings));
      const fig = buildFigure(kind, [three], exportStyle(settings, layout));
      const pdf = (await exportFigure(fig, { settings, format: 'pdf' })) as Buffer;
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const csv = (await exportFigure(fig, { settings, format: 'csv', csvFile: `${kind}.csv` })) as string;
      const parsed = parsePlottedCsv(csv);
      expect(parsed.map((s) => s.name)).toEqual(fig.series.map((s) => s.name));
      parsed.forEach((s, i) => expect(s.y.map((v) => (Number.isNaN(v) ? null : v))).toEqual(Array.from(fig.series[i].y, (v) => (Number.isNaN(v) ? null : v))));
      const py = (await exportFigure(fig, { settings, format: 'py', csvFile: `${kind}.csv` })) as string;
      writeFileSync(join(dir, `${kind}.csv`), csv);
      writeFileSync(join(dir, `${kind}.py`), py);
      const r = spawnSync('python3', [join(dir, `${kind}.py`), join(dir, `${kind}.csv`), join(dir, `${kind}.png`)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    });
  }
});
