/**
 * The trajectories figure's laws on the presets' own data (issue 18), not on small fixtures: the
 * Figure 1 preset at full size (4 norms × 100 teachers × 7 learning rates, 1 000 steps of
 * B = 10 000) run on the preview path through the real lab (engine processes, a SQLite history in a
 * temporary folder), then drawn as the export draws it.
 *
 * - each cell is drawn at one learning rate, the one whose mean early-stopped gain over its
 *   teachers is highest (computed here directly from every stored run);
 * - the plotted mean lies inside the envelope of the lines it averages at every x, in each mode
 *   (the cell's rate, flow time, aligned at the stop, lines ended at their stop), and never past
 *   the last of them;
 * - the plotted mean cos of every cell rises above the initial cos by most of the gain the summary
 *   reports, and matches an independent numpy simulation of the same chain
 *   (test/fixtures/cell_rate_reference.py: mean peak ≈ 0.843 from 0.809 at every norm).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportStyle, loadFigureInput } from '../../src/backend/figureFiles';
import { buildFigure, figureLayout } from '../../src/charts/index';
import type { FigureInput, PlottedSeries } from '../../src/charts/types';
import { CEILING } from '../../src/engine/grid';
import { validateSpec } from '../../src/engine/spec';
import { heightOf, parseExportSettings } from '../../src/shared/figureExport';
import { type LabFixture, openLabFixture } from '../helpers/labFixture';
import { until } from '../helpers/until';

const ROOT = join(__dirname, '..', '..');
const FIGURE1 = JSON.parse(readFileSync(join(ROOT, 'resources', 'presets', 'figure1.json'), 'utf8')) as Record<string, unknown>;
const REFERENCE = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'cell-rate-reference.json'), 'utf8')) as {
  cells: { norm: number; learningRate: number; teachers: number; startCos: number; meanPeakCos: number; peakCosMean: number; peakCosStd: number }[];
};

let fixture: LabFixture;
let id: number;
let input: FigureInput;

beforeAll(async () => {
  fixture = openLabFixture('preset-laws', { workers: 2 });
  id = fixture.lab.submit(validateSpec({ ...FIGURE1, engine: { path: 'preview' } }));
  await until(() => fixture.store.getExperiment(id)?.status === 'done', 'the Figure 1 preset in preview', 600_000, 200);
  input = loadFigureInput(fixture.store, id);
}, 620_000);
afterAll(() => fixture?.close());

/** The export's figure for these settings (the default: the cell's rate, small multiples, cos). */
function exported(settings: Record<string, unknown>, from: FigureInput = input) {
  const s = parseExportSettings(settings);
  return buildFigure('trajectories', [from], exportStyle(s, figureLayout('trajectories', [from], exportStyle(s))));
}

const isLine = (p: PlottedSeries) => /cell\d+ teacher\d+$/.test(p.name);
const isMean = (p: PlottedSeries, metric: string) => p.yLabel === `${metric}_mean`;

/** A line's value at x by linear interpolation between its points; undefined outside its x range. */
function at(line: PlottedSeries, x: number): number | undefined {
  const xs = line.x;
  if (xs.length === 0 || x < xs[0] || x > xs[xs.length - 1]) return undefined;
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  if (xs[lo] === x) return line.y[lo];
  if (xs[hi] === x) return line.y[hi];
  return line.y[lo] + ((x - xs[lo]) / (xs[hi] - xs[lo])) * (line.y[hi] - line.y[lo]);
}

/** Every plotted mean of a figure inside the envelope of the lines drawn in its panel, at every x; returns the points checked. */
function meanInsideEnvelope(series: PlottedSeries[], metric: string): number {
  let checked = 0;
  for (const mean of series.filter((p) => isMean(p, metric))) {
    const lines = series.filter((p) => isLine(p) && p.panel === mean.panel && p.yLabel === metric);
    expect(lines.length, mean.name).toBeGreaterThan(1);
    const lastEnd = Math.max(...lines.map((l) => l.x[l.x.length - 1]));
    expect(mean.x[mean.x.length - 1], `${mean.name} continues past its lines`).toBeLessThanOrEqual(lastEnd);
    for (let i = 0; i < mean.x.length; i++) {
      const values = lines.map((l) => at(l, mean.x[i])).filter((v): v is number => v !== undefined && Number.isFinite(v));
      expect(values.length, `${mean.name} at ${mean.x[i]}: no line there`).toBeGreaterThan(0);
      const tol = 1e-12 * Math.max(1, Math.abs(mean.y[i]));
      if (!(mean.y[i] >= Math.min(...values) - tol && mean.y[i] <= Math.max(...values) + tol)) {
        throw new Error(`${mean.name} at x = ${mean.x[i]}: mean ${mean.y[i]} outside [${Math.min(...values)}, ${Math.max(...values)}] of ${values.length} lines`);
      }
      checked++;
    }
  }
  return checked;
}

describe('the Figure 1 preset, drawn at each cell\'s learning rate', () => {
  it('draws each cell at the one rate whose mean early-stopped gain over its teachers is highest, every teacher\'s run at it bit for bit', () => {
    const all = loadFigureInput(fixture.store, id, 'all');
    const width = all.bundle.columns.length;
    const col = (name: string) => all.bundle.columns.indexOf(name);
    let offset = 0;
    const runs = all.bundle.runs.map((r) => {
      const n = r.recorded;
      const cos = all.bundle.data.subarray(offset + col('cos') * n, offset + (col('cos') + 1) * n);
      const step = all.bundle.data.subarray(offset + col('step') * n, offset + (col('step') + 1) * n);
      offset += n * width;
      return { key: r.key, cos, step };
    });
    const fig = exported({ widthIn: 6.75 });
    const lrs = input.spec.sft.learningRates;
    for (const [cell, norm] of (input.spec.student.norm as number[]).entries()) {
      const mine = runs.filter((r) => r.key.cell === cell && r.key.teacher !== CEILING);
      const means = lrs.map((_, k) => {
        const g = mine.filter((r) => r.key.lr === k).map((r) => Math.max(...Array.from(r.cos.subarray(1))) - r.cos[0]);
        return g.reduce((a, b) => a + b, 0) / g.length;
      });
      const best = means.indexOf(Math.max(...means));
      const panel = fig.panels?.findIndex((p) => p.title === `‖w₀‖ = ${norm} · η = ${lrs[best]}`) ?? -1;
      expect(panel, `the panel of ‖w₀‖ = ${norm} says η = ${lrs[best]}`).toBeGreaterThanOrEqual(0);
      const lines = fig.series.filter((p) => isLine(p) && p.panel === panel);
      expect(lines).toHaveLength(100);
      for (const line of lines) {
        const teacher = Number(/teacher(\d+)$/.exec(line.name)?.[1]);
        const run = mine.find((r) => r.key.teacher === teacher && r.key.lr === best);
        expect(Array.from(line.y)).toEqual(Array.from(run?.cos ?? []));
        expect(Array.from(line.x)).toEqual(Array.from(run?.step ?? []));
      }
    }
  });

  it('plots a mean inside the envelope of the lines it averages at every step, in every mode, never past their ends', () => {
    expect(meanInsideEnvelope(exported({ widthIn: 6.75 }).series, 'cos')).toBeGreaterThan(4 * 1000);
    expect(meanInsideEnvelope(exported({ widthIn: 6.75, endAtStop: true }).series, 'cos')).toBeGreaterThan(4 * 20);
    expect(meanInsideEnvelope(exported({ widthIn: 6.75, facet: 'rows', metric: null }).series, 'norm')).toBeGreaterThan(4 * 1000);
    const selected = loadFigureInput(fixture.store, id, 'selected');
    expect(meanInsideEnvelope(exported({ widthIn: 6.75, runs: 'flowTime' }, selected).series, 'cos')).toBeGreaterThan(4 * 1000);
    expect(meanInsideEnvelope(exported({ widthIn: 6.75, runs: 'atStop' }, selected).series, 'cos')).toBeGreaterThan(4 * 1000);
  });

  it('rises above the initial cos by most of the gain the summary reports, as an independent numpy simulation of the chain does', () => {
    const fig = exported({ widthIn: 6.75 });
    const summary = input.summary;
    expect(summary).not.toBeNull();
    for (const [cell, norm] of (input.spec.student.norm as number[]).entries()) {
      const mean = fig.series.find((p) => isMean(p, 'cos') && p.name.includes(`‖w₀‖ = ${norm} (n = 100)`));
      expect(mean, `the mean of ‖w₀‖ = ${norm}`).toBeDefined();
      const y = Array.from(mean?.y ?? []);
      const start = y[0];
      const peak = Math.max(...y.slice(1));
      const reported = summary?.cells[cell].gainMean as number;
      // The figure's mean peaks at most of the mean selected gain (the issue: 0.008–0.015 of 0.033 before).
      expect(peak - start, `‖w₀‖ = ${norm}: mean rises ${peak - start} of a reported gain of ${reported}`).toBeGreaterThanOrEqual(0.85 * reported);
      // The numpy chain at the same rate: start exactly the 80 % student, peak within sampling error.
      const ref = REFERENCE.cells.find((c) => c.norm === norm);
      expect(ref?.learningRate).toBe(input.spec.sft.learningRates[input.summary?.cells[cell].cellLrIndex as number]);
      expect(Math.abs(start - (ref?.startCos as number))).toBeLessThan(1e-9);
      const se = (ref?.peakCosStd as number) / Math.sqrt(ref?.teachers as number);
      expect(Math.abs(peak - (ref?.meanPeakCos as number)), `‖w₀‖ = ${norm}: peak ${peak} against numpy's ${ref?.meanPeakCos}`).toBeLessThan(Math.max(4 * se, 0.003));
    }
  });

  it("at one column's width (the export's default) its four norms wrap two by two, each panel titled with its norm and η, not a 9-inch column", () => {
    const s = parseExportSettings({});
    const layout = figureLayout('trajectories', [input], exportStyle(s));
    expect([layout.rows, layout.cols]).toEqual([2, 2]);
    expect(heightOf(s, layout)).toBeLessThan(s.widthIn * 1.2);
    const titles = (exported({}).option.title as { text: string }[]).map((t) => t.text);
    for (const norm of [0.5, 1, 3, 10]) expect(titles.some((t) => t.startsWith(`‖w₀‖ = ${norm} · η = `)), `‖w₀‖ = ${norm}`).toBe(true);
  });
});
