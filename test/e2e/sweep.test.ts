/**
 * The sweep dashboard (issue 22 item 4) in the real renderer (electron-vite build) in Debian's
 * Chromium against a real `w2s serve`, on a real β × d sweep with replicates run by `w2s run`
 * (Figure 1's preset on the preview path, two initial norms): the sweep panel draws its charts,
 * the tables list the sweep's points, brushing a range on the parallel coordinates' β axis keeps
 * exactly the points with β in it, and the target selector redraws. Screenshots in light and dark
 * are left in test-output/screens/sweep/ for a person to look at, held to the screen laws.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, CHROMIUM, ROOT, startServe, w2s } from './helpers';
import type { Findings } from '../helpers/screenFindings';

const SHOTS = join(ROOT, 'test-output', 'screens', 'sweep');
const dir = mkdtempSync(join(tmpdir(), 'w2s-e2e-sweep-'));
const db = join(dir, 'lab.sqlite');
const consoleErrors: string[] = [];
let server: ChildProcess | null = null;
let browser: Browser | null = null;
let url = '';
let lawsScript = '';

/** Figure 1's preset as a β × d sweep, 3 replicates, two norms, on the preview path (seconds). */
function sweepSpec(): Record<string, unknown> {
  const spec = JSON.parse(readFileSync(join(ROOT, 'resources', 'presets', 'figure1.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  return {
    ...spec,
    name: 'β × d sweep, 3 replicates',
    beta: [0.5, 1, 2],
    data: { ...spec.data, d: [50, 100] },
    replicates: 3,
    engine: { path: 'preview' },
    student: { ...spec.student, norm: [1, 3] },
    teachers: { ...spec.teachers, count: 12 },
    sft: { ...spec.sft, steps: 300, learningRates: [0.01, 0.1, 1] },
  };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/install-system-deps.sh)`);
  buildApp(join(dir, 'out'));
  writeFileSync(join(dir, 'sweep.json'), JSON.stringify(sweepSpec()));
  w2s(['run', join(dir, 'sweep.json'), '--db', db]);
  const serve = startServe(db, join(dir, 'out', 'renderer'));
  server = serve.child;
  url = await serve.url;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const laws = ts.transpileModule(readFileSync(join(ROOT, 'test', 'renderer', 'screenLaws.ts'), 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  lawsScript = `(() => { const exports = {}; ${laws}; window.w2sScreenLaws = exports; })();`;
}, 240_000);

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

async function pageFor(theme: 'light' | 'dark', width: number, height: number): Promise<Page> {
  const context = await (browser as Browser).newContext({ viewport: { width, height }, colorScheme: theme });
  await context.addInitScript({ content: lawsScript });
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(`${theme}: ${m.text()}`));
  page.on('pageerror', (e) => consoleErrors.push(`${theme}: page error: ${e.message}`));
  await page.goto(`${url}#/experiment/1`);
  await page.getByTestId('sweep-panel').waitFor({ timeout: 30_000 });
  for (const chart of ['chart-sweep', 'chart-sweep-heatmap', 'chart-sweep-parallel']) await page.locator(`[data-testid="${chart}"][data-drawn="true"]`).waitFor({ timeout: 30_000 });
  return page;
}

async function settled(page: Page): Promise<void> {
  await page.waitForFunction('window.w2sScreenLaws.screenSettled()', undefined, { timeout: 30_000, polling: 100 });
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
}

/** The view from the sweep panel down, the window made as tall as the whole view. */
async function shoot(page: Page, name: string): Promise<Findings> {
  mkdirSync(SHOTS, { recursive: true });
  const size = page.viewportSize() ?? { width: 1440, height: 900 };
  const tall = (await page.evaluate("(() => { const v = document.querySelector('main.view'); return v === null ? 0 : Math.ceil(window.innerHeight - v.clientHeight + v.scrollHeight); })()")) as number;
  await page.setViewportSize({ width: size.width, height: Math.max(size.height, tall) });
  await settled(page);
  await page.getByTestId('sweep-panel').screenshot({ path: join(SHOTS, `${name}.png`) });
  const findings = (await page.evaluate('window.w2sScreenLaws.measureScreen()')) as Findings;
  await page.setViewportSize(size);
  return findings;
}

/** The β column of the points table (the first column: β is the spec's first axis). */
const betas = async (page: Page) => (await page.locator('[data-testid="sweep-table"] tbody tr td:first-child').allTextContents()).map(Number);

describe('the sweep dashboard on a β × d sweep with replicates', () => {
  it('draws the sweep charts and tables, in light and dark, within the screen laws', async () => {
    for (const theme of ['light', 'dark'] as const) {
      const page = await pageFor(theme, 1440, 900);
      // 3 β × 2 d × 2 norms = 12 points, each pooling 3 replicates; the importance table lists the three varying axes.
      await expect.poll(() => page.locator('[data-testid="sweep-table"] tbody tr').count()).toBe(12);
      expect(await page.locator('[data-testid="sweep-importance"] tbody tr').count()).toBe(3);
      expect((await page.locator('[data-testid="sweep-table"] tbody tr td:last-child').allTextContents()).every((t) => t === '3')).toBe(true);
      const f = await shoot(page, `sweep-${theme}-1440`);
      const where = `sweep ${theme}`;
      expect.soft(f.theme, where).toBe(theme);
      expect.soft(f.overflow, where).toEqual([]);
      expect.soft(f.clipped, where).toEqual([]);
      expect.soft(f.lowContrast, where).toEqual([]);
      expect.soft(f.emptyCharts, where).toEqual([]);
      await page.context().close();
    }
    expect(consoleErrors).toEqual([]);
  }, 120_000);

  it('brushing β on the parallel coordinates keeps exactly the points with β in the range; the target selector redraws', async () => {
    const page = await pageFor('light', 1440, 900);
    const chart = page.getByTestId('chart-sweep-parallel');
    await chart.scrollIntoViewIfNeeded();
    const box = await chart.boundingBox();
    if (box === null) throw new Error('no parallel chart');
    // The layout of sweepParallel at the screen's 10 pt (13.3 px): β's axis 3 em from the left, the axes from 4.8 em (title + names) to 2 em above the bottom; β = 2 on top, log-spaced, 1 in the middle.
    const em = (10 * 4) / 3;
    const x = box.x + 3 * em;
    const top = box.y + 4.8 * em;
    const bottom = box.y + box.height - 2 * em;
    await page.mouse.move(x, top - 4);
    await page.mouse.down();
    await page.mouse.move(x, top + (bottom - top) * 0.25, { steps: 8 });
    await page.mouse.up();
    // β ∈ (≈1.4, 2]: the four points at β = 2.
    await expect.poll(() => page.getByTestId('sweep-shown').textContent(), { timeout: 10_000 }).toBe('4 of 12 selected');
    expect(await betas(page)).toEqual([2, 2, 2, 2]);
    await shoot(page, 'sweep-brushed-light-1440');
    await page.getByTestId('sweep-clear').click();
    await expect.poll(() => page.getByTestId('sweep-shown').textContent()).toBe('all 12');
    // Another target: the charts redraw, the table's header names it.
    const draws = Number(await page.getByTestId('chart-sweep').getAttribute('data-draws'));
    await page.getByTestId('sweep-target').selectOption('fractionImproved');
    await expect.poll(async () => Number(await page.getByTestId('chart-sweep').getAttribute('data-draws'))).toBeGreaterThan(draws);
    expect(await page.locator('[data-testid="sweep-table"] thead th').allTextContents()).toContain('fraction of teachers improved');
    await page.getByTestId('sweep-x').selectOption('data.d');
    await page.locator('[data-testid="chart-sweep"][data-drawn="true"]').waitFor();
    await shoot(page, 'sweep-fraction-by-d-light-1440');
    await page.context().close();
    expect(consoleErrors).toEqual([]);
  }, 120_000);
});
