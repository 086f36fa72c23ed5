/**
 * `w2s serve` serves the built UI. A checkout builds it on install (`prepare`); when the build is
 * missing or older than the sources (a `git pull` since, or an install with --ignore-scripts),
 * serve builds it first with a progress line, so `npx w2s serve` always shows the current lab.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './args';

/** The newest modification time (ms) of any file under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Why the renderer build in `outDir` must be (re)made, or null when it is current. */
export function rendererBuildNeeded(root: string, outDir: string): string | null {
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) return 'not built yet';
  const src = join(root, 'src');
  if (existsSync(src) && newestMtime(src) > statSync(index).mtimeMs) return 'the sources changed since it was built';
  return null;
}

/** Build the app (main, preload, renderer) into root/out with electron-vite, or say what to do. */
export function ensureRendererBuilt(root: string, outDir: string, log: (line: string) => void): void {
  const reason = rendererBuildNeeded(root, outDir);
  if (reason === null) return;
  let electronVite: string;
  try {
    electronVite = join(require.resolve('electron-vite/package.json', { paths: [root] }), '..', 'bin', 'electron-vite.js');
  } catch {
    throw new UsageError(`the lab's UI is ${reason} and electron-vite is not installed to build it: run \`npm ci\` in ${root}, or pass --renderer DIR`);
  }
  log(`building the lab's UI (${reason}; a few seconds)…`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [electronVite, 'build', '--logLevel', 'warn'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new UsageError(`building the lab's UI failed: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' ')}`);
  log(`built the lab's UI in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
