/**
 * Start the built desktop app (out/main/index.js) under Node with `electron` resolved to the shim,
 * and attach playwright-core to its window. The records the shim sends (what app, dialog, Menu and
 * BrowserWindow were asked) are collected in order.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { ShimRecord } from './electronShim';

export interface DesktopOptions {
  /** The electron-vite build (main, preload, renderer). */
  readonly outDir: string;
  /** The run history: both as $W2S_DB and as userData/lab.sqlite, so it is found either way. */
  readonly userData: string;
  /** The shim's scratch folder (Chromium profile, default save-dialog answers). */
  readonly scratch: string;
}

export class Desktop {
  readonly records: ShimRecord[] = [];
  private browser: Browser | null = null;
  private readonly arrivals = new EventEmitter();
  readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    child.on('message', (message: { type: string } & ShimRecord) => {
      if (message.type !== 'record') return;
      this.records.push({ kind: message.kind, detail: message.detail });
      this.arrivals.emit('record');
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static launch(options: DesktopOptions): Desktop {
    const root = join(__dirname, '..', '..', '..');
    const child = fork(join(options.outDir, 'main', 'index.js'), [], {
      cwd: root,
      execArgv: ['--require', join(__dirname, 'register.cjs')],
      env: {
        ...process.env,
        W2S_DB: join(options.userData, 'lab.sqlite'),
        W2S_SHIM_USER_DATA: options.userData,
        W2S_SHIM_DIR: options.scratch,
        // The bundle is outside the checkout: its packages (better-sqlite3, playwright-core) come from here.
        NODE_PATH: join(root, 'node_modules'),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Desktop(child);
  }

  /** Every record of a kind so far. */
  all(kind: string): unknown[] {
    return this.records.filter((r) => r.kind === kind).map((r) => r.detail);
  }

  /** The `count`-th record of `kind`, once the shim has sent it (rejects if the app exits first). */
  next(kind: string, count = 1): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.all(kind);
        if (found.length < count) return;
        this.arrivals.off('record', check);
        resolve(found[count - 1]);
      };
      this.arrivals.on('record', check);
      void this.exited.then((code) => {
        this.arrivals.off('record', check);
        if (this.all(kind).length < count) reject(new Error(`the app exited (${code}) before recording ${kind} ×${count}`));
      });
      check();
    });
  }

  /** The app's window, once its renderer has loaded (the shim's ready-to-show shows it). */
  async window(): Promise<Page> {
    const { endpoint } = (await this.next('chromium')) as { endpoint: string };
    await this.next('BrowserWindow.show');
    this.browser ??= await chromium.connectOverCDP(endpoint);
    const page = this.browser.contexts()[0].pages().find((p) => p.url().startsWith('file:'));
    if (page === undefined) throw new Error('no window');
    return page;
  }

  send(message: unknown): void {
    this.child.send(message as never);
  }

  /** Click a menu item by its labels, as the user would; resolves once the shim has clicked it. */
  async clickMenu(...path: string[]): Promise<void> {
    const before = this.all('menu.clicked').length;
    this.send({ type: 'click-menu', path });
    expect(await this.next('menu.clicked', before + 1)).toEqual({ path, found: true });
  }

  /** The next save or open dialog answers this. */
  async answerDialog(method: 'showSaveDialog' | 'showOpenDialog', answer: unknown): Promise<void> {
    const before = this.all('dialog.queued').length;
    this.send({ type: 'dialog-answer', method, answer });
    await this.next('dialog.queued', before + 1);
  }

  /** Quit through the app (windows close, state is written, engines stop); the exit code. */
  async quit(): Promise<number | null> {
    await this.browser?.close().catch(() => undefined);
    if (this.child.connected) this.send({ type: 'quit' });
    return this.exited;
  }
}
