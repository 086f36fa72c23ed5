/**
 * End to end, the preview path where users meet it (issue 12 part 3) and explore mode (issue 14
 * part 4): the real renderer (electron-vite build) in Debian's Chromium, driven by playwright-core,
 * against a real `w2s serve` on a fresh database with real engine processes. Choose Preview in the
 * builder with both estimates shown, run it, see "preview" on its dashboard, run it exactly with one
 * click, compare the two (engine.path the only differing field), then move explore mode's sliders
 * and check what is drawn against laws and the engine's theory(). Any console error fails the run.
 * Screenshots go to test-output/e2e/ (prefixed `p`).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, CHROMIUM, ROOT, startServe } from './helpers';
import { theory } from '../../src/engine/theory';

const SHOTS = join(ROOT, 'test-output', 'e2e');
const dir = mkdtempSync(join(tmpdir(), 'w2s-e2e-preview-'));
const consoleErrors: string[] = [];

let server: ChildProcess | null = null;
let browser: Browser | null = null;
let page: Page;
let url = '';

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/install-system-deps.sh)`);
  buildApp(join(dir, 'out'));
  mkdirSync(SHOTS, { recursive: true });
  const serve = startServe(join(dir, 'lab.sqlite'), join(dir, 'out', 'renderer'));
  server = serve.child;
  url = await serve.url;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${m.text()}${m.location().url === '' ? '' : ` (${m.location().url})`}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
/** A LabApi call over the server's HTTP transport, with the page's token. */
async function api(method: string, input: unknown): Promise<unknown> {
  const u = new URL(url);
  const response = await fetch(`${u.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${u.searchParams.get('token')}` },
    body: JSON.stringify(input),
  });
  if (!response.ok) throw new Error(`${method}: ${response.status} ${await response.text()}`);
  return response.json();
}
const experimentId = () => Number(/experiment\/(\d+)$/.exec(page.url())?.[1]);
const doneStatus = () => expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 90_000, interval: 250 }).toBe('done');

describe('the preview path and explore mode in Chromium against w2s serve', () => {
  let preview = 0;
  let exact = 0;

  it('offers Preview and Exact in the builder, each with its time, and says why preview is refused', async () => {
    await page.goto(`${url}#/builder`);
    await page.getByTestId('field-name').fill('e2e preview');
    const fields = { 'teachers.count': '8', 'sft.steps': '150', 'sft.learningRates': '0.1, 1', 'student.norm': '1', 'sft.batchSize': '50', seed: '31' };
    for (const [field, value] of Object.entries(fields)) await page.getByTestId(`field-${field}`).fill(value);
    // B = 50: the engine refuses preview, and its own message, naming the field, stands beside the choice.
    await expect.poll(() => page.getByTestId('path-preview-refused').textContent(), { timeout: 30_000 }).toMatch(/sft\.batchSize: must be ≥ 100 on the preview path/);
    expect(await page.getByTestId('path-preview').isDisabled()).toBe(true);
    expect(await page.getByTestId('path-preview-time').textContent()).toBe('not available');
    await expect.poll(() => page.getByTestId('path-exact-time').textContent(), { timeout: 30_000 }).toMatch(/^(about|under) \S/);
    await page.locator('[data-testid="path-choice"]').scrollIntoViewIfNeeded();
    await shot('p01-builder-preview-refused');

    await page.getByTestId('field-sft.batchSize').fill('1000');
    await page.getByTestId('path-preview-refused').waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByTestId('path-preview').check();
    await expect.poll(() => page.getByTestId('path-preview-time').textContent(), { timeout: 30_000 }).toMatch(/^(about|under) \S/);
    await expect.poll(() => page.getByTestId('path-exact-time').textContent(), { timeout: 30_000 }).toMatch(/^(about|under) \S/);
    // The exact-path select belongs to the Exact side: hidden on Preview.
    expect(await page.getByTestId('field-engine.path').count()).toBe(0);
    await expect.poll(() => page.getByTestId('estimate-basis').textContent(), { timeout: 30_000 }).toMatch(/preview path/);
    expect(await page.getByTestId('estimate-time').textContent()).toMatch(/^(about|under) .*preview$/);
    await shot('p02-builder-preview');
  });

  it('runs the preview and says "preview" on its dashboard', async () => {
    const start = page.getByTestId('start-run');
    await expect.poll(() => start.isEnabled(), { timeout: 10_000 }).toBe(true);
    await start.click();
    await page.waitForURL(/#\/experiment\/\d+$/, { timeout: 10_000 });
    preview = experimentId();
    await doneStatus();
    expect(await page.getByTestId('experiment-preview').textContent()).toBe('preview');
    await page.locator('[data-testid="chart-trajectories"][data-drawn="true"]').waitFor({ timeout: 10_000 });
    await shot('p03-preview-dashboard');
  });

  it('runs it exactly with one click, same seed, and compares the two: engine.path is the only difference', async () => {
    await page.getByTestId('experiment-run-exact').click();
    await page.waitForURL(new RegExp(`#/experiment/(?!${preview}$)\\d+$`), { timeout: 10_000 });
    exact = experimentId();
    await doneStatus();
    expect(await page.getByTestId('experiment-preview').count()).toBe(0);
    expect(await page.getByTestId('experiment-run-exact').count()).toBe(0);
    // The header fills in when the experiment's detail has loaded.
    await expect.poll(() => page.locator('.view-head .small').textContent(), { timeout: 10_000 }).toMatch(new RegExp(`seed 31 .*duplicated from #${preview}`, 's'));
    await page.getByTestId('compare-with-origin').click();
    await page.waitForURL(new RegExp(`#/compare/${preview},${exact}$`));
    await page.locator('[data-testid="chart-compare"][data-drawn="true"]').waitFor({ timeout: 15_000 });
    const rows = await page.locator('[data-testid="compare-diff"] tbody tr').allTextContents();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^engine\.path\s*preview\s*auto$/);
    expect(await page.getByTestId(`compare-path-${preview}`).textContent()).toBe(`#${preview} · preview`);
    expect(await page.getByTestId(`compare-path-${exact}`).textContent()).toBe(`#${exact} · exact (reduced)`);
    await page.getByTestId('compare-preview-exact').waitFor();
    for (const id of [preview, exact]) await page.locator(`[data-testid="chart-side-${id}"][data-drawn="true"]`).waitFor({ timeout: 15_000 });
    await shot('p04-compare-preview-exact');
    await page.getByTestId('compare-diff').scrollIntoViewIfNeeded();
    await shot('p04b-compare-tables');
  });

  it('marks the preview in the history, where its menu also offers Run exact', async () => {
    await page.getByTestId('nav-history').click();
    await page.getByTestId(`preview-${preview}`).waitFor();
    expect(await page.getByTestId(`preview-${exact}`).count()).toBe(0);
    await page.getByTestId(`actions-${preview}`).click();
    await page.getByTestId(`run-exact-${preview}`).waitFor();
    await shot('p05-history-preview');
    await page.getByTestId(`actions-${preview}`).click();
    expect(await page.getByTestId(`run-exact-${exact}`).count()).toBe(0);
  });

  /** Move a slider to a position; resolves with its new value once the view has drawn the run of that change. */
  async function slide(key: string, position: number): Promise<number> {
    const view = page.getByTestId('explore-view');
    const change = Number(await view.getAttribute('data-change'));
    await page.getByTestId(`explore-slider-${key}`).fill(String(position));
    await expect.poll(async () => Number(await view.getAttribute('data-drawn-change')), { timeout: 60_000 }).toBeGreaterThan(change);
    return Number(await page.getByTestId(`explore-slider-${key}`).getAttribute('data-value'));
  }
  const ends = async (metric: string) => {
    const panel = page.getByTestId(`explore-panel-${metric}`);
    return { firstY: Number(await panel.getAttribute('data-first-y')), lastX: Number(await panel.getAttribute('data-last-x')), lastY: Number(await panel.getAttribute('data-last-y')) };
  };
  const fmt = (x: number) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toFixed(5));
  const value = async (key: string) => Number(await page.getByTestId(`explore-slider-${key}`).getAttribute('data-value'));

  it('explore mode redraws its three panels for a slider and its theory numbers are the engine’s theory()', async () => {
    await page.keyboard.press('x');
    await page.waitForURL(/#\/explore$/);
    const view = page.getByTestId('explore-view');
    await expect.poll(async () => Number(await view.getAttribute('data-drawn-change')), { timeout: 60_000 }).toBeGreaterThan(0);
    // It opens on a log step axis (step 0 has no place there: the drawn mean starts at step 1) and
    // says the observed gain: the summary's teachers' mean gain, recomputed here.
    expect(await page.getByTestId('explore-step-axis').inputValue()).toBe('log');
    expect(Number(await page.getByTestId('explore-panel-cos').getAttribute('data-first-x'))).toBe(1);
    const shownRun = Number(await view.getAttribute('data-run'));
    const detail = (await api('getExperiment', { id: shownRun })) as { summary: { teachers: { gain: number; bestStep: number }[] } };
    const gains = detail.summary.teachers.map((t) => t.gain);
    const observedGain = Number(await page.getByTestId('explore-observed').getAttribute('data-gain'));
    expect(Math.abs(observedGain - gains.reduce((a, b) => a + b, 0) / gains.length)).toBeLessThan(1e-12);
    const bestSteps = detail.summary.teachers.map((t) => t.bestStep).sort((a, b) => a - b);
    expect(Number(await page.getByTestId('explore-observed').getAttribute('data-peak-step'))).toBe((bestSteps[9] + bestSteps[10]) / 2);
    await page.getByTestId('explore-step-axis').selectOption('linear');
    await expect.poll(() => page.getByTestId('explore-panel-cos').getAttribute('data-first-x')).toBe('0');
    const before = await ends('cos');

    // T: every panel's drawn mean now ends at the new step count.
    const steps = await slide('steps', 25);
    expect(steps).not.toBe(1000);
    for (const m of ['inner', 'norm', 'cos']) expect((await ends(m)).lastX).toBe(steps);
    expect((await ends('cos')).lastY).not.toBe(before.lastY);

    // ‖w₀‖: the norm panel starts at it, the inner product at ‖w₀‖ cos θ₀.
    const norm = await slide('studentNorm', 15);
    const accuracy = await value('studentAccuracy');
    const cos0 = Math.cos(Math.PI * (1 - accuracy));
    expect(Math.abs((await ends('norm')).firstY - norm)).toBeLessThan(1e-9 * norm);
    expect(Math.abs((await ends('inner')).firstY - norm * cos0)).toBeLessThan(1e-9 * norm);
    expect(Math.abs((await ends('cos')).firstY - cos0)).toBeLessThan(1e-9);

    // The theory numbers at the sliders' values, κ = 0 (random teachers), as the engine computes them.
    const beta = await slide('beta', 12);
    const input = { studentCos: cos0, studentNorm: norm, teacherCos: Math.cos(Math.PI * (1 - (await value('teacherAccuracy')))), kappa: 0, beta };
    const t = theory(input);
    await expect.poll(() => page.getByTestId('explore-theory-rate').textContent()).toBe(fmt(t.rate));
    expect(await page.getByTestId('explore-theory-t1').textContent()).toBe(fmt(t.T1));
    expect(await page.getByTestId('explore-theory-t2').textContent()).toBe(fmt(t.T2));
    expect(await page.getByTestId('explore-theory-prediction').textContent()).toBe(t.improves ? 'the student improves' : 'the student does not improve');
    expect(await page.getByTestId('explore-status').textContent()).toMatch(/drawn \d+\.\d+ s after the last change/);
    await shot('p06-explore');
  });

  it('keeps explore runs out of the history until saved, and Run exact from explore queues the exact one', async () => {
    const saved = Number(await page.getByTestId('explore-view').getAttribute('data-run'));
    await page.getByTestId('explore-name').fill('e2e explored');
    await page.getByTestId('explore-run-exact').click();
    await page.getByTestId('explore-open-exact').waitFor({ timeout: 10_000 });
    const exactOfExplore = Number((await page.getByTestId('explore-open-exact').textContent())?.slice(1));
    await page.getByTestId('theme-toggle').click();
    await shot('p07-explore-dark');
    await page.getByTestId('theme-toggle').click();
    await page.getByTestId('nav-history').click();
    await page.getByTestId(`row-${saved}`).waitFor();
    expect(await page.getByTestId(`open-${saved}`).textContent()).toBe('e2e explored');
    await page.getByTestId(`row-${exactOfExplore}`).waitFor();
    // The history holds the two of the builder, the saved explore run and its exact re-run: no unsaved explore run.
    expect(await page.locator('[data-testid^="row-"]').count()).toBe(4);
    await expect.poll(() => page.getByTestId(`status-${exactOfExplore}`).textContent(), { timeout: 90_000 }).toBe('done');
  });

  it('answers within seconds while an exact Figure 1 runs: drawn with the exact one still queued, listed in the queue, saying what it waits for', async () => {
    await page.getByTestId('nav-explore').click();
    const view = page.getByTestId('explore-view');
    await expect.poll(async () => Number(await view.getAttribute('data-drawn-change')), { timeout: 60_000 }).toBeGreaterThan(0);
    const figure1 = JSON.parse(readFileSync(join(ROOT, 'resources', 'presets', 'figure1.json'), 'utf8'));
    const { id: exactId } = (await api('submit', { spec: figure1, name: 'Figure 1, exact, e2e' })) as { id: number };
    // Under way: its runs end one by one on the server's one engine process.
    await expect.poll(async () => ((await api('getExperiment', { id: exactId })) as { runs: Record<string, number> }).runs.done ?? 0, { timeout: 60_000 }).toBeGreaterThan(0);
    // What the page shows while the preview runs, and the queue rows of previews, as they appear.
    await page.evaluate(`(() => {
      const seen = { status: [], first: [] };
      window.seen = seen;
      new MutationObserver(() => {
        const status = (document.querySelector('[data-testid=explore-status]')?.textContent ?? '').replace(/\\s+/g, ' ').trim();
        if (seen.status[seen.status.length - 1] !== status) seen.status.push(status);
        for (const el of document.querySelectorAll('[data-testid^=queue-first-]')) if (!seen.first.includes(el.dataset.testid)) seen.first.push(el.dataset.testid);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    await slide('teacherAccuracy', 25);
    const previewId = Number(await view.getAttribute('data-run'));
    const exact = (await api('getExperiment', { id: exactId })) as { status: string; runs: Record<string, number> };
    expect(exact.status).toBe('running');
    // Ordered by what the server says, not by a clock: of its 2 828 runs, a handful are done.
    expect(exact.runs.done ?? 0).toBeLessThan(100);
    const seen = (await page.evaluate('window.seen')) as { status: string[]; first: string[] };
    expect(seen.first).toContain(`queue-first-${previewId}`);
    const waits = seen.status.filter((t) => t.startsWith('Running the preview of your last change'));
    expect(waits.length).toBeGreaterThan(0);
    for (const t of waits) expect(t, t).toMatch(/: (starting…|starting an engine process \(a second or so\)…|storing the results…|running: \d+ of 20 runs done|waiting for the running job to end( \(~[\d.]+ s\))?)( · .*)?$/);
    await shot('p08-explore-while-exact');
    await api('cancel', { id: exactId });
    await expect.poll(async () => ((await api('getExperiment', { id: exactId })) as { status: string }).status, { timeout: 30_000 }).toBe('cancelled');
  });

  it('logged no console error', () => {
    expect(consoleErrors).toEqual([]);
  });
});
