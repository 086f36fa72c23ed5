/**
 * The UI's speed targets, in the real renderer (electron-vite build) in Debian's Chromium against
 * a real `w2s serve`: from opening a stored Figure 1 experiment (2 828 runs × 1 001 points) to its
 * drawn dashboard, ≤ 1 s; and charts that stay responsive with 700 series × 1 000 points (an
 * experiment of 700 teachers). Both experiments are run once with the lab and kept in
 * bench/results/dashboard.sqlite for later benchmarks.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { RunStore } from '../src/backend/store/store';

const ROOT = join(__dirname, '..');
const W2S = join(ROOT, 'bin', 'w2s.cjs');
const CHARTS = ['chart-trajectories', 'chart-gains', 'chart-gain-accuracy', 'chart-gain-kappa'];
const FIGURE1 = JSON.parse(readFileSync(join(ROOT, 'resources', 'presets', 'figure1.json'), 'utf8')) as Record<string, unknown>;

/** The experiments measured: the Figure 1 preset, and 700 teachers at one learning rate. */
const CASES = [
  { label: 'Figure 1', spec: FIGURE1 },
  {
    label: '700 teachers',
    spec: { name: '700 teachers × 1 000 steps', seed: 7, teachers: { count: 700, accuracy: 0.7 }, sft: { steps: 1000, batchSize: 1000, learningRates: [0.1] } },
  },
] as const;

/** Runs in the page (this file compiles without the DOM's types): has the trajectories chart drawn more than n times? */
function moreDraws(n: number): boolean {
  const { document } = globalThis as unknown as { document: { querySelector(s: string): { getAttribute(a: string): string | null } | null } };
  return Number(document.querySelector('[data-testid="chart-trajectories"]')?.getAttribute('data-draws')) > n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The id of a finished experiment named like `spec` in `file`, running it first when there is none. */
function storedExperiment(file: string, spec: Record<string, unknown>): number {
  const find = () => {
    if (!existsSync(file)) return undefined;
    const store = RunStore.open(file, 'bench');
    try {
      return store.listExperiments().find((e) => e.status === 'done' && e.name === spec.name)?.id;
    } finally {
      store.close();
    }
  };
  let id = find();
  if (id === undefined) {
    console.log(`  running '${String(spec.name)}' once (kept in bench/results/dashboard.sqlite)…`);
    const specFile = join(tmpdir(), `w2s-bench-spec-${process.pid}.json`);
    writeFileSync(specFile, JSON.stringify(spec));
    const r = spawnSync(process.execPath, [W2S, 'run', specFile, '--db', file], { stdio: ['ignore', 'ignore', 'inherit'] });
    rmSync(specFile, { force: true });
    if (r.status !== 0) throw new Error(`the run of '${String(spec.name)}' failed`);
    id = find();
  }
  if (id === undefined) throw new Error(`no experiment '${String(spec.name)}' after running it`);
  return id;
}

export interface DashboardResult {
  readonly label: string;
  readonly runs: number;
  /** Teachers drawn as thin lines (one series each). */
  readonly teachers: number;
  /** Click in the history → every chart of the dashboard drawn (ms), per repetition, fresh page each time. */
  readonly openMs: number[];
  /** A fresh page on the dashboard's URL → drawn (ms): app boot included. */
  readonly coldMs: number[];
  /** Switching the metric → the trajectories redrawn (ms). */
  readonly redrawMs: number[];
}

/** Every chart of the dashboard has drawn its option. */
async function allDrawn(page: Page): Promise<void> {
  for (const chart of CHARTS) await page.locator(`[data-testid="${chart}"][data-drawn="true"]`).waitFor({ timeout: 60_000 });
}

async function measure(browser: Browser, url: string, id: number, repetitions: number): Promise<Pick<DashboardResult, 'openMs' | 'coldMs' | 'redrawMs'>> {
  const result = { openMs: [] as number[], coldMs: [] as number[], redrawMs: [] as number[] };
  for (let r = 0; r < repetitions; r++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(url);
    await page.getByTestId(`open-${id}`).waitFor();
    const t0 = Date.now();
    await page.getByTestId(`open-${id}`).click();
    await allDrawn(page);
    result.openMs.push(Date.now() - t0);
    const before = Number(await page.getByTestId('chart-trajectories').getAttribute('data-draws'));
    const t1 = Date.now();
    await page.getByTestId('control-metric').selectOption(r % 2 === 0 ? 'accuracy' : 'norm');
    await page.waitForFunction(moreDraws, before, { timeout: 60_000, polling: 'raf' });
    result.redrawMs.push(Date.now() - t1);
    await page.close();
    // A new page is a new browser context: the token URL brings the cookie.
    const cold = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const t2 = Date.now();
    await cold.goto(`${url}#/experiment/${id}`);
    await allDrawn(cold);
    result.coldMs.push(Date.now() - t2);
    await cold.close();
  }
  return result;
}

export async function benchDashboard(repetitions: number): Promise<DashboardResult[]> {
  const file = join(__dirname, 'results', 'dashboard.sqlite');
  const ids = CASES.map((c) => storedExperiment(file, c.spec));
  const store = RunStore.open(file, 'bench');
  const sizes = ids.map((id) => ({ runs: store.listRuns(id).length, teachers: store.getExperiment(id)?.summary?.teachers.length ?? 0 }));
  store.close();
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-ui-'));
  let server: ChildProcess | null = null;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--outDir', join(dir, 'out'), '--logLevel', 'error'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`renderer build failed: ${build.stderr}`);
    const child = spawn(process.execPath, [W2S, 'serve', '--db', file, '--workers', '1', '--renderer', join(dir, 'out', 'renderer')], { stdio: ['ignore', 'pipe', 'inherit'] });
    server = child;
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /W2S Lab on (\S+)/.exec(out);
        if (m !== null) resolve(m[1]);
      });
      child.once('exit', () => reject(new Error(`w2s serve exited: ${out}`)));
    });
    const results: DashboardResult[] = [];
    for (const [i, c] of CASES.entries()) results.push({ label: c.label, ...sizes[i], ...(await measure(browser, url, ids[i], repetitions)) });
    return results;
  } finally {
    await browser.close();
    server?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reportDashboard(results: DashboardResult[]): void {
  const spread = (xs: number[]) => `${Math.min(...xs)}–${Math.max(...xs)}`;
  for (const r of results) {
    console.log(`dashboard of a stored experiment, ${r.label} (${r.runs} runs, ${r.teachers} teacher lines × 1 001 points), Chromium on w2s serve, median of ${r.openMs.length}:`);
    console.log(`  open from the history → all charts drawn: ${median(r.openMs)} ms (range ${spread(r.openMs)})${r.label === 'Figure 1' ? '   target ≤ 1000 ms' : ''}`);
    console.log(`  fresh page on the dashboard URL → drawn:  ${median(r.coldMs)} ms (range ${spread(r.coldMs)})`);
    console.log(`  switch the metric → trajectories redrawn:  ${median(r.redrawMs)} ms (range ${spread(r.redrawMs)})`);
  }
}
