/**
 * Representative exports of a small Figure 1 and Figure 2 run, left in test-output/figures/ as PNG
 * (PDFs rendered by poppler's pdftoppm at 150 dpi, PNG exports as written) for a person to look at:
 * the three-panel trajectories at one and two columns, a row per cell, the per-learning-rate
 * view, the histograms, the scatters and the heatmap. Each file is checked for its physical size.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cellsOf } from '../../src/engine/grid';
import { summarizeExperiment } from '../../src/engine/summary';
import { buildFigure, defaultStyle, figureLayout } from '../../src/charts/index';
import type { FigureInput, FigureKind } from '../../src/charts/types';
import { exportFigure } from '../../src/backend/figures/index';
import { exportStyle } from '../../src/backend/figureFiles';
import { type ExportSettings, heightOf, parseExportSettings } from '../../src/shared/figureExport';
import { runAll } from '../helpers/experiment';

const OUT = join(__dirname, '..', '..', 'test-output', 'figures');
const COLUMNS = ['step', 'inner', 'norm', 'cos', 'accuracy', 'agreement'] as const;

function inputOf(spec: unknown, id: number): FigureInput {
  const { spec: s, outcomes } = runAll(spec);
  const data: number[] = [];
  for (const o of outcomes) for (const c of COLUMNS) data.push(...Array.from(o.series[c] as ArrayLike<number>));
  return {
    id,
    name: `shots ${id}`,
    seed: s.seed,
    spec: s,
    summary: JSON.parse(JSON.stringify(summarizeExperiment(s, 'reduced', cellsOf(s), outcomes))),
    bundle: {
      experimentId: id,
      columns: [...COLUMNS],
      runs: outcomes.map((o, i) => ({ runId: i + 1, key: o.key, status: o.status, recorded: o.series.step.length, descriptor: { ...o.descriptor } })),
      data: Float64Array.from(data),
    },
  };
}

let figure1: FigureInput;
let figure2: FigureInput;
beforeAll(() => {
  mkdirSync(OUT, { recursive: true });
  // Figure 1 in small: four norms, one teacher accuracy, learning rates a decade apart.
  figure1 = inputOf({ seed: 1, data: { d: 100 }, student: { accuracy: 0.8, norm: [0.5, 1, 3, 10] }, teachers: { count: 12, accuracy: 0.7 }, sft: { steps: 300, batchSize: 2000, learningRates: [0.01, 0.1, 1], earlyStopping: 'oracle' } }, 1);
  figure2 = inputOf({ seed: 2, data: { d: 100 }, student: { accuracy: 0.8, norm: [0.5, 1, 3] }, teachers: { count: 6, accuracy: [0.6, 0.7, 0.8] }, sft: { steps: 100, batchSize: 2000, learningRates: [0.1, 1], earlyStopping: 'oracle' } }, 2);
}, 120_000);

/** Export like `w2s export` does (layout, then height, then the figure) and leave a PNG to look at. */
async function shot(name: string, kind: FigureKind, input: FigureInput, raw: Record<string, unknown>, format: 'pdf' | 'png' = 'pdf'): Promise<ExportSettings> {
  const settings = parseExportSettings(raw);
  const layout = figureLayout(kind, [input], exportStyle(settings));
  const figure = buildFigure(kind, [input], exportStyle(settings, layout));
  const bytes = (await exportFigure(figure, { format, settings })) as Buffer;
  const heightIn = heightOf(settings, layout);
  if (format === 'png') {
    writeFileSync(join(OUT, `${name}.png`), bytes);
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([Math.round(settings.widthIn * settings.dpi), Math.round(heightIn * settings.dpi)]);
    return settings;
  }
  const pdf = join(OUT, `${name}.pdf`);
  writeFileSync(pdf, bytes);
  const r = spawnSync('pdftoppm', ['-png', '-r', '150', '-singlefile', pdf, join(OUT, name)], { encoding: 'utf8' });
  if (r.error) throw new Error('pdftoppm is missing: install poppler-utils (scripts/install-system-deps.sh)');
  expect(r.status, r.stderr).toBe(0);
  const png = readFileSync(join(OUT, `${name}.png`));
  // pdftoppm rounds the page's pt size up to whole pixels.
  expect(Math.abs(png.readUInt32BE(16) - settings.widthIn * 150)).toBeLessThanOrEqual(1);
  expect(Math.abs(png.readUInt32BE(20) - heightIn * 150)).toBeLessThanOrEqual(1);
  return settings;
}

describe('representative exports, left in test-output/figures', () => {
  it('Figure 1: the three panels at two and at one column, a row per cell, the per-learning-rate view', async () => {
    await shot('fig1-trajectories-two-column', 'trajectories', figure1, { widthIn: 6.75 });
    await shot('fig1-trajectories-one-column', 'trajectories', figure1, { widthIn: 3.25 });
    await shot('fig1-trajectories-rows-end-at-stop', 'trajectories', figure1, { widthIn: 6.75, facet: 'rows', endAtStop: true });
    await shot('fig1-trajectories-per-learning-rate', 'trajectories', figure1, { widthIn: 6.75, facet: 'rows', runs: 'perLearningRate' });
    await shot('fig1-trajectories-cos-only', 'trajectories', figure1, { widthIn: 3.25, metric: 'cos' });
  }, 120_000);

  it('Figure 1: histograms stacked and in rows, gain against κ and cos(w_T, w₀), theory per cell', async () => {
    await shot('fig1-gains-stacked', 'gains', figure1, { widthIn: 3.25 });
    await shot('fig1-gains-rows', 'gains', figure1, { widthIn: 3.25, facet: 'rows' });
    await shot('fig1-gain-vs-accuracy-fallback', 'gainVsAccuracy', figure1, { widthIn: 3.25 });
    await shot('fig1-theory', 'theory', figure1, { widthIn: 3.25 });
  }, 120_000);

  it('Figure 2: the heatmap as a PNG export (labels without outline), gain against accuracy', async () => {
    await shot('fig2-heatmap-gain', 'heatmap', figure2, { widthIn: 3.25, dpi: 300 }, 'png');
    await shot('fig2-heatmap-fraction', 'heatmap', figure2, { widthIn: 3.25, dpi: 300, heatmapValue: 'fractionImproved' }, 'png');
    await shot('fig2-gain-vs-accuracy', 'gainVsAccuracy', figure2, { widthIn: 3.25 });
    // The builders' defaults on screen (dark theme) stay drawable too.
    expect(() => buildFigure('trajectories', [figure2], defaultStyle({ metric: null, theme: 'dark', maxPoints: 500 }))).not.toThrow();
  }, 120_000);
});
