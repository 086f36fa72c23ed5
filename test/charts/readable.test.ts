/**
 * Colour that follows meaning, layouts by axes given as data, names that say what differs, and
 * labels a reader can read (issue 18, items 2–5), against direct computations on synthetic inputs.
 */
import { describe, expect, it } from 'vitest';
import { layoutCells, type GridAxis } from '../../src/charts/cellAxes';
import { LEGEND_WHOLE, legendLayout, niceRange, orderedKeyTexts, tickLabel } from '../../src/charts/common';
import { differenceLabels } from '../../src/charts/labels';
import { ratesText } from '../../src/charts/compare';
import type { CellRateGroup } from '../../src/charts/data';
import { buildFigure, defaultStyle, trajectories } from '../../src/charts/index';
import { contrastRatio, DARK_BACKGROUND, hexRgb, luminance, orderedColors, sequentialColor } from '../../src/charts/style';
import type { FigureKind } from '../../src/charts/types';
import { validateSpec } from '../../src/engine/spec';
import { type AnySeries, makeSpec, optionSeries, syntheticInput } from '../helpers/synthetic';

describe('colour that follows meaning', () => {
  it('orders a quantity on a sequential ramp, distinct values never alike, every colour ≥ 3 : 1 on its background', () => {
    for (const theme of ['light', 'dark'] as const) {
      const values = [10, 0.5, 3, 1, 0.5];
      const colors = orderedColors({ theme }, values);
      expect(colors[1]).toBe(colors[4]);
      expect(new Set(colors).size).toBe(4);
      // Sorted by value, the luminance rises monotonically (viridis: dark to light).
      const byValue = [0.5, 1, 3, 10].map((v) => luminance(hexRgb(colors[values.indexOf(v)])));
      for (let i = 1; i < byValue.length; i++) expect(byValue[i]).toBeGreaterThan(byValue[i - 1]);
      const bg = hexRgb(theme === 'dark' ? DARK_BACKGROUND : '#ffffff');
      for (let t = 0; t <= 1; t += 0.05) expect(contrastRatio(hexRgb(sequentialColor({ theme }, t)), bg), `${theme} t = ${t}`).toBeGreaterThanOrEqual(3);
    }
  });

  it('gives no two series of one panel the same colour, in every figure kind of a grid', () => {
    const spec = makeSpec({ student: { norm: [0.5, 1, 3] }, teachers: { count: 4, accuracy: [0.6, 0.7] } });
    const { input } = syntheticInput(spec);
    let crowded = 0;
    for (const kind of ['trajectories', 'gains', 'gainVsAccuracy', 'gainVsKappa', 'theory'] as FigureKind[]) {
      for (const facet of ['grid', 'rows'] as const) {
        const fig = buildFigure(kind, [input], defaultStyle({ facet, flow: false }));
        // Per panel, the colour of each named group (a cell, a norm): band edges and keys aside.
        const byPanel = new Map<number, Map<string, string>>();
        for (const s of optionSeries(fig.option) as (AnySeries & { color?: string; itemStyle?: { color?: string }; lineStyle?: { color?: string } })[]) {
          const name = s.name ?? '';
          if (s.stack !== undefined || /teachers$|early stops$|population flow$|: signs disagree$|^signs |^mean |^each teacher|^early stop$/.test(name)) continue;
          const color = s.lineStyle?.color ?? s.itemStyle?.color ?? s.color;
          if (color === undefined) continue;
          const panel = s.xAxisIndex ?? 0;
          const names = byPanel.get(panel) ?? new Map<string, string>();
          names.set(name, color);
          byPanel.set(panel, names);
        }
        for (const [panel, names] of byPanel) {
          expect(new Set(names.values()).size, `${kind} ${facet} panel ${panel}: ${[...names]}`).toBe(names.size);
          if (names.size >= 3) crowded++;
        }
      }
    }
    // The scatters hold the three norms in one panel each time: the law was put to the test.
    expect(crowded).toBeGreaterThanOrEqual(6);
  });
});

describe('small multiples by axes given as data', () => {
  const beta: GridAxis = { field: 'beta', label: 'β =', unit: 'value', values: [0.5, 1, 2] };
  const rate: GridAxis = { field: 'sft.learningRates', label: 'η =', unit: 'value', values: [0.01, 0.1] };
  const fixed: GridAxis = { field: 'data.d', label: 'd =', unit: 'value', values: [100] };

  it('puts rows on the first varying axis and columns on the second, whatever the fields, and names them', () => {
    const cells = [0.5, 1, 2].flatMap((b, i) => [0.01, 0.1].map((e, j) => ({ index: i * 2 + j, values: [100, b, e] })));
    const g = layoutCells([fixed, beta, rate], cells);
    expect([g.rows, g.cols]).toEqual([3, 2]);
    expect(g.rowHeaders).toEqual(['β = 0.5', 'β = 1', 'β = 2']);
    expect(g.colHeaders).toEqual(['η = 0.01', 'η = 0.1']);
    for (const c of cells) expect(g.place.get(c.index)).toEqual({ row: beta.values.indexOf(c.values[1]), col: rate.values.indexOf(c.values[2]) });
    expect(g.varying.map((a) => a.field)).toEqual(['beta', 'sft.learningRates']);
  });

  it('wraps one varying axis in reading order, each panel named, and leaves out cells without data', () => {
    const cells = [2, 0.5, 1].map((b, i) => ({ index: i, values: [100, b] }));
    const g = layoutCells([fixed, beta], cells, 2);
    expect([g.rows, g.cols, g.rowHeaders, g.colHeaders]).toEqual([2, 2, null, null]);
    // In the axis' order, not the cells'.
    expect([1, 2, 0].map((i) => g.place.get(i))).toEqual([{ row: 0, col: 0 }, { row: 0, col: 1 }, { row: 1, col: 0 }]);
    expect(g.cellHeaders.get(0)).toBe('β = 2');
    const two = layoutCells([fixed, beta, rate], [{ index: 0, values: [100, 0.5, 0.01] }, { index: 5, values: [100, 2, 0.1] }]);
    expect([two.rows, two.cols]).toEqual([2, 2]);
  });

  it('lays a Figure 2 grid out as its norms by its accuracies, one metric, one y range shared by every panel', () => {
    const spec = makeSpec({ student: { norm: [0.5, 1, 3] }, teachers: { count: 3, accuracy: [0.6, 0.65, 0.7, 0.75] }, sft: { steps: 49, learningRates: [0.1, 1], recordEvery: 1, batchSize: 100 } });
    const { input } = syntheticInput(spec, 50);
    const fig = trajectories(input, defaultStyle({ width: 648, height: 500 }));
    expect(fig.layout).toEqual({ rows: 3, cols: 4, aspect: 0.72 });
    expect(fig.panels?.map((p) => [p.row, p.col])).toEqual([0, 1, 2].flatMap((r) => [0, 1, 2, 3].map((c) => [r, c])));
    const y = (fig.option as { yAxis: { min: number; max: number }[] }).yAxis;
    expect(new Set(y.map((a) => `${a.min} ${a.max}`)).size).toBe(1);
    // The shared range holds everything drawn.
    const values = fig.series.filter((s) => s.yLabel !== 'teachers').flatMap((s) => Array.from(s.y)).filter(Number.isFinite);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(y[0].min);
    expect(Math.max(...values)).toBeLessThanOrEqual(y[0].max);
  });
});

describe('compare names the difference', () => {
  const base = { seed: 3, teachers: { count: 4 }, sft: { steps: 20, batchSize: 200, learningRates: [0.1] } };
  it('labels by the fields that differ: the path as preview / exact, β, and a label given wins', () => {
    const a = validateSpec({ ...base, engine: { path: 'preview' } });
    const b = validateSpec({ ...base, engine: { path: 'auto' } });
    expect(differenceLabels([{ id: 1, spec: a }, { id: 2, spec: b }])).toEqual(['path preview', 'path exact']);
    const c = validateSpec({ ...base, beta: 0.5 });
    const d = validateSpec({ ...base, beta: 2 });
    expect(differenceLabels([{ id: 3, spec: c }, { id: 4, spec: d }])).toEqual(['β 0.5', 'β 2']);
    expect(differenceLabels([{ id: 3, spec: c, label: 'cold' }, { id: 4, spec: d, label: null }])).toEqual(['cold', 'β 2']);
    // Nothing differs: the ids tell them apart; a shared label gets them too.
    expect(differenceLabels([{ id: 5, spec: c }, { id: 6, spec: c }])).toEqual(['#5', '#6']);
    expect(differenceLabels([{ id: 5, spec: c, label: 'x' }, { id: 6, spec: d, label: 'x' }])).toEqual(['x #5', 'x #6']);
    // Integers whole: two seeds that agree in their first four digits stay apart.
    const e = validateSpec({ ...base, seed: 1200985965 });
    const f = validateSpec({ ...base, seed: 1200985966 });
    expect(differenceLabels([{ id: 7, spec: e }, { id: 8, spec: f }])).toEqual(['seed 1200985965', 'seed 1200985966']);
    expect(differenceLabels([{ id: 9, spec: validateSpec({ ...base, beta: 0.123456 }) }, { id: 10, spec: d }])).toEqual(['β 0.1235', 'β 2']);
  });

  it("a panel says the η each experiment draws its cell at, both where they differ (two time scales overlaid)", () => {
    const group = (label: string, learningRate: number | null) => ({ label, learningRate }) as unknown as CellRateGroup;
    const groups = [[group('a', 0.1), group('b', 0.01)], [group('a', 0.01), group('b', 0.01)]];
    expect(ratesText(groups, 'a')).toBe('η = 0.1 / 0.01');
    expect(ratesText(groups, 'b')).toBe('η = 0.01');
    expect(ratesText([[group('a', null)]], 'a')).toBe('');
  });
});

describe('every chart readable', () => {
  it('writes tick labels of at most 4 significant digits', () => {
    expect(tickLabel(0.03964806117739624)).toBe('0.03965');
    expect(tickLabel(1000)).toBe('1,000');
    expect(tickLabel(12345.678)).toBe('12,350');
    expect(tickLabel(-0.2500000001)).toBe('-0.25');
    const r = niceRange(0.8071, 0.8633);
    expect((r.max - r.min) / r.interval).toBeCloseTo(Math.round((r.max - r.min) / r.interval), 9);
    expect(r.min).toBeLessThanOrEqual(0.8071);
    expect(r.max).toBeGreaterThanOrEqual(0.8633);
  });

  it('fits the teacher-accuracy axis to the data with a margin (not 50–100 % for teachers at 58–71 %)', () => {
    const spec = makeSpec({ student: { norm: 1 } });
    const { input } = syntheticInput(spec);
    const accuracies = input.bundle.runs.map((r, i) => 0.58 + 0.13 * ((i * 7) % 11) / 10);
    const spread = { ...input, bundle: { ...input.bundle, runs: input.bundle.runs.map((r, i) => ({ ...r, descriptor: r.descriptor === null ? null : { ...r.descriptor, teacherAccuracy: accuracies[i] } })) } };
    const fig = buildFigure('gainVsAccuracy', [spread], defaultStyle());
    const x = fig.option.xAxis as { min: number; max: number };
    const xs = fig.series.flatMap((s) => Array.from(s.x));
    expect(x.min).toBeLessThanOrEqual(Math.min(...xs));
    expect(x.max).toBeGreaterThanOrEqual(Math.max(...xs));
    expect(x.max - x.min).toBeLessThan(2 * (Math.max(...xs) - Math.min(...xs)));
    expect(x.min).toBeGreaterThan(50);
  });

  it('never paginates a legend in an export, nor one of up to 20 entries on screen', () => {
    const names = Array.from({ length: 20 }, (_, i) => `‖w₀‖ = ${i + 1}, teacher 55 % (n = 100)`);
    expect(legendLayout(defaultStyle({ maxPoints: null, width: 300, height: 200 }), [...names, ...names.map((n) => `${n}!`)], '#000').option.type).toBe('plain');
    expect(legendLayout(defaultStyle({ maxPoints: 500, width: 300, height: 200 }), names, '#000').option.type).toBe('plain');
    expect(LEGEND_WHOLE).toBe(20);
  });

  it('shortens a long ordered key to its values after the first entry', () => {
    const names = [-0.5, -0.25, 0, 0.2, 0.35, 0.45].map((k) => `κ = ${k} (n = 50)`);
    const t = orderedKeyTexts(names);
    expect(names.map((n) => t[n])).toEqual(['κ = -0.5 (n = 50 each)', '-0.25', '0', '0.2', '0.35', '0.45']);
    expect(orderedKeyTexts(names.slice(0, 5))).toEqual({});
  });
});

describe('small multiples of a sweep', () => {
  it('lay out β × d × replicates as rows by β and columns by d × replicate, headers said once per span', async () => {
    const { validateSpec } = await import('../../src/engine/spec');
    const { cellsOf } = await import('../../src/engine/grid');
    const { specAxes, layoutCells } = await import('../../src/charts/cellAxes');
    const { fittedHeaders } = await import('../../src/charts/panels');
    const spec = validateSpec({ beta: [0.5, 2], data: { d: [50, 100] }, replicates: 2, student: { norm: 1 }, teachers: { count: 2, accuracy: 0.7 }, sft: { steps: 10 } });
    const cells = cellsOf(spec);
    const { axes, cells: placed } = specAxes(spec, cells);
    expect(axes.map((a) => [a.field, a.values])).toEqual([
      ['beta', [0.5, 2]], ['data.d', [50, 100]], ['student.norm', [1]], ['teachers.accuracy', [0.7]], ['replicate', [0, 1]],
    ]);
    const layout = layoutCells(axes, placed);
    expect([layout.rows, layout.cols]).toEqual([2, 4]);
    expect(layout.rowHeaders).toEqual(['β = 0.5', 'β = 2']);
    expect(layout.colHeaders).toEqual(['d = 50, rep. 0', 'd = 50, rep. 1', 'd = 100, rep. 0', 'd = 100, rep. 1']);
    // Cell 5 is β = 2, d = 50, replicate 1: row 1, column 1.
    expect(cells[5].axes).toMatchObject({ beta: 2, 'data.d': 50, replicate: 1 });
    expect(layout.place.get(5)).toEqual({ row: 1, col: 1 });
    expect(fittedHeaders(layout.colHeaders ?? [], 60, 10)).toEqual(['d = 50, rep. 0', 'rep. 1', 'd = 100, rep. 0', 'rep. 1']);
  });
});
