/**
 * The desktop shell builds (electron-vite, no Electron binary needed) with the security settings
 * in place; it cannot be launched here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'w2s-build-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('electron-vite build', () => {
  it('builds main, preload, renderer and the engine worker bundle', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--outDir', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const main = readFileSync(join(out, 'main', 'index.js'), 'utf8');
    expect(main).toMatch(/contextIsolation:\s*true/);
    expect(main).toMatch(/sandbox:\s*true/);
    expect(main).toMatch(/nodeIntegration:\s*false/);
    expect(main).toContain('utilityProcess');
    expect(main).toContain('Content-Security-Policy');
    const preload = readFileSync(join(out, 'preload', 'index.js'), 'utf8');
    expect(preload).toContain('exposeInMainWorld');
    // A sandboxed preload may require only electron.
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(existsSync(join(out, 'renderer', 'index.html'))).toBe(true);
  });
});
