/**
 * Screenshots for a person to look at (issue 14, "Check it like a person"): every top-level view
 * (builder, a live run with the queue, history, dashboard, compare, theory, explore) for small
 * versions of the Figure 1, 2 and 3 presets, in the light and the dark theme, at 1440×900 and
 * 1280×800, left in test-output/screens/<preset>/<view>-<theme>-<w>x<h>.png. The real renderer
 * (electron-vite build) in Debian's Chromium, driven by playwright-core, against a real `w2s serve`
 * on a fresh database. One browser context per theme × size (the theme from prefers-color-scheme,
 * as a first start has it), each taken through the same views.
 *
 * Each screen is also held to laws a person would check: nothing wider than the window, no text
 * spilling out of its box in the title row and the toolbars, text readable against its background
 * (WCAG AA, 4.5:1; 3:1 for large text), every chart canvas with something drawn on it, the theme
 * applied (the page's background differs between light and dark), and no console error.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, CHROMIUM, ROOT, startServe } from './helpers';
import type { Findings } from '../helpers/screenFindings';

const SHOTS = join(ROOT, 'test-output', 'screens');
const dir = mkdtempSync(join(tmpdir(), 'w2s-e2e-screens-'));
const consoleErrors: string[] = [];

type Theme = 'light' | 'dark';
interface Screen {
  readonly theme: Theme;
  readonly width: number;
  readonly height: number;
  page: Page;
}
const SCREENS: Screen[] = [];
const THEMES: readonly Theme[] = ['light', 'dark'];
const SIZES = [
  [1440, 900],
  [1280, 800],
] as const;

let server: ChildProcess | null = null;
let browser: Browser | null = null;
let url = '';

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/install-system-deps.sh)`);
  buildApp(join(dir, 'out'));
  const serve = startServe(join(dir, 'lab.sqlite'), join(dir, 'out', 'renderer'));
  server = serve.child;
  url = await serve.url;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // The laws' code (type-checked with the DOM in test/renderer), installed in every page as window.w2sScreenLaws.
  const laws = ts.transpileModule(readFileSync(join(ROOT, 'test', 'renderer', 'screenLaws.ts'), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const lawsScript = `(() => { const exports = {}; ${laws}; window.w2sScreenLaws = exports; })();`;
  for (const theme of THEMES) {
    for (const [width, height] of SIZES) {
      const context = await browser.newContext({ viewport: { width, height }, colorScheme: theme });
      await context.addInitScript({ content: lawsScript });
      const page = await context.newPage();
      const where = `${theme} ${width}×${height}`;
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(`${where}: ${m.text()}${m.location().url === '' ? '' : ` (${m.location().url})`}`);
      });
      page.on('pageerror', (e) => consoleErrors.push(`${where}: page error: ${e.message}`));
      await page.goto(url);
      SCREENS.push({ theme, width, height, page });
    }
  }
}, 240_000);

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const main = () => SCREENS[0].page;

/** Open a hash route in the page without reloading it (the app follows hashchange). */
async function open(page: Page, hash: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
}

/**
 * Wait until the view has settled: no "Loading" placeholder, every chart that has an option drawn
 * (a chart whose figure cannot be drawn says why instead), then two animation frames.
 */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction('window.w2sScreenLaws.screenSettled()', undefined, { timeout: 30_000, polling: 100 });
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
}

/**
 * The laws, measured in the page. A live chart may be caught between a redraw's clearing and its
 * painting: an empty canvas is waited for, frame by frame, until it is painted (or 30 s have gone),
 * and only then counts.
 */
async function inspect(page: Page): Promise<Findings> {
  const f = await measure(page);
  if (f.emptyCharts.length === 0) return f;
  await page.waitForFunction('window.w2sScreenLaws.measureScreen().emptyCharts.length === 0', undefined, { timeout: 30_000, polling: 'raf' }).catch(() => undefined);
  return measure(page);
}

function measure(page: Page): Promise<Findings> {
  return page.evaluate('window.w2sScreenLaws.measureScreen()') as Promise<Findings>;
}

/**
 * Shoot one view on every screen (theme × size) and hold it to the laws. `go` brings the page to
 * the view and waits for what it shows; returns the chart count per screen.
 */
async function shootView(preset: string, view: string, go: (page: Page) => Promise<void>, minCharts = 0): Promise<void> {
  mkdirSync(join(SHOTS, preset), { recursive: true });
  const backgrounds = new Map<Theme, Set<string>>(THEMES.map((t) => [t, new Set()]));
  for (const s of SCREENS) {
    await go(s.page);
    await settled(s.page);
    const name = join(SHOTS, preset, `${view}-${s.theme}-${s.width}x${s.height}`);
    // What the window shows, then the whole view (it scrolls inside the window: the window made as tall as it).
    await s.page.screenshot({ path: `${name}.png` });
    const f = await inspect(s.page);
    const tall = (await s.page.evaluate(
      "(() => { const v = document.querySelector('main.view'); return v === null ? 0 : Math.ceil(window.innerHeight - v.clientHeight + v.scrollHeight); })()",
    )) as number;
    if (tall > s.height) {
      await s.page.setViewportSize({ width: s.width, height: tall });
      await settled(s.page);
      await s.page.screenshot({ path: `${name}-full.png` });
      await s.page.setViewportSize({ width: s.width, height: s.height });
      await settled(s.page);
    }
    const where = `${preset} ${view} ${s.theme} ${s.width}×${s.height}`;
    expect.soft(f.theme, where).toBe(s.theme);
    expect.soft(f.overflow, where).toEqual([]);
    expect.soft(f.clipped, where).toEqual([]);
    expect.soft(f.lowContrast, where).toEqual([]);
    expect.soft(f.emptyCharts, where).toEqual([]);
    expect.soft(f.charts, where).toBeGreaterThanOrEqual(minCharts);
    backgrounds.get(s.theme)?.add(f.background);
  }
  const light = [...(backgrounds.get('light') ?? [])];
  const dark = [...(backgrounds.get('dark') ?? [])];
  expect.soft(light.some((b) => dark.includes(b)), `${view}: the same background in light (${light}) and dark (${dark})`).toBe(false);
}

/** Start an experiment from the builder on the main page, with the preset loaded and some fields changed. */
async function startFrom(preset: string, fields: Record<string, string>): Promise<number> {
  const page = main();
  await open(page, `#/builder?preset=${preset}`);
  await page.getByTestId('builder-title').waitFor();
  for (const [field, value] of Object.entries(fields)) await page.getByTestId(`field-${field}`).fill(value);
  const start = page.getByTestId('start-run');
  await expect.poll(() => start.isEnabled(), { timeout: 15_000 }).toBe(true);
  await start.click();
  await page.waitForURL(/#\/experiment\/\d+$/, { timeout: 15_000 });
  return Number(/experiment\/(\d+)$/.exec(page.url())?.[1]);
}

async function waitDone(id: number): Promise<void> {
  const page = main();
  await open(page, `#/experiment/${id}`);
  await expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 90_000, interval: 250 }).toBe('done');
}

/** Small versions of the presets: few teachers and steps, learning rates a decade apart. */
const PRESETS = {
  figure1: { small: { 'teachers.count': '10', 'sft.steps': '300', 'sft.batchSize': '2000', 'sft.learningRates': '0.01, 0.1, 1' } },
  figure2: { small: { 'teachers.count': '6', 'sft.steps': '200', 'sft.batchSize': '2000', 'sft.learningRates': '0.1, 1', 'student.norm': '0.5, 1, 3', 'teachers.accuracy': '0.6, 0.7, 0.8' } },
  figure3: { small: { 'teachers.count': '10', 'sft.steps': '300', 'sft.learningRates': '0.01, 0.1, 1' } },
} as const;

async function dashboard(page: Page, id: number): Promise<void> {
  await open(page, `#/experiment/${id}`);
  await page.getByTestId(`experiment-${id}`).waitFor();
  await page.locator('[data-testid="chart-trajectories"][data-drawn="true"]').waitFor({ timeout: 30_000 });
}

describe('screens of every view, for small Figure 1, 2 and 3 presets, light and dark, at two sizes', () => {
  for (const [preset, { small }] of Object.entries(PRESETS)) {
    it(`${preset}: builder, live run and queue, dashboard, history, compare, theory`, async () => {
      await shootView(preset, 'builder', async (page) => {
        await open(page, `#/builder?preset=${preset}`);
        await expect.poll(() => page.getByTestId('estimate-time').textContent(), { timeout: 20_000 }).toMatch(/^about \S/);
      });

      // A long run to watch live, and the small one started behind it. Preview experiments each
      // have their own share of the pool, so the small one may run beside the long one and leave
      // the queue before the shot: only the long one is sure to be listed.
      const live = await startFrom(preset, { ...small, name: `${preset}, long (watched live, then cancelled)`, 'sft.steps': '40000' });
      const finished = await startFrom(preset, { ...small, name: `${preset}, small` });
      await open(main(), `#/experiment/${live}`);
      await expect.poll(() => main().getByTestId('experiment-status').textContent(), { timeout: 30_000 }).toBe('running');
      await expect.poll(async () => Number(await main().locator('.main-chart').getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(0);
      await shootView(
        preset,
        'live',
        async (page) => {
          await dashboard(page, live);
          await page.getByTestId(`queue-${live}`).waitFor();
          await expect.poll(() => page.getByTestId('experiment-status').textContent()).toBe('running');
        },
        3,
      );
      await open(main(), `#/experiment/${live}`);
      await main().getByTestId('experiment-cancel').click();
      await waitDone(finished);

      // The same experiment with another seed, for the comparison.
      await main().getByRole('button', { name: 'Re-run, new seed' }).click();
      await main().waitForURL(new RegExp(`#/experiment/(?!${finished}$)\\d+$`), { timeout: 15_000 });
      const reseeded = Number(/experiment\/(\d+)$/.exec(main().url())?.[1]);
      await waitDone(reseeded);

      await shootView(preset, 'dashboard', (page) => dashboard(page, finished), 3);
      await shootView(preset, 'history', async (page) => {
        await open(page, '#/');
        await page.getByTestId(`row-${reseeded}`).waitFor();
        await expect.poll(() => page.getByTestId(`status-${reseeded}`).textContent()).toBe('done');
      });
      await shootView(
        preset,
        'compare',
        async (page) => {
          await open(page, `#/compare/${finished},${reseeded}`);
          await page.locator('[data-testid="chart-compare"][data-drawn="true"]').waitFor({ timeout: 30_000 });
        },
        1,
      );
      await shootView(
        preset,
        'theory',
        async (page) => {
          await open(page, `#/theory/${finished}`);
          await page.locator('[data-testid="chart-theory"][data-drawn="true"]').waitFor({ timeout: 30_000 });
        },
        2,
      );
    }, 240_000);
  }

  it('explore: the sliders, three panels and the theory numbers', async () => {
    await shootView(
      'explore',
      'explore',
      async (page) => {
        await open(page, '#/explore');
        for (const metric of ['inner', 'norm', 'cos']) await page.locator(`[data-testid="explore-chart-${metric}"][data-drawn="true"]`).waitFor({ timeout: 60_000 });
        await expect.poll(() => page.getByTestId('explore-status').textContent(), { timeout: 60_000 }).toMatch(/^#\d+/);
      },
      3,
    );
  }, 240_000);

  it('logged no console error', () => {
    expect(consoleErrors).toEqual([]);
  });
});
