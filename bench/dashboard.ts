/**
 * The UI's speed target: from opening a stored Figure 1 experiment (2 828 runs × 1 001 points) to
 * its drawn dashboard, ≤ 1 s. The real renderer (electron-vite build) in Debian's Chromium against
 * a real `w2s serve`; the experiment is the Figure 1 preset run once with the lab and kept in
 * bench/results/figure1.sqlite for later benchmarks.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { RunStore } from '../src/main/core/store/store';

const ROOT = join(__dirname, '..');
const W2S = join(ROOT, 'bin', 'w2s.cjs');
const CHARTS = ['chart-trajectories', 'chart-gains', 'chart-gain-accuracy', 'chart-gain-kappa'];

/** Runs in the page (this file compiles without the DOM's types): has the trajectories chart drawn more than n times? */
function moreDraws(n: number): boolean {
  const { document } = globalThis as unknown as { document: { querySelector(s: string): { getAttribute(a: string): string | null } | null } };
  return Number(document.querySelector('[data-testid="chart-trajectories"]')?.getAttribute('data-draws')) > n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The id of a finished Figure 1 experiment in `file`, running the preset first when there is none. */
function figure1Experiment(file: string): number {
  const find = () => {
    if (!existsSync(file)) return undefined;
    const store = RunStore.open(file, 'bench');
    try {
      return store.listExperiments().find((e) => e.status === 'done' && e.name.startsWith('Figure 1'))?.id;
    } finally {
      store.close();
    }
  };
  let id = find();
  if (id === undefined) {
    console.log('  running the Figure 1 preset once (kept in bench/results/figure1.sqlite)…');
    const r = spawnSync(process.execPath, [W2S, 'run', join(ROOT, 'resources', 'presets', 'figure1.json'), '--db', file], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error('the Figure 1 run failed');
    id = find();
  }
  if (id === undefined) throw new Error('no Figure 1 experiment after running it');
  return id;
}

export interface DashboardResult {
  readonly runs: number;
  /** Click in the history → every chart of the dashboard drawn (ms), per repetition. */
  readonly openMs: number[];
  /** A fresh page on the dashboard's URL → drawn (ms): app boot included. */
  readonly coldMs: number[];
  /** Switching the metric → the trajectories redrawn (ms). */
  readonly redrawMs: number[];
}

export async function benchDashboard(repetitions: number): Promise<DashboardResult> {
  const file = join(__dirname, 'results', 'figure1.sqlite');
  const id = figure1Experiment(file);
  const store = RunStore.open(file, 'bench');
  const runs = store.listRuns(id).length;
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
    const drawn = async (page: Page) => {
      for (const chart of CHARTS) await page.locator(`[data-testid="${chart}"][data-drawn="true"]`).waitFor({ timeout: 60_000 });
    };
    const result: DashboardResult = { runs, openMs: [], coldMs: [], redrawMs: [] };
    for (let r = 0; r < repetitions; r++) {
      // A fresh page each time, so nothing of the experiment is cached in the app.
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(url);
      await page.getByTestId(`open-${id}`).waitFor();
      const t0 = Date.now();
      await page.getByTestId(`open-${id}`).click();
      await drawn(page);
      result.openMs.push(Date.now() - t0);
      const trajectories = page.getByTestId('chart-trajectories');
      const before = Number(await trajectories.getAttribute('data-draws'));
      const t1 = Date.now();
      await page.getByTestId('control-metric').selectOption(r % 2 === 0 ? 'accuracy' : 'norm');
      await page.waitForFunction(moreDraws, before, { timeout: 60_000, polling: 'raf' });
      result.redrawMs.push(Date.now() - t1);
      await page.close();
    }
    for (let r = 0; r < repetitions; r++) {
      const cold = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const t0 = Date.now();
      // A new page is a new browser context: it needs the token URL (the cookie comes with it).
      await cold.goto(`${url}#/experiment/${id}`);
      await drawn(cold);
      result.coldMs.push(Date.now() - t0);
      await cold.close();
    }
    return result;
  } finally {
    await browser.close();
    server?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reportDashboard(r: DashboardResult): void {
  const spread = (xs: number[]) => `${Math.min(...xs)}–${Math.max(...xs)}`;
  console.log(`dashboard of a stored Figure 1 experiment (${r.runs} runs), Chromium on w2s serve, median of ${r.openMs.length}:`);
  console.log(`  open from the history → all charts drawn: ${median(r.openMs)} ms (range ${spread(r.openMs)})   target ≤ 1000 ms`);
  console.log(`  fresh page on the dashboard URL → drawn:  ${median(r.coldMs)} ms (range ${spread(r.coldMs)})`);
  console.log(`  switch the metric → trajectories redrawn:  ${median(r.redrawMs)} ms (range ${spread(r.redrawMs)})`);
}
