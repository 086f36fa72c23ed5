/**
 * Fuzz of both transports of the LabApi with a fixed seed: thousands of malformed requests to a
 * real `w2s serve` process (bad JSON, wrong types, huge numbers, unknown methods, long strings,
 * wrong content types, truncated and oversized bodies, wrong HTTP methods, missing tokens) and to
 * the Electron IPC handlers through the stand-in channel (the same inputs, plus values only
 * structured clone can carry, non-string methods and foreign frames). Each gets the 4xx the
 * contract gives it, the server stays up, and the history's contents are byte for byte the same.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/engine/spec';
import { Lab } from '../../src/backend/lab';
import { LabApiService } from '../../src/backend/labApi';
import { EnginePool, forkSpawner } from '../../src/backend/pool';
import { RunStore } from '../../src/backend/store/store';
import { registerLabIpc, trustedSender } from '../../src/main/ipc';
import type { IpcReply } from '../../src/shared/labApi';
import { FuzzGenerator, SHAPES } from '../helpers/fuzz';
import { IpcMainStandIn } from '../helpers/ipcStandIn';

const W2S = join(__dirname, '..', '..', 'bin', 'w2s.cjs');
const SEED = 20261201;
const HTTP_REQUESTS = 2400;
const IPC_CALLS = 2400;
const MISSING_ID = 987_654;

let dir: string;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The history's whole content, from a connection of its own: every table, BLOBs hashed. */
function contents(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const tables = (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    const hash = createHash('sha256');
    for (const table of tables) {
      hash.update(`\u0000${table}\u0000`);
      for (const row of db.prepare(`SELECT * FROM "${table}" ORDER BY 1, 2`).raw().all() as unknown[][]) {
        hash.update(JSON.stringify(row.map((v) => (Buffer.isBuffer(v) ? createHash('sha256').update(v).digest('hex') : v))));
      }
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

/** A history holding one finished experiment with tags and notes, and one cancelled; returns the first id. */
async function seedHistory(file: string): Promise<number> {
  const store = RunStore.open(file, 'test');
  const pool = new EnginePool(forkSpawner(), 1);
  try {
    const lab = new Lab(store, pool);
    const id = lab.submit(validateSpec({ name: 'kept', seed: 4, teachers: { count: 2 }, sft: { steps: 30, batchSize: 200, learningRates: [0.1, 1] } }));
    await lab.finished(id);
    store.setTags(id, ['paper', 'fig1']);
    store.setNotes(id, 'must not change');
    const other = store.createExperiment(validateSpec({ name: 'other', seed: 5, teachers: { count: 1 }, sft: { steps: 10, batchSize: 50, learningRates: [0.1] } }), []);
    store.setExperimentStatus(other, 'cancelled');
    return id;
  } finally {
    pool.close();
    store.close();
  }
}

/** Tally of statuses by kind, printed when a case gets a status other than expected. */
function mismatch(kind: string, expected: number | string, got: number | string, detail: string): string {
  return `${kind}: expected ${expected}, got ${got} (${detail.slice(0, 300)})`;
}

describe('fuzz of w2s serve', () => {
  let serve: ChildProcess;
  let port = 0;
  let token = '';
  let file = '';
  let existing = 0;
  let before = '';
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'w2s-fuzz-'));
    file = join(dir, 'serve.sqlite');
    existing = await seedHistory(file);
    before = contents(file);
    serve = spawn(process.execPath, [W2S, 'serve', '--db', file, '--workers', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<URL>((resolve, reject) => {
      let out = '';
      serve.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /W2S Lab on (\S+)/.exec(out);
        if (m !== null) resolve(new URL(m[1]));
      });
      serve.once('exit', (code) => reject(new Error(`w2s serve exited with ${code}`)));
    });
    port = Number(url.port);
    token = url.searchParams.get('token') ?? '';
  });
  afterAll(() => {
    agent.destroy();
    if (serve.exitCode === null) serve.kill('SIGKILL');
  });

  function send(options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, agent, method: options.method ?? 'POST', path: options.path, headers: { Host: `127.0.0.1:${port}`, ...options.headers } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(options.body);
    });
  }

  /** A body cut short of its Content-Length, the client then closing its side. */
  function truncated(method: string, body: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        const bytes = Buffer.from(body);
        socket.write(
          `POST /api/${method} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${bytes.length + 1 + (bytes.length % 97)}\r\n\r\n`,
        );
        socket.end(bytes.subarray(0, Math.floor(bytes.length / 2)));
      });
      let reply = '';
      socket.on('data', (c: Buffer) => (reply += c.toString()));
      socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0)));
      socket.on('error', reject);
    });
  }

  it(`${HTTP_REQUESTS} malformed requests: each a 4xx, the server up, the history unchanged`, async () => {
    const fuzz = new FuzzGenerator(SEED, existing, MISSING_ID);
    const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const failures: string[] = [];
    const tally: Record<string, number> = {};
    let searchCalls = 0;
    for (let i = 0; i < HTTP_REQUESTS; i++) {
      const call = fuzz.next();
      // Byte by byte, as a browser would (a name may hold a lone surrogate, which encodeURIComponent refuses).
      const path = `/api/${[...Buffer.from(call.method)].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('')}`;
      const json = JSON.stringify(call.input);
      // The input's defect, or one of the transport's.
      // (An oversized body, 16 MiB and more, every 300th request only: each costs a transfer.)
      const transport = i % 300 === 299 ? 'oversized' : fuzz.below(10) < 6 ? 'input' : fuzz.pick(['bad-json', 'http-method', 'content-type', 'truncated', 'token', 'host', 'origin', 'huge-number']);
      let expected: number = call.expected;
      let kind = transport === 'input' ? call.kind : transport;
      let status: number;
      let body = '';
      if (transport === 'input') {
        ({ status, body } = await send({ path, headers: auth, body: json }));
      } else if (transport === 'bad-json') {
        // A strict prefix of a JSON object's text is never JSON; so is a text with a stray byte.
        const text = JSON.stringify(SHAPES.rename.base(existing));
        const cut = 1 + fuzz.below(text.length - 1);
        const broken = fuzz.below(2) === 0 ? text.slice(0, cut) : `${text.slice(0, cut)}\u0000${text.slice(cut)}`;
        expected = 400;
        ({ status, body } = await send({ path: '/api/rename', headers: auth, body: broken }));
      } else if (transport === 'http-method') {
        const method = fuzz.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
        kind = `http-method:${method}`;
        expected = 405;
        ({ status, body } = await send({ method, path: `/api/${fuzz.pick(Object.keys(SHAPES))}`, headers: { Authorization: `Bearer ${token}` } }));
      } else if (transport === 'content-type') {
        // A well-formed call that would change the history, under another content type.
        const type = fuzz.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/xml', 'json', '']);
        kind = `content-type:${type}`;
        expected = 415;
        const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
        if (type !== '') headers['Content-Type'] = type;
        ({ status, body } = await send({ path: '/api/rename', headers, body: JSON.stringify({ id: existing, name: 'renamed through a side door' }) }));
      } else if (transport === 'truncated') {
        expected = 400;
        status = await truncated('setNotes', JSON.stringify({ id: existing, notes: fuzz.text(10 + fuzz.below(2000)) }));
      } else if (transport === 'token') {
        expected = 401;
        const headers = fuzz.below(2) === 0 ? { 'Content-Type': 'application/json' } : { ...auth, Authorization: `Bearer ${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}` };
        ({ status, body } = await send({ path: '/api/deleteExperiment', headers, body: JSON.stringify({ id: existing }) }));
      } else if (transport === 'host') {
        expected = 403;
        ({ status, body } = await send({ path: '/api/deleteExperiment', headers: { ...auth, Host: fuzz.pick(['evil.example', `127.0.0.1:${port + 1}`, `localhost.evil:${port}`, `[::2]:${port}`]) }, body: JSON.stringify({ id: existing }) }));
      } else if (transport === 'origin') {
        expected = 403;
        ({ status, body } = await send({ path: '/api/deleteExperiment', headers: { ...auth, Origin: fuzz.pick(['http://evil.example', 'null', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}x`]) }, body: JSON.stringify({ id: existing }) }));
      } else if (transport === 'huge-number') {
        expected = 400;
        const number = fuzz.pick(['1e400', '-1e400', '9'.repeat(400), '1e-400e', '0x1F', 'NaN', 'Infinity', '1.', '.5', '01']);
        ({ status, body } = await send({ path: '/api/getExperiment', headers: auth, body: `{"id": ${number}}` }));
      } else {
        expected = 400;
        const size = 16 * 1024 * 1024 + 1 + fuzz.below(1024 * 1024);
        ({ status, body } = await send({ path: '/api/setNotes', headers: auth, body: Buffer.alloc(size, 0x20) }));
      }
      tally[kind.split(':')[0]] = (tally[kind.split(':')[0]] ?? 0) + 1;
      if (status !== expected) failures.push(mismatch(kind, expected, status, `${call.method} ${json.slice(0, 200)} → ${body}`));
      // A search's refusal names the field it is about.
      else if (transport === 'input' && call.method === 'startSearch' && call.field !== undefined && !body.includes(call.field)) {
        failures.push(mismatch(kind, `a message naming ${call.field}`, body, json.slice(0, 200)));
      }
      if (transport === 'input' && call.method === 'startSearch') searchCalls++;
    }
    expect(failures).toEqual([]);
    expect(searchCalls).toBeGreaterThan(40);
    // Every kind of defect was tried, and many times.
    for (const kind of ['bad-field', 'missing-field', 'extra-key', 'not-an-object', 'unknown-method', 'missing-experiment', 'bad-json', 'http-method', 'content-type', 'truncated', 'token', 'host', 'origin', 'huge-number', 'oversized']) {
      expect(tally[kind] ?? 0, kind).toBeGreaterThan(kind === 'oversized' ? 5 : 40);
    }
    // Still up and answering, with the history as it was.
    const list = await send({ path: '/api/listExperiments', headers: auth, body: '{}' });
    expect(list.status).toBe(200);
    expect((JSON.parse(list.body) as { name: string; notes: string }[]).map((e) => [e.name, e.notes])).toEqual([
      ['kept', 'must not change'],
      ['other', ''],
    ]);
    expect(serve.exitCode).toBeNull();
    serve.kill('SIGTERM');
    await new Promise((resolve) => serve.once('exit', resolve));
    expect(contents(file)).toBe(before);
  });
});

describe('fuzz of the IPC handlers', () => {
  it(`${IPC_CALLS} malformed calls through the stand-in channel: each a 4xx reply, the history unchanged`, async () => {
    const file = join(dir, 'ipc.sqlite');
    const existing = await seedHistory(file);
    const before = contents(file);
    const store = RunStore.open(file, 'test');
    const pool = new EnginePool(forkSpawner(), 1);
    try {
      const service = new LabApiService(new Lab(store, pool));
      const ipc = new IpcMainStandIn();
      // A packaged install's path (a space in it) and the URL Chromium reports for it, percent-encoded.
      const renderer = '/opt/W2S Lab/resources/app.asar/out/renderer/index.html';
      registerLabIpc(ipc, service, { isTrustedSender: trustedSender(renderer, undefined, 'linux') });
      const trusted = 'file:///opt/W2S%20Lab/resources/app.asar/out/renderer/index.html';
      const fuzz = new FuzzGenerator(SEED + 1, existing, MISSING_ID);
      // What only structured clone carries: none of it is a valid value of any field.
      const cloneOnly = (): unknown => fuzz.pick<unknown>([new Date(0), new Map([['id', existing]]), new Set([existing]), 10n, new Uint8Array(4), new Float64Array([existing]), Number.NaN, Number.POSITIVE_INFINITY, Object.assign(new Array<string>(2), { 1: 'sparse' }), new Error('x'), /re/]);
      const failures: string[] = [];
      const tally: Record<string, number> = {};
      for (let i = 0; i < IPC_CALLS; i++) {
        const call = fuzz.next();
        const transport = fuzz.below(10) < 7 ? 'input' : fuzz.pick(['clone-only', 'method-type', 'sender']);
        let reply: IpcReply;
        let expected: number = call.expected;
        let kind = transport === 'input' ? call.kind : transport;
        if (transport === 'input') {
          reply = (await ipc.invoke(trusted, call.method, call.input)) as IpcReply;
        } else if (transport === 'clone-only') {
          const method = fuzz.pick(Object.keys(SHAPES).filter((m) => m !== 'checkSpec' && m !== 'submit' && Object.keys(SHAPES[m].fields).length > 0));
          const field = fuzz.pick(Object.keys(SHAPES[method].fields));
          kind = `clone-only:${method}.${field}`;
          expected = 400;
          reply = (await ipc.invoke(trusted, method, { ...SHAPES[method].base(existing), [field]: cloneOnly() })) as IpcReply;
        } else if (transport === 'method-type') {
          expected = 400;
          reply = (await ipc.invoke(trusted, fuzz.pick<unknown>([undefined, null, 0, 1, true, ['listExperiments'], { name: 'listExperiments' }, 10n, new Date(0)]), {})) as IpcReply;
        } else {
          expected = 403;
          const url = fuzz.pick(['https://evil.example/', 'file:///tmp/index.html', `${trusted}x`, `file://${renderer.replace('index', 'other')}`, 'about:blank', '', 'devtools://devtools/bundled/inspector.html', `http://127.0.0.1/${renderer}`]);
          reply = (await ipc.invoke(url, 'deleteExperiment', { id: existing })) as IpcReply;
        }
        tally[kind.split(':')[0]] = (tally[kind.split(':')[0]] ?? 0) + 1;
        const status = reply.ok ? 200 : reply.status;
        if (status !== expected) failures.push(mismatch(kind, expected, status, `${String(call.method)} → ${reply.ok ? 'ok' : reply.message}`));
      }
      expect(failures).toEqual([]);
      for (const kind of ['bad-field', 'missing-field', 'extra-key', 'not-an-object', 'unknown-method', 'missing-experiment', 'clone-only', 'method-type', 'sender']) {
        expect(tally[kind] ?? 0, kind).toBeGreaterThan(40);
      }
      const list = (await ipc.invoke(trusted, 'listExperiments', {})) as IpcReply;
      expect(list.ok && (list.value as { name: string }[]).map((e) => e.name)).toEqual(['kept', 'other']);
    } finally {
      pool.close();
      store.close();
    }
    expect(contents(file)).toBe(before);
  });
});
