/** What the UI end-to-end tests share: the app's build, `w2s serve` on it, and building and starting an experiment in the builder. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { type Headline, recomputeHeadline, shownNumber, type StoredRun } from '../helpers/recompute';

export const ROOT = join(__dirname, '..', '..');
export const CHROMIUM = '/usr/bin/chromium';

/** A small random-teacher experiment: done in a few seconds on one engine process. */
export const SMALL = { 'teachers.count': '8', 'sft.steps': '150', 'sft.learningRates': '0.1, 1', 'student.norm': '1' };
/** Long enough to be watched live and cancelled. */
export const LONG = { 'teachers.count': '50', 'sft.steps': '20000', 'sft.learningRates': '0.1', 'student.norm': '1' };

/** `electron-vite build` into `outDir` (main, preload and renderer). */
export function buildApp(outDir: string): void {
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--outDir', outDir, '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`electron-vite build failed:\n${build.stdout}\n${build.stderr}`);
}

/**
 * `w2s serve` on the history `db` with the renderer built into `renderer`, one engine process. The
 * process is returned at once (so that afterAll can stop it whatever happens), the URL it prints
 * when it listens.
 */
export function startServe(db: string, renderer: string): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'w2s.cjs'), 'serve', '--db', db, '--workers', '1', '--renderer', renderer], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /W2S Lab on (http:\/\/\S+)/.exec(out);
      if (m !== null) resolve(m[1]);
    });
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.once('exit', (code) => reject(new Error(`w2s serve exited with ${code}: ${out}`)));
  });
  return { child, url };
}

/** Fill the builder with a small random-teacher experiment and start it; resolves with its id. */
export async function buildAndStart(page: Page, name: string, fields: Record<string, string>): Promise<number> {
  await page.getByTestId('nav-builder').click();
  await page.getByTestId('field-name').fill(name);
  for (const [field, value] of Object.entries(fields)) await page.getByTestId(`field-${field}`).fill(value);
  const start = page.getByTestId('start-run');
  await expect.poll(() => start.isEnabled(), { timeout: 10_000 }).toBe(true);
  await start.click();
  await page.waitForURL(/#\/experiment\/\d+$/, { timeout: 10_000 });
  return Number(/experiment\/(\d+)$/.exec(page.url())?.[1]);
}

/** `w2s …` on the same history; throws with its stderr when it fails. */
export function w2s(args: string[]): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'w2s.cjs'), ...args], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`w2s ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** An experiment's headline numbers recomputed from its stored series (`w2s export --format json`), not read from its summary. */
export function recomputed(db: string, id: number): Headline {
  // Through a file beside the history: a grid's export is more than a pipe's default buffer.
  const file = `${db}.export-${id}.json`;
  w2s(['export', String(id), '--format', 'json', '--out', file, '--db', db]);
  const exported = JSON.parse(readFileSync(file, 'utf8')) as {
    experiment: { spec: { sft: { earlyStopping: 'oracle' | 'teacher' | 'validation' } } };
    runs: StoredRun[];
  };
  return recomputeHeadline(exported.experiment.spec.sft.earlyStopping, exported.runs);
}

/** The text the UI shows is `value` rounded to the digits it shows ('—' for none). */
export function expectShown(text: string | null, value: number | null, what: string): void {
  if (value === null) {
    expect(text?.trim(), what).toBe('—');
    return;
  }
  const shown = shownNumber(text);
  expect(Math.abs(shown.value - value), `${what}: shown '${text}', recomputed ${value}`).toBeLessThanOrEqual(shown.halfUnit * (1 + 1e-9));
}

/** The dashboard's headline numbers (teachers improved, mean gain, PGR) against those recomputed from the history `db`. */
export async function expectDashboardShows(page: Page, db: string, id: number): Promise<void> {
  const expected = recomputed(db, id);
  expect(expected.teachers).toBeGreaterThan(0);
  expectShown(await page.getByTestId('summary-improved').textContent(), expected.fractionImproved, 'teachers improved');
  expectShown(await page.getByTestId('summary').locator('.card', { hasText: 'Mean gain' }).locator('.big').textContent(), expected.gainMean, 'mean gain');
  expectShown(await page.getByTestId('summary-pgr').textContent(), expected.pgrMean, 'PGR');
}

/** The compare view's summary table, column of experiment `id`, against the numbers recomputed from the history `db`. */
export async function expectCompareShows(page: Page, db: string, id: number): Promise<void> {
  const expected = recomputed(db, id);
  const table = page.getByTestId('compare-summary');
  const headers = await table.locator('thead th').allTextContents();
  const column = headers.findIndex((h) => h.trim().startsWith(`#${id} `)) - 1;
  expect(column, `compare column of #${id} among ${headers.join(' | ')}`).toBeGreaterThanOrEqual(0);
  const cell = (label: string) => table.locator('tbody tr', { hasText: label }).locator('td.num').nth(column).textContent();
  expectShown(await cell('teachers improved'), expected.fractionImproved, `#${id} teachers improved`);
  expectShown(await cell('mean gain'), expected.gainMean, `#${id} mean gain`);
  expectShown(await cell('std of gain'), expected.gainStd, `#${id} std of gain`);
  expectShown(await page.getByTestId(`compare-pgr-${id}`).textContent(), expected.pgrMean, `#${id} PGR`);
}
