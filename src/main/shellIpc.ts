/**
 * The shell's requests over Electron IPC: save the files the renderer was given where the user says
 * in a native save dialog, and read the bundle the user picks in a native open dialog. The renderer
 * names no path: only the dialogs do. Only the app's own frames may call; every input is validated
 * against the shell contract, and a bad one is refused with its field named. No Electron import
 * (the dialogs are passed in), so this is tested as it is.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { IpcReply } from '../shared/labApi';
import { companionName, isShellMethod, parseShellInput, parseShellOutput, SHELL_CHANNEL_CALL, type SavePurpose, type ShellMethod, type ShellOutput } from '../shared/shell';

/** The parts of Electron's dialog module used here, without the window argument. */
export interface Dialogs {
  showSaveDialog(options: { title: string; defaultPath: string; filters: { name: string; extensions: string[] }[] }): Promise<{ canceled: boolean; filePath?: string }>;
  showOpenDialog(options: { title: string; filters: { name: string; extensions: string[] }[]; properties: 'openFile'[] }): Promise<{ canceled: boolean; filePaths: string[] }>;
}

export interface ShellIpcOptions {
  isTrustedSender(url: string): boolean;
  dialogs: Dialogs;
  /** Where save dialogs start (the user's documents). */
  defaultFolder: string;
}

const FORMAT_NAMES: Record<string, string> = {
  svg: 'SVG image',
  pdf: 'PDF document',
  png: 'PNG image',
  csv: 'CSV table',
  py: 'Python script',
  json: 'JSON',
  parquet: 'Parquet table',
};

/** The file's own extension first, then "All files". */
function filtersFor(fileName: string): { name: string; extensions: string[] }[] {
  const ext = extname(fileName).slice(1).toLowerCase();
  const own = ext === '' ? [] : [{ name: FORMAT_NAMES[ext] ?? ext.toUpperCase(), extensions: [ext] }];
  return [...own, { name: 'All files', extensions: ['*'] }];
}

function writeAtomically(path: string, bytes: Buffer): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}

const TITLES: Record<SavePurpose, string> = { figure: 'Export figure', data: 'Save data for analysis' };

async function handleShell(method: ShellMethod, input: unknown, options: ShellIpcOptions): Promise<ShellOutput<ShellMethod>> {
  if (method === 'saveFiles') {
    const { purpose, files } = parseShellInput('saveFiles', input);
    const [first, ...others] = files;
    const answer = await options.dialogs.showSaveDialog({ title: TITLES[purpose], defaultPath: join(options.defaultFolder, first.fileName), filters: filtersFor(first.fileName) });
    if (answer.canceled || answer.filePath === undefined || answer.filePath === '') return { paths: [] };
    const chosen = answer.filePath;
    const paths = [chosen, ...others.map((file) => join(dirname(chosen), companionName(first.fileName, basename(chosen), file.fileName)))];
    files.forEach((file, i) => writeAtomically(paths[i], Buffer.from(file.data, file.encoding)));
    return { paths };
  }
  parseShellInput('openBundle', input);
  const answer = await options.dialogs.showOpenDialog({ title: 'Import bundle', filters: [{ name: 'W2S Lab bundle', extensions: ['w2s'] }, { name: 'All files', extensions: ['*'] }], properties: ['openFile'] });
  const path = answer.filePaths[0];
  if (answer.canceled || path === undefined) return null;
  return { fileName: basename(path), data: readFileSync(path).toString('base64') };
}

/** Register the shell's handler; returns a function that removes it. */
export function registerShellIpc(
  ipcMain: { handle(channel: string, handler: (event: { senderFrame?: { url: string } | null }, ...args: unknown[]) => unknown): void; removeHandler(channel: string): void },
  options: ShellIpcOptions,
): () => void {
  ipcMain.handle(SHELL_CHANNEL_CALL, async (event, method: unknown, input: unknown): Promise<IpcReply> => {
    const url = event.senderFrame?.url ?? '';
    if (!options.isTrustedSender(url)) return { ok: false, status: 403, message: `untrusted sender ${url}` };
    if (!isShellMethod(method)) return { ok: false, status: 404, message: `no such shell method '${String(method)}'` };
    try {
      return { ok: true, value: parseShellOutput(method, await handleShell(method, input, options)) };
    } catch (error) {
      if (error instanceof RangeError) return { ok: false, status: 400, message: error.message };
      return { ok: false, status: 500, message: error instanceof Error ? error.message : String(error) };
    }
  });
  return () => ipcMain.removeHandler(SHELL_CHANNEL_CALL);
}
