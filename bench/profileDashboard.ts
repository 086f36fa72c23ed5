/**
 * `node --import tsx bench/profileDashboard.ts HISTORY ID [OUT] [--no-build]`: where the dashboard's time goes — a
 * CPU profile of the page (Chrome DevTools Protocol) from the history click to every chart drawn,
 * on `w2s serve` with the renderer built into OUT; prints the top functions by self time, the
 * requests with their times and sizes, the performance marks, and the inclusive time of the
 * functions named in W2S_PROFILE_FNS (comma-separated; W2S_PROFILE_ALL=1: the 60 largest).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { everyChartDrawn } from './dashboard';

const [history, idText, outArg] = process.argv.slice(2);
const id = Number(idText);
const ROOT = join(__dirname, '..');
const out = outArg ?? '/tmp/w2s-profile-out';

interface Node {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}

async function main(): Promise<void> {
  if (!process.argv.includes('--no-build')) {
    // The app's build config with the renderer unminified (readable function names), beside it for a moment.
    const config = join(ROOT, `electron.vite.profile-${process.pid}.config.ts`);
    const base = readFileSync(join(ROOT, 'electron.vite.config.ts'), 'utf8');
    writeFileSync(config, base.replace("build: { rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } } }", "build: { minify: false, rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } } }"));
    try {
      const b = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--outDir', out, '--logLevel', 'error', '--config', config], { cwd: ROOT, encoding: 'utf8' });
      if (b.status !== 0) throw new Error(b.stderr);
    } finally {
      rmSync(config, { force: true });
    }
  }
  const server = spawn(process.execPath, [join(ROOT, 'bin', 'w2s.cjs'), 'serve', '--db', history, '--workers', '1', '--renderer', join(out, 'renderer')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => {
    let text = '';
    server.stdout?.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /W2S Lab on (\S+)/.exec(text);
      if (m !== null) resolve(m[1]);
    });
  });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    for (let rep = 0; rep < 2; rep++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const requests: string[] = [];
      page.on('requestfinished', async (req) => {
        const t = req.timing();
        const size = (await req.sizes()).responseBodySize;
        requests.push(`${req.url().replace(/^.*\/api\//, '').slice(0, 60)} start ${t.startTime.toFixed(0)} wait ${(t.responseStart - t.requestStart).toFixed(0)} ms, body ${(t.responseEnd - t.responseStart).toFixed(0)} ms, ${(size / 1e6).toFixed(2)} MB`);
      });
      await page.goto(url);
      await page.getByTestId(`open-${id}`).waitFor();
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
      const p0 = await page.evaluate(() => performance.now());
      const t0 = Date.now();
      await page.getByTestId(`open-${id}`).click();
      await page.waitForFunction(everyChartDrawn, undefined, { timeout: 60_000, polling: 'raf' });
      const total = Date.now() - t0;
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: { nodes: Node[]; samples: number[]; timeDeltas: number[] } };
      const marks = await page.evaluate((p) => [...performance.getEntriesByType('mark').map((m) => `${m.name} ${(m.startTime - p).toFixed(0)}`), ...performance.getEntriesByType('measure').map((m) => `${m.name.slice(0, 40)} ${(m.startTime - p).toFixed(0)}+${m.duration.toFixed(0)}`)], p0);
      const byNode = new Map<number, number>();
      profile.samples.forEach((n, i) => byNode.set(n, (byNode.get(n) ?? 0) + profile.timeDeltas[i] / 1000));
      const byFn = new Map<string, number>();
      for (const node of profile.nodes) {
        const ms = byNode.get(node.id) ?? 0;
        const f = node.callFrame;
        const key = `${f.functionName || '(anon)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber}`;
        byFn.set(key, (byFn.get(key) ?? 0) + ms);
      }
      const byFile = new Map<string, number>();
      for (const node of profile.nodes) {
        const key = node.callFrame.url.replace(/^.*\//, '') || node.callFrame.functionName;
        byFile.set(key, (byFile.get(key) ?? 0) + (byNode.get(node.id) ?? 0));
      }
      // Inclusive time of a few functions (outermost frames only).
      const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
      const parent = new Map<number, number>();
      for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
      const watched = (process.env.W2S_PROFILE_FNS ?? 'setOption,buildFigure,drawFigure,trajectories,gains,heatmap,normPuzzle,gainScatter,kappaFigure,decodeSeriesBundle,figureInputOf,resize,flowOverlay,refresh,flush').split(',');
      const inclusive = new Map<string, number>();
      for (const [nid, ms] of byNode) {
        const seen = new Set<string>();
        for (let cur: number | undefined = nid; cur !== undefined; cur = parent.get(cur)) {
          const name = nodes.get(cur)?.callFrame.functionName ?? '';
          if ((watched.includes(name) || process.env.W2S_PROFILE_ALL) && !seen.has(name)) {
            seen.add(name);
            inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
          }
        }
      }
      console.log('  inclusive:', [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 60).map(([k, v]) => `${k} ${v.toFixed(0)}`).join('; '));
      console.log(`\nrep ${rep}: click → all drawn ${total} ms; marks: ${marks.join(', ')}`);
      for (const r of requests) console.log(`  ${r}`);
      console.log('  by file:', [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${v.toFixed(0)}`).join('; '));
      for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${v.toFixed(1).padStart(7)} ms  ${k}`);
      await page.close();
    }
  } finally {
    await browser.close();
    server.kill('SIGTERM');
  }
}

void main();
