/**
 * The shell the renderer runs in, behind one interface: the desktop's (native dialogs, menu events,
 * from the preload's `window.lab.shell`) or the browser's (downloads and a file input; a browser
 * tab has no application menu). Views ask it to save files or open a bundle and never ask which.
 */
import type { Shell } from '../../../shared/shell';
import { saveFile } from '../download';

/** Read a File as base64 (what the LabApi's importBundle takes). */
async function base64Of(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  // In slices: String.fromCharCode with millions of arguments overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Let the user pick a file through a file input; null when the picker is cancelled. */
function pickFile(accept: string): Promise<File | null> {
  return new Promise((done) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = accept;
    input.dataset.testid = 'shell-file-input';
    input.style.display = 'none';
    const finish = (file: File | null) => {
      input.remove();
      done(file);
    };
    input.addEventListener('change', () => finish(input.files?.[0] ?? null));
    input.addEventListener('cancel', () => finish(null));
    document.body.append(input);
    input.click();
  });
}

export function browserShell(): Shell {
  return {
    name: 'browser',
    saveFiles: async ({ files }) => {
      for (const file of files) saveFile(file);
      return { paths: files.map((f) => f.fileName) };
    },
    openBundle: async () => {
      const file = await pickFile('.w2s');
      return file === null ? null : { fileName: file.name, data: await base64Of(file) };
    },
    onEvent: () => () => undefined,
  };
}

let shell: Shell | null = null;

export function useShell(): Shell {
  shell ??= window.lab?.shell ?? browserShell();
  return shell;
}
