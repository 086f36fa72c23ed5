/**
 * The LabApi over Electron IPC (VS Code's shape: one `call` channel returning a promise, one
 * `event` channel streaming to the window). Only the app's own frames may call; every input is
 * validated by the service, every error crosses as { status, message } (and a refused spec's
 * errors by field, as over HTTP).
 */
import { posix, win32 } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { CHANNEL_CALL, CHANNEL_EVENT, type IpcReply, LabRequestError, refusalBody } from '../shared/labApi';
import type { LabApiService } from '../backend/labApi';

export interface IpcOptions {
  /** True for frames of the app itself (file:// of the built renderer, or the dev server). */
  isTrustedSender(url: string): boolean;
}

/** Register the LabApi handlers; returns a function that removes them. */
export function registerLabIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, service: LabApiService, options: IpcOptions): () => void {
  ipcMain.handle(CHANNEL_CALL, async (event: IpcMainInvokeEvent, method: unknown, input: unknown): Promise<IpcReply> => {
    const url = event.senderFrame?.url ?? '';
    if (!options.isTrustedSender(url)) return { ok: false, status: 403, message: `untrusted sender ${url}` };
    if (typeof method !== 'string') return { ok: false, status: 400, message: 'method must be a string' };
    try {
      return { ok: true, value: await service.handle(method, input) };
    } catch (error) {
      if (error instanceof LabRequestError) {
        const { error: message, errors } = refusalBody(error);
        return { ok: false, status: error.status, message, ...(errors === undefined ? {} : { errors }) };
      }
      return { ok: false, status: 500, message: error instanceof Error ? error.message : String(error) };
    }
  });
  return () => ipcMain.removeHandler(CHANNEL_CALL);
}

/** Forward lab events to a window until it is destroyed. */
export function forwardLabEvents(
  service: LabApiService,
  contents: { send(channel: string, ...args: unknown[]): void; isDestroyed(): boolean; once(event: 'destroyed', listener: () => void): unknown },
): () => void {
  const stop = service.onEvent((event) => {
    if (!contents.isDestroyed()) contents.send(CHANNEL_EVENT, event);
  });
  contents.once('destroyed', stop);
  return stop;
}

/**
 * The app's own frames: the packaged renderer's index.html (any route in its hash), or the dev
 * server's origin in development. Chromium reports a frame's URL percent-encoded, with forward
 * slashes and a drive letter on Windows (`file:///C:/Program%20Files/W2S%20Lab/…`), so the file is
 * compared as a URL (`pathToFileURL`), and, should Chromium escape a character differently from
 * Node, as the path that URL names. `platform` chooses the path rules (tests pass 'win32').
 */
export function trustedSender(rendererFile: string, devServer: string | undefined, platform: NodeJS.Platform = process.platform): (url: string) => boolean {
  const windows = platform === 'win32';
  const paths = windows ? win32 : posix;
  const own = pathToFileURL(paths.resolve(rendererFile), { windows }).href;
  const comparable = (file: string) => (windows ? paths.normalize(file).toLowerCase() : paths.normalize(file));
  const ownFile = comparable(fileURLToPath(own, { windows }));
  const devOrigin = devServer === undefined ? null : httpOrigin(devServer);
  return (url) => {
    let sender: URL;
    try {
      sender = new URL(url);
    } catch {
      return false;
    }
    if (devOrigin !== null && sender.origin === devOrigin) return true;
    if (sender.protocol !== 'file:' || sender.search !== '') return false;
    sender.hash = '';
    if (sender.href === own) return true;
    try {
      return comparable(fileURLToPath(sender, { windows })) === ownFile;
    } catch {
      // A host other than this machine, or an encoded slash: not the app's file.
      return false;
    }
  };
}

/** An http(s) URL's origin ('null' for file: URLs would match every file: don't). */
function httpOrigin(url: string): string | null {
  const parsed = new URL(url);
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
}
