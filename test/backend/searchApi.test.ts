/**
 * The boundary search through the LabApi (startSearch, resume): reachable by every shell (the
 * service, Electron IPC through the preload's bridge, w2s serve's HTTP), its input checked by field
 * at the boundary, run in the background to its end, and continued by `resume`. The κ search runs
 * under the paper's 80 % / 70 % setup (as test/backend/search.test.ts: small, on the preview path)
 * and must land within its tolerance of Theorem 1.1's tan θ / tan θ_T.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabApiService } from '../../src/backend/labApi';
import { LabCommands } from '../../src/backend/labCommands';
import { registerLabIpc } from '../../src/main/ipc';
import { searchResult } from '../../src/engine/search';
import { type RunningServer, startServer } from '../../src/serve/server';
import { bridgedLabApi, type IpcReply, LabCallError, LabRequestError } from '../../src/shared/labApi';
import { IpcMainStandIn } from '../helpers/ipcStandIn';
import { directLabApi, type LabFixture, openLabFixture } from '../helpers/labFixture';

const BASE = {
  seed: 3,
  data: { d: 100 },
  student: { accuracy: 0.8, norm: 1 },
  teachers: { count: 10, accuracy: 0.7 },
  sft: { batchSize: 1_000_000, steps: 200, learningRates: [0.001, 0.01], ceiling: false },
  engine: { path: 'preview' },
};
const KAPPA = { axis: 'teachers.kappa', from: 0, to: 0.95, target: 'fractionImproved' as const, level: 0.5 };
// θ = π(1 − 0.8), θ_T = π(1 − 0.7): Theorem 1.1's boundary tan θ / tan θ_T = 5 − 2√5 = 0.5279…
const CLOSED_FORM = Math.tan(Math.PI * 0.2) / Math.tan(Math.PI * 0.3);

let fixture: LabFixture;
let service: LabApiService;
let server: RunningServer;
const ipc = new IpcMainStandIn();
const APP_URL = 'file:///app/index.html';
const desktop = bridgedLabApi({ call: async (method, input) => (await ipc.invoke(APP_URL, method, input)) as IpcReply, onEvent: () => () => undefined });

beforeAll(async () => {
  fixture = openLabFixture('searchApi', { workers: 2 });
  service = new LabApiService(fixture.lab);
  registerLabIpc(ipc, service, { isTrustedSender: (url) => url === APP_URL });
  server = await startServer(service, { host: '127.0.0.1', port: 0, rendererDir: null });
});
afterAll(async () => {
  await server.close();
  fixture.close();
});

function http(method: string, input: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path: `/api/${method}`, method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(input));
  });
}

/** The search's result as every shell reads it: from the stored spec and summary the LabApi gives. */
async function resultOf(id: number) {
  const e = await directLabApi(service).getExperiment({ id });
  const { search, grid, teachers } = e.spec;
  expect(search).toBeDefined();
  return searchResult({ search: search!, grid: grid!, teachers }, e.summary);
}

describe('startSearch through the LabApi', () => {
  it("runs a κ search over HTTP in the background to the theorem's boundary, within its tolerance", async () => {
    const reply = await http('startSearch', { spec: BASE, search: KAPPA, name: 'κ search' });
    expect(reply.status).toBe(200);
    const id = reply.body.id as number;
    await service.searchSettled(id);
    const e = await directLabApi(service).getExperiment({ id });
    expect(e.status).toBe('done');
    expect(e.name).toBe('κ search');
    const result = await resultOf(id);
    expect(result).not.toBeNull();
    expect(result!.error).toBeUndefined();
    const tolerance = (KAPPA.to - KAPPA.from) / 100;
    expect(Math.abs(result!.boundary! - CLOSED_FORM)).toBeLessThan(tolerance);
    const [lo, hi] = result!.interval!;
    expect(lo).toBeLessThanOrEqual(CLOSED_FORM);
    expect(hi).toBeGreaterThanOrEqual(CLOSED_FORM);
    // Bisection: about a dozen cells, each a point of the stored grid.
    expect(e.spec.grid!.length).toBeLessThanOrEqual(14);
    expect(result!.evaluations.length).toBe(new Set(e.spec.grid!.map((g) => g['teachers.kappa'])).size);
  }, 120_000);

  it('resume on a search whose loop stopped continues it to the same boundary', async () => {
    // The first round stored and run without its loop (as after the app closed between rounds).
    const commands = new LabCommands(fixture.store, fixture.lab);
    const id = commands.startSearch(BASE, KAPPA);
    await commands.finished(id);
    expect(commands.experiment(id).spec.grid).toHaveLength(2);
    expect(await resultOf(id)).toBeNull();
    await desktop.resume({ id });
    await service.searchSettled(id);
    const result = await resultOf(id);
    expect(result).not.toBeNull();
    expect(Math.abs(result!.boundary! - CLOSED_FORM)).toBeLessThan((KAPPA.to - KAPPA.from) / 100);
    expect(commands.experiment(id).spec.grid!.length).toBeGreaterThan(2);
  }, 120_000);

  it('refuses a bad search by field, over IPC and HTTP alike, storing nothing', async () => {
    const before = (await directLabApi(service).listExperiments({})).length;
    const bad = { ...KAPPA, level: 1.5, axis: 'teachers.colour' };
    const overHttp = await http('startSearch', { spec: BASE, search: bad });
    expect(overHttp.status).toBe(400);
    const errors = overHttp.body.errors as string[];
    expect(errors.some((e) => e.startsWith('search.axis: must be one of the axes'))).toBe(true);
    expect(overHttp.body.error).toMatch(/^startSearch: /);
    const level = await http('startSearch', { spec: BASE, search: { ...KAPPA, level: 1.5 } });
    expect(level.status).toBe(400);
    expect(level.body.errors).toEqual(["search.level: must be in (0, 1) for target 'fractionImproved': a fraction of teachers, strictly between 0 and 1"]);
    const reversed = await desktop.startSearch({ spec: BASE, search: { ...KAPPA, from: 0.9, to: 0.1 } }).then(
      () => null,
      (e: unknown) => e,
    );
    // Through the preload's bridge: the main side's refusal, its status and fields intact.
    expect(reversed).toBeInstanceOf(LabCallError);
    expect(reversed).toMatchObject({ status: 400, errors: ['search.to: must be > from = 0.9'] });
    // The renderer's LabApi (makeLabApi) refuses it before it crosses, with the same fields.
    await expect(directLabApi(service).startSearch({ spec: BASE, search: { ...KAPPA, from: 0.9, to: 0.1 } })).rejects.toEqual(
      new LabRequestError(400, 'startSearch: search.to: must be > from = 0.9', ['search.to: must be > from = 0.9']),
    );
    // Over IPC itself (the main side's check, whatever the renderer sent).
    const overIpc = (await ipc.invoke(APP_URL, 'startSearch', { spec: BASE, search: { ...KAPPA, tolerance: 0 } })) as IpcReply;
    expect(overIpc).toMatchObject({ ok: false, status: 400, errors: [expect.stringMatching(/^search\.tolerance: must be in \[/)] });
    // A bad spec under a good search: the spec's own errors by field.
    const badSpec = await http('startSearch', { spec: { ...BASE, teachers: { count: 0, accuracy: 0.7 } }, search: KAPPA });
    expect(badSpec.status).toBe(400);
    expect((badSpec.body.errors as string[]).some((e) => e.startsWith('teachers.count:'))).toBe(true);
    expect((await directLabApi(service).listExperiments({})).length).toBe(before);
  });
});
