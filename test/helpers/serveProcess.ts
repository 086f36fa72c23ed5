/**
 * A real `w2s serve` process on a history of its own, for tests that speak HTTP to it: the API
 * (`call`), its server-sent events as they arrive (`events`), and the process's peak memory
 * (VmHWM from /proc, Linux). The renderer is a stub folder, so no build is started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly token: string;
  /** What the server wrote on stderr so far. */
  stderr(): string;
  /** POST /api/METHOD with a JSON body; the status and the parsed JSON answer. */
  call(method: string, input: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Open the event stream: each event, as it arrives, goes to `listener`. Resolves once connected. */
  events(listener: (event: Record<string, unknown>) => void): Promise<void>;
  /** The process's peak resident memory so far (bytes). */
  peakRss(): number;
  stop(): Promise<void>;
}

export async function startServeProcess(dir: string, options: { db?: string; workers?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ServeProcess> {
  const renderer = join(dir, 'renderer-stub');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>stub</title>');
  const db = options.db ?? join(dir, 'serve.sqlite');
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'w2s.cjs'), 'serve', '--db', db, '--workers', String(options.workers ?? 1), '--renderer', renderer], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /W2S Lab on (\S+)/.exec(out);
      if (m !== null) resolve(new URL(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`w2s serve exited with ${code}: ${err}`)));
  });
  const port = Number(url.port);
  const token = url.searchParams.get('token') ?? '';
  const agent = new Agent({ keepAlive: false });
  const headers = { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${token}` };
  const streams: { destroy(): void }[] = [];
  return {
    child,
    port,
    token,
    stderr: () => err,
    call: (method, input) =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, agent, method: 'POST', path: `/api/${method}`, headers: { ...headers, 'Content-Type': 'application/json' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> });
            } catch {
              resolve({ status: res.statusCode ?? 0, json: { raw: text } });
            }
          });
        });
        req.on('error', reject);
        req.end(JSON.stringify(input));
      }),
    events: (listener) =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, agent, method: 'GET', path: '/api/events', headers }, (res) => {
          let buffer = '';
          res.on('data', (c: Buffer) => {
            buffer += c.toString();
            if (buffer.startsWith(': connected')) {
              buffer = buffer.replace(/^: connected\n\n/, '');
              resolve();
            }
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const frame = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              if (frame.startsWith('data: ')) listener(JSON.parse(frame.slice(6)) as Record<string, unknown>);
            }
          });
        });
        req.on('error', reject);
        streams.push(req);
        req.end();
      }),
    peakRss: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = /VmHWM:\s+(\d+) kB/.exec(status);
      if (kb === null) throw new Error('no VmHWM in /proc/PID/status');
      return Number(kb[1]) * 1024;
    },
    stop: async () => {
      for (const s of streams) s.destroy();
      agent.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
