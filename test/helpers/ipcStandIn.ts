/** Stand-in for the parts of electron's ipcMain the desktop glue uses (Electron cannot start here). */
import { CHANNEL_CALL } from '../../src/shared/labApi';

export class IpcMainStandIn {
  readonly handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, handler: (event: never, ...args: never[]) => unknown): void {
    this.handlers.set(channel, handler as never);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What the preload's ipcRenderer.invoke does, from a frame at `url`. */
  invoke(url: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(CHANNEL_CALL);
    if (handler === undefined) throw new Error('no handler');
    return handler({ senderFrame: { url } }, ...args);
  }
}
