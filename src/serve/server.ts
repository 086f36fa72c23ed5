/**
 * `w2s serve`: the LabApi over HTTP and server-sent events, plus the built renderer, for a browser.
 *
 * Loopback by default. Every request needs the random token printed in the URL (query `token`,
 * header `Authorization: Bearer`, or the cookie set by the first page load, named after the port so
 * that two servers on one machine keep their own); the Host header must name this server (no DNS
 * rebinding) and an Origin, when sent, must be this server's (no cross-site requests). Bound to
 * another address, the server also answers to that address, or for 0.0.0.0 and :: to this
 * machine's addresses and host name, and to the names the caller allows. A malformed request gets
 * a 4xx (400; 404 unknown method; 405 not POST; 415 not JSON) and changes nothing.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { extname, join, normalize, resolve as resolvePath, sep } from 'node:path';
import { LabRequestError, refusalBody } from '../shared/labApi';
import { encodeSeriesFrame } from '../shared/seriesCodec';
import type { LabApiService } from '../backend/labApi';
import { errorMessage } from '../shared/errorMessage';

export interface ServeOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The built renderer (out/renderer), or null to serve the API only. */
  readonly rendererDir: string | null;
  /** Fixed token (tests); random when absent. */
  readonly token?: string;
  /** More names the Host header may carry: `name` (on this server's port) or `name:port` (a tunnel's or a proxy's). */
  readonly allowedHosts?: readonly string[];
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024 * 1024;
/** The token cookie of the server on `port`: cookies ignore ports, so each server needs its own name. */
export const cookieName = (port: number): string => `w2s_token_${port}`;
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'";
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === name && v !== undefined) return v;
  }
  return null;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];
const WILDCARD = ['0.0.0.0', '::'];

/** True for an address that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.includes(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The names a request's Host header may carry for a server bound to `bind`, before the port is
 * added: loopback always; the bound address; for a wildcard bind this machine's addresses and host
 * name; and the names allowed explicitly (a `name:port` entry stands as it is).
 */
export function hostNames(bind: string, allowed: readonly string[] = []): string[] {
  const names = new Set([...LOOPBACK, bind]);
  if (WILDCARD.includes(bind)) {
    for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) names.add(a.address.replace(/%.*$/, ''));
    names.add(hostname());
  }
  for (const name of allowed) names.add(name);
  return [...names];
}

/** `host:port` as a Host header writes it (IPv6 in brackets). */
function withPort(host: string, port: number): string {
  if (/^\[.*\]:\d+$/.test(host) || /^[^:]+:\d+$/.test(host)) return host;
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

/** The address to print in the URL: the bound one, or for a wildcard bind the first external IPv4 address. */
function urlHost(bind: string): string {
  if (!WILDCARD.includes(bind)) return bind;
  for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  return '127.0.0.1';
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so that the client still gets its answer;
      // one that does not stop is cut off.
      if (size > MAX_BODY) {
        if (size > 4 * MAX_BODY) req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (size > MAX_BODY ? reject(new LabRequestError(400, `request body over ${MAX_BODY} bytes`)) : resolve(Buffer.concat(chunks).toString('utf8'))));
    // The client stopped before its Content-Length: Node answers 400 on the socket if it still can.
    req.on('error', (error) => reject(new LabRequestError(400, `the request body ended early (${error.message})`)));
  });
}

export function startServer(api: LabApiService, options: ServeOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(24).toString('hex');
  let port = options.port;
  const names = hostNames(options.host, options.allowedHosts);
  const allowedHosts = (): Set<string> => new Set(names.map((h) => withPort(h, port)));
  // Resolved: a folder given as DIR/ must not make every file look outside it.
  const rendererDir = options.rendererDir === null ? null : resolvePath(options.rendererDir);
  const events = new Set<ServerResponse>();
  const unsubscribe = api.onEvent((event) => {
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const res of events) res.write(frame);
  });

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const hosts = allowedHosts();
    if (req.headers.host === undefined || !hosts.has(req.headers.host)) return send(res, 403, { error: 'forbidden host' });
    const origin = req.headers.origin;
    if (origin !== undefined && !hosts.has(origin.replace(/^http:\/\//, ''))) return send(res, 403, { error: 'forbidden origin' });
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const header = req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : null;
    const given = url.searchParams.get('token') ?? header ?? cookieToken(req, cookieName(port));
    if (given === null || !sameSecret(given, token)) return send(res, 401, { error: 'missing or wrong token: use the URL w2s serve printed' });

    if (url.pathname === '/api/events' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      events.add(res);
      req.on('close', () => events.delete(res));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return send(res, 405, { error: 'use POST with a JSON body' });
      // A body the server would not parse as sent is refused, not guessed at.
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') return send(res, 415, { error: `Content-Type must be application/json (got '${type.slice(0, 100)}')` });
      let method: string;
      try {
        method = decodeURIComponent(url.pathname.slice(5));
      } catch {
        return send(res, 404, { error: 'no such method (its name is not valid percent-encoding)' });
      }
      let input: unknown;
      try {
        const text = await readBody(req);
        input = text === '' ? {} : JSON.parse(text);
      } catch (error) {
        return send(res, 400, { error: error instanceof LabRequestError ? error.message : `malformed JSON body: ${errorMessage(error)}` });
      }
      try {
        const output = await api.handle(method, input);
        if (method === 'getSeries') {
          res.writeHead(200, { 'Content-Type': 'application/x-w2s-series', 'Cache-Control': 'no-store' });
          res.end(encodeSeriesFrame(output as { data: Float64Array }));
          return;
        }
        return send(res, 200, output);
      } catch (error) {
        if (error instanceof LabRequestError) return send(res, error.status, refusalBody(error));
        return send(res, 500, { error: error instanceof Error ? error.message : String(error) });
      }
    }
    return serveStatic(req, res, url, rendererDir, { name: cookieName(port), token });
  };

  const server: Server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      port = (server.address() as AddressInfo).port;
      const host = withPort(urlHost(options.host), port);
      resolve({
        url: `http://${host}/?token=${token}`,
        port,
        token,
        close: () =>
          new Promise<void>((done) => {
            unsubscribe();
            for (const res of events) res.end();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL, dir: string | null, cookie: { name: string; token: string }): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
  if (dir === null || !existsSync(join(dir, 'index.html'))) {
    res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('The renderer is not built: run `npm run build`, then `w2s serve` again. The API is up under /api/.\n');
    return;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    return send(res, 400, { error: 'the path is not valid percent-encoding' });
  }
  const relative = normalize(decoded).replace(/^([/\\])+/, '');
  const file = join(dir, relative === '' ? 'index.html' : relative);
  if (!file.startsWith(dir + sep) && file !== dir) return send(res, 403, { error: 'forbidden path' });
  const target = existsSync(file) && statSync(file).isFile() ? file : join(dir, 'index.html');
  const headers: Record<string, string> = {
    'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    // The page load carries the token once; the cookie lets its assets, API calls and events follow.
    'Set-Cookie': `${cookie.name}=${cookie.token}; HttpOnly; SameSite=Strict; Path=/`,
  };
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : readFileSync(target));
}
