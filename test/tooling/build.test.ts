/**
 * The desktop shell builds with electron-vite (no Electron binary is launched) into a temporary
 * folder, with its security settings in the bundles: a context-isolated, sandboxed renderer with no
 * Node integration, a preload that exposes an API through contextBridge and requires nothing but
 * electron, and a renderer page whose scripts are the bundle's own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const ELECTRON_VITE = join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
const out = mkdtempSync(join(tmpdir(), 'w2s-build-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

let build: { status: number | null; output: string };

beforeAll(() => {
  const r = spawnSync(process.execPath, [ELECTRON_VITE, 'build', '--outDir', out, '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  build = { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}, 120_000);

const read = (...parts: string[]) => readFileSync(join(out, ...parts), 'utf8');

describe('electron-vite build', () => {
  it('succeeds and writes main, preload and renderer into --outDir', () => {
    expect(build.status, build.output).toBe(0);
    for (const file of [['main', 'index.js'], ['preload', 'index.js'], ['renderer', 'index.html']]) {
      expect(existsSync(join(out, ...file)), file.join('/')).toBe(true);
    }
  });

  it('the main bundle opens windows context-isolated and sandboxed, without Node integration', () => {
    const main = read('main', 'index.js');
    expect(main).toContain('contextIsolation');
    expect(main).toContain('sandbox');
    expect(main).toMatch(/contextIsolation:\s*true/);
    expect(main).toMatch(/sandbox:\s*true/);
    expect(main).not.toMatch(/contextIsolation:\s*false/);
    expect(main).not.toMatch(/sandbox:\s*false/);
    expect(main).not.toMatch(/nodeIntegration:\s*true/);
  });

  it('the preload exposes its API through contextBridge and, sandboxed, requires only electron', () => {
    const preload = read('preload', 'index.js');
    expect(preload).toContain('exposeInMainWorld');
    const required = new Set([...preload.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]));
    expect([...required]).toEqual(['electron']);
  });

  it('the renderer page loads its scripts from the bundle under a Content-Security-Policy', () => {
    const html = read('renderer', 'index.html');
    expect(html).toContain('Content-Security-Policy');
    const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src).not.toMatch(/^(https?:)?\/\//);
      expect(existsSync(join(out, 'renderer', src)), src).toBe(true);
    }
  });

  it('the page’s own policy (the only one a file:// page gets) allows no plugin, no <base>, no form target, no inline or eval’d script', () => {
    const html = read('renderer', 'index.html');
    const content = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    const directives = new Map(content.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    // Ignored in a meta tag, and Chromium says so on the console.
    expect(directives.has('frame-ancestors')).toBe(false);
  });
});
