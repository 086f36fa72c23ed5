/**
 * Explore mode's answer time (issue 14 part 4, target: redrawn within 1 s of the last change), in the
 * real renderer (electron-vite build) in Debian's Chromium against a real `w2s serve` on a fresh
 * database with its default engine processes. Time is taken in the page, from the slider's input
 * event to the moment the third panel has drawn the run of that change (the view's own
 * measurement, ExploreView.vue), with the store's marks splitting it into the debounce, the submit,
 * the lab's run, the load and the drawing. Three cases: one change at a time; a drag (5 moves 40 ms
 * apart, timed from the last); a change 250 ms after the last, while its preview still runs (left to
 * finish: it ends sooner than a cancel costs). Beside them, on the lab alone, what the store's
 * RESTART_MS rests on: the next explore run after cancelling a running one (its engine process is
 * replaced) against after letting it finish.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { Lab } from '../src/backend/lab';
import { EnginePool, forkSpawner } from '../src/backend/pool';
import { RunStore } from '../src/backend/store/store';
import { validateSpec } from '../src/engine/spec';
import { DEFAULT_PARAMS, exploreSpec } from '../src/renderer/src/explore/params';

const ROOT = join(__dirname, '..');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The stages of one change, in ms, from the store's and the view's performance marks. */
export interface Stages {
  readonly total: number;
  /** change → launch: the debounce (and the cancel of a run still going). */
  readonly wait: number;
  readonly submit: number;
  /** submitted → the experiment's terminal event: the lab runs 20 preview runs and stores them. */
  readonly run: number;
  /** terminal event → spec, summary and series loaded (getExperiment, getSeries). */
  readonly load: number;
  /** loaded → the three panels built and drawn. */
  readonly draw: number;
}

export interface ExploreResult {
  readonly workers: number;
  readonly single: Stages[];
  readonly drag: Stages[];
  /** Experiments launched per drag (1 when the debounce collapses it). */
  readonly dragLaunches: number[];
  readonly superseding: Stages[];
  /** How many of the superseded runs the store cancelled (the others it left to finish). */
  readonly supersededCancelled: number;
  /** The lab alone: submit → done of the next explore run (T = 1 000) after cancelling a running T = 10 000 one, and after letting it finish. */
  readonly afterCancelMs: number[];
  readonly afterFinishMs: number[];
}

/** The lab on one engine process, as serve runs it here: what cancelling a running explore run costs the next one. */
async function cancelCost(repetitions: number): Promise<{ afterCancelMs: number[]; afterFinishMs: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-cancel-'));
  const store = RunStore.open(join(dir, 'lab.sqlite'), 'bench');
  const pool = new EnginePool(forkSpawner(), 1);
  const lab = new Lab(store, pool);
  const submit = (steps: number) => lab.submit(validateSpec(exploreSpec({ ...DEFAULT_PARAMS, steps })));
  const timed = async (id: number) => {
    const t0 = performance.now();
    await lab.finished(id);
    return performance.now() - t0;
  };
  const pause = () => new Promise((r) => setTimeout(r, 100));
  const out = { afterCancelMs: [] as number[], afterFinishMs: [] as number[] };
  try {
    for (let i = 0; i < 2; i++) await timed(submit(1000)); // warm-up
    for (let r = 0; r < repetitions; r++) {
      const cancelled = submit(10_000);
      await pause();
      lab.cancel(cancelled);
      out.afterCancelMs.push(await timed(submit(1000)));
      const left = submit(10_000);
      await pause();
      out.afterFinishMs.push(await timed(submit(1000)));
      await lab.finished(left);
    }
    return out;
  } finally {
    pool.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function stages(page: Page, change: number): Promise<Stages> {
  // No named functions inside: the bundler's keepNames helper does not exist in the page.
  // The figures store marks w2s:loaded:<id> as the series land, before the panels draw them.
  const id = await page.getByTestId('explore-view').getAttribute('data-run');
  const names = ['change', 'launch', 'submitted', 'stopped', 'drawn'].map((name) => `w2s:explore:${name}:${change}`);
  const times = await page.evaluate((list) => list.map((name) => performance.getEntriesByName(name).at(-1)?.startTime ?? Number.NaN), [...names, `w2s:loaded:${id}`]);
  const [t0, launch, submitted, stopped, drawnAt, loaded] = times;
  const at = { change: t0, launch, submitted, stopped, loaded, drawn: drawnAt };
  const total = Number(await page.getByTestId('explore-status').getAttribute('data-redraw-ms'));
  return { total, wait: at.launch - at.change, submit: at.submitted - at.launch, run: at.stopped - at.submitted, load: at.loaded - at.stopped, draw: at.drawn - at.loaded };
}

const changeCount = async (page: Page) => Number(await page.getByTestId('explore-view').getAttribute('data-change'));
/** The view has drawn the run of change n (it is timed in the page: the polling here does not count). */
async function drawn(page: Page, change: number): Promise<void> {
  await page.locator(`[data-testid="explore-view"][data-drawn-change="${change}"]`).waitFor({ timeout: 60_000 });
}

/** Slider positions that each change the experiment (one slider at a time, away from and back to the defaults). */
const MOVES: [string, number][] = [
  ['steps', 25],
  ['studentNorm', 15],
  ['beta', 12],
  ['learningRate', 25],
  ['batchSize', 15],
  ['teacherAccuracy', 25],
  ['studentAccuracy', 30],
  ['steps', 20],
  ['studentNorm', 10],
  ['beta', 10],
  ['learningRate', 20],
  ['batchSize', 20],
];

/** The renderer built into `dir`, `w2s serve` on a fresh history there with its default engine processes, Chromium on explore mode. */
async function openExplore(dir: string): Promise<{ page: Page; url: string; workers: number; close: () => Promise<void> }> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  let server: ChildProcess | null = null;
  const close = async () => {
    await browser.close();
    server?.kill('SIGTERM');
  };
  try {
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--outDir', join(dir, 'out'), '--logLevel', 'error'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`renderer build failed: ${build.stderr}`);
    // serve's default engine processes (one per core but one): what `npm start` gives.
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'w2s.cjs'), 'serve', '--db', join(dir, 'lab.sqlite'), '--renderer', join(dir, 'out', 'renderer')], { stdio: ['ignore', 'pipe', 'inherit'] });
    server = child;
    const { url, workers } = await new Promise<{ url: string; workers: number }>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /W2S Lab on (\S+)\n.*?(\d+) engine process/s.exec(out);
        if (m !== null) resolve({ url: m[1], workers: Number(m[2]) });
      });
      child.once('exit', () => reject(new Error(`w2s serve exited: ${out}`)));
    });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${url}#/explore`);
    await drawn(page, 1);
    // Warm-up: the engine process's and the page's first runs compile their code.
    for (let i = 0; i < 2; i++) {
      await move(page, i);
      await drawn(page, await changeCount(page));
    }
    return { page, url, workers, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const move = async (page: Page, i: number) => {
  const [key, position] = MOVES[i % MOVES.length];
  await page.getByTestId(`explore-slider-${key}`).fill(String(position));
};

export async function benchExplore(changes: number): Promise<ExploreResult> {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-explore-'));
  const { page, workers, close } = await openExplore(dir);
  try {

    const single: Stages[] = [];
    for (let i = 0; i < changes; i++) {
      await move(page, i + 2);
      const n = await changeCount(page);
      await drawn(page, n);
      single.push(await stages(page, n));
    }

    const drag: Stages[] = [];
    const dragLaunches: number[] = [];
    for (let d = 0; d < Math.max(3, Math.round(changes / 2)); d++) {
      const first = (await changeCount(page)) + 1;
      for (let k = 0; k < 5; k++) {
        await page.getByTestId('explore-slider-teacherAccuracy').fill(String(10 + 5 * d + k + (d % 2 === 0 ? 0 : 20)));
        await page.waitForTimeout(40);
      }
      const n = await changeCount(page);
      await drawn(page, n);
      drag.push(await stages(page, n));
      dragLaunches.push(await page.evaluate(([a, b]) => performance.getEntriesByType('mark').filter((m) => { const x = /^w2s:explore:launch:(\d+)$/.exec(m.name); return x !== null && Number(x[1]) >= a && Number(x[1]) <= b; }).length, [first, n]));
    }

    // A change 250 ms after the last (past the debounce: its run is under way), then another.
    const superseding: Stages[] = [];
    for (let s = 0; s < Math.max(3, Math.round(changes / 2)); s++) {
      // T = 10 000 or 7 900: 20 runs that take longer than the 250 ms below.
      await page.getByTestId('explore-slider-steps').fill(String(30 - (s % 2)));
      await page.waitForTimeout(250);
      await move(page, s);
      const n = await changeCount(page);
      await drawn(page, n);
      superseding.push(await stages(page, n));
    }
    const supersededCancelled = await page.evaluate(() => performance.getEntriesByType('mark').filter((m) => m.name.startsWith('w2s:explore:cancel:')).length);
    return { workers, single, drag, dragLaunches, superseding, supersededCancelled, ...(await cancelCost(Math.max(3, Math.round(changes / 2)))) };
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ExploreUnderExactResult {
  readonly workers: number;
  /** One change at a time, nothing else running. */
  readonly idle: Stages[];
  /** One change at a time while the Figure 1 preset runs on the exact path (2 828 runs) on the same server. */
  readonly underExact: Stages[];
  /** The exact experiment's runs done when each of those changes was drawn. */
  readonly exactRunsDone: number[];
}

/**
 * Issue 18 item 6: explore's answer while an exact Figure 1 runs on the same `w2s serve` (its jobs
 * fill every engine process, 2 800-odd more wait), against the same changes with nothing else
 * running, measured in the same run: `changes` of each, idle first, then with the exact one.
 */
export async function benchExploreUnderExact(changes: number): Promise<ExploreUnderExactResult> {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-explore-exact-'));
  const { page, url, workers, close } = await openExplore(dir);
  const u = new URL(url);
  const api = async (method: string, input: unknown): Promise<Record<string, unknown>> => {
    const r = await fetch(`${u.origin}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${u.searchParams.get('token')}` }, body: JSON.stringify(input) });
    if (!r.ok) throw new Error(`${method}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, unknown>;
  };
  const runsDone = async (id: number) => ((await api('getExperiment', { id })).runs as Record<string, number>).done ?? 0;
  const timeChanges = async (offset: number, after?: (change: number) => Promise<void>) => {
    const out: Stages[] = [];
    for (let i = 0; i < changes; i++) {
      await move(page, offset + i);
      const n = await changeCount(page);
      await drawn(page, n);
      await after?.(n);
      out.push(await stages(page, n));
    }
    return out;
  };
  try {
    const idle = await timeChanges(2);
    const figure1 = JSON.parse(readFileSync(join(ROOT, 'resources', 'presets', 'figure1.json'), 'utf8')) as unknown;
    const exactId = (await api('submit', { spec: figure1, name: 'Figure 1, exact (bench)' })).id as number;
    // Under way: every engine process holds one of its jobs, the rest wait.
    while ((await runsDone(exactId)) === 0) await new Promise((r) => setTimeout(r, 200));
    const exactRunsDone: number[] = [];
    const underExact = await timeChanges(2 + changes, async () => void exactRunsDone.push(await runsDone(exactId)));
    await api('cancel', { id: exactId });
    return { workers, idle, underExact, exactRunsDone };
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reportExploreUnderExact(r: ExploreUnderExactResult): void {
  const ms = (x: number) => `${Math.round(x)} ms`;
  const totals = (xs: Stages[]) => xs.map((s) => s.total);
  const line = (label: string, xs: Stages[]) => {
    const pick = (k: keyof Stages) => median(xs.map((s) => s[k]));
    console.log(`  ${label.padEnd(34)} ${ms(pick('total'))} median of ${xs.length} (range ${ms(Math.min(...totals(xs)))}–${ms(Math.max(...totals(xs)))}); wait ${ms(pick('wait'))}, submit ${ms(pick('submit'))}, run ${ms(pick('run'))}, load ${ms(pick('load'))}, draw ${ms(pick('draw'))}`);
  };
  console.log(`explore while an exact Figure 1 runs, Chromium on w2s serve (${r.workers} engine process${r.workers === 1 ? '' : 'es'}), slider change → three panels redrawn:`);
  line('nothing else running', r.idle);
  line('the exact Figure 1 running', r.underExact);
  console.log(`  ratio (medians, same run): ×${(median(totals(r.underExact)) / median(totals(r.idle))).toFixed(2)}; exact runs done (of 2 828) at each redraw: ${r.exactRunsDone.join(', ')}`);
}

export function reportExplore(r: ExploreResult): void {
  const ms = (x: number) => `${Math.round(x)} ms`;
  const line = (label: string, xs: Stages[]) => {
    const pick = (k: keyof Stages) => median(xs.map((s) => s[k]));
    const totals = xs.map((s) => s.total);
    console.log(
      `  ${label.padEnd(38)} ${ms(pick('total'))} median of ${xs.length} (range ${ms(Math.min(...totals))}–${ms(Math.max(...totals))}); ` +
        `wait ${ms(pick('wait'))}, submit ${ms(pick('submit'))}, run ${ms(pick('run'))}, load ${ms(pick('load'))}, draw ${ms(pick('draw'))}`,
    );
  };
  console.log(`explore mode, slider change → three panels redrawn, Chromium on w2s serve (${r.workers} engine process${r.workers === 1 ? '' : 'es'}), target ≤ 1000 ms:`);
  line('one change', r.single);
  line('a drag (5 moves 40 ms apart), from the last', r.drag);
  console.log(`  experiments launched per drag: ${r.dragLaunches.join(', ')}`);
  line('a change while the last run still runs', r.superseding);
  console.log(`  superseded runs cancelled: ${r.supersededCancelled} of ${r.superseding.length} (the others were left to finish)`);
  const spread = (xs: number[]) => `${ms(median(xs))} median of ${xs.length} (range ${ms(Math.min(...xs))}–${ms(Math.max(...xs))})`;
  console.log(`  the lab alone, the next explore run (T = 1 000) after a running one (T = 10 000) is cancelled: ${spread(r.afterCancelMs)}`);
  console.log(`                                                          … is left to finish: ${spread(r.afterFinishMs)}`);
}
