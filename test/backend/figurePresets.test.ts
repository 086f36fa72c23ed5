/**
 * Exported figures of the presets read as a paper's figures (issue 18, items 2–5), measured in the
 * rendered files: documented reduced variants of the presets (fewer teachers and steps, the grids
 * unchanged, which is what the layouts depend on) run through the real lab into a temporary history.
 *
 * - Figure 2 (4 norms × 5 teacher accuracies, preview, 5 teachers, 100 steps) exports at two-column
 *   width as 20 small panels by its axes, every font ≥ 7 pt, its legend not paginated;
 * - the comparison of Figure 1 in preview against its exact run (10 teachers, 300 steps) names the
 *   two by what differs, and its legend takes at most 15 % of the figure's height;
 * - no tick label has more than 4 significant digits in any figure of them;
 * - the norm puzzle of Figure 1's norms has ticks at 0.5 and 3 and keys its rate panel's terms there.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportExperimentFigure } from '../../src/backend/figureFiles';
import type { FigureKind } from '../../src/charts/types';
import { validateSpec } from '../../src/engine/spec';
import { parseExportSettings } from '../../src/shared/figureExport';
import { type LabFixture, openLabFixture } from '../helpers/labFixture';
import { until } from '../helpers/until';

const PRESETS = join(__dirname, '..', '..', 'resources', 'presets');
const preset = (name: string) => JSON.parse(readFileSync(join(PRESETS, `${name}.json`), 'utf8')) as Record<string, unknown> & { sft: Record<string, unknown>; teachers: Record<string, unknown> };

let fixture: LabFixture;
const ids = { figure2: 0, preview: 0, exact: 0 };

beforeAll(async () => {
  fixture = openLabFixture('figure-presets', { workers: 2 });
  const f2 = preset('figure2');
  ids.figure2 = fixture.lab.submit(validateSpec({ ...f2, engine: { path: 'preview' }, teachers: { ...f2.teachers, count: 5 }, sft: { ...f2.sft, steps: 100 } }));
  const f1 = preset('figure1');
  const small = { ...f1, teachers: { ...f1.teachers, count: 10 }, sft: { ...f1.sft, steps: 300 } };
  ids.preview = fixture.lab.submit(validateSpec({ ...small, engine: { path: 'preview' } }));
  ids.exact = fixture.lab.submit(validateSpec({ ...small, engine: { path: 'auto' } }));
  for (const id of Object.values(ids)) await until(() => fixture.store.getExperiment(id)?.status === 'done', `experiment ${id}`, 600_000, 200);
}, 620_000);
afterAll(() => fixture?.close());

async function svg(idList: number[], kind: FigureKind, settings: Record<string, unknown> = {}): Promise<string> {
  const file = await exportExperimentFigure(fixture.store, { ids: idList, kind, format: 'svg', settings: parseExportSettings(settings) });
  return file.content as string;
}

/** Every <text> of an SVG: its content, font size (px) and where it is drawn (translate or y). */
function texts(s: string): { text: string; size: number; y: number }[] {
  return [...s.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)].map((m) => {
    const size = Number(/font-size:([\d.]+)px/.exec(m[1])?.[1] ?? NaN);
    const t = /translate\(([-\d.]+)[ ,]([-\d.]+)\)/.exec(m[1]);
    // A turned text (an axis name) is placed by its matrix's last term.
    const matrix = /matrix\([^)]*,([-\d.]+)\)/.exec(m[1]);
    const y = t !== null ? Number(t[2]) : matrix !== null ? Number(matrix[1]) : Number(/\sy="([-\d.]+)"/.exec(m[1])?.[1] ?? NaN);
    return { text: m[2].replace(/&amp;/g, '&'), size, y };
  });
}

const heightPx = (s: string) => Number(/height="([\d.]+)in"/.exec(s)?.[1]) * 96;

/** Significant digits of a number as written ('0.03965' → 4, '1,000' → 1, '0.05' → 1). */
function significant(label: string): number {
  const digits = label.replace(/[,\s%−-]/g, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return digits.length;
}

describe('exported figures of the presets', () => {
  it('Figure 2 exports at two-column width as 20 small panels laid out by norm and teacher accuracy, fonts ≥ 7 pt, its legend whole', async () => {
    const s = await svg([ids.figure2], 'trajectories', { widthIn: 6.75 });
    expect(s).toMatch(/<svg [^>]*width="6.75in"/);
    const all = texts(s);
    for (const header of ['teacher 55 %', 'teacher 60 %', 'teacher 65 %', 'teacher 70 %', 'teacher 75 %', '‖w₀‖ = 0.5', '‖w₀‖ = 1', '‖w₀‖ = 3', '‖w₀‖ = 10']) expect(all.filter((t) => t.text === header), header).toHaveLength(1);
    // A panel title per cell: its learning rate.
    expect(all.filter((t) => /^η = /.test(t.text))).toHaveLength(20);
    // 8 pt is 10.67 px; nothing under 7 pt (9.33 px).
    expect(Math.min(...all.map((t) => t.size))).toBeGreaterThanOrEqual((7 * 4) / 3 - 1e-9);
    // ECharts' pager of a scrolling legend writes "1/2": never in an export.
    expect(all.some((t) => /^\d+\/\d+$/.test(t.text))).toBe(false);
    // 20 clip paths: a grid of its own per panel.
    expect((s.match(/<clipPath/g) ?? []).length).toBeGreaterThanOrEqual(20);
  });

  it('names a preview and its exact run by what differs, on one y range, with a legend of at most 15 % of the figure', async () => {
    for (const widthIn of [3.25, 6.75]) {
      const s = await svg([ids.preview, ids.exact], 'compare', { widthIn });
      const all = texts(s);
      const legend = all.filter((t) => t.text === 'path preview' || t.text === 'path exact');
      expect(legend.map((t) => t.text).sort()).toEqual(['path exact', 'path preview']);
      const top = Math.min(...legend.map((t) => t.y)) - legend[0].size;
      const bottom = Math.max(...legend.map((t) => t.y)) + legend[0].size;
      expect((bottom - Math.max(0, top)) / heightPx(s), `legend at ${widthIn} in`).toBeLessThanOrEqual(0.15);
    }
  });

  it('writes no tick label of more than 4 significant digits in any figure of them', async () => {
    const figures: [number[], FigureKind][] = [
      [[ids.figure2], 'trajectories'],
      [[ids.figure2], 'gains'],
      [[ids.figure2], 'gainVsAccuracy'],
      [[ids.figure2], 'gainVsKappa'],
      [[ids.figure2], 'theory'],
      [[ids.preview], 'trajectories'],
      [[ids.preview], 'gains'],
      [[ids.preview], 'gainVsAccuracy'],
      [[ids.preview], 'gainVsStartCos'],
      [[ids.preview], 'normPuzzle'],
      [[ids.preview, ids.exact], 'compare'],
    ];
    for (const [list, kind] of figures) {
      for (const t of texts(await svg(list, kind, { widthIn: 6.75 }))) {
        if (/^[−-]?[\d,]*\.?\d+$/.test(t.text)) expect(significant(t.text), `${kind} of #${list}: '${t.text}'`).toBeLessThanOrEqual(4);
      }
    }
  });

  it("the norm puzzle has ticks at the norms run (0.5 and 3) and keys its rate panel's three terms in that panel", async () => {
    const s = await svg([ids.preview], 'normPuzzle', { widthIn: 6.75 });
    const all = texts(s);
    for (const tick of ['0.5', '1', '3', '10']) expect(all.some((t) => t.text === tick), `tick ${tick}`).toBe(true);
    const rate = all.find((t) => t.text === 'd cos/dt at t = 0');
    const terms = all.filter((t) => /^T1 \+ T2|^T1 \(|^T2 \(/.test(t.text));
    expect(terms).toHaveLength(3);
    // Below the top of the rate panel's axis name's span: in the last (bottom) panel, not above all four.
    const gain = all.find((t) => t.text === 'gain in cos(w, w*)');
    for (const t of terms) expect(t.y).toBeGreaterThan(((gain?.y ?? 0) + (rate?.y ?? 0)) / 2);
  });
});
