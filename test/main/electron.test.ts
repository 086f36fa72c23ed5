/**
 * The Electron glue without Electron (it cannot be launched here): the IPC handlers registered on a
 * stand-in ipcMain and called as the preload calls them, and the utilityProcess wrapper driving the
 * real engine worker through an in-memory port pair (a worker thread with a MessagePort).
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentContext } from '../../src/engine/experiment';
import { runKeys } from '../../src/engine/grid';
import { SftRun } from '../../src/engine/run';
import { validateSpec } from '../../src/engine/spec';
import { forwardLabEvents, registerLabIpc, trustedSender } from '../../src/main/ipc';
import { utilitySpawner, type UtilityProcessLike } from '../../src/main/utilityEngine';
import { Lab } from '../../src/backend/lab';
import { LabApiService } from '../../src/backend/labApi';
import { EnginePool, forkSpawner } from '../../src/backend/pool';
import { RunStore } from '../../src/backend/store/store';
import { CHANNEL_EVENT, type IpcReply, LabCallError, makeLabApi } from '../../src/shared/labApi';
import { IpcMainStandIn } from '../helpers/ipcStandIn';
import { seriesOf } from '../helpers/jobSeries';

/** Stand-in utility process: a worker thread running src/worker over a MessageChannel. */
class UtilityProcessStandIn extends EventEmitter implements UtilityProcessLike {
  private readonly port: MessagePort;
  private readonly worker: Worker;
  constructor() {
    super();
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(join(__dirname, '..', 'helpers', 'utilityStandIn.cjs'), { workerData: { port: port2 }, transferList: [port2] });
    port1.on('message', (message) => this.emit('message', message));
    this.worker.on('exit', (code) => {
      port1.close();
      this.emit('exit', code);
    });
  }
  postMessage(message: unknown): void {
    this.port.postMessage(message);
  }
  kill(): boolean {
    void this.worker.terminate();
    return true;
  }
}

// Where a packaged Linux build keeps its renderer (productName "W2S Lab" puts a space in the path),
// and the URL Chromium reports for its window: percent-encoded, written out here, not computed.
const RENDERER = '/opt/W2S Lab/resources/app.asar/out/renderer/index.html';
const RENDERER_URL = 'file:///opt/W2S%20Lab/resources/app.asar/out/renderer/index.html';
const spec = validateSpec({ seed: 8, teachers: { count: 2 }, sft: { steps: 20, batchSize: 300, learningRates: [0.1, 1] } });
let dir: string;
let store: RunStore;
let pool: EnginePool;
let service: LabApiService;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'w2s-electron-'));
  store = RunStore.open(join(dir, 'lab.sqlite'), 'test');
  pool = new EnginePool(forkSpawner(), 1);
  service = new LabApiService(new Lab(store, pool));
});
afterAll(() => {
  pool.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('IPC handlers', () => {
  it('serve the app’s own frames, refuse others, and report bad input with its status', async () => {
    const ipc = new IpcMainStandIn();
    const remove = registerLabIpc(ipc, service, { isTrustedSender: trustedSender(RENDERER, undefined) });
    const trusted = `${RENDERER_URL}#/history`;
    expect(await ipc.invoke(trusted, 'listExperiments', {})).toEqual({ ok: true, value: [] });
    expect(await ipc.invoke('https://evil.example/', 'listExperiments', {})).toMatchObject({ ok: false, status: 403 });
    expect(await ipc.invoke(`file:///tmp/other.html`, 'listExperiments', {})).toMatchObject({ ok: false, status: 403 });
    expect(await ipc.invoke(RENDERER_URL.replace('index.html', 'other.html'), 'listExperiments', {})).toMatchObject({ ok: false, status: 403 });
    const bad = (await ipc.invoke(trusted, 'submit', { spec: { data: { d: 1 } } })) as IpcReply;
    expect(bad).toMatchObject({ ok: false, status: 400 });
    expect(bad.ok ? '' : bad.message).toContain('data.d');
    expect(await ipc.invoke(trusted, 'nope', {})).toMatchObject({ ok: false, status: 404 });
    expect(store.listExperiments()).toHaveLength(0);
    remove();
    expect(ipc.handlers.size).toBe(0);
  });

  it('the preload’s typed API over them runs an experiment and streams its events', async () => {
    const ipc = new IpcMainStandIn();
    registerLabIpc(ipc, service, { isTrustedSender: trustedSender(RENDERER, undefined) });
    // The window side: events forwarded to a stand-in webContents.
    const sent: unknown[] = [];
    const contents = Object.assign(new EventEmitter(), {
      send: (channel: string, e: unknown) => {
        if (channel === CHANNEL_EVENT) sent.push(e);
      },
      isDestroyed: () => false,
    });
    forwardLabEvents(service, contents);
    const api = makeLabApi(async (method, input) => {
      const reply = (await ipc.invoke(RENDERER_URL, method, input)) as IpcReply;
      if (!reply.ok) throw new LabCallError(reply.status, reply.message);
      return reply.value;
    }, () => () => undefined);
    const { id } = await api.submit({ spec });
    await service.lab.finished(id);
    const detail = await api.getExperiment({ id });
    expect(detail.status).toBe('done');
    const series = await api.getSeries({ id });
    expect(series.data).toBeInstanceOf(Float64Array);
    expect(series.runs).toHaveLength(runKeys(spec).length);
    await expect(api.rename({ id, name: '' })).rejects.toThrow(/name/);
    await expect(api.getExperiment({ id: 12345 })).rejects.toMatchObject({ status: 404 });
    expect(sent.some((e) => (e as { type: string }).type === 'experiment')).toBe(true);
    contents.emit('destroyed');
  });
});

describe('the app’s own frames (trustedSender)', () => {
  // Each case: the renderer file as the app computes it, and URLs as Chromium reports them.
  const cases: { name: string; file: string; platform: NodeJS.Platform; own: string[]; others: string[] }[] = [
    {
      name: 'Linux, /opt/W2S Lab',
      file: RENDERER,
      platform: 'linux',
      own: [RENDERER_URL, `${RENDERER_URL}#/experiment/3`],
      others: ['file:///opt/W2S%20Lab/resources/app.asar/out/renderer/evil.html', `${RENDERER_URL}?x=1`, 'file://evil.example/opt/W2S%20Lab/resources/app.asar/out/renderer/index.html', 'about:blank', 'https://evil.example/', ''],
    },
    {
      name: 'macOS, /Applications/W2S Lab.app',
      file: '/Applications/W2S Lab.app/Contents/Resources/app.asar/out/renderer/index.html',
      platform: 'darwin',
      own: ['file:///Applications/W2S%20Lab.app/Contents/Resources/app.asar/out/renderer/index.html#/builder'],
      others: ['file:///Applications/W2S%20Lab.app/Contents/Resources/app.asar/out/renderer/index.htm'],
    },
    {
      name: 'Windows, a user name and the install folder with spaces',
      file: 'C:\\Users\\Ada Lovelace\\AppData\\Local\\Programs\\W2S Lab\\resources\\app.asar\\out\\renderer\\index.html',
      platform: 'win32',
      own: [
        'file:///C:/Users/Ada%20Lovelace/AppData/Local/Programs/W2S%20Lab/resources/app.asar/out/renderer/index.html',
        'file:///C:/Users/Ada%20Lovelace/AppData/Local/Programs/W2S%20Lab/resources/app.asar/out/renderer/index.html#/compare',
        // The same file: NTFS ignores case, and a drive letter may come back lower-case.
        'file:///c:/Users/Ada%20Lovelace/AppData/Local/Programs/W2S%20Lab/resources/app.asar/out/renderer/index.html',
      ],
      others: ['file:///D:/Users/Ada%20Lovelace/AppData/Local/Programs/W2S%20Lab/resources/app.asar/out/renderer/index.html', 'file://attacker/share/index.html'],
    },
    {
      name: 'non-ASCII and reserved characters in the path',
      file: '/home/zoë/Apps/W2S Lab [beta] #2/out/renderer/index.html',
      platform: 'linux',
      own: ['file:///home/zo%C3%AB/Apps/W2S%20Lab%20[beta]%20%232/out/renderer/index.html', 'file:///home/zo%C3%AB/Apps/W2S%20Lab%20%5Bbeta%5D%20%232/out/renderer/index.html'],
      others: ['file:///home/zo%C3%AB/Apps/W2S%20Lab%20[beta]%20/out/renderer/index.html'],
    },
  ];
  for (const c of cases) {
    it(`trusts only its own file: ${c.name}`, () => {
      const trusted = trustedSender(c.file, undefined, c.platform);
      for (const url of c.own) expect(trusted(url), url).toBe(true);
      for (const url of c.others) expect(trusted(url), url).toBe(false);
    });
  }

  it('trusts the dev server by its origin, not by a prefix of its URL', () => {
    const trusted = trustedSender(RENDERER, 'http://localhost:5173', 'linux');
    expect(trusted('http://localhost:5173/')).toBe(true);
    expect(trusted('http://localhost:5173/#/builder')).toBe(true);
    expect(trusted('http://localhost:51730/')).toBe(false);
    expect(trusted('http://localhost:5173.evil.example/')).toBe(false);
    expect(trusted('http://localhost:5173@evil.example/')).toBe(false);
    expect(trusted(RENDERER_URL)).toBe(true);
  });
});

describe('utilityProcess wrapper', () => {
  it('runs the real engine worker over an in-memory port pair with the results of in-process runs', async () => {
    const utilityPool = new EnginePool(utilitySpawner(() => new UtilityProcessStandIn()), 2);
    try {
      const keys = runKeys(spec);
      const results = await Promise.all(keys.map((key) => utilityPool.run({ spec, key })));
      const context = new ExperimentContext(spec);
      keys.forEach((key, i) => expect(Array.from(seriesOf(results[i]).cos)).toEqual(Array.from(SftRun.start(context, key).complete().series.cos)));
    } finally {
      utilityPool.close();
    }
  });

  it('a killed utility process fails only its job; the pool replaces it', async () => {
    const spawned: UtilityProcessStandIn[] = [];
    const utilityPool = new EnginePool(
      utilitySpawner(() => {
        const p = new UtilityProcessStandIn();
        spawned.push(p);
        return p;
      }),
      1,
    );
    try {
      const long = validateSpec({ ...spec, sft: { ...spec.sft, steps: 1_000_000, batchSize: 5000 } });
      let killed = false;
      const doomed = utilityPool.run({ spec: long, key: { cell: 0, teacher: 0, lr: 0 } }, () => {
        if (!killed) {
          killed = true;
          spawned[0].kill();
        }
      });
      await expect(doomed).rejects.toThrow(/exited/);
      const after = await utilityPool.run({ spec, key: { cell: 0, teacher: 1, lr: 0 } });
      expect(after.status).toBe('done');
      expect(spawned).toHaveLength(2);
    } finally {
      utilityPool.close();
    }
  });
});
