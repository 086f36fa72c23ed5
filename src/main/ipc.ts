/**
 * The LabApi over Electron IPC (VS Code's shape: one `call` channel returning a promise, one
 * `event` channel streaming to the window). Only the app's own frames may call; every input is
 * validated by the service, every error crosses as { status, message }.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { CHANNEL_CALL, CHANNEL_EVENT, type IpcReply, LabRequestError } from '../shared/labApi';
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
      if (error instanceof LabRequestError) return { ok: false, status: error.status, message: error.message };
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

/** The app's own origins: the packaged renderer's files, or the dev server in development. */
export function trustedSender(rendererFile: string, devServer: string | undefined): (url: string) => boolean {
  const fileUrl = `file://${rendererFile.replace(/\\/g, '/')}`;
  return (url) => url === fileUrl || url.startsWith(`${fileUrl}#`) || (devServer !== undefined && url.startsWith(devServer));
}
