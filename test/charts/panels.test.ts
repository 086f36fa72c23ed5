/**
 * The figures of issue 14 against independent computations: Figure 1's panels hold the stored
 * series bit for bit, in the paper's order, with facets and a shared step axis; the log step axis
 * follows the stops' span; thin lines end at their stop; the per-learning-rate view's bands are the
 * direct statistics over all teachers; cos(w_T, w₀) equals the cosine of the run's actual vectors;
 * no chart is degenerate; histograms stack or facet; heatmap labels contrast with their cells.
 */
import * as echarts from 'echarts';
import { describe, expect, it } from 'vitest';
import { ExperimentContext } from '../../src/engine/experiment';
import { CEILING, cellsOf, type RunDescriptor, type RunKey } from '../../src/engine/grid';
import { SftRun } from '../../src/engine/run';
import { validateSpec } from '../../src/engine/spec';
import { cellRateGroups, runViews, selectTeachers, startCos, thinIndices } from '../../src/charts/data';
import { buildFigure, defaultStyle, figureLayout, gains, gainVsAccuracy, heatmap, trajectories } from '../../src/charts/index';
import { readableFacet } from '../../src/charts/trajectories';
import { fittedHeaders, fittedTitle } from '../../src/charts/panels';
import { contrastRatio, sequentialColor } from '../../src/charts/style';
import type { FigureInput } from '../../src/charts/types';
import { matplotlibScript } from '../../src/backend/figures/matplotlib';
import { type AnySeries, C0, COLUMNS, type Column, descriptor, makeSpec, optionSeries, pack, summaryOf, syntheticInput, type SyntheticRun } from '../helpers/synthetic';

const panelled = defaultStyle({ metric: null, flow: false, xScale: 'auto', facet: 'together' });
type Axis = { gridIndex: number; type: string; min?: number; max?: number; name?: string };
const axes = (option: unknown, key: 'xAxis' | 'yAxis'): Axis[] => (option as Record<string, Axis[]>)[key];

/** A run whose cos climbs linearly to its peak at index `peak`, then falls: the oracle stops it there. */
function peakRun(key: RunKey, peak: number, points: number, kappa: number): SyntheticRun {
  const cols = Object.fromEntries(COLUMNS.map((c) => [c, [] as number[]])) as Record<Column, number[]>;
  for (let i = 0; i < points; i++) {
    const cos = C0 + 0.001 * (i <= peak ? i : 2 * peak - i);
    cols.step.push(i);
    cols.cos.push(cos);
    cols.norm.push(1 + 0.01 * i + key.lr);
    cols.inner.push(cols.norm[i] * cos);
    cols.accuracy.push(0.8);
    cols.agreement.push(0.8);
  }
  return { key, descriptor: descriptor(1, kappa), cols };
}

/** One cell, teachers peaking at the given indices, one learning rate each. */
function withStops(stops: number[]): FigureInput {
  const spec = makeSpec({ student: { norm: 1 }, teachers: { count: stops.length, accuracy: 0.7 }, sft: { steps: 199, learningRates: [0.1], recordEvery: 1, batchSize: 100 } });
  const runs = stops.map((peak, teacher) => peakRun({ cell: 0, teacher, lr: 0 }, peak, 200, 0.1));
  return { id: 3, name: 'stops', seed: 1, spec, summary: null, bundle: pack(runs) };
}

describe('Figure 1 as three panels', () => {
  const spec = makeSpec();
  const { input, runs } = syntheticInput(spec);
  const selected = selectTeachers(spec, runViews(input.bundle));

  it("draws ⟨w, w*⟩, ‖w‖ and cos side by side, lettered, with one legend, each teacher's stored series at the cell's rate bit for bit", () => {
    // On a linear step axis every point is drawable (a log one leaves out step 0).
    const fig = trajectories(input, { ...panelled, xScale: 'linear' });
    expect(fig.layout).toEqual({ rows: 1, cols: 3 });
    expect(fig.panels?.map((p) => `${p.letter} ${p.title}`)).toEqual(['(a) ⟨w, w*⟩', '(b) ‖w‖', '(c) cos(w, w*)']);
    expect((fig.option.grid as unknown[]).length).toBe(3);
    const rates = cellRateGroups(input).map((g) => g.learningRate);
    expect((fig.option.legend as { data: string[] }).data).toEqual([`‖w₀‖ = 1, η = ${rates[0]} (n = 4)`, `‖w₀‖ = 3, η = ${rates[1]} (n = 4)`]);
    for (const s of optionSeries(fig.option)) expect(s.xAxisIndex).toBe(s.yAxisIndex);
    // Shared step axis: every panel's x axis has the same range.
    const xs = axes(fig.option, 'xAxis');
    expect(new Set(xs.map((a) => `${a.type} ${a.min} ${a.max}`)).size).toBe(1);
    // Side by side, a panel's last step label and the next one's first lean apart, not reading as one number ('1,0000').
    const align = xs.map((a) => (a as { axisLabel?: unknown }).axisLabel as { alignMinLabel?: string; alignMaxLabel?: string });
    expect(align.map((l) => [l.alignMinLabel, l.alignMaxLabel])).toEqual([[undefined, 'right'], ['left', 'right'], ['left', undefined]]);
    (['inner', 'norm', 'cos'] as const).forEach((metric, panel) => {
      for (const t of selected) {
        const line = fig.series.find((s) => s.name === `${'(a) (b) (c)'.split(' ')[panel]} cell${t.cell} teacher${t.teacher}`);
        const lr = cellRateGroups(input)[t.cell].lrIndex;
        const run = runs.find((r) => r.key.cell === t.cell && r.key.teacher === t.teacher && r.key.lr === lr) as SyntheticRun;
        expect(line?.panel).toBe(panel);
        expect(Array.from(line?.y ?? [])).toEqual(run.cols[metric]);
        expect(Array.from(line?.x ?? [])).toEqual(run.cols.step);
      }
    });
  });

  it('facets one row per cell: row labels name the cells, each row holds its own cell only', () => {
    const fig = trajectories(input, { ...panelled, facet: 'rows' });
    expect(fig.layout).toEqual({ rows: 2, cols: 3 });
    expect(figureLayout('trajectories', [input], { ...panelled, facet: 'rows' })).toEqual({ rows: 2, cols: 3 });
    expect(fig.panels?.map((p) => p.letter)).toEqual(['(a)', '(b)', '(c)', '(d)', '(e)', '(f)']);
    expect(fig.panels?.filter((p) => p.col === 0).map((p) => p.axisName)).toEqual(['‖w₀‖ = 1 (n = 4)', '‖w₀‖ = 3 (n = 4)']);
    // Each panel says which η it shows.
    expect(fig.panels?.filter((p) => p.row === 1).map((p) => p.title)).toEqual(Array(3).fill(`η = ${cellRateGroups(input)[1].learningRate}`));
    for (const s of fig.series) {
      const cell = /cell(\d)|‖w₀‖ = (\d)/.exec(s.name);
      const row = Math.floor((s.panel as number) / 3);
      if (cell?.[1] !== undefined) expect(row).toBe(Number(cell[1]));
      if (cell?.[2] !== undefined) expect(row).toBe(cell[2] === '1' ? 0 : 1);
    }
    // Only the bottom row labels its step ticks.
    expect(axes(fig.option, 'xAxis').map((a) => (a as unknown as { axisLabel: { show: boolean } }).axisLabel.show)).toEqual([false, false, false, true, true, true]);
  });

  it('the dashboard opens in small multiples whenever there is more than one cell', () => {
    expect([1, 2, 4, 8, 9, 20].map(readableFacet)).toEqual(['auto', 'grid', 'grid', 'grid', 'grid', 'grid']);
  });

  it('the matplotlib script gets the panels: their grid, letters and axes, and each CSV series\' panel and legend label', () => {
    const fig = trajectories(input, { ...panelled, facet: 'rows' });
    const py = matplotlibScript(fig, { csvFile: 'f.csv', sizeIn: { widthIn: 6.75, heightIn: 4 }, fontFamily: 'DejaVu Sans', fontSizePt: 8, lineWidth: 1, format: 'pdf' });
    expect(py).toContain('ROWS, COLS = 2, 3');
    expect(py).toMatch(/PANELS = \[\{"row": 0, "col": 0, "letter": "\(a\)", "title": "⟨w, w\*⟩ · η = [\d.]+", "x_label": "SFT step", "y_label": "‖w₀‖ = 1 \(n = 4\)", "x_log": (True|False)/);
    expect(py).toContain('"(e) cell1 teacher2": {"panel": 4, "label": "(e) cell1 teacher2"}');
    expect(py).toContain('"(f) ‖w₀‖ = 3 (n = 4)": {"panel": 5, "label": "‖w₀‖ = 3 (n = 4)"}');
    // Styles by CSV name: a panel's mean is drawn as its option series (the cell's colour on the ordered ramp, full width).
    expect(py).toMatch(new RegExp(`"\\(f\\) ‖w₀‖ = 3 \\(n = 4\\)": \\{"kind": "line", "color": "${sequentialColor({ theme: 'light' }, 1)}", "linestyle": "-", "width": 1,`));
    expect(py).toContain('LEGEND_NAMES = ["‖w₀‖ = 1 (n = 4)", "‖w₀‖ = 3 (n = 4)"]');
  });

  it('--metric gives the single-metric figure of before', () => {
    const fig = trajectories(input, { ...panelled, metric: 'norm' });
    expect(fig.panels).toBeUndefined();
    expect(fig.yAxisLabel).toBe('‖w‖');
    expect(fig.series.find((s) => s.name === 'cell1 teacher2')?.yLabel).toBe('norm');
  });
});

describe('every teacher\'s peak readable', () => {
  it('the step axis is logarithmic by default exactly when the stops span more than a decade', () => {
    for (const [stops, log] of [[[2, 30, 150], true], [[20, 60, 150], false], [[15, 150], false], [[14, 150], true]] as const) {
      const input = withStops([...stops]);
      expect(selectTeachers(input.spec, runViews(input.bundle)).map((t) => t.step)).toEqual(stops);
      const fig = trajectories(input, panelled);
      expect(axes(fig.option, 'xAxis')[0].type, `stops ${stops}`).toBe(log ? 'log' : 'value');
      // A log axis cannot show step 0.
      expect(fig.series.find((s) => s.name === '(c) cell0 teacher0')?.x[0]).toBe(log ? 1 : 0);
    }
  });

  it('ends each thin line at its early-stopping step when asked', () => {
    const input = withStops([5, 60, 120]);
    const fig = trajectories(input, { ...panelled, endAtStop: true, xScale: 'linear' });
    for (const t of selectTeachers(input.spec, runViews(input.bundle))) {
      const line = fig.series.find((s) => s.name === `(c) cell0 teacher${t.teacher}`);
      expect(line?.x.length).toBe(t.index + 1);
      expect(line?.x[line.x.length - 1]).toBe(t.step);
      expect(line?.y[line.y.length - 1]).toBe(t.view?.columns.cos[t.index]);
    }
  });

  it('on a log step axis, on-screen thinning keeps the early decades\' detail', () => {
    const x = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    const y = x.map((v) => Math.sin(v));
    const byIndex = thinIndices(y, 60);
    const byLog = thinIndices(y, 60, x);
    expect(byLog.length).toBeLessThanOrEqual(60);
    expect([byLog[0], byLog[byLog.length - 1]]).toEqual([0, 999]);
    // Three decades: about a third of the buckets fall in the first one (x ≤ 10), against ~1 % by index.
    expect(byLog.filter((i) => x[i] <= 10).length).toBeGreaterThanOrEqual(8);
    expect(byIndex.filter((i) => x[i] <= 10).length).toBeLessThanOrEqual(2);
    expect([...byLog].sort((a, b) => a - b)).toEqual(byLog);
  });

  it("the per-learning-rate view: each rate's mean and band over all teachers, from a direct computation", () => {
    const spec = makeSpec();
    const { input, runs } = syntheticInput(spec);
    const fig = trajectories(input, { ...panelled, runs: 'perLearningRate', facet: 'rows', band: 'std', xScale: 'linear' });
    expect((fig.option.legend as { data: string[] }).data).toEqual(['η = 0.01', 'η = 0.1', 'η = 1']);
    expect(fig.layout).toEqual({ rows: 2, cols: 3 });
    for (const cell of [0, 1]) {
      spec.sft.learningRates.forEach((lr, k) => {
        const mine = runs.filter((r) => r.key.cell === cell && r.key.lr === k && r.key.teacher !== CEILING);
        expect(mine).toHaveLength(4);
        const panel = cell * 3 + 2;
        const letter = fig.panels?.[panel].letter;
        const mean = fig.series.find((s) => s.name === `${letter} η = ${lr}`);
        const upper = fig.series.find((s) => s.name === `${letter} η = ${lr} upper`);
        for (const i of [0, 13, 99]) {
          const v = mine.map((r) => r.cols.cos[i]);
          const m = v.reduce((a, b) => a + b, 0) / v.length;
          const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
          expect(mean?.y[i]).toBeCloseTo(m, 14);
          expect(upper?.y[i]).toBeCloseTo(m + sd, 14);
        }
      });
    }
    // A block of each teacher's selected run only cannot give these means: refused, saying why.
    const chosen = new Set(selectTeachers(spec, runViews(input.bundle)).flatMap((t) => (t.view === null ? [] : [t.view.key])));
    const selectedOnly = { ...input, bundle: pack(runs.filter((r) => [...chosen].some((k) => k.cell === r.key.cell && k.teacher === r.key.teacher && k.lr === r.key.lr))) };
    expect(() => trajectories(selectedOnly, { ...panelled, runs: 'perLearningRate' })).toThrow(/needs every run/);
  });
});

describe('cos(w_T, w₀) from the descriptor', () => {
  it('equals the Σ-cosine of the run\'s actual student and teacher vectors (dense and projected paths, anisotropic data)', () => {
    for (const path of ['dense', 'projected'] as const) {
      const spec = validateSpec({ seed: 8, data: { d: 12, spectrum: { powerLaw: 1.2 } }, engine: { path }, student: { norm: [0.5, 4] }, teachers: { count: 5, accuracy: [0.6, 0.9] }, sft: { steps: 2, batchSize: 50, learningRates: [0.1] } });
      const context = new ExperimentContext(spec);
      for (const cell of cellsOf(spec)) {
        for (let teacher = 0; teacher < 5; teacher++) {
          const key = { cell: cell.index, teacher, lr: 0 };
          const { student, teacher: w } = context.explicitInit(key);
          const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, j) => s + x * b[j], 0);
          const direct = dot(student, w) / Math.sqrt(dot(student, student) * dot(w, w));
          const d = SftRun.start(context, key).descriptor;
          expect(Math.abs(startCos(d) - direct), `${path} ${JSON.stringify(key)}`).toBeLessThanOrEqual(1e-12);
        }
      }
    }
  });

  it('equals the cosine of the reduced path\'s initial state (α, b, ρ) against the teacher (c_T, s_T, 0)', () => {
    const spec = validateSpec({ seed: 9, data: { d: 50 }, student: { norm: [1, 3] }, teachers: { count: 6, accuracy: 0.7 }, sft: { steps: 1, batchSize: 50, learningRates: [0.1] } });
    const context = new ExperimentContext(spec);
    for (let teacher = 0; teacher < 6; teacher++) {
      const { kernel, descriptor: d } = context.buildRun({ cell: 1, teacher, lr: 0 });
      const [alpha, b, rho] = kernel.checkpoint().state as number[];
      const sT = Math.sqrt(1 - d.teacherCos ** 2);
      const direct = (alpha * d.teacherCos + b * sT) / Math.hypot(alpha, b, rho);
      expect(Math.abs(startCos(d) - direct)).toBeLessThanOrEqual(1e-14);
    }
  });
});

describe('charts that carry information', () => {
  it('gain against accuracy becomes gain against κ and cos(w_T, w₀) when every teacher has one accuracy', () => {
    const spec = makeSpec();
    const { input } = syntheticInput(spec);
    const fig = gainVsAccuracy(input, defaultStyle());
    expect(fig.panels?.map((p) => p.xLabel)).toEqual(['κ = cos(w⊥, w_T⊥)', 'cos(w_T, w₀)']);
    const teachers = selectTeachers(spec, runViews(input.bundle));
    for (const t of teachers.filter((x) => x.cell === 0)) {
      const d = t.descriptor as RunDescriptor;
      const k = fig.series.find((s) => s.name === '(a) ‖w₀‖ = 1 (n = 4)');
      const c = fig.series.find((s) => s.name === '(b) ‖w₀‖ = 1 (n = 4)');
      const i = Array.from(k?.x ?? []).indexOf(d.kappa);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(k?.y[i]).toBe(t.gain);
      expect(c?.x[i]).toBeCloseTo(d.studentCos * d.teacherCos + Math.sqrt(1 - d.studentCos ** 2) * Math.sqrt(1 - d.teacherCos ** 2) * d.kappa, 15);
    }
    // Teachers of two accuracies: the chart against accuracy is informative, and drawn.
    const spread = { ...input, bundle: { ...input.bundle, runs: input.bundle.runs.map((r) => ({ ...r, descriptor: r.descriptor === null ? null : { ...r.descriptor, teacherAccuracy: r.key.teacher % 2 === 0 ? 0.6 : 0.7 } })) } };
    const plain = gainVsAccuracy(spread, defaultStyle());
    expect(plain.panels).toBeUndefined();
    expect(plain.xAxisLabel).toBe('teacher accuracy (%)');
  });

  it('in a grid of norms × accuracies, a scatter colours the teachers of one norm alike (a legend of norms, not of every cell)', () => {
    const spec = makeSpec({ student: { norm: [0.5, 1, 3] }, teachers: { count: 4, accuracy: [0.6, 0.7] } });
    const { input } = syntheticInput(spec);
    const fig = buildFigure('gainVsKappa', [input], defaultStyle());
    expect((fig.option.legend as { data: string[] }).data).toEqual(['‖w₀‖ = 0.5 (n = 8)', '‖w₀‖ = 1 (n = 8)', '‖w₀‖ = 3 (n = 8)']);
    const teachers = selectTeachers(spec, runViews(input.bundle));
    cellsOf(spec).forEach((cell) => {
      const kappas = teachers.filter((t) => t.cell === cell.index).map((t) => (t.descriptor as RunDescriptor).kappa);
      const series = fig.series.find((s) => s.name === `‖w₀‖ = ${cell.norm} (n = 8)`);
      for (const k of kappas) expect(Array.from(series?.x ?? [])).toContain(k);
    });
  });

  it('the gain histogram stacks the cells together, or gives each a row on one count scale', () => {
    const spec = makeSpec({ student: { norm: [0.5, 1, 3] } });
    const { input } = syntheticInput(spec);
    const stacked = gains(input, defaultStyle({ facet: 'together' }));
    const series = optionSeries(stacked.option) as (AnySeries & { stack?: string })[];
    expect(series.map((s) => s.stack)).toEqual(['gains', 'gains', 'gains']);
    const rows = gains(input, defaultStyle({ facet: 'rows' }));
    expect(rows.layout).toEqual({ rows: 3, cols: 1, aspect: 0.3 });
    expect(optionSeries(rows.option).map((s) => s.xAxisIndex)).toEqual([0, 1, 2]);
    const top = Math.max(...rows.series.flatMap((s) => Array.from(s.y)));
    expect(axes(rows.option, 'yAxis').map((a) => a.max)).toEqual([top, top, top]);
    // Same counts either way, each teacher once.
    expect(rows.series.map((s) => Array.from(s.y))).toEqual(stacked.series.map((s) => Array.from(s.y)));
    expect(rows.series.reduce((a, s) => a + Array.from(s.y).reduce((x, y) => x + y, 0), 0)).toBe(3 * 4);
  });

  it('heatmap labels have no outline and contrast (WCAG ≥ 4.5 : 1) with their own cell in the rendered SVG', () => {
    const spec = makeSpec({ student: { norm: [0.5, 1, 3] }, teachers: { count: 4, accuracy: [0.6, 0.7, 0.8] } });
    const { input, runs } = syntheticInput(spec);
    for (const which of ['gainMean', 'fractionImproved'] as const) {
      for (const theme of ['light', 'dark'] as const) {
        const s = defaultStyle({ heatmapValue: which, theme });
        const fig = heatmap({ ...input, summary: summaryOf(spec, runs) }, s);
        const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: s.width, height: s.height });
        chart.setOption(fig.option);
        const svg = chart.renderToSVGString();
        chart.dispose();
        // Cells: filled paths (rectangles) with their centre; labels: text translated to a centre.
        const rgb = (c: string) => (/^#/.test(c) ? [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) : (/rgb\((\d+),(\d+),(\d+)\)/.exec(c.replace(/\s/g, '')) ?? []).slice(1).map(Number));
        const cells = [...svg.matchAll(/<path d="M([\d.]+) ([\d.]+)l([\d.]+) 0l0 ([\d.]+)l-[\d.]+ 0Z" fill="([^"]+)"/g)].map((m) => ({ cx: +m[1] + +m[3] / 2, cy: +m[2] + +m[4] / 2, fill: rgb(m[5]) }));
        const under = (m: RegExpMatchArray) => cells.find((c) => Math.abs(c.cx - +m[1]) < 1 && Math.abs(c.cy - +m[2]) < 2);
        // Value labels are the numbers drawn over a cell (axis labels lie outside the grid).
        const labels = [...svg.matchAll(/<text [^>]*transform="translate\(([\d.]+) ([\d.]+)\)"([^>]*)>(-?[\d.]+)<\/text>/g)].filter((m) => under(m) !== undefined);
        expect(cells.length).toBe(9);
        expect(labels.length).toBe(9);
        for (const m of labels) {
          expect(m[3]).not.toMatch(/stroke=|paint-order/);
          const cell = under(m);
          expect(contrastRatio(rgb(/fill="([^"]+)"/.exec(m[3])?.[1] ?? ''), cell?.fill ?? [])).toBeGreaterThanOrEqual(4.5);
        }
      }
    }
  });

  it('every kind builds on a shared-pretraining input too (one cell, no norms)', () => {
    const spec = makeSpec({ setup: 'shared-pretraining', student: { accuracy: 0.8 }, teachers: { count: 4 } });
    const { input } = syntheticInput(spec);
    for (const kind of ['trajectories', 'gains', 'gainVsAccuracy', 'gainVsKappa', 'gainVsStartCos', 'heatmap', 'theory'] as const) {
      expect(() => buildFigure(kind, [input], defaultStyle({ metric: null, facet: 'rows' }))).not.toThrow();
    }
    expect(trajectories(input, defaultStyle({ metric: null, facet: 'rows' })).layout).toEqual({ rows: 1, cols: 3 });
  });
});

describe('column headers that fit their columns', () => {
  it('keep the shared words on the first header only when one is wider than its column, else stay whole', () => {
    const headers = ['teacher 55 %', 'teacher 60 %', 'teacher 65 %'];
    // 12 characters of 10 px bold: 72 px; in 55 px columns they would collide.
    expect(fittedHeaders(headers, 55, 10)).toEqual(['teacher 55 %', '60 %', '65 %']);
    expect(fittedHeaders(headers, 120, 10)).toEqual(headers);
    // Nothing shared: left as they are, however narrow.
    expect(fittedHeaders(['κ 0', 'β 2'], 5, 10)).toEqual(['κ 0', 'β 2']);
  });

  it("a panel title wider than its room is set smaller, down to 80 %, then on two lines: it never runs into the next panel's", () => {
    // 0.6 em a character at 10 px: 21 characters are 126 px.
    const title = '‖w₀‖ = 0.5 · η = 0.01';
    expect(fittedTitle(title, 200, 10)).toEqual({ text: title, fontSize: 10 });
    const shrunk = fittedTitle(title, title.length * 6 * 0.9, 10);
    expect(shrunk.text).toBe(title);
    expect(shrunk.fontSize).toBeCloseTo(9, 12);
    // At half the room: two lines at 8 px, broken at the ' · ' (each line ≤ the room at 4.8 px a character).
    expect(fittedTitle(title, title.length * 3, 10)).toEqual({ text: '‖w₀‖ = 0.5\nη = 0.01', fontSize: 8, lineHeight: 8.8 });
    // Without a ' · ', at the space nearest the middle; a line still too long is cut to the room.
    expect(fittedTitle('teacher accuracy 60 %', 60, 10)).toEqual({ text: 'teacher\naccuracy 60 %', fontSize: 8, lineHeight: 8.8, width: 60, overflow: 'truncate' });
    expect(fittedTitle('teacher accuracy 60 %', 80, 10)).toEqual({ text: 'teacher\naccuracy 60 %', fontSize: 8, lineHeight: 8.8 });
  });
});
