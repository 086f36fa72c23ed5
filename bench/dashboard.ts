/**
 * The dashboard's speed targets (issue 18 item 8), in the real renderer (electron-vite build) in
 * Debian's Chromium against a real `w2s serve`: from the click in the history to every chart of
 * the dashboard drawn (each chart sets data-drawn="true"), for the stored Figure 1 preset
 * (≤ 1 s) and the Figure 2 preset's small multiples (≤ 1.5 s), both run on the preview path into a
 * scratch history by `w2s run` first; and the 700-teacher experiment whose charts must stay
 * responsive with 700 series × 1 000 points.
 *
 * `--base DIR` (a checkout of the base commit, node_modules linked) measures the base's renderer
 * and its own `w2s serve` beside this one in the same run, repetition by repetition alternately,
 * each on its own scratch history written by its own `w2s run` (the two may store differently).
 * `--history FILE` reuses (or fills) a history instead of a scratch one (this checkout only).
 *
 * Each repetition opens a fresh page (nothing cached in the app). The store's performance mark
 * `w2s:loaded:<id>` splits the time into the data (getExperiment and getSeries) and the drawing.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { RunStore } from '../src/backend/store/store';

const ROOT = join(__dirname, '..');
const CHARTS = ['chart-trajectories', 'chart-gains', 'chart-gain-accuracy', 'chart-gain-kappa'];
const preset = (name: string) => JSON.parse(readFileSync(join(ROOT, 'resources', 'presets', `${name}.json`), 'utf8')) as Record<string, unknown>;
const onPreview = (spec: Record<string, unknown>): Record<string, unknown> => ({ ...spec, engine: { ...((spec.engine as object | undefined) ?? {}), path: 'preview' } });

/** The experiments measured, with their targets (ms). */
const CASES: readonly { label: string; spec: Record<string, unknown>; target: number | null }[] = [
  { label: 'Figure 1', spec: onPreview(preset('figure1')), target: 1000 },
  { label: 'Figure 2', spec: onPreview(preset('figure2')), target: 1500 },
  {
    label: '700 teachers',
    spec: { name: '700 teachers × 1 000 steps', seed: 7, teachers: { count: 700, accuracy: 0.7 }, sft: { steps: 1000, batchSize: 1000, learningRates: [0.1] } },
    target: null,
  },
];

/** Runs in the page (this file compiles without the DOM's types): has the trajectories chart drawn more than n times? */
function moreDraws(n: number): boolean {
  const { document } = globalThis as unknown as { document: { querySelector(s: string): { getAttribute(a: string): string | null } | null } };
  return Number(document.querySelector('[data-testid="chart-trajectories"]')?.getAttribute('data-draws')) > n;
}

/** Runs in the page: every chart on it has drawn (the conditional ones too: heatmap, κ, norm puzzle); the page's clock then. */
export function everyChartDrawn(): number | false {
  const g = globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ getAttribute(a: string): string | null }> }; performance: { now(): number } };
  const charts = Array.from(g.document.querySelectorAll('[data-testid^="chart-"][data-drawn]'));
  return charts.length >= 4 && charts.every((c) => c.getAttribute('data-drawn') === 'true') ? g.performance.now() : false;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The ids of the cases' finished experiments in `file`, running the missing ones first with the
 * `w2s` at `root` (its id is the last line it prints). Only this checkout's store code opens the
 * file, and only this checkout's history (a base's may be in an older format it would migrate).
 */
function storedExperiments(root: string, file: string, mine: boolean): number[] {
  const find = (spec: Record<string, unknown>) => {
    if (!mine || !existsSync(file)) return undefined;
    const store = RunStore.open(file, 'bench');
    try {
      const path = (spec.engine as { path?: string } | undefined)?.path;
      return store.listExperiments().find((e) => e.status === 'done' && e.name === spec.name && (path === undefined || e.spec.engine?.path === path))?.id;
    } finally {
      store.close();
    }
  };
  return CASES.map(({ spec }) => {
    const found = find(spec);
    if (found !== undefined) return found;
    console.log(`  running '${String(spec.name)}' once into ${file} (${mine ? 'this checkout' : root})…`);
    const specFile = join(tmpdir(), `w2s-bench-spec-${process.pid}.json`);
    writeFileSync(specFile, JSON.stringify(spec));
    const r = spawnSync(process.execPath, [join(root, 'bin', 'w2s.cjs'), 'run', specFile, '--db', file], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    rmSync(specFile, { force: true });
    const id = Number(r.stdout.trim().split('\n').pop());
    if (r.status !== 0 || !Number.isInteger(id)) throw new Error(`the run of '${String(spec.name)}' failed`);
    return id;
  });
}

export interface DashboardResult {
  readonly label: string;
  /** 'this' or 'base' (`--base`). */
  readonly side: string;
  readonly runs: number;
  /** Teachers drawn as thin lines (one series each). */
  readonly teachers: number;
  readonly target: number | null;
  /** Click in the history → every chart of the dashboard drawn (ms), per repetition, fresh page each time. */
  readonly openMs: number[];
  /** Of which: click → the data loaded (the store's mark), ms. */
  readonly dataMs: number[];
  /** A fresh page on the dashboard's URL → drawn (ms): app boot included. */
  readonly coldMs: number[];
  /** Switching the metric → the trajectories redrawn (ms). */
  readonly redrawMs: number[];
}

type Times = Pick<DashboardResult, 'openMs' | 'dataMs' | 'coldMs' | 'redrawMs'>;

/** Every chart of the dashboard has drawn its option; the page's clock then. */
async function allDrawn(page: Page): Promise<number> {
  for (const chart of CHARTS) await page.locator(`[data-testid="${chart}"][data-drawn="true"]`).waitFor({ timeout: 60_000 });
  return Number(await (await page.waitForFunction(everyChartDrawn, undefined, { timeout: 60_000, polling: 'raf' })).jsonValue());
}

async function measureOnce(browser: Browser, url: string, id: number, r: number, into: Times): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(url);
  await page.getByTestId(`open-${id}`).waitFor();
  const t0 = Date.now();
  const p0 = await page.evaluate(() => performance.now());
  await page.getByTestId(`open-${id}`).click();
  const drawnAt = await allDrawn(page);
  into.openMs.push(Date.now() - t0);
  const loadedAt = await page.evaluate((name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN, `w2s:loaded:${id}`);
  into.dataMs.push(Math.round(Math.min(loadedAt, drawnAt) - p0));
  const before = Number(await page.getByTestId('chart-trajectories').getAttribute('data-draws'));
  const t1 = Date.now();
  await page.getByTestId('control-metric').selectOption(r % 2 === 0 ? 'accuracy' : 'norm');
  await page.waitForFunction(moreDraws, before, { timeout: 60_000, polling: 'raf' });
  into.redrawMs.push(Date.now() - t1);
  await page.close();
  // A new page is a new browser context: the token URL brings the cookie.
  const cold = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const t2 = Date.now();
  await cold.goto(`${url}#/experiment/${id}`);
  await allDrawn(cold);
  into.coldMs.push(Date.now() - t2);
  await cold.close();
}

interface Side {
  readonly name: string;
  readonly root: string;
  readonly history: string;
  url: string;
  server: ChildProcess | null;
  ids: number[];
  sizes: { runs: number; teachers: number }[];
  times: Times[];
}

/** Build `root`'s renderer into `out` and start its `w2s serve` on `history`; resolves to its URL. */
async function serve(side: Side, out: string): Promise<void> {
  const build = spawnSync(process.execPath, [join(side.root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--outDir', out, '--logLevel', 'error'], { cwd: side.root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`renderer build failed (${side.root}): ${build.stderr}`);
  const child = spawn(process.execPath, [join(side.root, 'bin', 'w2s.cjs'), 'serve', '--db', side.history, '--workers', '1', '--renderer', join(out, 'renderer')], { cwd: side.root, stdio: ['ignore', 'pipe', 'inherit'] });
  side.server = child;
  side.url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /W2S Lab on (\S+)/.exec(text);
      if (m !== null) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(`w2s serve exited: ${text}`)));
  });
}

export async function benchDashboard(repetitions: number, options: { base?: string; history?: string } = {}): Promise<DashboardResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-ui-'));
  const sides: Side[] = [{ name: 'this', root: ROOT, history: options.history ?? join(dir, 'this.sqlite'), url: '', server: null, ids: [], sizes: [], times: [] }];
  if (options.base !== undefined) sides.push({ name: 'base', root: options.base, history: join(dir, 'base.sqlite'), url: '', server: null, ids: [], sizes: [], times: [] });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    for (const side of sides) {
      side.ids = storedExperiments(side.root, side.history, side === sides[0]);
      if (side === sides[0]) {
        const store = RunStore.open(side.history, 'bench');
        side.sizes = side.ids.map((id) => ({ runs: store.listRuns(id).length, teachers: store.getExperiment(id)?.summary?.teachers.length ?? 0 }));
        store.close();
      } else side.sizes = sides[0].sizes; // the same specs and seeds
      side.times = CASES.map(() => ({ openMs: [], dataMs: [], coldMs: [], redrawMs: [] }));
      await serve(side, join(dir, `out-${side.name}`));
    }
    // Alternately, repetition by repetition: the machine's load hits both sides alike.
    for (let r = 0; r < repetitions; r++) {
      for (const [i] of CASES.entries()) for (const side of r % 2 === 0 ? sides : [...sides].reverse()) await measureOnce(browser, side.url, side.ids[i], r, side.times[i]);
    }
    return sides.flatMap((side) => CASES.map((c, i) => ({ label: c.label, side: side.name, target: c.target, ...side.sizes[i], ...side.times[i] })));
  } finally {
    await browser.close();
    for (const side of sides) side.server?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reportDashboard(results: DashboardResult[]): void {
  const spread = (xs: number[]) => `${Math.min(...xs)}–${Math.max(...xs)}`;
  for (const r of results) {
    const who = r.side === 'this' ? '' : ` [${r.side}]`;
    console.log(`dashboard of a stored experiment${who}, ${r.label} (${r.runs} runs, ${r.teachers} teachers), Chromium on w2s serve, median of ${r.openMs.length}:`);
    console.log(`  open from the history → all charts drawn: ${median(r.openMs)} ms (range ${spread(r.openMs)}; the data loaded after ${median(r.dataMs)} ms)${r.target === null ? '' : `   target ≤ ${r.target} ms`}`);
    console.log(`  fresh page on the dashboard URL → drawn:  ${median(r.coldMs)} ms (range ${spread(r.coldMs)})`);
    console.log(`  switch the metric → trajectories redrawn:  ${median(r.redrawMs)} ms (range ${spread(r.redrawMs)})`);
  }
}
