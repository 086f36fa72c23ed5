/**
 * Figures of stored experiments: the plotted CSV holds the stored series bit for bit (every point,
 * no thinning), and the LabApi's exportFigure (the app's Export dialog) gives the same bytes as the
 * exporter the CLI calls; bad requests are refused naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/engine/spec';
import { exportExperimentFigure, loadSelectedBlock } from '../../src/backend/figureFiles';
import { parsePlottedCsv } from '../../src/backend/figures/index';
import { type Lab } from '../../src/backend/lab';
import { LabApiService } from '../../src/backend/labApi';
import type { RunStore } from '../../src/backend/store/store';
import { ExportSettingsSchema } from '../../src/shared/figureExport';
import { LabRequestError } from '../../src/shared/labApi';
import { type LabFixture, openLabFixture } from '../helpers/labFixture';

let fixture: LabFixture;
let store: RunStore;
let lab: Lab;
let api: LabApiService;
let id: number;

beforeAll(async () => {
  fixture = openLabFixture('figure-files');
  ({ store, lab } = fixture);
  api = new LabApiService(lab);
  id = lab.submit(validateSpec({ seed: 9, student: { norm: [1, 3] }, teachers: { count: 4, accuracy: 0.7 }, sft: { steps: 40, learningRates: [0.1, 1], batchSize: 1000 } }));
  await lab.finished(id);
});
afterAll(() => fixture.close());

const settings = ExportSettingsSchema.parse({});

describe('figures of a stored experiment', () => {
  it("the three-panel trajectories CSV holds each teacher's stored ⟨w, w*⟩, ‖w‖ and cos at its cell's learning rate bit for bit, at every recorded step", async () => {
    const rows = { ...settings, facet: 'rows' as const };
    const file = await exportExperimentFigure(store, { ids: [id], kind: 'trajectories', format: 'csv', settings: { ...rows, xScale: 'linear' } });
    const parsed = parsePlottedCsv(file.content as string);
    const summary = store.getExperiment(id)?.summary;
    const { runs, columns, data } = store.loadSeriesBlock(id);
    const width = columns.length;
    let offset = 0;
    const stored = new Map<string, Record<string, Float64Array>>();
    for (const r of runs) {
      const column = (name: string) => data.subarray(offset + columns.indexOf(name) * r.recorded, offset + (columns.indexOf(name) + 1) * r.recorded);
      stored.set(`${r.key.cell}/${r.key.teacher}/${r.key.lr}`, { step: column('step'), inner: column('inner'), norm: column('norm'), cos: column('cos') });
      offset += r.recorded * width;
    }
    // The default step axis is logarithmic exactly when the stops drawn (each run's at its cell's rate) span more than a decade; it then has no step 0.
    const stops = (summary?.teachers ?? []).map((t) => {
      const cos = stored.get(`${t.cell}/${t.teacher}/${summary?.cells[t.cell].cellLrIndex}`)?.cos ?? new Float64Array(0);
      const rest = Array.from(cos.subarray(1));
      return rest.indexOf(Math.max(...rest)) + 1;
    });
    const log = Math.max(...stops) / Math.min(...stops) > 10;
    const auto = parsePlottedCsv((await exportExperimentFigure(store, { ids: [id], kind: 'trajectories', format: 'csv', settings: rows })).content as string);
    expect(auto.find((s) => s.name === '(c) cell0 teacher0')?.x.slice(0, 2)).toEqual(log ? [1, 2] : [0, 1]);
    let checked = 0;
    // A row per cell of panels: the inner product, the norm and the cosine, in the paper's order.
    for (const [col, metric] of [[0, 'inner'], [1, 'norm'], [2, 'cos']] as const) {
      for (const t of summary?.teachers ?? []) {
        const letter = `(${'abcdef'[t.cell * 3 + col]})`;
        const line = parsed.find((s) => s.name === `${letter} cell${t.cell} teacher${t.teacher}`);
        const run = stored.get(`${t.cell}/${t.teacher}/${summary?.cells[t.cell].cellLrIndex}`);
        expect(line, `${letter} cell${t.cell} teacher${t.teacher}`).toBeDefined();
        expect(line?.yLabel).toBe(metric);
        expect(line?.x.length).toBe(41);
        expect(line?.x.every((v, i) => Object.is(v, run?.step[i]))).toBe(true);
        expect(line?.y.every((v, i) => Object.is(v, run?.[metric][i]))).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(3 * 8);
  });

  it("a running experiment's selection (the rule on the stored steps) is the one its summary makes when finished", () => {
    const e = store.getExperiment(id);
    if (e === null) throw new Error('no experiment');
    const finished = loadSelectedBlock(store, e);
    const live = loadSelectedBlock(store, { ...e, summary: null });
    expect(live.runs.map((r) => r.id)).toEqual(finished.runs.map((r) => r.id));
    expect(live.runs).toHaveLength(8); // 2 cells × 4 teachers, one learning rate each
    expect(Array.from(live.data)).toEqual(Array.from(finished.data));
  });

  it("exportFigure through the LabApi gives the exporter's bytes (text as is, PDF and PNG as base64)", async () => {
    for (const format of ['svg', 'pdf', 'png', 'csv', 'py', 'json'] as const) {
      const direct = await exportExperimentFigure(store, { ids: [id], kind: 'gains', format, settings });
      const viaApi = (await api.handle('exportFigure', { ids: [id], kind: 'gains', format })) as { fileName: string; encoding: string; data: string };
      expect(viaApi.fileName).toBe(direct.fileName);
      const bytes = viaApi.encoding === 'base64' ? Buffer.from(viaApi.data, 'base64') : Buffer.from(viaApi.data, 'utf8');
      expect(bytes.equals(Buffer.isBuffer(direct.content) ? direct.content : Buffer.from(direct.content, 'utf8')), format).toBe(true);
    }
  });

  it('refuses bad requests naming the field, and unknown experiments', async () => {
    const refused = async (input: unknown) => {
      try {
        await api.handle('exportFigure', input);
      } catch (error) {
        expect(error).toBeInstanceOf(LabRequestError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(await refused({ ids: [id], kind: 'gains', format: 'svg', settings: { widthIn: 0.3 } })).toMatch(/settings\.widthIn: must be a number from 1 to 20 \(inches\)/);
    expect(await refused({ ids: [id], kind: 'pie', format: 'svg' })).toMatch(/kind: must be one of trajectories/);
    expect(await refused({ ids: [id], kind: 'gains', format: 'gif' })).toMatch(/format: must be one of svg, pdf, png, csv, py, json/);
    expect(await refused({ ids: [id], kind: 'compare', format: 'svg' })).toMatch(/compare needs 2–8 experiments/);
    expect(await refused({ ids: [id + 100], kind: 'gains', format: 'svg' })).toMatch(/no experiment/);
  });
});
