/**
 * The desktop shell: the run history shared with the CLI (history.ts), engine processes as
 * utility processes (cores − 1, so the UI stays responsive), the LabApi and the shell's dialogs over
 * IPC, the application menu, one sandboxed window on the renderer that remembers where it was, and
 * one instance per history file.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, type MenuItemConstructorOptions, screen, session, shell, utilityProcess } from 'electron';
import workerPath from '../worker/index?modulePath';
import { APP_VERSION } from '../shared/app';
import { SHELL_CHANNEL_EVENT, type MenuAction, type ShellEvent } from '../shared/shell';
import { Lab } from '../backend/lab';
import { LabApiService } from '../backend/labApi';
import { ENGINE_V8_FLAGS, EnginePool } from '../backend/pool';
import type { RunStore } from '../backend/store/store';
import { desktopHistoryFile, openDesktopHistory } from './history';
import { acquireInstanceLock, lockAddress, lockPlace } from './instanceLock';
import { forwardLabEvents, registerLabIpc, trustedSender } from './ipc';
import { bindMenu, menuTemplate, type ShellAction } from './menu';
import { registerShellIpc } from './shellIpc';
import { utilitySpawner } from './utilityEngine';
import { externalLinkAllowed, permissionAllowed } from './webSecurity';
import { placeWindow, readWindowState, WINDOW_STATE_FILE, writeWindowState } from './windowState';
import { errorMessage } from '../shared/errorMessage';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'";

/**
 * better-sqlite3 built for Electron's ABI (`npm run native:electron` on a machine that reaches
 * Electron's headers) is shipped next to the app; without it the Node build is tried.
 */
function nativeBinding(): string | undefined {
  const candidates = [
    join(process.resourcesPath ?? '', 'native', 'better_sqlite3.node'),
    join(__dirname, '..', '..', 'build', 'electron-native', 'better_sqlite3.node'),
  ];
  return candidates.find((file) => existsSync(file));
}

const historyFile = resolve(desktopHistoryFile());
const windowStateFile = join(app.getPath('userData'), WINDOW_STATE_FILE);
let mainWindow: BrowserWindow | null = null;

function createWindow(service: LabApiService): BrowserWindow {
  const workAreas = [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((d) => d.workArea);
  const place = placeWindow(readWindowState(windowStateFile), workAreas);
  const window = new BrowserWindow({
    x: place.x,
    y: place.y,
    width: place.width,
    height: place.height,
    show: false,
    title: 'W2S Lab',
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  window.once('ready-to-show', () => {
    if (place.maximized) window.maximize();
    window.show();
  });
  // Remember where it was: the normal bounds, so a maximized window comes back maximized over them.
  window.on('close', () => writeWindowState(windowStateFile, { ...window.getNormalBounds(), maximized: window.isMaximized() }));
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  forwardLabEvents(service, window.webContents);
  const devServer = process.env['ELECTRON_RENDERER_URL'];
  if (!app.isPackaged && devServer !== undefined) void window.loadURL(devServer);
  else void window.loadFile(join(__dirname, '../renderer/index.html'));
  mainWindow = window;
  return window;
}

function sendShellEvent(event: ShellEvent): void {
  if (mainWindow !== null && !mainWindow.webContents.isDestroyed()) mainWindow.webContents.send(SHELL_CHANNEL_EVENT, event);
}

/** Another history opens in its own instance (the lock brings an existing one forward instead). */
async function openHistoryFile(): Promise<void> {
  const answer = await dialog.showOpenDialog({ title: 'Open history file', filters: [{ name: 'W2S Lab history', extensions: ['sqlite', 'db'] }, { name: 'All files', extensions: ['*'] }], properties: ['openFile', 'promptToCreate'] });
  const file = answer.filePaths[0];
  if (answer.canceled || file === undefined || resolve(file) === historyFile) return;
  spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env: { ...process.env, W2S_DB: file }, detached: true, stdio: 'ignore' }).unref();
}

function onMenuAction(action: MenuAction | ShellAction): void {
  if (action === 'open-history') void openHistoryFile();
  else if (action === 'about') void dialog.showMessageBox({ type: 'info', title: 'About W2S Lab', message: `W2S Lab ${APP_VERSION}`, detail: `Run history: ${historyFile}` });
  else sendShellEvent({ type: 'menu', action });
}

function bringForward(): void {
  if (mainWindow === null) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

async function start(): Promise<void> {
  let lock: Awaited<ReturnType<typeof acquireInstanceLock>>;
  try {
    lock = await acquireInstanceLock(lockAddress(historyFile, lockPlace(app.getPath('userData'))), bringForward);
  } catch (error) {
    dialog.showErrorBox('W2S Lab cannot start', errorMessage(error));
    app.exit(1);
    return;
  }
  if (lock === null) {
    // The history is open in another instance, which is now in front.
    app.exit(0);
    return;
  }
  await app.whenReady();
  // For the dev server (http): a file:// page takes its policy from index.html's meta tag.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  const rendererFile = join(__dirname, '../renderer/index.html');
  const isTrustedSender = trustedSender(rendererFile, app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL']);
  // Every permission refused but the clipboard write of the app's own frame (Copy JSON), asked or checked.
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) => callback(permissionAllowed(permission, details.requestingUrl, isTrustedSender)));
  session.defaultSession.setPermissionCheckHandler((_contents, permission, _origin, details) => permissionAllowed(permission, details.requestingUrl, isTrustedSender));

  let store: RunStore;
  try {
    store = openDesktopHistory(historyFile, APP_VERSION, { nativeBinding: nativeBinding() });
    store.markInterrupted();
  } catch (error) {
    // A read-only, full or foreign file: say which and what to do, then stop (nothing was written).
    dialog.showErrorBox('W2S Lab cannot open its run history', errorMessage(error));
    lock.release();
    app.quit();
    return;
  }
  const workers = Math.max(1, availableParallelism() - 1);
  const pool = new EnginePool(
    utilitySpawner(() => utilityProcess.fork(workerPath, [], { serviceName: 'W2S Lab engine', stdio: 'inherit', execArgv: [...ENGINE_V8_FLAGS] })),
    workers,
  );
  const lab = new Lab(store, pool);
  // Experiments run from a terminal (`w2s run`) on the same history appear as they progress.
  const watch = lab.watchHistory();
  const service = new LabApiService(lab, { workers });
  registerLabIpc(ipcMain, service, { isTrustedSender });
  registerShellIpc(ipcMain, {
    isTrustedSender,
    defaultFolder: app.getPath('documents'),
    // Dialogs are modal to the window when there is one.
    dialogs: {
      showSaveDialog: (options) => (mainWindow === null ? dialog.showSaveDialog(options) : dialog.showSaveDialog(mainWindow, options)),
      showOpenDialog: (options) => (mainWindow === null ? dialog.showOpenDialog(options) : dialog.showOpenDialog(mainWindow, options)),
    },
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(bindMenu(menuTemplate({ appName: 'W2S Lab', platform: process.platform, packaged: app.isPackaged }), onMenuAction) as MenuItemConstructorOptions[]));
  createWindow(service);

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(service);
  });
  app.on('will-quit', () => {
    lock.release();
    watch.stop();
    pool.close();
    store.close();
  });
}

// Every renderer sandboxed, whatever its webPreferences say (checklist item 4).
app.enableSandbox();

// Every webContents (the window, and any a page might make): no <webview>, no navigation away from
// the app, no new windows; only the allow-listed links open, in the system browser.
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (externalLinkAllowed(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

void start();
