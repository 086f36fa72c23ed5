/// <reference types="electron-vite/node" />
/**
 * The preload exposes `window.lab` (the typed LabApi as `lab.call`, answering with its reply as a
 * value; and `lab.shell`: dialogs and menu events) and nothing else: calls go through one IPC channel each and their inputs and outputs are validated
 * against the contracts on this side too.
 */
// First: the contracts' schemas are built by the imports below.
import '../shared/jitless';
import { contextBridge, ipcRenderer } from 'electron';
import { APP_NAME, APP_VERSION } from '../shared/app';
import { CHANNEL_CALL, CHANNEL_EVENT, fieldErrorsOf, type IpcReply, type LabApi, labBridge, LabCallError, LabEventSchema, type LabEventMessage, makeLabApi } from '../shared/labApi';
import { parseShellInput, parseShellOutput, type Shell, SHELL_CHANNEL_CALL, SHELL_CHANNEL_EVENT, type ShellEvent, ShellEventSchema, type ShellMethod } from '../shared/shell';

/** Listen on a channel, passing on only messages that match the schema. */
function listen<T>(channel: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, listener: (message: T) => void): () => void {
  const handler = (_event: unknown, message: unknown) => {
    const parsed = schema.safeParse(message);
    if (parsed.success) listener(parsed.data);
  };
  ipcRenderer.on(channel, handler);
  return () => {
    ipcRenderer.removeListener(channel, handler);
  };
}

async function invoke(channel: string, method: string, input: unknown): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(channel, method, input)) as IpcReply;
  if (!reply.ok) throw new LabCallError(reply.status, reply.message, fieldErrorsOf(reply.errors));
  return reply.value;
}

const api: LabApi = makeLabApi(
  (method, input) => invoke(CHANNEL_CALL, method, input),
  (listener: (event: LabEventMessage) => void) => listen(CHANNEL_EVENT, LabEventSchema, listener),
);

// Across the context bridge as replies, not thrown errors (shared/labApi.ts: labBridge).
const bridged = labBridge(api);

const callShell = async <M extends ShellMethod>(method: M, input: unknown) => parseShellOutput(method, await invoke(SHELL_CHANNEL_CALL, method, parseShellInput(method, input)));

const shell: Shell = Object.freeze({
  name: 'desktop' as const,
  saveFiles: (input: Parameters<Shell['saveFiles']>[0]) => callShell('saveFiles', input),
  openBundle: () => callShell('openBundle', {}),
  onEvent: (listener: (event: ShellEvent) => void) => listen(SHELL_CHANNEL_EVENT, ShellEventSchema, listener),
});

const lab = Object.freeze({ ...bridged, shell, app: Object.freeze({ name: APP_NAME, version: APP_VERSION }) });
contextBridge.exposeInMainWorld('lab', lab);

export type LabBridge = typeof lab;
