/**
 * The chart-option builders against independent computations on synthetic bundles whose answers
 * are known, one real tiny experiment checked against engine/summary, and an SSR render of every
 * figure kind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as echarts from 'echarts';
import { describe, expect, it } from 'vitest';
import { CEILING, cellsOf, type RunDescriptor } from '../../src/engine/grid';
import { summarizeExperiment, type RunOutcome } from '../../src/engine/summary';
import { bandAcross, cellRateGroups, ema, runViews, selectTeachers, thinIndices, tQuantile975 } from '../../src/charts/data';
import { fastTeacherFlow, kTabulated, teacherFlow } from '../../src/charts/flowOverlay';
import { kFunction } from '../../src/engine/flow';
import { buildFigure, defaultStyle, heatmap, theoryFigure, trajectories } from '../../src/charts/index';
import { contrastRatio, DARK_BACKGROUND, DARK_PALETTES, hexRgb, PALETTES, themeColors } from '../../src/charts/style';
import type { FigureInput, FigureKind } from '../../src/charts/types';
import { runAll } from '../helpers/experiment';
import { type AnySeries, C0, COLUMNS, type Column, descriptor, drawnPoints, lcg, makeSpec, optionSeries, pack, summaryOf, syntheticInput, syntheticRun, type SyntheticRun } from '../helpers/synthetic';

const style = defaultStyle({ flow: false });

describe('data helpers', () => {
  it('views are subarrays of the block, not copies, with the right values', () => {
    const spec = makeSpec();
    const { input, runs } = syntheticInput(spec, 20);
    const views = runViews(input.bundle);
    expect(views).toHaveLength(runs.length);
    views.forEach((v, i) => {
      expect(v.columns.cos.buffer).toBe(input.bundle.data.buffer);
      expect(Array.from(v.columns.cos)).toEqual(runs[i].cols.cos);
      expect(Array.from(v.columns.step)).toEqual(runs[i].cols.step);
    });
  });

  it('picks, per teacher, the learning rate with the highest early-stopped cos, and leaves the ceiling out', () => {
    const spec = makeSpec();
    const { input, runs } = syntheticInput(spec);
    const selected = selectTeachers(spec, runViews(input.bundle));
    expect(selected).toHaveLength(2 * 4);
    expect(selected.every((t) => t.teacher !== CEILING)).toBe(true);
    for (const t of selected) {
      const candidates = runs.filter((r) => r.key.cell === t.cell && r.key.teacher === t.teacher);
      const best = candidates.map((r) => Math.max(...r.cols.cos.slice(1)));
      const lr = best.indexOf(Math.max(...best));
      expect(t.view?.key.lr).toBe(lr);
      expect(t.learningRate).toBe(spec.sft.learningRates[lr]);
      const cos = candidates[lr].cols.cos;
      expect(t.gain).toBeCloseTo(Math.max(...cos.slice(1)) - cos[0], 14);
      expect(cos[t.index]).toBe(Math.max(...cos.slice(1)));
    }
  });

  it('agrees with engine/summary on a real tiny experiment, and on a partial (running) prefix', () => {
    const { spec, outcomes } = runAll({ seed: 3, data: { d: 20 }, teachers: { count: 5 }, sft: { steps: 40, batchSize: 200, learningRates: [0.1, 1] } });
    const runs: SyntheticRun[] = outcomes.map((o) => ({
      key: o.key,
      descriptor: o.descriptor,
      cols: Object.fromEntries(COLUMNS.map((c) => [c, Array.from(o.series[c])])) as Record<Column, number[]>,
    }));
    const summary = summarizeExperiment(spec, 'reduced', cellsOf(spec), outcomes);
    const selected = selectTeachers(spec, runViews(pack(runs)));
    expect(selected.map((t) => t.gain)).toEqual(summary.teachers.map((t) => t.gain));
    expect(selected.map((t) => t.step)).toEqual(summary.teachers.map((t) => t.bestStep));
    // Partial: the first 10 points of each run, as while the experiment runs.
    const partial = runs.map((r) => ({ ...r, cols: Object.fromEntries(COLUMNS.map((c) => [c, r.cols[c].slice(0, 10)])) as Record<Column, number[]> }));
    const cut = outcomes.map((o) => ({ ...o, series: Object.fromEntries(COLUMNS.map((c) => [c, o.series[c].slice(0, 10)])) as unknown as RunOutcome['series'] }));
    const partialSummary = summarizeExperiment(spec, 'reduced', cellsOf(spec), cut);
    expect(selectTeachers(spec, runViews(pack(partial))).map((t) => t.gain)).toEqual(partialSummary.teachers.map((t) => t.gain));
  });

  it('bands across teachers equal a direct computation (columns of unequal length)', () => {
    const rand = lcg(11);
    const columns = [30, 30, 25, 30, 12].map((n) => Array.from({ length: n }, () => rand() * 2 - 1));
    // Student t 97.5 % quantiles (scipy.stats.t.ppf(0.975, df)).
    const tTable: Record<number, number> = { 1: 12.706205, 2: 4.302653, 3: 3.182446, 4: 2.776445 };
    for (const kind of ['std', 'sem', 'ci95', 'minmax'] as const) {
      const b = bandAcross(columns, kind);
      expect(b.mean).toHaveLength(30);
      for (let i = 0; i < 30; i++) {
        const v = columns.filter((c) => c.length > i).map((c) => c[i]);
        const n = v.length;
        const m = v.reduce((a, x) => a + x, 0) / n;
        const s = Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1));
        const half = { std: s, sem: s / Math.sqrt(n), ci95: (tTable[n - 1] * s) / Math.sqrt(n), minmax: 0 }[kind];
        expect(b.n[i]).toBe(n);
        expect(b.mean[i]).toBeCloseTo(m, 12);
        expect(b.lower[i]).toBeCloseTo(kind === 'minmax' ? Math.min(...v) : m - half, 5);
        expect(b.upper[i]).toBeCloseTo(kind === 'minmax' ? Math.max(...v) : m + half, 5);
      }
    }
  });

  it('t quantiles beyond the table follow scipy', () => {
    expect(tQuantile975(31)).toBeCloseTo(2.039513, 5);
    expect(tQuantile975(40)).toBeCloseTo(2.021075, 5);
    expect(tQuantile975(99)).toBeCloseTo(1.984217, 5);
    expect(tQuantile975(1000)).toBeCloseTo(1.962339, 5);
  });

  it('EMA is the recursion from y0, and thinning keeps ends, extremes and at most maxPoints', () => {
    const y = [1, 3, 2, 8, -4, 0];
    const e = ema(y, 0.5);
    const direct = [1];
    for (let i = 1; i < y.length; i++) direct.push(0.5 * direct[i - 1] + 0.5 * y[i]);
    expect(Array.from(e)).toEqual(direct);
    const rand = lcg(5);
    const long = Array.from({ length: 1000 }, () => rand());
    long[437] = 5;
    long[611] = -5;
    const idx = thinIndices(long, 50);
    expect(idx.length).toBeLessThanOrEqual(50);
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(999);
    expect(idx).toContain(437);
    expect(idx).toContain(611);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    expect(thinIndices(long, null)).toHaveLength(1000);
  });
});


/** The cell's learning rate, directly: per rate the mean over the cell's teachers of max_{t ≥ 1} cos − cos_0, the highest. */
function directCellRate(runs: SyntheticRun[], cell: number): number {
  const mine = runs.filter((r) => r.key.cell === cell && r.key.teacher !== CEILING);
  const lrs = [...new Set(mine.map((r) => r.key.lr))].sort((a, b) => a - b);
  const means = lrs.map((lr) => {
    const g = mine.filter((r) => r.key.lr === lr).map((r) => Math.max(...r.cols.cos.slice(1)) - r.cols.cos[0]);
    return g.reduce((a, b) => a + b, 0) / g.length;
  });
  return lrs[means.indexOf(Math.max(...means))];
}

describe('trajectories', () => {
  it('plots a line per teacher (one polyline series per cell), a mean and two band edges per cell, stop markers and flows', () => {
    const spec = makeSpec();
    const { input, runs } = syntheticInput(spec);
    const teachers = 2 * 4;
    const cells = 2;
    const together = { facet: 'together' as const };
    const bare = trajectories(input, defaultStyle({ ...together, flow: false, stopMarkers: false }));
    expect(bare.series).toHaveLength(teachers + cells * 3);
    expect(optionSeries(bare.option)).toHaveLength(cells * 4);
    const polylines = optionSeries(bare.option).filter((s) => s.type === 'lines');
    expect(polylines.map((s) => s.data?.length)).toEqual([4, 4]);
    // Together, each cell's entry says its learning rate.
    const eta = [0, 1].map((cell) => spec.sft.learningRates[directCellRate(runs, cell)]);
    expect((bare.option.legend as { data: string[] }).data).toEqual([`‖w₀‖ = 1, η = ${eta[0]} (n = 4)`, `‖w₀‖ = 3, η = ${eta[1]} (n = 4)`]);
    const names = bare.series.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('cell1 teacher3');
    const full = trajectories(input, defaultStyle({ ...together, flow: true, stopMarkers: true }));
    expect(full.series).toHaveLength(teachers + cells * 5);
    const smooth = trajectories(input, defaultStyle({ ...together, flow: false, stopMarkers: false, smoothing: 0.9 }));
    expect(smooth.series).toHaveLength(teachers + cells * 4);
  });

  it("the mean and band in the figure equal the statistics of every teacher's run at the cell's learning rate", () => {
    const spec = makeSpec();
    const { input, runs } = syntheticInput(spec);
    const fig = trajectories(input, defaultStyle({ flow: false, band: 'minmax', metric: 'norm', facet: 'together' }));
    const lr = directCellRate(runs, 1);
    const atRate = runs.filter((r) => r.key.cell === 1 && r.key.lr === lr && r.key.teacher !== CEILING);
    expect(atRate).toHaveLength(4);
    const name = `‖w₀‖ = 3, η = ${spec.sft.learningRates[lr]} (n = 4)`;
    const mean = fig.series.find((s) => s.name === name);
    const upper = fig.series.find((s) => s.name === `${name} upper`);
    expect(mean?.yLabel).toBe('norm_mean');
    for (const i of [0, 17, 99]) {
      const v = atRate.map((r) => r.cols.norm[i]);
      expect(mean?.y[i]).toBeCloseTo(v.reduce((a, b) => a + b, 0) / v.length, 12);
      expect(upper?.y[i]).toBe(Math.max(...v));
    }
  });

  it('thins drawn series to maxPoints but keeps full resolution in series', () => {
    const spec = makeSpec({ sft: { steps: 999, learningRates: [0.1, 1], recordEvery: 1, batchSize: 100 } });
    const { input } = syntheticInput(spec, 1000);
    const fig = trajectories(input, defaultStyle({ flow: false, maxPoints: 50, facet: 'together' }));
    for (const s of optionSeries(fig.option)) if (s.type === 'line') expect(s.data?.length).toBeLessThanOrEqual(50);
    // Per-teacher lines get a fraction of the points: they are many and faint.
    for (const s of optionSeries(fig.option)) if (s.type === 'lines') for (const d of s.data as { coords: unknown[] }[]) expect(d.coords.length).toBeLessThanOrEqual(15);
    for (const s of fig.series) if (!s.name.endsWith('early stops')) expect(s.y.length).toBe(1000);
    // The band's two stacked edges stay aligned point for point.
    const lower = optionSeries(fig.option).find((s) => s.name?.startsWith('‖w₀‖ = 1,') && s.name.endsWith('(n = 4) lower'));
    const upper = optionSeries(fig.option).find((s) => s.name?.startsWith('‖w₀‖ = 1,') && s.name.endsWith('(n = 4) upper'));
    expect(lower).toBeDefined();
    expect((lower?.data as number[][]).map((p) => p[0])).toEqual((upper?.data as number[][]).map((p) => p[0]));
  });

  it('early-stop markers: on screen one large-mode path per cell when it has markers (never an empty large scatter: ECharts throws drawing one); exported, one element each', () => {
    const spec = makeSpec({ sft: { steps: 99, learningRates: [0.1, 1], recordEvery: 1, batchSize: 100 } });
    const { input } = syntheticInput(spec, 100);
    const markers = (maxPoints: number | null) => optionSeries(trajectories(input, defaultStyle({ flow: false, maxPoints, facet: 'together', stopMarkers: true })).option).filter((s) => s.type === 'scatter' && s.name?.endsWith('early stops'));
    const screen = markers(500);
    expect(screen.length).toBeGreaterThan(0);
    for (const s of screen) {
      const n = (s.data as unknown[]).length;
      expect((s as { largeThreshold?: number }).largeThreshold).toBe(n > 0 ? 0 : 2000);
    }
    for (const s of markers(null)) expect((s as { largeThreshold?: number }).largeThreshold).toBeGreaterThanOrEqual((s.data as unknown[]).length);
  });

  it('a log y axis drops non-positive values and a log x axis step 0', () => {
    const spec = makeSpec({ student: { norm: 1 }, teachers: { count: 3, accuracy: 0.7 } });
    const rand = lcg(3);
    const runs: SyntheticRun[] = [];
    for (let t = 0; t < 3; t++) {
      for (let lr = 0; lr < 3; lr++) {
        const r = syntheticRun({ cell: 0, teacher: t, lr }, 1, 0.05, 10, 0, 100, rand);
        // Teacher 2 dips below zero mid-run (the inner product can).
        if (t === 2) for (let i = 40; i < 50; i++) r.cols.inner[i] = -0.1;
        runs.push(r);
      }
    }
    const input: FigureInput = { id: 2, name: 'log', seed: 1, spec, summary: null, bundle: pack(runs) };
    const fig = trajectories(input, defaultStyle({ flow: false, metric: 'inner', yScale: 'log', xScale: 'log', band: 'minmax' }));
    for (const s of optionSeries(fig.option)) {
      for (const p of drawnPoints(s)) {
        expect(p[0]).toBeGreaterThan(0);
        if (s.stack === undefined) expect(p[1]).toBeGreaterThan(0);
      }
    }
    const teacher2 = fig.series.find((s) => s.name === 'cell0 teacher2');
    expect(teacher2?.y.length).toBe(99 - 10);
    const lower = fig.series.find((s) => s.name.endsWith(' lower'));
    expect(lower?.y.length).toBe(99 - 10);
    expect(Math.min(...Array.from(lower?.y ?? []))).toBeGreaterThan(0);
    expect(fig.series.find((s) => s.name === 'cell0 teacher0')?.y.length).toBe(99);
  });
});

describe('population flow overlay', () => {
  it('starts at the initial metric, and its cos rises for a teacher better than chance with small κ', () => {
    const spec = makeSpec({ beta: 2 });
    const d = descriptor(3, 0.05);
    const cos = teacherFlow(spec, d, 0.5, 'cos');
    expect(cos.step[0]).toBe(0);
    expect(cos.y[0]).toBeCloseTo(C0, 12);
    expect(teacherFlow(spec, d, 0.5, 'norm').y[0]).toBeCloseTo(3, 12);
    expect(teacherFlow(spec, d, 0.5, 'inner').y[0]).toBeCloseTo(3 * C0, 12);
    expect(cos.y[1]).toBeGreaterThan(cos.y[0]);
    // Strongly aligned errors (κ past tan θ / tan θ_T) make the first step hurt (docs/spec.md §6).
    const hurt = teacherFlow(spec, descriptor(3, 0.95), 0.5, 'cos');
    expect(hurt.y[1]).toBeLessThan(hurt.y[0]);
  });

  it('the tabulated k and the fast 3-D flow agree with engine/flow', () => {
    for (const g of [1e-4, 3e-3, 0.1, 0.5, 0.999, 1, 1.001, 2.5, 10, 77, 1000]) expect(Math.abs(kTabulated(g) - kFunction(g))).toBeLessThan(3e-8);
    expect(kTabulated(0)).toBe(0);
    const spec = makeSpec({ beta: 3, sft: { steps: 200, learningRates: [1], recordEvery: 7, batchSize: 100 } });
    for (const metric of ['cos', 'inner', 'norm', 'accuracy'] as const) {
      const exact = teacherFlow(spec, descriptor(0.5, 0.3), 2, metric);
      const fast = fastTeacherFlow(spec, descriptor(0.5, 0.3), 2, metric);
      expect(fast.step).toEqual(exact.step);
      fast.y.forEach((v, i) => expect(v).toBeCloseTo(exact.y[i], 7));
    }
  });

  it("the drawn flow is the mean of the teachers' flows at the cell's learning rate, and on flow time at their own", () => {
    const spec = makeSpec({ student: { norm: 1 } });
    const { input, runs } = syntheticInput(spec);
    const fig = trajectories(input, defaultStyle({ flow: true }));
    const flow = fig.series.find((s) => s.name === '‖w₀‖ = 1 population flow');
    expect(flow?.x.length).toBe(100);
    expect(flow?.y[0]).toBeCloseTo(C0, 12);
    const lr = directCellRate(runs, 0);
    const eta = spec.sft.learningRates[lr];
    const teachers = runs.filter((r) => r.key.teacher !== CEILING && r.key.lr === lr);
    const at50 = teachers.map((r) => teacherFlow(spec, r.descriptor as RunDescriptor, eta, 'cos').y[50]);
    expect(flow?.y[50]).toBeCloseTo(at50.reduce((a, b) => a + b, 0) / at50.length, 8);
    // On flow time each teacher's flow runs at its selected rate, at times η·t.
    const onFlowTime = trajectories(input, defaultStyle({ flow: true, runs: 'flowTime' }));
    const timed = onFlowTime.series.find((s) => s.name === '‖w₀‖ = 1 population flow');
    const selected = selectTeachers(spec, runViews(input.bundle));
    expect(timed?.x[timed.x.length - 1]).toBeCloseTo(Math.max(...selected.map((t) => t.learningRate)) * 99, 10);
    // No flow for anisotropic data.
    const aniso = { ...input, spec: makeSpec({ student: { norm: 1 }, data: { d: 10, spectrum: { powerLaw: 1 } } }) };
    expect(trajectories(aniso, defaultStyle({ flow: true })).series.some((s) => s.name.endsWith('population flow'))).toBe(false);
  });
});

describe('other figures', () => {
  it('heatmap values equal the summary cells, and the series-only values while running', () => {
    const spec = makeSpec({ student: { norm: [0.5, 1, 3] }, teachers: { count: 4, accuracy: [0.6, 0.7] } });
    const { input, runs } = syntheticInput(spec);
    const summary = summaryOf(spec, runs);
    for (const which of ['gainMean', 'fractionImproved'] as const) {
      const withSummary = heatmap({ ...input, summary }, defaultStyle({ heatmapValue: which }));
      const running = heatmap(input, defaultStyle({ heatmapValue: which }));
      expect(withSummary.series).toHaveLength(3);
      for (const cell of summary.cells) {
        const row = withSummary.series.find((s) => s.name === `‖w₀‖ = ${cell.norm}`);
        const col = Array.from(row?.x ?? []).indexOf(cell.teacherAccuracy as number);
        expect(row?.y[col]).toBe(cell[which]);
        const rowRunning = running.series.find((s) => s.name === `‖w₀‖ = ${cell.norm}`);
        expect(rowRunning?.y[col]).toBeCloseTo(cell[which], 12);
      }
    }
  });

  it('theory: coloured per cell, filled where the predicted sign agrees with the gain, the title counting them', () => {
    const spec = makeSpec({ beta: 1.5, teachers: { count: 12, accuracy: 0.7 } });
    const { input } = syntheticInput(spec, 100, 21);
    const fig = theoryFigure(input, defaultStyle());
    let agree = 0;
    let n = 0;
    const perCell = new Map<number, { agree: number; disagree: number }>();
    for (const t of selectTeachers(spec, runViews(input.bundle))) {
      const d = t.descriptor as RunDescriptor;
      const s0 = Math.sqrt(1 - d.studentCos ** 2);
      const sT = Math.sqrt(1 - d.teacherCos ** 2);
      const rate = (1.5 * s0 * (d.teacherCos * s0 - sT * d.kappa * d.studentCos)) / (Math.sqrt(2 * Math.PI) * d.studentNorm);
      n++;
      const c = perCell.get(t.cell) ?? { agree: 0, disagree: 0 };
      if ((rate > 0) === (t.gain > 0)) {
        agree++;
        c.agree++;
      } else c.disagree++;
      perCell.set(t.cell, c);
    }
    expect(n).toBe(24);
    expect(agree).toBeGreaterThan(0);
    expect(agree).toBeLessThan(n);
    expect(fig.title).toContain(`${agree} of ${n} teachers agree`);
    expect((fig.option.legend as { data: string[] }).data).toEqual(['‖w₀‖ = 1 (n = 12)', '‖w₀‖ = 3 (n = 12)', `signs agree (${agree})`, `signs disagree (${n - agree})`]);
    const series = optionSeries(fig.option) as (AnySeries & { itemStyle?: { color?: string; borderColor?: string; borderWidth?: number } })[];
    ['‖w₀‖ = 1 (n = 12)', '‖w₀‖ = 3 (n = 12)'].forEach((name, cell) => {
      const filled = series.find((s) => s.name === name);
      const hollow = series.find((s) => s.name === `${name}: signs disagree`);
      expect([filled?.data?.length, hollow?.data?.length]).toEqual([perCell.get(cell)?.agree, perCell.get(cell)?.disagree]);
      // One colour per cell: the fill where the signs agree, a ring around the background where they do not.
      expect(hollow?.itemStyle?.borderColor).toBe(filled?.itemStyle?.color);
      expect(hollow?.itemStyle?.color).toBe('#ffffff');
      expect(filled?.itemStyle?.borderWidth).toBe(0);
    });
    expect(series.find((s) => s.name === '‖w₀‖ = 1 (n = 12)')?.itemStyle?.color).not.toBe(series.find((s) => s.name === '‖w₀‖ = 3 (n = 12)')?.itemStyle?.color);
    expect(fig.series.reduce((a, s) => a + s.x.length, 0)).toBe(n);
  });

  it('gains histogram counts every teacher once, in the bin of its gain', () => {
    const spec = makeSpec();
    const { input } = syntheticInput(spec);
    const fig = buildFigure('gains', [input], style);
    const selected = selectTeachers(spec, runViews(input.bundle));
    expect(fig.series).toHaveLength(2);
    fig.series.forEach((s, cell) => {
      const gains = selected.filter((t) => t.cell === cell).map((t) => t.gain);
      expect(Array.from(s.y).reduce((a, b) => a + b, 0)).toBe(gains.length);
      const width = s.x[1] - s.x[0];
      for (let b = 0; b < s.x.length; b++) {
        const inBin = gains.filter((g) => g >= s.x[b] - width / 2 - 1e-12 && (g < s.x[b] + width / 2 - 1e-12 || b === s.x.length - 1)).length;
        expect(s.y[b]).toBe(inBin);
      }
    });
  });

  it("compare: a panel per cell, one mean and band per experiment in each, named by what differs, colour per experiment", () => {
    const a = syntheticInput(makeSpec()).input;
    const b = { ...syntheticInput(makeSpec({ student: { norm: 1 } }), 100, 9).input, id: 2, name: 'other' };
    const fig = buildFigure('compare', [a, b], style);
    expect((fig.option.legend as { data: string[] }).data).toEqual(['‖w₀‖ 1, 3', '‖w₀‖ 1']);
    // Each panel says the η each experiment draws it at (both, where they differ).
    const rates = (label: string) => [...new Set([a, b].flatMap((i) => cellRateGroups(i).filter((g) => g.label === label && g.runs.length > 0).map((g) => String(g.learningRate))))].join(' / ');
    expect(fig.panels?.map((p) => p.title)).toEqual([`‖w₀‖ = 1 · η = ${rates('‖w₀‖ = 1')}`, `‖w₀‖ = 3 · η = ${rates('‖w₀‖ = 3')}`]);
    expect(fig.series).toHaveLength(3 * 3);
    expect(fig.series.filter((s) => s.experimentId === 2)).toHaveLength(3);
    expect(fig.series.filter((s) => s.experimentId === 2).every((s) => s.panel === 0)).toBe(true);
    const colours = new Set(optionSeries(fig.option).filter((s) => s.type === 'line' && s.stack === undefined).map((s) => (s as { color?: string }).color));
    expect(colours.size).toBe(2);
  });
});

describe('shared pretraining', () => {
  it('has one cell, labelled as such, in trajectories and the heatmap', () => {
    const spec = makeSpec({ setup: 'shared-pretraining', student: { accuracy: 0.8 }, teachers: { count: 4 } });
    const { input } = syntheticInput(spec);
    const fig = trajectories(input, defaultStyle());
    expect((fig.option.legend as { data: string[] }).data).toEqual(['shared pretraining (n = 4)']);
    const h = heatmap(input, defaultStyle({ heatmapValue: 'fractionImproved' }));
    const gains = selectTeachers(spec, runViews(input.bundle)).map((t) => t.gain);
    expect(h.series).toHaveLength(1);
    expect(h.series[0].y[0]).toBe(gains.filter((g) => g > 0).length / gains.length);
  });
});

describe('dark theme', () => {
  it('has the page\'s background and a palette readable on it (≥ 4.5 : 1), the same hues in the same order', () => {
    const dark = defaultStyle({ theme: 'dark' });
    expect(themeColors(dark).background).toBe(DARK_BACKGROUND);
    // The renderer's page background in the dark theme (--bg): the chart sits on it without a seam.
    expect(readFileSync(join(__dirname, '..', '..', 'src', 'renderer', 'src', 'style.css'), 'utf8')).toMatch(new RegExp(`\\[data-theme='dark'\\] \\{\\s*--bg: ${DARK_BACKGROUND};`));
    for (const [name, light] of Object.entries(PALETTES) as [keyof typeof PALETTES, readonly string[]][]) {
      const variants = DARK_PALETTES[name];
      expect(variants).toHaveLength(light.length);
      variants.forEach((c, i) => {
        expect(contrastRatio(hexRgb(c), hexRgb(DARK_BACKGROUND)), `${name} ${c}`).toBeGreaterThanOrEqual(4.5);
        // A lighter variant of the same colour: never darker, and the light one where it already reads.
        const [lum, lumLight] = [hexRgb(c), hexRgb(light[i])].map((rgb) => rgb.reduce((a, v) => a + v, 0));
        expect(lum).toBeGreaterThanOrEqual(lumLight);
      });
    }
  });

  it('draws every series of every figure kind in a colour that reads on the background (≥ 3 : 1)', () => {
    const spec = makeSpec({ student: { norm: [1, 3] }, teachers: { count: 4, accuracy: [0.6, 0.7] } });
    const { input, runs } = syntheticInput(spec);
    const withSummary = { ...input, summary: summaryOf(spec, runs) };
    const bg = hexRgb(DARK_BACKGROUND);
    for (const kind of ['trajectories', 'gains', 'gainVsAccuracy', 'gainVsKappa', 'theory'] as FigureKind[]) {
      const fig = buildFigure(kind, [withSummary], defaultStyle({ theme: 'dark', maxPoints: 200 }));
      const colours = (fig.option.series as { color?: unknown; itemStyle?: { color?: unknown; borderColor?: unknown }; lineStyle?: { color?: unknown } }[]).flatMap((s) =>
        [s.color, s.itemStyle?.color, s.itemStyle?.borderColor, s.lineStyle?.color].filter((c): c is string => typeof c === 'string' && /^#[0-9a-f]{6}$/i.test(c) && c !== DARK_BACKGROUND),
      );
      expect(colours.length, kind).toBeGreaterThan(0);
      for (const c of colours) expect(contrastRatio(hexRgb(c), bg), `${kind} ${c}`).toBeGreaterThanOrEqual(3);
    }
  });
});

describe('SSR rendering', () => {
  const spec = makeSpec({ student: { norm: [1, 3] }, teachers: { count: 4, accuracy: [0.6, 0.7] } });
  const { input, runs } = syntheticInput(spec);
  const withSummary = { ...input, summary: summaryOf(spec, runs) };
  const other = { ...syntheticInput(makeSpec({ student: { norm: 1 } }), 100, 9).input, id: 2, name: 'other' };
  const kinds: FigureKind[] = ['trajectories', 'gains', 'gainVsAccuracy', 'gainVsKappa', 'gainVsStartCos', 'heatmap', 'compare', 'theory'];
  for (const theme of ['light', 'dark'] as const) {
    for (const kind of kinds) {
      it(`${kind} (${theme}) renders to SVG with its axis names and legend`, () => {
        const s = defaultStyle({ theme, maxPoints: 200 });
        const fig = buildFigure(kind, kind === 'compare' ? [withSummary, other] : [withSummary], s);
        const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: s.width, height: s.height });
        chart.setOption(fig.option);
        const svg = chart.renderToSVGString();
        chart.dispose();
        expect(svg.startsWith('<svg')).toBe(true);
        // A panelled figure names each panel (small multiples: by its title alone) and, per panel or once, its axes.
        const lettered = ([fig.option.title].flat() as { text?: string }[]).some((t) => /^\(a\)/.test(t?.text ?? ''));
        const names = fig.panels === undefined ? [fig.xAxisLabel, fig.yAxisLabel] : [...fig.panels.map((p) => (lettered ? `${p.letter}${p.row === 0 && p.title !== '' ? ` ${p.title}` : ''}` : p.title)).filter((t) => t !== ''), ...new Set(fig.panels.map((p) => p.xLabel))];
        // A title too long for its panel is drawn on two lines (panels.ts fittedTitle): each line whole.
        const drawn = ([fig.option.title].flat() as { text?: string }[]).map((t) => t?.text ?? '').filter((t) => t.includes('\n'));
        for (const name of names) {
          const lines = drawn.find((t) => t.replace('\n', ' · ') === name || t.replace('\n', ' ') === name)?.split('\n') ?? [name];
          for (const line of lines) expect(svg).toContain(`>${line.replace(/&/g, '&amp;')}</text>`);
        }
        // Entries are names, or { name, icon } for a key of line kinds.
        const legend = (((fig.option.legend as { data: unknown[] }).data ?? []) as (string | { name: string })[]).map((e) => (typeof e === 'string' ? e : e.name));
        // A grid of 2 norms × 2 accuracies: small multiples of trajectories keyed by line kind (mean,
        // each teacher, early stop, flow), histograms stacked per cell, scatters a colour per norm
        // (theory: + the shapes' key), a comparison one entry per experiment.
        const expected = { trajectories: 4, gains: 4, gainVsAccuracy: 2, gainVsKappa: 2, gainVsStartCos: 2, heatmap: 0, compare: 2, theory: 4, kappa: 0, normPuzzle: 0, sweep: 0, sweepHeatmap: 0, sweepParallel: 0, search: 0 }[kind];
        expect(legend).toHaveLength(expected);
        for (const name of legend) expect(svg).toContain(`>${name}</text>`);
        expect(svg).toContain(theme === 'dark' ? DARK_BACKGROUND : '#ffffff');
      });
    }
  }
});
