/**
 * `w2s serve` over real HTTP on loopback: the token, Host and Origin checks, malformed requests
 * (refused, nothing changed), the LabApi round trip with server-sent events and the binary series.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabApiService } from '../../src/backend/labApi';
import type { RunStore } from '../../src/backend/store/store';
import { cookieName, type RunningServer, type ServeOptions, startServer } from '../../src/serve/server';
import { decodeSeriesFrame } from '../../src/shared/seriesCodec';
import { type LabFixture, openLabFixture } from '../helpers/labFixture';

let fixture: LabFixture;
let store: RunStore;
let server: RunningServer;

beforeAll(async () => {
  fixture = openLabFixture('serve');
  store = fixture.store;
  server = await startServer(new LabApiService(fixture.lab), { host: '127.0.0.1', port: 0, rendererDir: null });
});
afterAll(async () => {
  await server.close();
  fixture.close();
});

/** A raw request, so that Host and Origin can be anything. */
function raw(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; to?: { host: string; port: number } } = {},
): Promise<{ status: number; body: Buffer; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const to = options.to ?? { host: '127.0.0.1', port: server.port };
    const req = request({ host: to.host, port: to.port, path, method: options.method ?? 'POST', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const auth = () => ({ Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' });
const call = async (method: string, input: unknown) => {
  const r = await raw(`/api/${method}`, { headers: auth(), body: JSON.stringify(input) });
  return { status: r.status, json: JSON.parse(r.body.toString('utf8')) as Record<string, unknown> };
};

const spec = { seed: 12, teachers: { count: 2 }, sft: { steps: 20, batchSize: 300, learningRates: [0.1, 1] } };

describe('w2s serve: refusals', () => {
  it('listens on loopback and prints a URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{48}$/);
  });

  it('refuses a request without the token or with a wrong one (401) and changes nothing', async () => {
    expect((await raw('/api/submit', { body: JSON.stringify({ spec }) })).status).toBe(401);
    expect((await raw('/api/submit', { headers: { Authorization: 'Bearer nope' }, body: JSON.stringify({ spec }) })).status).toBe(401);
    expect((await raw('/api/events', { method: 'GET' })).status).toBe(401);
    expect(store.listExperiments()).toHaveLength(0);
  });

  it('refuses a foreign Origin or Host (403) even with the token, and changes nothing', async () => {
    const body = JSON.stringify({ spec });
    expect((await raw('/api/submit', { headers: { ...auth(), Origin: 'http://evil.example' }, body })).status).toBe(403);
    expect((await raw('/api/submit', { headers: { ...auth(), Host: `evil.example:${server.port}` }, body })).status).toBe(403);
    expect((await raw('/api/submit', { headers: { ...auth(), Host: `127.0.0.1:${server.port + 1}` }, body })).status).toBe(403);
    expect(store.listExperiments()).toHaveLength(0);
  });

  it('refuses malformed bodies and invalid input (400) with the field named, and changes nothing', async () => {
    expect((await raw('/api/submit', { headers: auth(), body: '{"spec": ' })).status).toBe(400);
    const bad = await call('submit', { spec: { ...spec, teachers: { count: 0 } } });
    expect(bad.status).toBe(400);
    expect(String(bad.json.error)).toContain('teachers.count');
    const extra = await call('rename', { id: 1, name: 'x', extra: true });
    expect(extra.status).toBe(400);
    expect((await call('getExperiment', { id: 'one' })).status).toBe(400);
    expect((await call('noSuchMethod', {})).status).toBe(404);
    expect((await call('getExperiment', { id: 999 })).status).toBe(404);
    // A valid body under another content type is refused, not guessed at.
    const textPlain = await raw('/api/submit', { headers: { ...auth(), 'Content-Type': 'text/plain' }, body: JSON.stringify({ spec }) });
    expect(textPlain.status).toBe(415);
    expect((await raw('/api/submit', { headers: { Authorization: `Bearer ${server.token}` }, body: JSON.stringify({ spec }) })).status).toBe(415);
    expect(store.listExperiments()).toHaveLength(0);
  });
});

/** Another server on the fixture's lab, closed by the test. */
async function withServer(options: Partial<ServeOptions>, test: (other: RunningServer) => Promise<void>): Promise<void> {
  const other = await startServer(new LabApiService(fixture.lab), { host: '127.0.0.1', port: 0, rendererDir: null, ...options });
  try {
    await test(other);
  } finally {
    await other.close();
  }
}

describe('w2s serve: paths, the cookie, hosts and results outside the contract', () => {
  it('serves a renderer folder given with a trailing slash, and answers 400 to a path that is not valid percent-encoding', async () => {
    const renderer = join(fixture.dir, 'renderer');
    mkdirSync(join(renderer, 'assets'), { recursive: true });
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>W2S Lab</title>');
    writeFileSync(join(renderer, 'assets', 'app.js'), 'export {};\n');
    await withServer({ rendererDir: `${renderer}/` }, async (other) => {
      const to = { host: '127.0.0.1', port: other.port };
      const bearer = { Authorization: `Bearer ${other.token}` };
      const page = await raw(`/?token=${other.token}`, { method: 'GET', to });
      expect(page.status).toBe(200);
      expect(page.body.toString()).toContain('<title>W2S Lab</title>');
      const asset = await raw('/assets/app.js', { method: 'GET', headers: bearer, to });
      expect(asset.status).toBe(200);
      expect(asset.body.toString()).toBe('export {};\n');
      for (const path of ['/%', '/assets/%E0%A4%A', '/%ZZ']) {
        const r = await raw(path, { method: 'GET', headers: bearer, to });
        expect(r.status, path).toBe(400);
        expect(JSON.parse(r.body.toString()).error).toMatch(/percent-encoding/);
      }
      // A decoded path is normalised from the root: it cannot climb out, and falls back to the page.
      const climb = await raw('/..%2f..%2f..%2fetc%2fpasswd', { method: 'GET', headers: bearer, to });
      expect(climb.status).toBe(200);
      expect(climb.body.toString()).toContain('<title>W2S Lab</title>');
    });
  });

  it('sets its token cookie under a name carrying its port, HttpOnly, SameSite=Strict, Path=/, and reads only that one', async () => {
    const renderer = join(fixture.dir, 'renderer-cookie');
    mkdirSync(renderer, { recursive: true });
    writeFileSync(join(renderer, 'index.html'), '<!doctype html>');
    await withServer({ rendererDir: renderer }, async (other) => {
      const to = { host: '127.0.0.1', port: other.port };
      const page = await raw(`/?token=${other.token}`, { method: 'GET', to });
      expect(cookieName(other.port)).toBe(`w2s_token_${other.port}`);
      expect(page.headers['set-cookie']).toEqual([`w2s_token_${other.port}=${other.token}; HttpOnly; SameSite=Strict; Path=/`]);
      const json = { 'Content-Type': 'application/json' };
      const withCookie = (cookie: string) => raw('/api/listExperiments', { headers: { ...json, Cookie: cookie }, body: '{}', to });
      expect((await withCookie(`w2s_token_${other.port}=${other.token}`)).status).toBe(200);
      // Another server's cookie on the same host (cookies ignore ports) is not this one's.
      expect((await withCookie(`w2s_token_${server.port}=${server.token}; w2s_token=${other.token}`)).status).toBe(401);
      expect((await withCookie(`w2s_token_${server.port}=${server.token}; w2s_token_${other.port}=${other.token}`)).status).toBe(200);
    });
  });

  it('bound to every interface, answers to this machine’s addresses, its host name and the names allowed, still behind the token', async () => {
    const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address));
    const listing = { 'Content-Type': 'application/json' };
    await withServer({ host: '0.0.0.0', allowedHosts: ['lab.example', 'localhost:8080'] }, async (wide) => {
      expect(new URL(wide.url).searchParams.get('token')).toBe(wide.token);
      const call = (to: string, hostHeader: string, token = wide.token) =>
        raw('/api/listExperiments', { headers: { ...listing, Authorization: `Bearer ${token}`, Host: hostHeader }, body: '{}', to: { host: to, port: wide.port } });
      for (const address of addresses) expect((await call(address, `${address}:${wide.port}`)).status, address).toBe(200);
      expect((await call('127.0.0.1', `${hostname()}:${wide.port}`)).status).toBe(200);
      expect((await call('127.0.0.1', `lab.example:${wide.port}`)).status).toBe(200);
      // An SSH tunnel's local end (ssh -L 8080:127.0.0.1:PORT) names its own port.
      expect((await call('127.0.0.1', 'localhost:8080')).status).toBe(200);
      expect((await call('127.0.0.1', `evil.example:${wide.port}`)).status).toBe(403);
      expect((await call('127.0.0.1', 'lab.example:8080')).status).toBe(403);
      expect((await call('127.0.0.1', `lab.example:${wide.port}`, 'wrong')).status).toBe(401);
    });
    // Bound to loopback, the host name and other names are refused as before.
    expect((await raw('/api/listExperiments', { headers: { ...auth(), Host: `${hostname()}:${server.port}` }, body: '{}' })).status).toBe(403);
  });

  it('answers theory with extreme in-range inputs with a 400 naming the result and the inputs, not a 500', async () => {
    const extreme = await call('theory', { studentCos: 0.8, studentNorm: 1e-300, teacherCos: 0.6, kappa: 0.1, beta: 1e308 });
    expect(extreme.status).toBe(400);
    expect(String(extreme.json.error)).toMatch(/^theory: T1 is -?Infinity for studentNorm 1e-300 and beta 1e\+308/);
    const tiny = await call('theory', { studentCos: 0.8, studentNorm: 5e-324, teacherCos: 0.6, kappa: 0.1, beta: 1 });
    expect(tiny.status).toBe(400);
    // Large but representable: answered.
    const large = await call('theory', { studentCos: 0.8, studentNorm: 1e-6, teacherCos: 0.6, kappa: 0.1, beta: 1e6 });
    expect(large.status).toBe(200);
    expect(Number.isFinite(large.json.rate)).toBe(true);
  });
});

describe('w2s serve: the LabApi', () => {
  it('submits, streams events, and serves the experiment and its series', async () => {
    const events: { type: string; experimentId: number; status?: string }[] = [];
    const stream = request({ host: '127.0.0.1', port: server.port, path: `/api/events?token=${server.token}`, method: 'GET' });
    // The server's first frame, ': connected', comes once the stream is registered for events.
    let connected: () => void = () => undefined;
    const listening = new Promise<void>((resolve) => (connected = resolve));
    const finished = new Promise<void>((resolve) => {
      stream.on('response', (res) => {
        let buffer = '';
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
            const frame = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            if (frame === ': connected') connected();
            if (!frame.startsWith('data: ')) continue;
            const event = JSON.parse(frame.slice(6));
            events.push(event);
            if (event.type === 'experiment' && event.status === 'done') resolve();
          }
        });
      });
    });
    stream.end();
    await listening;
    const checked = await call('checkSpec', { spec });
    expect(checked.json.ok).toBe(true);
    expect(checked.json.runs).toBe(6);
    const submitted = await call('submit', { spec, name: 'over http' });
    expect(submitted.status).toBe(200);
    const id = submitted.json.id as number;
    await finished;
    stream.destroy();
    expect(events.some((e) => e.type === 'progress' && e.experimentId === id)).toBe(true);

    const detail = await call('getExperiment', { id });
    expect(detail.json.name).toBe('over http');
    expect(detail.json.status).toBe('done');

    const series = await raw('/api/getSeries', { headers: auth(), body: JSON.stringify({ id }) });
    expect(series.status).toBe(200);
    const headerLength = series.body.readUInt32LE(0);
    const header = JSON.parse(series.body.subarray(4, 4 + headerLength).toString('utf8'));
    // The steps follow the recording schedule: they travel as three numbers a run, not as a column.
    const sent = (series.body.length - Math.ceil((4 + headerLength) / 8) * 8) / 8;
    const points = (header.runs as { recorded: number }[]).reduce((n, r) => n + r.recorded, 0);
    expect(sent).toBe(points * (header.columns.length - 1));
    expect(header.stepSchedule).toHaveLength(3 * header.runs.length);
    const decoded = decodeSeriesFrame(new Uint8Array(series.body).buffer);
    const { data } = decoded;
    expect(decoded.columns).toEqual(header.columns);
    expect(header.columns[0]).toBe('step');
    const cos = header.columns.indexOf('cos');
    const first = header.runs[0];
    const stored = store.loadSeries(first.runId);
    expect(Array.from(data.subarray(0, first.recorded))).toEqual(Array.from(stored.step));
    expect(Array.from(data.subarray(cos * first.recorded, (cos + 1) * first.recorded))).toEqual(Array.from(stored.cos));

    expect((await call('rename', { id, name: 'renamed' })).status).toBe(200);
    expect((await call('setTags', { id, tags: ['a', 'b'] })).status).toBe(200);
    expect(store.getExperiment(id)?.tags).toEqual(['a', 'b']);
    expect((await call('resume', { id })).status).toBe(409);
    const theory = await call('theory', { studentCos: 0.8, studentNorm: 1, teacherCos: 0.6, kappa: 0.1, beta: 1 });
    expect(theory.json.improves).toBe(true);
  });
});

describe('w2s serve from the command line', () => {
  it('prints a loopback URL with a token and answers on it', async () => {
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'bin', 'w2s.cjs'), 'serve', '--db', join(fixture.dir, 'cli.sqlite'), '--workers', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString('utf8');
          const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out);
          if (m !== null) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      const u = new URL(url);
      const list = await fetch(`${u.origin}/api/listExperiments?token=${u.searchParams.get('token')}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect(list.status).toBe(200);
      expect(await list.json()).toEqual([]);
      const page = await fetch(url);
      expect([200, 503]).toContain(page.status);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('on 0.0.0.0 prints a URL on this machine’s address and a warning naming the hosts it answers to; a bad --allow-host is refused', async () => {
    const w2s = join(__dirname, '..', '..', 'bin', 'w2s.cjs');
    const bad = spawnSync(process.execPath, [w2s, 'serve', '--db', join(fixture.dir, 'cli-bad.sqlite'), '--allow-host', 'evil example'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--allow-host must be a host name or address, optionally with :PORT.*got 'evil example'/);
    const renderer = join(fixture.dir, 'renderer-cli');
    mkdirSync(renderer, { recursive: true });
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>W2S Lab</title>');
    const args = ['serve', '--db', join(fixture.dir, 'cli-wide.sqlite'), '--workers', '1', '--host', '0.0.0.0', '--allow-host', 'lab.example', '--renderer', `${renderer}/`];
    const child = spawn(process.execPath, [w2s, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
      const url = await new Promise<URL>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString('utf8');
          const m = /W2S Lab on (http:\/\/\S+)/.exec(out);
          if (m !== null) resolve(new URL(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
      });
      expect(url.hostname).not.toBe('0.0.0.0');
      expect(err).toMatch(/warning: listening on 0\.0\.0\.0, not loopback, over plain HTTP/);
      expect(err).toContain('lab.example');
      expect(err).toContain(hostname());
      const port = Number(url.port);
      const page = await raw(`/?token=${url.searchParams.get('token')}`, { method: 'GET', headers: { Host: `lab.example:${port}` }, to: { host: url.hostname, port } });
      expect(page.status).toBe(200);
      expect(page.body.toString()).toContain('<title>W2S Lab</title>');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
