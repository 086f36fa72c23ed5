/**
 * The desktop app's run history: the same file as the CLI's and `w2s serve`'s ($W2S_DB, else
 * ~/.w2s-lab/lab.sqlite), so experiments run from a terminal show in the app and the other way
 * round. No Electron import here: the tests check this choice without Electron.
 */
import { homedir } from 'node:os';
import { defaultHistoryFile, HistoryFileError, historyFileProblem, openHistory } from '../backend/historyFile';
import type { RunStore, StoreOptions } from '../backend/store/store';
import { errorMessage } from '../shared/errorMessage';

/** How a desktop user points the app at another history (File → Open history file… sets it for the instance it starts). */
export const DESKTOP_ELSEWHERE = '$W2S_DB (set it to another file and start W2S Lab again)';

export function desktopHistoryFile(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return defaultHistoryFile(env, home);
}

/** Open the desktop's history; a file that cannot be used is a HistoryFileError of one line for a dialog. */
export function openDesktopHistory(file: string, appVersion: string, options: StoreOptions = {}): RunStore {
  try {
    return openHistory(file, appVersion, DESKTOP_ELSEWHERE, options);
  } catch (error) {
    if (error instanceof HistoryFileError) throw error;
    throw new HistoryFileError(file, historyFileProblem(file, error, DESKTOP_ELSEWHERE) ?? `cannot open the run history ${file}: ${errorMessage(error)}`);
  }
}
