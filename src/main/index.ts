/**
 * The desktop shell: the run history shared with the CLI (history.ts), engine processes as utility processes (cores − 1,
 * so the UI stays responsive), the LabApi over IPC, and one sandboxed window on the renderer.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, session, shell, utilityProcess } from 'electron';
import workerPath from '../worker/index?modulePath';
import { APP_VERSION } from '../shared/app';
import { Lab } from '../backend/lab';
import { LabApiService } from '../backend/labApi';
import { ENGINE_V8_FLAGS, EnginePool } from '../backend/pool';
import type { RunStore } from '../backend/store/store';
import { desktopHistoryFile, openDesktopHistory } from './history';
import { forwardLabEvents, registerLabIpc, trustedSender } from './ipc';
import { utilitySpawner } from './utilityEngine';

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

function createWindow(service: LabApiService): void {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
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
  window.once('ready-to-show', () => window.show());
  // No navigation away from the app and no new windows: https links open in the system browser.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https:')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  forwardLabEvents(service, window.webContents);
  const devServer = process.env['ELECTRON_RENDERER_URL'];
  if (!app.isPackaged && devServer !== undefined) void window.loadURL(devServer);
  else void window.loadFile(join(__dirname, '../renderer/index.html'));
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));

  let store: RunStore;
  try {
    store = openDesktopHistory(desktopHistoryFile(), APP_VERSION, { nativeBinding: nativeBinding() });
    store.markInterrupted();
  } catch (error) {
    // A read-only, full or foreign file: say which and what to do, then stop (nothing was written).
    dialog.showErrorBox('W2S Lab cannot open its run history', (error as Error).message);
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
  const rendererFile = join(__dirname, '../renderer/index.html');
  registerLabIpc(ipcMain, service, { isTrustedSender: trustedSender(rendererFile, app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL']) });
  createWindow(service);

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(service);
  });
  app.on('will-quit', () => {
    watch.stop();
    pool.close();
    store.close();
  });
});

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
