/**
 * The two figures of issue 15 from small real experiments: the Theorem boundary figure (against κ)
 * and the norm puzzle figure (against ‖w₀‖). Their plotted values against the stored summary and
 * the closed form of docs/spec.md §6 written out here; the boundary line at 5 − 2√5 for an 80 %
 * student and 70 % teachers; SVG, CSV and the matplotlib script (run, when matplotlib is there).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as echarts from 'echarts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosFromAccuracy } from '../../src/engine/accuracy';
import { cellsOf } from '../../src/engine/grid';
import { validateSpec } from '../../src/engine/spec';
import { summarizeExperiment } from '../../src/engine/summary';
import { buildFigure, defaultStyle } from '../../src/charts/index';
import { exportFigure, parsePlottedCsv } from '../../src/backend/figures/index';
import { flowApplies } from '../../src/charts/flowOverlay';
import { boundaryLabel } from '../../src/charts/stackedPanels';
import { theoryAgainstKappa } from '../../src/charts/theoryKappa';
import type { FigureInput } from '../../src/charts/types';
import { parseExportSettings } from '../../src/shared/figureExport';
import { runAll } from '../helpers/experiment';

const COLUMNS = ['step', 'inner', 'norm', 'cos', 'accuracy', 'agreement'] as const;

function inputOf(document: unknown, id: number): FigureInput {
  const { spec, outcomes } = runAll(document);
  const data: number[] = [];
  for (const o of outcomes) for (const c of COLUMNS) data.push(...Array.from(o.series[c] as ArrayLike<number>));
  return {
    id,
    name: `experiment ${id}`,
    seed: spec.seed,
    spec,
    summary: summarizeExperiment(spec, 'reduced', cellsOf(spec), outcomes),
    bundle: {
      experimentId: id,
      columns: [...COLUMNS],
      runs: outcomes.map((o, i) => ({ runId: i + 1, key: o.key, status: 'done', recorded: o.series.step.length, descriptor: { ...o.descriptor } })),
      data: Float64Array.from(data),
    },
  };
}

/** d cos/dt at t = 0 = β sin θ (c_T sin θ − s_T κ cos θ) / (√(2π) ‖w‖) (docs/spec.md §6), written out. */
function initialRate(c0: number, r: number, cT: number, kappa: number, beta: number): number {
  const s0 = Math.sqrt(1 - c0 * c0);
  const sT = Math.sqrt(1 - cT * cT);
  return (beta * s0 * (cT * s0 - sT * kappa * c0)) / (Math.sqrt(2 * Math.PI) * r);
}

const style = defaultStyle({ width: 500, height: 600, maxPoints: null });
const series = (fig: ReturnType<typeof buildFigure>, name: string) => {
  const s = fig.series.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no series ${name}: ${fig.series.map((x) => x.name).join(', ')}`);
  return s;
};

let kappaInput: FigureInput;

describe('the Theorem boundary figure', () => {
  const kappas = [-0.5, 0.2, 0.7, 0.95];
  let input: FigureInput;
  beforeAll(() => {
    input = kappaInput = inputOf({ seed: 15, data: { d: 50 }, beta: 1.5, student: { accuracy: 0.8, norm: 2 }, teachers: { count: 8, accuracy: 0.7, kappa: kappas }, sft: { batchSize: 1000, steps: 60, learningRates: [0.1, 1] } }, 1);
  });

  it('plots the summary’s fraction improved and mean gain, and the initial rate of the closed form, per κ', () => {
    const fig = buildFigure('kappa', [input], style);
    const cells = input.summary?.cells ?? [];
    expect(Array.from(series(fig, 'teachers').x)).toEqual(kappas);
    expect(Array.from(series(fig, 'teachers').y)).toEqual(cells.map((c) => c.fractionImproved));
    const gain = series(fig, 'teachers: mean gain');
    cells.forEach((c, i) => expect(gain.y[i]).toBeCloseTo(c.gainMean, 14));
    const rate = series(fig, 'teachers: T1 + T2');
    kappas.forEach((k, i) => expect(rate.y[i]).toBeCloseTo(initialRate(cosFromAccuracy(0.8), 2, cosFromAccuracy(0.7), k, 1.5), 14));
    // The boundary (5 − 2√5 for 80 % and 70 %) in each of the three panels, where the rate changes sign.
    const boundary = 5 - 2 * Math.sqrt(5);
    expect(initialRate(cosFromAccuracy(0.8), 2, cosFromAccuracy(0.7), boundary, 1.5)).toBeCloseTo(0, 14);
    const marks = (fig.option.series as { markLine?: { data: { xAxis?: number }[] } }[]).flatMap((s) => s.markLine?.data ?? []).filter((d) => d.xAxis !== undefined);
    expect(marks).toHaveLength(3);
    for (const m of marks) expect(m.xAxis).toBeCloseTo(boundary, 12);
  });

  it('needs a list of κ, and says so', () => {
    const plain = inputOf({ seed: 1, data: { d: 10 }, teachers: { count: 2 }, sft: { batchSize: 100, steps: 5, learningRates: [0.1] } }, 2);
    expect(() => buildFigure('kappa', [plain], style)).toThrow(/teachers\.kappa/);
    expect(() => buildFigure('normPuzzle', [plain], style)).toThrow(/student\.norm/);
  });
});

describe('the norm puzzle figure', () => {
  const norms = [0.3, 1, 3];
  let input: FigureInput;
  let dir: string;
  beforeAll(() => {
    input = inputOf({ seed: 16, data: { d: 50 }, student: { accuracy: 0.8, norm: norms }, teachers: { count: 8, accuracy: 0.7 }, sft: { batchSize: 1000, steps: 60, learningRates: [0.01, 0.1, 1] } }, 3);
    dir = mkdtempSync(join(tmpdir(), 'w2s-options-charts-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('plots the mean gain, the selected η and step of the summary, and T1, T2, T1 + T2 averaged over the teachers', () => {
    const fig = buildFigure('normPuzzle', [input], style);
    const cells = input.summary?.cells ?? [];
    expect(Array.from(series(fig, 'teachers').x)).toEqual(norms);
    cells.forEach((c, i) => {
      expect(series(fig, 'teachers').y[i]).toBeCloseTo(c.gainMean, 14);
      const lrs = c.teachers.map((t) => t.bestLearningRate as number).sort((a, b) => a - b);
      expect(series(fig, 'teachers: selected η min').y[i]).toBe(lrs[0]);
      expect(series(fig, 'teachers: selected η max').y[i]).toBe(lrs[lrs.length - 1]);
      const steps = c.teachers.map((t) => t.bestStep as number);
      expect(series(fig, 'teachers: step of the peak').y[i]).toBeCloseTo(steps.reduce((a, b) => a + b, 0) / steps.length, 12);
      const rates = c.teachers.map((t) => initialRate(cosFromAccuracy(0.8), norms[i], t.cos, t.kappa, 1));
      expect(series(fig, 'T1 + T2 (predicted rate)').y[i]).toBeCloseTo(rates.reduce((a, b) => a + b, 0) / rates.length, 13);
      const sum = series(fig, "T1 (learning the teacher's knowledge)").y[i] + series(fig, "T2 (unlearning the student's error)").y[i];
      expect(sum).toBeCloseTo(series(fig, 'T1 + T2 (predicted rate)').y[i], 13);
    });
    // The local analysis: the rate falls like 1/‖w₀‖ … while the observed gain does not.
    const rate = series(fig, 'T1 + T2 (predicted rate)').y;
    expect(rate[0] / rate[2]).toBeGreaterThan(5);
  });

  it('spans the norms run on its x axis, from the 1, 2 or 5 × 10^k below the smallest to the one above the largest', () => {
    const x = (buildFigure('normPuzzle', [input], style).option.xAxis as { min: number; max: number }[])[0];
    const nice = (v: number) => [1, 2, 5].some((m) => Math.abs(v / (m * 10 ** Math.floor(Math.log10(v))) - 1) < 1e-12);
    expect([nice(x.min), nice(x.max)]).toEqual([true, true]);
    expect(x.min).toBeLessThan(Math.min(...norms));
    expect(x.max).toBeGreaterThan(Math.max(...norms));
    // Within one step of the 1-2-5 sequence (a factor of 2.5 at most, with the 10 % margin): not whole decades away.
    expect(Math.min(...norms) / x.min).toBeLessThanOrEqual(2.5 * 1.1);
    expect(x.max / Math.max(...norms)).toBeLessThanOrEqual(2.5 * 1.1);
  });

  it('renders to SVG with its panels, its CSV is the plotted series, and its matplotlib script draws the panels', async () => {
    const fig = buildFigure('normPuzzle', [input], style);
    const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: style.width, height: style.height });
    chart.setOption(fig.option);
    const svg = chart.renderToSVGString();
    chart.dispose();
    for (const name of ['initial norm ‖w₀‖', 'selected η', 'step of the peak', 'd cos/dt at t = 0']) expect(svg).toContain(name);
    const settings = parseExportSettings({ widthIn: 5, heightIn: 6 });
    const csv = (await exportFigure(fig, { settings, format: 'csv', csvFile: 'norm.csv' })) as string;
    expect(parsePlottedCsv(csv).map((s) => s.name)).toEqual(fig.series.map((s) => s.name));
    const py = (await exportFigure(fig, { settings, format: 'py', csvFile: 'norm.csv' })) as string;
    expect(py).toMatch(/^PANELS = \[\{"row": 0, "col": 0, .*"y_label": "gain in cos\(w, w\*\)"/m);
    writeFileSync(join(dir, 'norm.csv'), csv);
    writeFileSync(join(dir, 'norm.py'), py);
    const probe = spawnSync('python3', ['-c', 'import matplotlib'], { encoding: 'utf8' });
    expect(probe.status, 'matplotlib is missing: scripts/install-system-deps.sh installs it for the tests').toBe(0);
    const r = spawnSync('python3', [join(dir, 'norm.py'), join(dir, 'norm.csv'), join(dir, 'norm.png')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(join(dir, 'norm.png'));
  });
});

describe("the Theory view's rate against κ", () => {
  it('T1 + T2 of the closed form over κ ∈ [−1, 1], T1 constant, the boundary marked and labelled as on the κ figure', () => {
    const c0 = cosFromAccuracy(0.8);
    const cT = cosFromAccuracy(0.7);
    const fig = theoryAgainstKappa({ studentCos: c0, studentNorm: 1.5, teacherCos: cT, kappa: 0.3, beta: 2 }, style);
    const rate = series(fig, 'T1 + T2 (initial rate)');
    Array.from(rate.x).forEach((k, i) => expect(rate.y[i]).toBeCloseTo(initialRate(c0, 1.5, cT, k, 2), 14));
    const t1 = series(fig, "T1 (learning the teacher's knowledge)").y;
    for (const v of Array.from(t1)) expect(v).toBeCloseTo(t1[0], 14);
    expect(series(fig, 'κ entered').y[0]).toBeCloseTo(initialRate(c0, 1.5, cT, 0.3, 2), 14);
    const mark = (fig.option.series as { markLine?: { data: { xAxis?: number; label?: { formatter: string } }[] } }[])[0].markLine?.data.find((d) => d.xAxis !== undefined);
    expect(mark?.xAxis).toBeCloseTo(5 - 2 * Math.sqrt(5), 12);
    expect(mark?.label?.formatter).toBe(boundaryLabel(5 - 2 * Math.sqrt(5)));
    // The κ figure labels its boundary the same way.
    const kappa = buildFigure('kappa', [kappaInput], style);
    const labels = (kappa.option.series as { markLine?: { data: { label?: { formatter: string } }[] } }[]).flatMap((s) => s.markLine?.data ?? []).flatMap((d) => (d.label === undefined ? [] : [d.label.formatter]));
    expect(labels).toEqual([boundaryLabel(5 - 2 * Math.sqrt(5))]);
  });
});

describe('the population flow overlay', () => {
  it('is drawn for cross-entropy only: the flow of docs/spec.md §5 is not the auxiliary-confidence loss’s', () => {
    expect(flowApplies(validateSpec({}))).toBe(true);
    expect(flowApplies(validateSpec({ sft: { loss: { kind: 'crossEntropy' } } }))).toBe(true);
    expect(flowApplies(validateSpec({ sft: { loss: { kind: 'auxConfidence' } } }))).toBe(false);
  });
});
