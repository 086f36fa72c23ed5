/**
 * The `electron` module for the built main bundle (out/main) run under plain Node, in tests only
 * (register.cjs maps `require('electron')` here). Electron's binary cannot run on these machines, so:
 *
 * - a BrowserWindow is a page of Debian's Chromium (started with a DevTools port, which the test
 *   attaches to with playwright-core as well), and the built preload runs in it before the renderer
 *   with `contextBridge` and `ipcRenderer` emulated;
 * - ipcMain/ipcRenderer are one in-process channel: a page binding whose caller's frame URL becomes
 *   `event.senderFrame.url`, so the main process's sender checks see what Electron would show them;
 * - utilityProcess.fork is child_process.fork;
 * - app, dialog, Menu, session, shell and screen record what they are asked.
 *
 * The test drives it over the fork's IPC channel: it receives every record, queues dialog answers,
 * clicks menu items, moves the window and asks the app to quit (an instance without that channel
 * writes its records to W2S_SHIM_DIR/records-PID.jsonl and quits on SIGTERM). Env: W2S_SHIM_DIR (its scratch
 * folder), W2S_SHIM_USER_DATA (app.getPath('userData')).
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { decodeClone, encodeClone } from './codec';

const CHROMIUM = '/usr/bin/chromium';
const SCRATCH = process.env['W2S_SHIM_DIR'] ?? '';
if (SCRATCH === '') throw new Error('the electron shim needs W2S_SHIM_DIR');
const DISPLAY = { x: 0, y: 0, width: 1440, height: 900 };

/** Everything the shim is asked goes to the test. */
export type ShimRecord = { kind: string; detail?: unknown };
function record(kind: string, detail?: unknown): void {
  const plain = detail === undefined ? undefined : (JSON.parse(JSON.stringify(detail)) as unknown);
  if (process.send !== undefined) process.send({ type: 'record', kind, detail: plain });
  // An instance the app started itself (Open history file…) has no channel to the test: a file named by its pid.
  else appendFileSync(join(SCRATCH, `records-${process.pid}.jsonl`), `${JSON.stringify({ kind, detail: plain })}\n`);
}

// ——— Chromium, started once per process, on the first window ———

let chromiumProcess: ChildProcess | null = null;
let browser: Promise<Browser> | null = null;

function startBrowser(): Promise<Browser> {
  browser ??= (async () => {
    // One profile per process: Chromium hands a second launch on a profile to the first.
    const profile = join(SCRATCH, `chromium-profile-${process.pid}`);
    mkdirSync(profile, { recursive: true });
    const child = spawn(
      CHROMIUM,
      [
        '--headless=new',
        '--remote-debugging-port=0',
        `--user-data-dir=${profile}`,
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // Electron's file:// is privileged: the renderer's module scripts load from it.
        '--allow-file-access-from-files',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    chromiumProcess = child;
    const endpoint = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(text);
        if (m !== null) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`chromium exited with ${code}: ${text}`)));
    });
    record('chromium', { endpoint });
    return chromium.connectOverCDP(endpoint);
  })();
  return browser;
}

process.on('exit', () => chromiumProcess?.kill('SIGKILL'));

// ——— ipcMain and the page side of ipcRenderer ———

type InvokeEvent = { senderFrame: { url: string }; sender: WebContents };
type Handler = (event: InvokeEvent, ...args: unknown[]) => unknown;

class IpcMain extends EventEmitter {
  private readonly handlers = new Map<string, Handler>();
  handle(channel: string, handler: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
    record('ipcMain.handle', { channel });
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What Electron does for ipcRenderer.invoke: the handler's value, or its error as a rejection. */
  async invoke(channel: string, event: InvokeEvent, args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  }
}
export const ipcMain = new IpcMain();

/** The page's `require('electron')` for the preload: contextBridge and ipcRenderer over the binding. */
function pageElectron(encode: (v: unknown) => unknown, decode: (v: unknown) => unknown): void {
  const w = globalThis as unknown as Record<string, unknown>;
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  // Looked up at call time: Playwright installs the binding with its own init script.
  const invoke = (channel: string, args: unknown) => (w['__w2sShimInvoke'] as (c: string, a: unknown) => Promise<{ ok: boolean; value?: unknown; message?: string }>)(channel, args);
  w['__w2sShimEmit'] = (channel: string, args: unknown) => {
    for (const l of listeners.get(channel) ?? []) l({ sender: null }, ...(decode(args) as unknown[]));
  };
  w['__w2sShimElectron'] = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => Object.defineProperty(globalThis, key, { value: api, enumerable: true, writable: false, configurable: false }),
    },
    ipcRenderer: {
      invoke: async (channel: string, ...args: unknown[]) => {
        const reply = await invoke(channel, encode(args));
        if (!reply.ok) throw new Error(`Error invoking remote method '${channel}': ${reply.message}`);
        return decode(reply.value);
      },
      on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)?.add(listener);
      },
      removeListener: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => listeners.get(channel)?.delete(listener),
    },
  };
}

// ——— windows ———

interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

class WebContents extends EventEmitter {
  private destroyed = false;
  /** Sends in order, once the page exists. */
  private queue: Promise<unknown>;
  constructor(readonly page: Promise<Page>) {
    super();
    this.queue = page;
  }
  send(channel: string, ...args: unknown[]): void {
    const encoded = encodeClone(args);
    this.queue = this.queue.then(async () => {
      const page = await this.page;
      await page.evaluate(([c, a]) => (globalThis as unknown as { __w2sShimEmit?: (c: string, a: unknown) => void }).__w2sShimEmit?.(c, a), [channel, encoded] as const).catch(() => undefined);
    });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
    record('webContents.setWindowOpenHandler', { set: typeof handler === 'function' });
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
}

const windows = new Set<BrowserWindow>();

export class BrowserWindow extends EventEmitter {
  readonly webContents: WebContents;
  private bounds: Bounds;
  private maximized = false;
  private readonly preload: string;

  static getAllWindows(): BrowserWindow[] {
    return [...windows];
  }

  constructor(options: { x?: number; y?: number; width?: number; height?: number; webPreferences?: { preload?: string } } & Record<string, unknown>) {
    super();
    record('BrowserWindow', options);
    this.bounds = { x: options.x ?? 0, y: options.y ?? 0, width: options.width ?? 800, height: options.height ?? 600 };
    this.preload = options.webPreferences?.preload ?? '';
    windows.add(this);
    this.webContents = new WebContents(this.openPage());
    app.emit('web-contents-created', { preventDefault: () => undefined }, this.webContents);
  }

  private async openPage(): Promise<Page> {
    const context = (await startBrowser()).contexts()[0];
    const page = await context.newPage();
    await page.setViewportSize({ width: this.bounds.width, height: this.bounds.height });
    await page.exposeBinding('__w2sShimInvoke', async (source, channel: string, args: unknown) => {
      try {
        const value = await ipcMain.invoke(channel, { senderFrame: { url: source.frame.url() }, sender: this.webContents }, decodeClone(args) as unknown[]);
        return { ok: true, value: encodeClone(value) };
      } catch (error) {
        return { ok: false, message: (error as Error).message };
      }
    });
    // As source text (the page's CSP allows no eval): `var __name` stands in for the helper that
    // esbuild's keepNames leaves in compiled functions.
    await page.addInitScript({ content: `var __name = (f) => f;\n(${pageElectron.toString()})(${encodeClone.toString()}, ${decodeClone.toString()});` });
    // The built preload as Electron's sandboxed preload runs it: CommonJS with only `electron` to require.
    if (this.preload !== '') {
      const source = readFileSync(this.preload, 'utf8');
      await page.addInitScript(`(function (require, module, exports) {\n${source}\n})((name) => { if (name === 'electron') return window.__w2sShimElectron; throw new Error('a sandboxed preload cannot require ' + name); }, { exports: {} }, {});`);
    }
    page.on('load', () => this.emit('ready-to-show'));
    return page;
  }

  async loadFile(file: string): Promise<void> {
    record('BrowserWindow.loadFile', { file });
    await (await this.webContents.page).goto(pathToFileURL(file).href);
  }
  async loadURL(url: string): Promise<void> {
    record('BrowserWindow.loadURL', { url });
    await (await this.webContents.page).goto(url);
  }
  show(): void {
    record('BrowserWindow.show');
  }
  focus(): void {
    record('BrowserWindow.focus');
  }
  restore(): void {
    record('BrowserWindow.restore');
  }
  isMinimized(): boolean {
    return false;
  }
  maximize(): void {
    this.maximized = true;
    record('BrowserWindow.maximize');
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  getBounds(): Bounds {
    return { ...this.bounds };
  }
  getNormalBounds(): Bounds {
    return { ...this.bounds };
  }
  /** What a user dragging the window's edges does; the page's viewport follows. */
  setBounds(bounds: Bounds): void {
    this.bounds = { ...bounds };
    void this.webContents.page.then((page) => page.setViewportSize({ width: bounds.width, height: bounds.height })).catch(() => undefined);
  }
  /** Electron's order: close (may write state), then the page goes, then closed. */
  async close(): Promise<void> {
    this.emit('close', { preventDefault: () => undefined });
    windows.delete(this);
    await (await this.webContents.page).close().catch(() => undefined);
    this.webContents.destroy();
    this.emit('closed');
  }
}

// ——— app ———

class App extends EventEmitter {
  readonly isPackaged = false;
  enableSandbox(): void {
    record('app.enableSandbox');
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  getPath(name: string): string {
    if (name === 'userData') return process.env['W2S_SHIM_USER_DATA'] ?? join(SCRATCH, 'userData');
    if (name === 'documents') return join(SCRATCH, 'documents');
    return join(SCRATCH, name);
  }
  getAppPath(): string {
    return process.cwd();
  }
  focus(): void {
    record('app.focus');
  }
  /** Electron's quit: close the windows, then will-quit and quit, then the process ends. */
  quit(): void {
    record('app.quit');
    void (async () => {
      this.emit('before-quit');
      for (const window of [...windows]) await window.close();
      this.emit('will-quit', { preventDefault: () => undefined });
      this.emit('quit');
      await shutdown(0);
    })();
  }
  exit(code = 0): void {
    record('app.exit', { code });
    void shutdown(code);
  }
}
export const app = new App();

async function shutdown(code: number): Promise<void> {
  if (browser !== null) await (await browser).close().catch(() => undefined);
  chromiumProcess?.kill('SIGTERM');
  process.exit(code);
}

// ——— the rest of the main-process API, recording ———

/** A dialog answers what the test queued, else a save goes under the scratch folder and an open is cancelled. */
const dialogAnswers: Record<string, unknown[]> = { showSaveDialog: [], showOpenDialog: [] };
const withoutWindow = (args: unknown[]): Record<string, unknown> => (args.length > 1 ? args[1] : args[0]) as Record<string, unknown>;

export const dialog = {
  showSaveDialog: async (...args: unknown[]) => {
    const options = withoutWindow(args);
    record('dialog.showSaveDialog', { ...options, modal: args.length > 1 });
    const saved = join(SCRATCH, 'saved');
    mkdirSync(saved, { recursive: true });
    return dialogAnswers['showSaveDialog'].shift() ?? { canceled: false, filePath: join(saved, basename(String(options['defaultPath']))) };
  },
  showOpenDialog: async (...args: unknown[]) => {
    record('dialog.showOpenDialog', { ...withoutWindow(args), modal: args.length > 1 });
    return dialogAnswers['showOpenDialog'].shift() ?? { canceled: true, filePaths: [] };
  },
  showMessageBox: async (...args: unknown[]) => {
    record('dialog.showMessageBox', withoutWindow(args));
    return { response: 0, checkboxChecked: false };
  },
  showErrorBox: (title: string, content: string) => record('dialog.showErrorBox', { title, content }),
};

type MenuItem = { label?: string; role?: string; type?: string; accelerator?: string; click?: () => void; submenu?: MenuItem[] };
let applicationMenu: { items: MenuItem[] } | null = null;
const strip = (items: MenuItem[]): unknown[] => items.map(({ click, submenu, ...rest }) => ({ ...rest, ...(click === undefined ? {} : { click: true }), ...(submenu === undefined ? {} : { submenu: strip(submenu) }) }));

export const Menu = {
  buildFromTemplate: (template: MenuItem[]) => ({ items: template }),
  setApplicationMenu: (menu: { items: MenuItem[] } | null) => {
    applicationMenu = menu;
    record('Menu.setApplicationMenu', menu === null ? null : strip(menu.items));
  },
};

function clickMenu(path: string[]): boolean {
  let items = applicationMenu?.items ?? [];
  let item: MenuItem | undefined;
  for (const label of path) {
    item = items.find((i) => i.label === label);
    items = item?.submenu ?? [];
  }
  if (item?.click === undefined) return false;
  item.click();
  return true;
}

type PermissionCheck = (contents: unknown, permission: string, origin: string, details: { requestingUrl?: string; isMainFrame: boolean }) => boolean;
type PermissionRequest = (contents: unknown, permission: string, callback: (granted: boolean) => void, details: { requestingUrl: string; isMainFrame: boolean }) => void;
const permissionHandlers: { check: PermissionCheck | null; request: PermissionRequest | null } = { check: null, request: null };

export const session = {
  defaultSession: {
    webRequest: { onHeadersReceived: () => record('session.webRequest.onHeadersReceived') },
    setPermissionRequestHandler: (handler: PermissionRequest) => {
      permissionHandlers.request = handler;
      record('session.setPermissionRequestHandler');
    },
    setPermissionCheckHandler: (handler: PermissionCheck) => {
      permissionHandlers.check = handler;
      record('session.setPermissionCheckHandler');
    },
  },
};

/** What the session's handlers answer for a permission a page at `url` asks for (check, then request, as Chromium does). */
function askPermission(permission: string, url: string): void {
  const origin = url.startsWith('file:') ? 'file:///' : new URL(url).origin;
  const check = permissionHandlers.check?.(null, permission, origin, { requestingUrl: url, isMainFrame: true }) ?? true;
  let request: boolean | null = null;
  permissionHandlers.request?.(null, permission, (granted) => (request = granted), { requestingUrl: url, isMainFrame: true });
  record('permission.answered', { permission, url, check, request: request ?? 'no handler' });
}

export const shell = { openExternal: async (url: string) => record('shell.openExternal', { url }) };

export const screen = {
  getPrimaryDisplay: () => ({ id: 1, bounds: DISPLAY, workArea: DISPLAY }),
  getAllDisplays: () => [screen.getPrimaryDisplay()],
};

/** Electron's utility process as a forked Node process (the worker speaks both). */
export const utilityProcess = {
  fork: (modulePath: string, args: string[], options: { execArgv?: string[]; serviceName?: string } = {}) => {
    record('utilityProcess.fork', { modulePath, serviceName: options.serviceName });
    const child = fork(modulePath, args, { execArgv: options.execArgv ?? [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const wrapper = Object.assign(new EventEmitter(), {
      pid: child.pid,
      postMessage: (message: unknown) => child.send(message as never),
      kill: () => child.kill('SIGKILL'),
    });
    child.on('message', (message) => wrapper.emit('message', message));
    child.on('exit', (code) => wrapper.emit('exit', code ?? 1));
    return wrapper;
  },
};

// ——— the test's controls ———

type Control =
  | { type: 'click-menu'; path: string[] }
  | { type: 'window-open'; url: string }
  | { type: 'navigate'; url: string }
  | { type: 'permission'; permission: string; url: string }
  | { type: 'dialog-answer'; method: 'showSaveDialog' | 'showOpenDialog'; answer: unknown }
  | { type: 'set-bounds'; bounds: Bounds }
  | { type: 'quit' };

process.on('message', (message: Control) => {
  switch (message.type) {
    case 'click-menu':
      return record('menu.clicked', { path: message.path, found: clickMenu(message.path) });
    case 'dialog-answer':
      dialogAnswers[message.method].push(message.answer);
      return record('dialog.queued', { method: message.method });
    case 'set-bounds':
      for (const window of windows) window.setBounds(message.bounds);
      return record('window.moved', message.bounds);
    case 'window-open':
      // What Electron asks a webContents' handler when its page calls window.open or follows a target=_blank link.
      for (const window of windows) record('window-open.answered', { url: message.url, action: window.webContents.windowOpenHandler?.({ url: message.url }).action ?? 'no handler' });
      return;
    case 'navigate': {
      // What Electron emits before a page navigates its frame elsewhere.
      for (const window of windows) {
        let prevented = false;
        window.webContents.emit('will-navigate', { url: message.url, preventDefault: () => (prevented = true) }, message.url);
        record('navigate.answered', { url: message.url, prevented });
      }
      return;
    }
    case 'permission':
      return askPermission(message.permission, message.url);
    case 'quit':
      return app.quit();
  }
});
process.on('SIGTERM', () => app.quit());
// Electron's main process logs an unhandled rejection and goes on; Node would exit.
process.on('unhandledRejection', (reason) => {
  record('unhandledRejection', { reason: String(reason) });
  process.stderr.write(`electron shim: unhandled rejection in the main process: ${String(reason)}\n`);
});
// The test's channel closing means the test is gone: do not outlive it.
process.on('disconnect', () => app.quit());

export default { app, BrowserWindow, dialog, ipcMain, Menu, screen, session, shell, utilityProcess };
