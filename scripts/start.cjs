#!/usr/bin/env node
// `npm start`: the desktop app where Electron can start; where it cannot (no Electron binary, as
// on build machines), the same lab in the browser through `w2s serve`, opening the default browser
// when there is a display. Flags after `--` go to `w2s serve` (e.g. `npm start -- --port 8080`).
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const root = join(__dirname, '..');

/**
 * The Electron binary's path, or null when the npm package has none (its download never ran).
 * Looked up by hand: require('electron') would try to download the binary.
 */
function electronBinary() {
  try {
    const dir = dirname(require.resolve('electron/package.json'));
    const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
    const pathFile = join(dir, 'path.txt');
    const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
    if (name === null) return null;
    const binary = join(override ?? join(dir, 'dist'), name);
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** The command that opens a URL in the default browser, or null without a display. */
function browserOpener(url) {
  if (process.platform === 'darwin') return ['open', [url]];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""', url]];
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return null;
  return ['xdg-open', [url]];
}

function forwardSignals(child) {
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
}

const electron = electronBinary();
if (electron !== null) {
  // The desktop shell runs the built bundles (out/, made by `npm ci`'s prepare step).
  if (!existsSync(join(root, 'out', 'main', 'index.js'))) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  forwardSignals(spawn(electron, ['.', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' }));
} else {
  process.stdout.write('Electron cannot start here (its binary is not installed): serving the lab for your browser instead (w2s serve).\n');
  const serve = spawn(process.execPath, [join(root, 'bin', 'w2s.cjs'), 'serve', ...process.argv.slice(2)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let opened = false;
  serve.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    const m = /W2S Lab on (http:\/\/\S+)/.exec(chunk.toString());
    if (m === null || opened) return;
    opened = true;
    const opener = browserOpener(m[1]);
    if (opener === null) return;
    const child = spawn(opener[0], opener[1], { stdio: 'ignore', detached: true });
    child.on('error', () => process.stdout.write(`could not open a browser (${opener[0]}): open the URL above yourself\n`));
    child.unref();
  });
  forwardSignals(serve);
}
