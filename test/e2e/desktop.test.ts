/**
 * The desktop path end to end without Electron's binary: the built main bundle (out/main) runs under
 * Node with `electron` resolved to the test shim (test/helpers/desktop/electronShim.ts): its window is a
 * Chromium page running the built preload and renderer, its IPC one in-process channel with the
 * sender checks, its engine processes forked, its dialogs and menu recorded and answered by this
 * test. Real SQLite history, real engine processes, real Chromium: main → IPC → preload → renderer.
 * The screenshot goes to test-output/desktop/.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireInstanceLock, lockAddress, lockPlace } from '../../src/main/instanceLock';
import { Desktop } from '../helpers/desktop/launch';
import { buildAndStart, buildApp, CHROMIUM, expectDashboardShows, LONG, ROOT, SMALL, w2s } from './helpers';

// A space in every path, as in a packaged install (/opt/W2S Lab, /Applications/W2S Lab.app): Chromium reports the window's URL percent-encoded.
const dir = mkdtempSync(join(tmpdir(), 'w2s desktop-'));
const outDir = join(dir, 'out');
const userData = join(dir, 'userData');
const history = join(userData, 'lab.sqlite');
const scratch = join(dir, 'shim');
const SHOTS = join(ROOT, 'test-output', 'desktop');
const consoleErrors: string[] = [];

let desktop: Desktop;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/install-system-deps.sh)`);
  buildApp(outDir);
  mkdirSync(userData, { recursive: true });
  mkdirSync(SHOTS, { recursive: true });
  desktop = Desktop.launch({ outDir, userData, scratch });
  page = await desktop.window();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${m.text()}${m.location().url === '' ? '' : ` (${m.location().url})`}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
}, 240_000);

afterAll(async () => {
  await desktop?.quit();
  rmSync(dir, { recursive: true, force: true });
});

/** PNG width and height from its IHDR chunk (bytes 16–23, big-endian). */
function pngSize(bytes: Buffer): [number, number] {
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('the desktop app under the Electron shim', () => {
  it('opens one sandboxed window on the built preload and renderer, centred on the display, with its menu', async () => {
    const options = (await desktop.next('BrowserWindow')) as Record<string, unknown>;
    // Nothing saved yet: 1280 × 820 centred on the shim's 1440 × 900 display.
    expect(options).toMatchObject({ x: (1440 - 1280) / 2, y: (900 - 820) / 2, width: 1280, height: 820 });
    expect(options['webPreferences']).toEqual({ preload: join(outDir, 'preload', 'index.js'), contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(await desktop.next('BrowserWindow.loadFile')).toEqual({ file: join(outDir, 'renderer', 'index.html') });
    const menu = (await desktop.next('Menu.setApplicationMenu')) as { label: string }[];
    expect(menu.map((m) => m.label)).toEqual(['File', 'Edit', 'View', 'Help']);
    expect(desktop.all('ipcMain.handle')).toEqual([{ channel: 'lab:call' }, { channel: 'shell:call' }]);
    // The preload's window.lab is there: the renderer knows it is the desktop, and reads the (empty) history over IPC.
    await page.getByTestId('empty-state').waitFor();
    expect(await page.locator('header').textContent()).toContain('desktop 0.1.0');
    expect(await page.evaluate(() => typeof (globalThis as unknown as { require?: unknown }).require)).toBe('undefined');
  });

  it('keeps the sender check: a frame that is not the app is refused by the main process', async () => {
    // The IPC binding reaches every frame, as ipcRenderer would a frame's preload; only the app's own frame may call.
    // (Source text: the test's TypeScript has no DOM types.)
    const frameReply = await page.evaluate(`(async () => {
      const frame = document.createElement('iframe');
      const loaded = new Promise((r) => frame.addEventListener('load', r, { once: true }));
      frame.src = 'about:blank';
      document.body.append(frame);
      await loaded;
      const reply = await frame.contentWindow.__w2sShimInvoke('lab:call', ['listExperiments', {}]);
      frame.remove();
      return reply.value;
    })()`);
    expect(frameReply).toMatchObject({ ok: false, status: 403, message: 'untrusted sender about:blank' });
  });

  it('follows the security checklist: renderers sandboxed, no navigation or new window, no link outside the allow-list, no permission but its own clipboard write, a meta CSP without plugins', async () => {
    const records = desktop.records.map((r) => r.kind);
    expect(records.indexOf('app.enableSandbox')).toBeGreaterThanOrEqual(0);
    expect(records.indexOf('app.enableSandbox')).toBeLessThan(records.indexOf('BrowserWindow'));
    const own = page.url();
    expect(own.startsWith('file:///')).toBe(true);
    expect(own).toContain('w2s%20desktop-');

    for (const url of ['https://evil.example/', 'http://localhost:8080/', 'file:///etc/passwd']) {
      const before = desktop.all('window-open.answered').length;
      desktop.send({ type: 'window-open', url });
      expect(await desktop.next('window-open.answered', before + 1)).toEqual({ url, action: 'deny' });
      const navigated = desktop.all('navigate.answered').length;
      desktop.send({ type: 'navigate', url });
      expect(await desktop.next('navigate.answered', navigated + 1)).toEqual({ url, prevented: true });
    }
    expect(desktop.all('shell.openExternal')).toEqual([]);

    const ask = async (permission: string, url: string) => {
      const before = desktop.all('permission.answered').length;
      desktop.send({ type: 'permission', permission, url });
      return desktop.next('permission.answered', before + 1);
    };
    expect(await ask('clipboard-sanitized-write', own)).toEqual({ permission: 'clipboard-sanitized-write', url: own, check: true, request: true });
    for (const [permission, url] of [['clipboard-sanitized-write', 'https://evil.example/'], ['media', own], ['notifications', own], ['openExternal', own], ['clipboard-read', own]]) {
      expect(await ask(permission, url)).toEqual({ permission, url, check: false, request: false });
    }

    // The page's own policy (a file:// page gets no header): no plugins, no <base>, as Chromium enforces it.
    const csp = await page.evaluate("document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content");
    expect(String(csp)).toContain("object-src 'none'");
    const violated = await page.evaluate(`new Promise((resolve) => {
      document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true });
      const plugin = document.createElement('object');
      plugin.data = 'data:application/x-shockwave-flash,x';
      document.body.append(plugin);
    })`);
    expect(violated).toBe('object-src');
    // Chromium reports the refusal on the console: the one error this test caused.
    const refused = consoleErrors.findIndex((e) => /object-src/.test(e));
    if (refused >= 0) consoleErrors.splice(refused, 1);
  });

  it('menu items reach the renderer as shell events: New experiment, the theme, the shortcuts; About is the shell’s own', async () => {
    await desktop.clickMenu('File', 'New experiment');
    await page.waitForURL(/#\/builder$/);
    const theme = await page.locator('html').getAttribute('data-theme');
    await desktop.clickMenu('View', 'Light / dark theme');
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme === 'light' ? 'dark' : 'light');
    await desktop.clickMenu('View', 'Light / dark theme');
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
    await desktop.clickMenu('Help', 'Keyboard shortcuts');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await desktop.clickMenu('Help', 'About W2S Lab');
    expect(await desktop.next('dialog.showMessageBox')).toMatchObject({ message: 'W2S Lab 0.1.0', detail: `Run history: ${history}` });
  });

  let first = 0;
  it('builds an experiment in the window and watches it finish', async () => {
    first = await buildAndStart(page, 'desktop teachers at 70 %', { ...SMALL, 'teachers.accuracy': '0.7', seed: '11' });
    await expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 90_000, interval: 250 }).toBe('done');
    await page.locator('[data-testid="chart-trajectories"][data-drawn="true"]').waitFor({ timeout: 10_000 });
    // The summary follows the status: it is read once the experiment's detail reloads.
    await expect.poll(() => page.getByTestId('summary-improved').textContent(), { timeout: 10_000 }).not.toBe('—');
    await expectDashboardShows(page, history, first);
    // Its runs ran in engine processes forked from the built worker chunk.
    expect(desktop.all('utilityProcess.fork').length).toBeGreaterThan(0);
    for (const fork of desktop.all('utilityProcess.fork') as { modulePath: string }[]) expect(fork.modulePath.startsWith(join(outDir, 'main', 'chunks'))).toBe(true);
    await page.evaluate("document.querySelector('main.view').scrollTo(0, 0)");
    await page.screenshot({ path: join(SHOTS, 'desktop-dashboard.png') });
  });

  it('File → Export figure… saves through the save dialog the very SVG `w2s export` writes, and a PNG of its size', async () => {
    await desktop.clickMenu('File', 'Export figure…');
    await page.getByTestId('export-dialog').waitFor();
    await page.getByTestId('export-font-size').fill('9');
    await page.getByTestId('export-font-size').press('Tab');
    await page.locator('[data-testid="export-preview"] img').waitFor();
    await page.getByTestId('export-download').click();
    const asked = (await desktop.next('dialog.showSaveDialog')) as { defaultPath: string; filters: { extensions: string[] }[]; modal: boolean; title: string };
    expect(asked).toMatchObject({ title: 'Export figure', defaultPath: join(scratch, 'documents', `w2s-${first}-trajectories.svg`), modal: true });
    expect(asked.filters[0].extensions).toEqual(['svg']);
    // The shim's dialog answers a path under its scratch folder; the sidecar lands beside the figure.
    const saved = join(scratch, 'saved', `w2s-${first}-trajectories.svg`);
    await expect.poll(() => existsSync(join(scratch, 'saved', `w2s-${first}-trajectories.svg.meta.json`)), { timeout: 15_000 }).toBe(true);
    w2s(['export', String(first), '--figure', 'trajectories', '--format', 'svg', '--font-size', '9', '--out', join(dir, 'cli.svg'), '--db', history]);
    expect(readFileSync(saved, 'utf8')).toMatch(/^(<\?xml[^>]*>\s*)?<svg /);
    expect(readFileSync(saved, 'utf8')).toBe(readFileSync(join(dir, 'cli.svg'), 'utf8'));
    expect(readFileSync(join(scratch, 'saved', `w2s-${first}-trajectories.svg.meta.json`), 'utf8')).toBe(readFileSync(join(dir, 'cli.svg.meta.json'), 'utf8'));

    // A PNG, saved under a name the user types: the sidecar follows that name.
    await page.getByTestId('export-format').selectOption('png');
    await desktop.answerDialog('showSaveDialog', { canceled: false, filePath: join(dir, 'figure one.png') });
    await page.getByTestId('export-download').click();
    await expect.poll(() => existsSync(join(dir, 'figure one.png.meta.json')), { timeout: 15_000 }).toBe(true);
    w2s(['export', String(first), '--figure', 'trajectories', '--format', 'png', '--font-size', '9', '--out', join(dir, 'cli.png'), '--db', history]);
    const png = readFileSync(join(dir, 'figure one.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(pngSize(png)).toEqual(pngSize(readFileSync(join(dir, 'cli.png'))));
    await page.keyboard.press('Escape');
    await page.getByTestId('export-dialog').waitFor({ state: 'detached' });
  });

  it('File → Import bundle… imports the bundle picked in the open dialog and opens its dashboard', async () => {
    const bundle = join(dir, 'first.w2s');
    w2s(['bundle', String(first), bundle, '--db', history]);
    await desktop.answerDialog('showOpenDialog', { canceled: false, filePaths: [bundle] });
    await desktop.clickMenu('File', 'Import bundle…');
    await page.waitForURL((url) => /#\/experiment\/\d+$/.test(url.hash) && !url.hash.endsWith(`/${first}`), { timeout: 15_000 });
    const imported = Number(/experiment\/(\d+)$/.exec(page.url())?.[1]);
    expect(imported).toBeGreaterThan(first);
    const asked = (await desktop.next('dialog.showOpenDialog')) as { filters: { extensions: string[] }[]; modal: boolean };
    expect(asked.filters[0].extensions).toEqual(['w2s']);
    await expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 10_000 }).toBe('done');
    // The same stored summary as the experiment it came from.
    const improved = page.getByTestId('summary-improved');
    await expect.poll(() => improved.textContent(), { timeout: 10_000 }).not.toBe('—');
    await expectDashboardShows(page, history, imported);
    const importedImproved = await improved.textContent();
    const importedCards = await page.getByTestId('summary').textContent();
    await page.goto(page.url().replace(/\d+$/, String(first)));
    await expect.poll(() => improved.textContent(), { timeout: 10_000 }).not.toBe('—');
    expect(await improved.textContent()).toBe(importedImproved);
    expect(await page.getByTestId('summary').textContent()).toBe(importedCards);
  });

  let second = 0;
  it('compares it with a second experiment', async () => {
    second = await buildAndStart(page, 'desktop teachers at 60 %', { ...SMALL, 'teachers.accuracy': '0.6', seed: '12' });
    await expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 90_000, interval: 250 }).toBe('done');
    await page.getByTestId('nav-history').click();
    await page.getByTestId(`select-${first}`).check();
    await page.getByTestId(`select-${second}`).check();
    await page.getByTestId('compare-selected').click();
    await page.locator('[data-testid="chart-compare"][data-drawn="true"]').waitFor({ timeout: 15_000 });
    const diff = await page.getByTestId('compare-diff').textContent();
    expect(diff).toContain('teachers.accuracy');
    expect(diff).not.toContain('sft.steps');
  });

  it('watches a long experiment live, cancels it, resumes it from the history and cancels it from the queue', async () => {
    const long = await buildAndStart(page, 'desktop long run', LONG);
    await expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 30_000 }).toBe('running');
    await page.getByTestId(`queue-${long}`).waitFor();
    await expect.poll(async () => Number(await page.locator('.main-chart').getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('experiment-progress').textContent(), { timeout: 10_000 }).toMatch(/of \d+ runs/);
    await page.getByTestId('experiment-cancel').click();
    await expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 30_000 }).toBe('cancelled');
    await page.getByTestId('nav-history').click();
    await page.getByTestId(`actions-${long}`).click();
    await page.getByTestId(`resume-${long}`).click();
    await page.getByTestId(`queue-${long}`).waitFor();
    await expect.poll(() => page.getByTestId(`status-${long}`).textContent(), { timeout: 30_000 }).toMatch(/running|queued/);
    await page.getByTestId(`queue-cancel-${long}`).click();
    await expect.poll(() => page.getByTestId(`status-${long}`).textContent(), { timeout: 30_000 }).toBe('cancelled');
  });

  it('a second launch on the same history brings the first forward and quits without a window', async () => {
    const focused = desktop.all('BrowserWindow.focus').length;
    const again = Desktop.launch({ outDir, userData, scratch: join(dir, 'shim-2') });
    expect(await again.exited).toBe(0);
    expect(again.all('app.exit')).toEqual([{ code: 0 }]);
    expect(again.all('BrowserWindow')).toEqual([]);
    await desktop.next('BrowserWindow.focus', focused + 1);
  });

  it('File → Open history file… starts an instance of its own on the chosen history', async () => {
    const other = join(dir, 'other', 'lab.sqlite');
    mkdirSync(join(dir, 'other'));
    await desktop.answerDialog('showOpenDialog', { canceled: false, filePaths: [other] });
    await desktop.clickMenu('File', 'Open history file…');
    // The new instance has no channel to this test: it records into the scratch folder, by pid.
    const shown = () => readdirSync(scratch).find((f) => /^records-\d+\.jsonl$/.test(f) && readFileSync(join(scratch, f), 'utf8').includes('"BrowserWindow.show"'));
    await expect.poll(shown, { timeout: 60_000 }).toBeDefined();
    const pid = Number(/\d+/.exec(shown() ?? '')?.[0]);
    // It opened the chosen file (and holds its lock), and this instance kept its own history.
    expect(existsSync(other)).toBe(true);
    // Where the app takes its lock: the same userData (the shim's), the same environment.
    const otherLock = lockAddress(other, lockPlace(userData));
    expect(statSync(dirname(otherLock)).mode & 0o022).toBe(0);
    expect(await acquireInstanceLock(otherLock, () => undefined)).toBeNull();
    await desktop.clickMenu('Help', 'About W2S Lab');
    expect(await desktop.next('dialog.showMessageBox', 2)).toMatchObject({ detail: `Run history: ${history}` });
    process.kill(pid, 'SIGTERM');
    await expect.poll(() => readFileSync(join(scratch, `records-${pid}.jsonl`), 'utf8').includes('"app.quit"'), { timeout: 30_000 }).toBe(true);
    // Its quit released the lock: the next one takes it.
    await expect.poll(async () => {
      const lock = await acquireInstanceLock(otherLock, () => undefined);
      lock?.release();
      return lock !== null;
    }, { timeout: 30_000 }).toBe(true);
  });

  it('logged no console error', () => {
    expect(consoleErrors).toEqual([]);
  });

  it('remembers the window: moved and resized, quit, and the next launch opens it there', async () => {
    const bounds = { x: 100, y: 60, width: 1100, height: 760 };
    desktop.send({ type: 'set-bounds', bounds });
    await desktop.next('window.moved');
    expect(await desktop.quit()).toBe(0);
    expect(JSON.parse(readFileSync(join(userData, 'window-state.json'), 'utf8'))).toEqual({ ...bounds, maximized: false });
    desktop = Desktop.launch({ outDir, userData, scratch: join(dir, 'shim-3') });
    expect(await desktop.next('BrowserWindow')).toMatchObject(bounds);
    // The history is the same file: the experiments are still there.
    page = await desktop.window();
    await page.getByTestId(`row-${second}`).waitFor();
  });
});
