/**
 * A long history: 2 000 experiments (synthetic rows: each the spec, runs and summary of a small
 * real experiment, 3 runs of 101 points), made once in a temporary file. Measured: `w2s list` and
 * `w2s list --json` as a user runs them (a fresh process each, start-up included), the LabApi's
 * listExperiments in this process, and the History page in Chromium on `w2s serve` (a fresh page
 * until its first rows and the count of all 2 000 show; then scrolled until the last row is drawn).
 * Medians of several repetitions.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ExperimentContext } from '../src/engine/experiment';
import { cellsOf, runKeys } from '../src/engine/grid';
import { SftRun } from '../src/engine/run';
import { resolvePath, validateSpec } from '../src/engine/spec';
import { summarizeExperiment } from '../src/engine/summary';
import { Lab } from '../src/backend/lab';
import { LabApiService } from '../src/backend/labApi';
import { EnginePool, forkSpawner } from '../src/backend/pool';
import { RunStore } from '../src/backend/store/store';
import { connectionOf } from '../src/backend/store/connection';

const ROOT = join(__dirname, '..');
const W2S = join(ROOT, 'bin', 'w2s.cjs');
export const HISTORY_SIZE = 2000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Write `count` experiments into `file`: one real small experiment's runs and summary, stored again and again. */
function makeHistory(file: string, count: number): void {
  const spec = validateSpec({ name: 'synthetic', seed: 1, teachers: { count: 1 }, sft: { steps: 100, batchSize: 100, learningRates: [0.1, 1] } });
  const context = new ExperimentContext(spec);
  const keys = runKeys(spec);
  const runs = keys.map((key) => SftRun.start(context, key).complete());
  const outcomes = runs.map((r, i) => ({ key: keys[i], status: 'done' as const, descriptor: r.descriptor, series: r.recordedSeries() }));
  const summary = summarizeExperiment(spec, resolvePath(spec), cellsOf(spec), outcomes);
  const store = RunStore.open(file, 'bench');
  try {
    store.write(() => {
      for (let e = 0; e < count; e++) {
        const id = store.createExperiment(validateSpec({ ...spec, name: `synthetic #${e + 1}`, seed: e }), keys);
        store.listRuns(id).forEach((run, i) => {
          store.setRunDescriptor(run.id, outcomes[i].descriptor);
          store.appendSeries(run.id, outcomes[i].series, 0, { stepsDone: spec.sft.steps, checkpoint: null, status: 'done' });
        });
        store.setSummary(id, summary);
        if (e % 10 === 0) store.setTags(id, ['bench', `group-${e % 7}`]);
        store.setExperimentStatus(id, 'done');
      }
    });
    connectionOf(store).pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    store.close();
  }
}

export interface HistoryResult {
  readonly experiments: number;
  readonly listMs: number[];
  readonly listJsonMs: number[];
  readonly apiMs: number[];
  readonly pageMs: number[];
  /** From the loaded page to the oldest row drawn, scrolling down. */
  readonly scrollMs: number[];
  readonly versionMs: number[];
}

function timeProcess(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [W2S, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`w2s ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

export async function benchHistory(repetitions: number): Promise<HistoryResult> {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-history-'));
  const file = join(dir, 'lab.sqlite');
  let server: ChildProcess | null = null;
  try {
    makeHistory(file, HISTORY_SIZE);
    const result: HistoryResult = { experiments: HISTORY_SIZE, listMs: [], listJsonMs: [], apiMs: [], pageMs: [], scrollMs: [], versionMs: [] };
    // The start-up alone, for scale: `w2s --version` opens no history.
    for (let r = 0; r < repetitions; r++) {
      result.versionMs.push(timeProcess(['--version']));
      result.listMs.push(timeProcess(['list', '--db', file]));
      result.listJsonMs.push(timeProcess(['list', '--json', '--db', file]));
    }
    const pool = new EnginePool(forkSpawner(), 1);
    for (let r = 0; r < repetitions; r++) {
      const store = RunStore.open(file, 'bench');
      const api = new LabApiService(new Lab(store, pool));
      const t0 = process.hrtime.bigint();
      const rows = (await api.handle('listExperiments', {})) as unknown[];
      result.apiMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (rows.length !== HISTORY_SIZE) throw new Error(`listExperiments gave ${rows.length} rows`);
      store.close();
    }
    pool.close();

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
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      for (let r = 0; r < repetitions + 1; r++) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        const t0 = Date.now();
        await page.goto(url);
        // Loaded: the newest experiment's row on screen and the count of all of them in the toolbar.
        await page.getByTestId(`row-${HISTORY_SIZE}`).waitFor({ state: 'visible', timeout: 60_000 });
        await page.getByText(`${HISTORY_SIZE} of ${HISTORY_SIZE}`).waitFor({ timeout: 60_000 });
        const ms = Date.now() - t0;
        // Then every row, scrolling to the end as a reader would (a page of rows at a time).
        const t1 = Date.now();
        while ((await page.getByTestId('row-1').count()) === 0) {
          if (Date.now() - t1 > 120_000) throw new Error('scrolling did not reach the oldest row in 2 minutes');
          await page.evaluate('document.querySelector("[data-testid=history-more]")?.scrollIntoView()');
          await page.waitForTimeout(16);
        }
        const scrollMs = Date.now() - t1;
        const rows = await page.locator('[data-testid^="row-"]').count();
        if (rows !== HISTORY_SIZE) throw new Error(`the History page shows ${rows} rows`);
        // The first page warms Chromium's cache of the app's files.
        if (r > 0) {
          result.pageMs.push(ms);
          result.scrollMs.push(scrollMs);
        }
        await page.close();
      }
    } finally {
      await browser.close();
    }
    return result;
  } finally {
    server?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reportHistory(r: HistoryResult): void {
  const line = (label: string, xs: number[]) => console.log(`  ${label}: ${median(xs).toFixed(0)} ms median of ${xs.length} (range ${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`);
  console.log(`history of ${r.experiments} experiments (synthetic rows, 3 runs × 101 points each):`);
  line('w2s list, a fresh process       ', r.listMs);
  line('w2s list --json, a fresh process', r.listJsonMs);
  line('w2s --version (start-up alone)  ', r.versionMs);
  line('LabApi listExperiments, in process', r.apiMs);
  line('History page, fresh page → first rows and the count of all (Chromium on w2s serve)', r.pageMs);
  line('History page, then scrolled to its 2 000th row', r.scrollMs);
  console.log('  target: w2s list and the History page ≤ 1000 ms');
}
