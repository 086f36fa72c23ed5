/**
 * The preload exposes `window.lab` (the typed LabApi) and nothing else: calls go through one IPC
 * channel and their inputs and outputs are validated against the contract on this side too.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { APP_NAME, APP_VERSION } from '../shared/app';
import { CHANNEL_CALL, CHANNEL_EVENT, type IpcReply, type LabApi, LabCallError, LabEventSchema, type LabEventMessage, makeLabApi } from '../shared/labApi';

const api: LabApi = makeLabApi(
  async (method, input) => {
    const reply = (await ipcRenderer.invoke(CHANNEL_CALL, method, input)) as IpcReply;
    if (!reply.ok) throw new LabCallError(reply.status, reply.message);
    return reply.value;
  },
  (listener: (event: LabEventMessage) => void) => {
    const handler = (_event: unknown, message: unknown) => {
      const parsed = LabEventSchema.safeParse(message);
      if (parsed.success) listener(parsed.data);
    };
    ipcRenderer.on(CHANNEL_EVENT, handler);
    return () => {
      ipcRenderer.removeListener(CHANNEL_EVENT, handler);
    };
  },
);

const lab = Object.freeze({ ...api, app: Object.freeze({ name: APP_NAME, version: APP_VERSION }) });
contextBridge.exposeInMainWorld('lab', lab);

export type LabBridge = typeof lab;
