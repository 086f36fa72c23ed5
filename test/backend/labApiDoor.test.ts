/**
 * One door (backend/labCommands.ts): a bad spec is refused by submit with its errors by field —
 * the engine's own parseSpec errors, the same as checkSpec's — and the service, Electron IPC (the
 * main side's replies through the preload's bridge) and w2s serve's HTTP give the same refusal;
 * the lab's rules refuse with one message whichever shell asks (the LabApi service or the
 * command layer the CLI uses); isFinished is the statuses done and diverged.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/engine/spec';
import { LabApiService } from '../../src/backend/labApi';
import { LabCommands } from '../../src/backend/labCommands';
import { registerLabIpc } from '../../src/main/ipc';
import { type RunningServer, startServer } from '../../src/serve/server';
import { isFinished, RUN_STATUSES } from '../../src/shared/experiment';
import { bridgedLabApi, type IpcReply, LabCallError, LabRequestError } from '../../src/shared/labApi';
import { IpcMainStandIn } from '../helpers/ipcStandIn';
import { type LabFixture, openLabFixture } from '../helpers/labFixture';

let fixture: LabFixture;
let service: LabApiService;
let server: RunningServer;
const ipc = new IpcMainStandIn();
const APP_URL = 'file:///app/index.html';

beforeAll(async () => {
  fixture = openLabFixture('door', { workers: 1 });
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

/** What the renderer holds in the desktop app: the main side's replies, through the preload's bridge. */
const desktop = bridgedLabApi({ call: async (method, input) => (await ipc.invoke(APP_URL, method, input)) as IpcReply, onEvent: () => () => undefined });

// Three problems in three fields, one of them across fields (the preview path's batch).
const bad = { seed: 1, teachers: { count: 0, accuracy: 1.5 }, sft: { steps: 10, learningRates: [0.1] }, data: { d: 2.5 } };
const good = { seed: 3, teachers: { count: 2 }, sft: { steps: 12, batchSize: 200, learningRates: [0.1] } };

describe('submit refuses a bad spec by field, the same on every path', () => {
  it('the service: 400, the engine’s errors by field (checkSpec’s), and the joined line', async () => {
    const engine = parseSpec(bad);
    expect(engine.ok).toBe(false);
    const expected = engine.ok ? [] : engine.errors;
    expect(expected.length).toBeGreaterThanOrEqual(2);
    const checked = (await service.handle('checkSpec', { spec: bad })) as { ok: boolean; errors: string[] };
    expect(checked.errors).toEqual(expected);
    const refusal = await service.handle('submit', { spec: bad }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(LabRequestError);
    expect((refusal as LabRequestError).status).toBe(400);
    expect((refusal as LabRequestError).errors).toEqual(expected);
    expect((refusal as LabRequestError).message).toBe(`invalid spec: ${expected.join('; ')}`);
    // Nothing was stored.
    expect(await service.handle('listExperiments', {})).toEqual([]);
  });

  it('IPC (through the bridge) and HTTP: the same status, message and errors', async () => {
    const engine = parseSpec(bad);
    const expected = engine.ok ? [] : engine.errors;
    const overIpc = await desktop.submit({ spec: bad }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(overIpc).toBeInstanceOf(LabCallError);
    const overHttp = await http('submit', { spec: bad });
    expect(overHttp.status).toBe(400);
    expect(overHttp.body.errors).toEqual(expected);
    expect({ status: (overIpc as LabCallError).status, message: (overIpc as LabCallError).message, errors: (overIpc as LabCallError).errors }).toEqual({
      status: overHttp.status,
      message: overHttp.body.error,
      errors: expected,
    });
  });

  it('a refusal that names no field carries no errors (a missing experiment: 404 both ways)', async () => {
    const overIpc = await desktop.resume({ id: 999 }).then(
      () => null,
      (e: unknown) => e,
    );
    const overHttp = await http('resume', { id: 999 });
    expect(overHttp).toEqual({ status: 404, body: { error: 'no experiment 999' } });
    expect(overIpc).toMatchObject({ status: 404, message: 'no experiment 999', errors: [] });
  });
});

describe('the lab’s rules, one message whichever shell asks', () => {
  it('a done experiment: nothing to resume (409) from the service and from the commands the CLI uses; nothing to cancel from another process', async () => {
    const { id } = (await desktop.submit({ spec: good })) as { id: number };
    await fixture.lab.finished(id);
    const commands = new LabCommands(fixture.store, fixture.lab);
    const message = `experiment ${id} is done: nothing to resume`;
    const overHttp = await http('resume', { id });
    expect(overHttp).toEqual({ status: 409, body: { error: message } });
    await expect(desktop.resume({ id })).rejects.toMatchObject({ status: 409, message });
    expect(() => commands.resume(id)).toThrow(message);
    expect(() => new LabCommands(fixture.store).cancelElsewhere(id)).toThrow(`experiment ${id} is done: nothing to cancel`);
    expect(new LabCommands(fixture.store).runsLeft(id)).toBe(0);
  });

  it('a command that runs experiments needs the lab; one that reads does not', () => {
    const reading = new LabCommands(fixture.store);
    expect(reading.history().length).toBeGreaterThan(0);
    expect(() => reading.resume(reading.history()[0].id)).toThrow(/runs no experiments/);
    expect(() => reading.experiment(12345)).toThrow(new LabRequestError(404, 'no experiment 12345'));
  });
});

describe('isFinished', () => {
  it('is true for done and diverged runs only', () => {
    expect(RUN_STATUSES.filter((status) => isFinished({ status }))).toEqual(['done', 'diverged']);
  });
});
