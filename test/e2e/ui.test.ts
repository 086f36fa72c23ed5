/**
 * End to end: the real renderer (built by electron-vite) in Debian's Chromium, driven by
 * playwright-core, against a real `w2s serve` process on a fresh database with real engine
 * processes. Build a random-teacher experiment in the builder, watch it finish, open its
 * dashboard, export its figure (the same SVG as `w2s export`), compare it with a second one,
 * cancel a third. Any console error fails the run.
 * Screenshots go to test-output/e2e/.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Download, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { theory } from '../../src/engine/theory';
import { buildAndStart as buildAndStartIn, buildApp, CHROMIUM, expectCompareShows, expectDashboardShows, LONG, ROOT, SMALL, startServe, w2s } from './helpers';

const SHOTS = join(ROOT, 'test-output', 'e2e');
const dir = mkdtempSync(join(tmpdir(), 'w2s-e2e-'));
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
  // A context of its own (not browser.newPage's): a second tab in it shares the cookies, as a user's browser does.
  page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  page.on('console', (m) => {
    // With the resource's URL: a failed request's message alone does not say which.
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

const small = SMALL;
const buildAndStart = (name: string, fields: Record<string, string>) => buildAndStartIn(page, name, fields);

describe('the lab UI in Chromium against w2s serve', () => {
  it('shows the first-time empty state', async () => {
    await page.goto(url);
    await page.getByTestId('empty-state').waitFor();
    await shot('01-empty');
  });

  it('a second `w2s serve` opened in the same browser leaves the first tab signed in (one token cookie per port)', async () => {
    await page.goto(url);
    await page.getByTestId('empty-state').waitFor();
    const second = startServe(join(dir, 'second.sqlite'), join(dir, 'out', 'renderer'));
    try {
      const secondUrl = await second.url;
      expect(new URL(secondUrl).port).not.toBe(new URL(url).port);
      // A tab of the same browser profile: cookies are shared, and they ignore ports.
      const other = await page.context().newPage();
      await other.goto(secondUrl);
      await other.getByTestId('empty-state').waitFor();
      await other.close();
      // The first tab calls its server as its UI does, with its cookie only (no token in the request).
      const status = await page.evaluate(async () => (await fetch('/api/listExperiments', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}', credentials: 'same-origin' })).status);
      expect(status).toBe(200);
      const cookies = await page.context().cookies();
      expect(cookies.map((c) => c.name).sort()).toEqual([`w2s_token_${new URL(url).port}`, `w2s_token_${new URL(secondUrl).port}`].sort());
      expect(cookies.every((c) => c.httpOnly && c.sameSite === 'Strict' && c.path === '/')).toBe(true);
    } finally {
      second.child.kill('SIGTERM');
    }
  });

  it('gives a time estimate on a fresh history, from a calibration probe (no benchmark needed)', async () => {
    await page.getByTestId('nav-builder').click();
    await expect.poll(() => page.getByTestId('estimate-time').textContent(), { timeout: 20_000 }).toMatch(/^about \S/);
    expect(await page.getByTestId('estimate-basis').textContent()).toMatch(/calibration probe/i);
    await shot('02-builder-estimate');
  });

  it('shows a field error next to its field and blocks the start', async () => {
    await page.getByTestId('nav-builder').click();
    await page.getByTestId('field-teachers.accuracy').fill('0.4');
    const error = page.locator('[data-field="teachers.accuracy"] .field-error');
    await expect.poll(() => error.textContent(), { timeout: 5000 }).toContain('beat chance');
    expect(await page.getByTestId('start-run').isDisabled()).toBe(true);
    await shot('02-builder-error');
  });

  it('refuses an imported JSON with a misspelt key as `w2s run` does: the key listed, Start off until a fixed file is loaded', async () => {
    await page.goto(`${url}#/builder`);
    await page.getByTestId('builder-title').waitFor();
    await page.getByTestId('reset-defaults').click();
    await page.getByTestId('toggle-import').click();
    await page.getByTestId('import-json').fill('{"teachers": {"count": 8, "acuracy": 0.7}, "sft": {"steps": 150, "learningRates": [0.1, 1]}}');
    await page.getByTestId('import-load').click();
    await page.getByTestId('import-refusals').waitFor();
    expect(await page.getByTestId('import-refusals').textContent()).toContain('teachers.acuracy: unknown key');
    // The form alone is valid (its defaults stand in): the refusal is what keeps Start off.
    expect(await page.getByTestId('field-teachers.count').inputValue()).toBe('8');
    expect(await page.getByTestId('start-run').isDisabled()).toBe(true);
    await page.evaluate("document.querySelector('main.view').scrollTo(0, 0)");
    await shot('02-builder-import-refused');
    await page.getByTestId('import-json').fill('{"teachers": {"count": 8, "accuracy": 0.7}, "sft": {"steps": 150, "learningRates": [0.1, 1]}}');
    await page.getByTestId('import-load').click();
    await page.getByTestId('import-refusals').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('start-run').isEnabled(), { timeout: 10_000 }).toBe(true);
    await page.getByTestId('toggle-import').click();
    await page.getByTestId('reset-defaults').click();
  });

  let first = 0;
  it('builds a random-teacher experiment, watches it finish and draws its dashboard', async () => {
    first = await buildAndStart('e2e teachers at 70 %', { ...small, 'teachers.accuracy': '0.7', seed: '11' });
    await expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 90_000, interval: 250 }).toBe('done');
    await page.locator('[data-testid="chart-trajectories"][data-drawn="true"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="chart-gains"][data-drawn="true"]').waitFor({ timeout: 10_000 });
    // The summary follows the status: it is read once the experiment's detail reloads.
    await expect.poll(() => page.getByTestId('summary-improved').textContent(), { timeout: 10_000 }).not.toBe('—');
    await expectDashboardShows(page, join(dir, 'lab.sqlite'), first);
    await shot('03-dashboard');
  });

  it('saves the data for analysis as Parquet and switches to the per-learning-rate view', async () => {
    const downloads: Download[] = [];
    const onDownload = (d: Download) => downloads.push(d);
    page.on('download', onDownload);
    await page.getByTestId('export-data').click();
    await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2);
    page.off('download', onDownload);
    expect(downloads.map((d) => d.suggestedFilename()).sort()).toEqual([`w2s-${first}-series.parquet`, `w2s-${first}-teachers.parquet`]);
    for (const d of downloads) await d.saveAs(join(dir, d.suggestedFilename()));
    // Read back by pyarrow: (8 teachers + the ceiling) × 2 learning rates × 151 recorded steps, and 8 teachers.
    const rows = spawnSync('python3', ['-c', 'import sys, pyarrow.parquet as pq; print(*(pq.read_metadata(f).num_rows for f in sys.argv[1:]))', join(dir, `w2s-${first}-series.parquet`), join(dir, `w2s-${first}-teachers.parquet`)], { encoding: 'utf8' });
    expect(rows.stdout.trim(), rows.stderr).toBe(`${9 * 2 * 151} 8`);
    // Each learning rate's own mean over all teachers: every run is fetched, then the chart redraws.
    const chart = page.getByTestId('chart-trajectories');
    const draws = Number(await chart.getAttribute('data-draws'));
    await page.getByTestId('control-runs').selectOption('perLearningRate');
    await expect.poll(async () => Number(await chart.getAttribute('data-draws')), { timeout: 30_000 }).toBeGreaterThan(draws);
    await shot('03c-dashboard-per-learning-rate');
    await page.getByTestId('control-runs').selectOption('cellRate');
    await expect.poll(async () => Number(await chart.getAttribute('data-draws')), { timeout: 30_000 }).toBeGreaterThan(draws + 1);
  });

  it("exports from the app's Export dialog exactly the SVG `w2s export` writes with the same settings", async () => {
    const downloads: Download[] = [];
    page.on('download', (d) => downloads.push(d));
    await page.getByTestId('export-open').click();
    await page.getByTestId('export-dialog').waitFor();
    await page.getByTestId('export-font-size').fill('9');
    await page.getByTestId('export-font-size').press('Tab');
    await page.locator('[data-testid="export-preview"] img').waitFor();
    await shot('03b-export-dialog');
    await page.getByTestId('export-download').click();
    await expect.poll(() => downloads.length, { timeout: 15_000 }).toBe(2);
    const file = (ext: string) => {
      const d = downloads.find((x) => x.suggestedFilename().endsWith(ext));
      if (d === undefined) throw new Error(`no ${ext} download among ${downloads.map((x) => x.suggestedFilename()).join(', ')}`);
      return d;
    };
    expect(file('.svg').suggestedFilename()).toBe(`w2s-${first}-trajectories.svg`);
    await file('.svg').saveAs(join(dir, 'app.svg'));
    await file('.meta.json').saveAs(join(dir, 'app.meta.json'));
    const cli = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'w2s.cjs'), 'export', String(first), '--figure', 'trajectories', '--format', 'svg', '--font-size', '9', '--out', join(dir, 'cli.svg'), '--db', join(dir, 'lab.sqlite')],
      { encoding: 'utf8' },
    );
    expect(cli.status, cli.stderr).toBe(0);
    expect(readFileSync(join(dir, 'app.svg'), 'utf8')).toBe(readFileSync(join(dir, 'cli.svg'), 'utf8'));
    expect(readFileSync(join(dir, 'app.meta.json'), 'utf8')).toBe(readFileSync(join(dir, 'cli.svg.meta.json'), 'utf8'));
    // A PDF from the dialog too.
    await page.getByTestId('export-format').selectOption('pdf');
    await page.getByTestId('export-download').click();
    await expect.poll(() => downloads.length, { timeout: 15_000 }).toBe(4);
    const pdf = downloads.find((x) => x.suggestedFilename().endsWith('.pdf'));
    await pdf?.saveAs(join(dir, 'app.pdf'));
    expect(readFileSync(join(dir, 'app.pdf')).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await page.keyboard.press('Escape');
    await page.getByTestId('export-dialog').waitFor({ state: 'detached' });
  });

  it('imports a bundle through the history’s file input (the browser shell), then deletes the copy', async () => {
    const bundle = join(dir, 'first.w2s');
    w2s(['bundle', String(first), bundle, '--db', join(dir, 'lab.sqlite')]);
    await page.getByTestId('nav-history').click();
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('import-bundle').click();
    await (await chooser).setFiles(bundle);
    await page.waitForURL((u) => /#\/experiment\/\d+$/.test(u.hash) && !u.hash.endsWith(`/${first}`), { timeout: 15_000 });
    const copy = Number(/experiment\/(\d+)$/.exec(page.url())?.[1]);
    await expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 10_000 }).toBe('done');
    await page.getByTestId('nav-history').click();
    await page.getByTestId(`actions-${copy}`).click();
    await page.getByTestId(`row-${copy}`).getByRole('button', { name: 'Delete…' }).click();
    await page.getByTestId('confirm-delete').click();
    await page.getByTestId(`row-${copy}`).waitFor({ state: 'detached' });
  });

  let second = 0;
  it('compares it with a second experiment: overlaid means and the differing spec fields', async () => {
    second = await buildAndStart('e2e teachers at 60 %', { ...small, 'teachers.accuracy': '0.6', seed: '12' });
    await expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 90_000, interval: 250 }).toBe('done');
    await page.getByTestId('nav-history').click();
    await page.getByTestId(`select-${first}`).check();
    await page.getByTestId(`select-${second}`).check();
    await page.getByTestId('compare-selected').click();
    await page.locator('[data-testid="chart-compare"][data-drawn="true"]').waitFor({ timeout: 15_000 });
    const diff = await page.getByTestId('compare-diff').textContent();
    expect(diff).toContain('teachers.accuracy');
    expect(diff).toContain('seed');
    expect(diff).not.toContain('sft.steps');
    for (const id of [first, second]) await expectCompareShows(page, join(dir, 'lab.sqlite'), id);
    await shot('04-compare');
  });

  let third = 0;
  it('cancels a third, long experiment from its dashboard', async () => {
    third = await buildAndStart('e2e long run to cancel', LONG);
    await expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 30_000 }).toBe('running');
    // Live: the queue lists it with its progress, and its trajectories are drawn from the first checkpoints.
    await page.getByTestId(`queue-${third}`).waitFor();
    await expect.poll(async () => Number(await page.locator('.main-chart').getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.locator('[data-testid="chart-trajectories"][data-drawn="true"]').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.getByTestId('experiment-progress').textContent(), { timeout: 10_000 }).toMatch(/of \d+ runs/);
    await shot('05a-live-run');
    await page.getByTestId('experiment-cancel').click();
    await expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 30_000 }).toBe('cancelled');
    await page.getByTestId('nav-history').click();
    await expect.poll(() => page.getByTestId(`status-${third}`).textContent(), { timeout: 10_000 }).toBe('cancelled');
    await page.getByTestId(`queue-${third}`).waitFor({ state: 'detached' });
    await shot('05-history');
  });

  it('resumes the cancelled experiment from the history and cancels it from the queue', async () => {
    await page.getByTestId(`actions-${third}`).click();
    await page.getByTestId(`resume-${third}`).click();
    await page.getByTestId(`queue-${third}`).waitFor();
    await expect.poll(() => page.getByTestId(`status-${third}`).textContent(), { timeout: 30_000 }).toMatch(/running|queued/);
    await page.getByTestId(`queue-cancel-${third}`).click();
    await expect.poll(() => page.getByTestId(`status-${third}`).textContent(), { timeout: 30_000 }).toBe('cancelled');
  });

  it('renames and tags an experiment, finds it by tag, and deletes another after confirmation', async () => {
    const row = page.getByTestId(`row-${first}`);
    await page.getByTestId(`actions-${first}`).click();
    await row.getByRole('button', { name: 'Rename' }).click();
    await page.getByTestId('rename-input').fill('e2e renamed');
    await page.getByTestId('rename-input').press('Enter');
    await expect.poll(() => page.getByTestId(`open-${first}`).textContent()).toBe('e2e renamed');
    await page.getByTestId(`actions-${first}`).click();
    await row.getByRole('button', { name: 'Tags' }).click();
    await row.getByLabel('Tags, comma-separated').fill('paper, fig1');
    await row.getByLabel('Tags, comma-separated').press('Enter');
    await page.getByTestId('history-search').fill('fig1');
    await expect.poll(() => page.locator('[data-testid^="row-"]').count()).toBe(1);
    await page.getByTestId('history-search').fill('');
    await page.getByTestId(`actions-${third}`).click();
    await page.getByTestId(`row-${third}`).getByRole('button', { name: 'Delete…' }).click();
    await page.getByTestId('confirm-delete').click();
    await page.getByTestId(`row-${third}`).waitFor({ state: 'detached' });
    expect(await page.locator('[data-testid^="row-"]').count()).toBe(2);
  });

  it('the theory panel gives the closed form and flips its prediction as κ crosses tan θ / tan θ_T', async () => {
    await page.getByTestId('nav-theory').click();
    const input = { studentCos: Math.cos(Math.PI * 0.2), studentNorm: 1, teacherCos: Math.cos(Math.PI * 0.3), kappa: 0, beta: 1 };
    await expect.poll(() => page.getByTestId('theory-rate').textContent()).toBe(theory(input).rate.toFixed(5));
    await expect.poll(() => page.getByTestId('theory-prediction').textContent()).toBe('the student improves');
    const threshold = theory(input).conditions.kappaThreshold;
    await page.getByTestId('theory-kappa').fill(String(Math.min(1, threshold + 0.05)));
    await expect.poll(() => page.getByTestId('theory-prediction').textContent()).toBe('the student does not improve');
    await page.getByTestId('theory-experiment').selectOption(String(first));
    await page.locator('[data-testid="chart-theory"][data-drawn="true"]').waitFor({ timeout: 10_000 });
    await shot('07-theory');
  });

  it('answers the keyboard shortcuts', async () => {
    // Shortcuts are ignored while typing: leave the theory panel's inputs first.
    await page.getByTestId('theory-view').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('n');
    await page.waitForURL(/#\/builder$/);
    await page.getByTestId('builder-title').click();
    await page.keyboard.press('h');
    await page.getByTestId('history-table').waitFor();
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ state: 'detached' });
  });

  it('switches to the dark theme', async () => {
    await page.getByTestId('theme-toggle').click();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.goto(`${url.split('?')[0]}#/experiment/${first}`);
    await page.locator('[data-testid="chart-trajectories"][data-drawn="true"]').waitFor({ timeout: 10_000 });
    await shot('06-dark-dashboard');
  });

  it('plain SFT against the aux-confidence loss, same seed, κ × norm grid: the two new figures, the spec diff in sft.loss, PGR for both', async () => {
    const fields = { ...small, 'teachers.accuracy': '0.7', 'student.norm': '1, 3', 'teachers.kappa': '-0.5, 0.9', seed: '13' };
    const plain = await buildAndStart('e2e plain SFT, κ grid', fields);
    await expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 90_000, interval: 250 }).toBe('done');
    await page.getByTestId('nav-builder').click();
    await page.getByTestId('field-sft.loss').selectOption('auxConfidence');
    const aux = await buildAndStart('e2e aux-confidence, κ grid', fields);
    await expect.poll(() => page.getByTestId('experiment-status').textContent(), { timeout: 90_000, interval: 250 }).toBe('done');
    await expect.poll(() => page.getByTestId('summary-improved').textContent(), { timeout: 10_000 }).not.toBe('—');
    await expectDashboardShows(page, join(dir, 'lab.sqlite'), aux);
    await page.locator('[data-testid="chart-kappa"][data-drawn="true"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="chart-norm-puzzle"][data-drawn="true"]').waitFor({ timeout: 10_000 });
    await shot('08-kappa-and-norm-figures');
    await page.getByTestId('nav-history').click();
    for (const id of [first, second]) if (await page.getByTestId(`select-${id}`).isChecked()) await page.getByTestId(`select-${id}`).uncheck();
    await page.getByTestId(`select-${plain}`).check();
    await page.getByTestId(`select-${aux}`).check();
    await page.getByTestId('compare-selected').click();
    await page.locator('[data-testid="chart-compare"][data-drawn="true"]').waitFor({ timeout: 15_000 });
    const diff = await page.getByTestId('compare-diff').textContent();
    expect(diff).toContain('sft.loss.kind');
    expect(diff).toContain('auxConfidence');
    expect(diff).not.toContain('seed');
    for (const id of [plain, aux]) await expectCompareShows(page, join(dir, 'lab.sqlite'), id);
    await shot('09-compare-plain-aux');
  });

  it('shows an experiment that `w2s run` in a terminal writes to the same history, without a reload', async () => {
    await page.getByTestId('nav-history').click();
    await page.getByTestId('history-table').waitFor();
    // A reload would drop this marker.
    await page.evaluate('window.__sameDocument = true');
    const specFile = join(dir, 'terminal.json');
    writeFileSync(specFile, JSON.stringify({ name: 'e2e from a terminal', seed: 13, teachers: { count: 4 }, sft: { steps: 100, batchSize: 1000, learningRates: [0.1] } }));
    const run = spawn(process.execPath, [join(ROOT, 'bin', 'w2s.cjs'), 'run', specFile, '--db', join(dir, 'lab.sqlite'), '--workers', '1'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    run.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    // 'close', not 'exit': the id on stdout can arrive after the process has exited.
    expect(await new Promise((resolve) => run.once('close', resolve))).toBe(0);
    const id = Number(out.trim());
    await expect.poll(() => page.getByTestId(`status-${id}`).textContent(), { timeout: 30_000 }).toBe('done');
    expect(await page.getByTestId(`open-${id}`).textContent()).toBe('e2e from a terminal');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    await shot('10-history-from-a-terminal');
  });

  it('logged no console error', () => {
    expect(consoleErrors).toEqual([]);
  });
});
