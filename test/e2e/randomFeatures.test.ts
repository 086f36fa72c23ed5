/**
 * A random-features experiment in the UI (`w2s serve` on the built renderer, Chromium): its view
 * shows its own dashboard — the pretrained student's and teachers' accuracies and the fraction
 * improved as the stored summary has them, the trajectories of accuracy, agreement and head norm
 * drawn, a row per teacher — and none of the linear figures; the theory panel says the linear
 * theory does not apply. No console errors.
 */
import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, CHROMIUM, startServe, w2s } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'w2s-e2e-rf-'));
let server: ChildProcess | null = null;
let browser: Browser | null = null;
let url = '';
const db = join(dir, 'lab.sqlite');

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/install-system-deps.sh)`);
  const spec = join(dir, 'rf.json');
  writeFileSync(spec, JSON.stringify({
    setup: 'random-features', seed: 3, data: { d: 10 }, features: { student: 50, teacher: 10 }, teachers: { count: 3 },
    pretrain: { studentPoints: 600, teacherPoints: 120, studentSteps: 20, teacherSteps: 8 },
    sft: { batchSize: 40, steps: 60, learningRates: [0.05, 2], recordEvery: 5 }, evaluation: { testPoints: 2000 },
  }));
  w2s(['run', spec, '--db', db, '--workers', '1']);
  buildApp(join(dir, 'out'));
  const serve = startServe(db, join(dir, 'out', 'renderer'));
  server = serve.child;
  url = await serve.url;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}, 300_000);
afterAll(async () => {
  await browser?.close();
  server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('a random-features experiment in the UI', () => {
  it('has its own dashboard with the stored summary, its trajectories, and the theory panel says the linear theory does not apply', async () => {
    const shown = JSON.parse(w2s(['show', '1', '--json', '--db', db])) as { summary: { randomFeatures: { studentAccuracy: number; meanTeacherAccuracy: number; fractionImproved: number } } };
    const rf = shown.summary.randomFeatures;
    const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}#/experiment/1`);
    await page.getByTestId('random-features-panel').waitFor({ timeout: 30_000 });
    const text = async (id: string) => (await page.getByTestId(id).textContent())?.trim();
    // The panel shows as soon as the history row names the setup; its numbers once the detail has come.
    await expect.poll(() => text('summary-student-accuracy'), { timeout: 20_000 }).toBe(`${(100 * rf.studentAccuracy).toFixed(2)} %`);
    expect(await text('summary-teacher-accuracy')).toBe(`${(100 * rf.meanTeacherAccuracy).toFixed(2)} %`);
    expect(await text('summary-improved')).toBe(`${(100 * rf.fractionImproved).toFixed(0)} %`);
    expect(await page.getByTestId('random-features-teachers').locator('tbody tr').count()).toBe(3);
    await expect.poll(async () => page.getByTestId('chart-random-features').locator('canvas').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('chart-trajectories').count()).toBe(0);
    expect(await page.getByTestId('chart-gain-kappa').count()).toBe(0);
    expect(await page.getByTestId('export-open').count()).toBe(0);
    expect(await text('random-features-theory')).toMatch(/does not apply to random features/);
    await page.goto(`${url}#/theory/1`);
    await page.getByTestId('theory-view').waitFor({ timeout: 20_000 });
    await page.getByTestId('theory-experiment').selectOption('1');
    await page.getByTestId('theory-not-linear').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('chart-theory').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 120_000);
});
