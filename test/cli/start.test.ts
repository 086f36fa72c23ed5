/**
 * `npm start` where Electron cannot start (no binary, as here): one line saying so, then the lab
 * served for a browser, its URL printed, and the default browser opened when there is a display.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rendererBuildNeeded } from '../../src/cli/rendererBuild';

const ROOT = join(__dirname, '..', '..');
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGTERM');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-start-'));
  dirs.push(dir);
  return dir;
}

/** Start `npm start`'s script; resolves with everything it printed up to the URL line, and the URL. */
function start(env: NodeJS.ProcessEnv, dir: string): Promise<{ out: string; url: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.cjs'), '--db', join(dir, 'lab.sqlite'), '--workers', '1'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /W2S Lab on (http:\/\/\S+)/.exec(out);
      if (m !== null) resolve({ out, url: m[1] });
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${out}${err}`)));
  });
}

function withoutDisplay(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  return env;
}

describe('npm start without an Electron binary', () => {
  it('says so in one line, serves the lab and prints its URL', async () => {
    const dir = tempDir();
    const { out, url } = await start(withoutDisplay(), dir);
    expect(out.split('\n')[0]).toBe('Electron cannot start here (its binary is not installed): serving the lab for your browser instead (w2s serve).');
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<div id="app">/);
    // The page's script is served too: the built UI, not the "not built" notice.
    const script = /src="([^"]+\.js)"/.exec(html)![1];
    const cookie = page.headers.get('set-cookie')!.split(';')[0];
    expect((await fetch(new URL(script, url), { headers: { cookie } })).status).toBe(200);
  });

  it('opens the default browser on the URL when there is a display', async () => {
    const dir = tempDir();
    const opened = join(dir, 'opened.txt');
    // A stand-in for the desktop's xdg-open, first on PATH: it records what it was asked to open.
    writeFileSync(join(dir, 'xdg-open'), `#!/bin/sh\necho "$@" > '${opened}'\n`);
    chmodSync(join(dir, 'xdg-open'), 0o755);
    const { url } = await start({ ...withoutDisplay(), DISPLAY: ':99', PATH: `${dir}:${process.env.PATH}` }, dir);
    await expect.poll(() => existsSync(opened) && readFileSync(opened, 'utf8').trim(), { timeout: 5000 }).toBe(url);
  });
});

describe('the UI build that w2s serve makes when needed', () => {
  it('is needed when missing or older than any source file, and not otherwise', () => {
    const root = tempDir();
    const out = join(root, 'out', 'renderer');
    mkdirSync(join(root, 'src', 'renderer'), { recursive: true });
    writeFileSync(join(root, 'src', 'renderer', 'main.ts'), '');
    expect(rendererBuildNeeded(root, out)).toBe('not built yet');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'index.html'), '');
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'src', 'renderer', 'main.ts'), past, past);
    expect(rendererBuildNeeded(root, out)).toBeNull();
    utimesSync(join(root, 'src', 'renderer', 'main.ts'), new Date(Date.now() + 60_000), new Date(Date.now() + 60_000));
    expect(rendererBuildNeeded(root, out)).toBe('the sources changed since it was built');
  });
});
