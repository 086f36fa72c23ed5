/**
 * The shell contract: what the renderer asks of whatever hosts it (the desktop app or a browser tab
 * on `w2s serve`), beside the LabApi. The renderer asks to save files it was given and to open a
 * bundle; the desktop answers with native dialogs, the browser with downloads and a file input.
 * Menu actions come back as shell events. Over Electron IPC every input is validated here, on both
 * sides, and a bad one is refused with its field named.
 */
import { z } from 'zod';
import { MENU_ACTIONS } from './commands';
import { ExportFileSchema } from './figureExport';

/** Electron IPC channels of the shell (apart from the LabApi's, so neither can reach the other). */
export const SHELL_CHANNEL_CALL = 'shell:call';
export const SHELL_CHANNEL_EVENT = 'shell:event';

/** Menu actions the renderer carries out: the commands with a menu entry (commands.ts; the others, like About, are the shell's own). */
export { MENU_ACTIONS, type MenuAction } from './commands';

export const ShellEventSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('menu'), action: z.enum(MENU_ACTIONS) })]);
export type ShellEvent = z.output<typeof ShellEventSchema>;

/** What the files are: it picks the dialog's title and filters. */
export const SAVE_PURPOSES = ['figure', 'data'] as const;
export type SavePurpose = (typeof SAVE_PURPOSES)[number];

/** A plain file name: no folder, so a renderer can never choose where a file lands. */
const baseName = z
  .string()
  .min(1)
  .max(255)
  .refine((s) => !/[/\\]/.test(s) && s !== '.' && s !== '..' && !s.includes('\0'), { message: 'must be a file name without a folder' });

const SaveFileSchema = ExportFileSchema.extend({ fileName: baseName });

/** 256 MB of base64: a bundle of a large sweep fits, a runaway does not. */
const MAX_BASE64 = 256 * 1024 * 1024;

export const SHELL_METHODS = {
  /**
   * Save files the backend made. The first is the one the user places (a save dialog in the
   * desktop); the others (a figure's sidecar, the per-teacher table) go beside it, named after it
   * when they share its stem. `paths` is empty when the user cancels.
   */
  saveFiles: {
    input: z
      .object({
        purpose: z.enum(SAVE_PURPOSES, { error: `must be one of ${SAVE_PURPOSES.join(', ')}` }),
        files: z.array(SaveFileSchema).min(1).max(4),
      })
      .strict(),
    output: z.object({ paths: z.array(z.string()) }),
  },
  /** Let the user pick a bundle; its bytes as base64, or null when cancelled. */
  openBundle: {
    input: z.object({}).strict(),
    output: z.object({ fileName: z.string(), data: z.string().max(MAX_BASE64) }).nullable(),
  },
} as const;

export type ShellMethod = keyof typeof SHELL_METHODS;
export type ShellInput<M extends ShellMethod> = z.input<(typeof SHELL_METHODS)[M]['input']>;
export type ShellOutput<M extends ShellMethod> = z.output<(typeof SHELL_METHODS)[M]['output']>;

export function isShellMethod(name: unknown): name is ShellMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(SHELL_METHODS, name);
}

/** Each issue as `field: message`, so a refusal names what was wrong. */
function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(input)'}: ${i.message}`).join('; ');
}

export function parseShellInput<M extends ShellMethod>(method: M, input: unknown): z.output<(typeof SHELL_METHODS)[M]['input']> {
  const r = SHELL_METHODS[method].input.safeParse(input);
  if (!r.success) throw new RangeError(`${method}: ${describe(r.error)}`);
  return r.data as z.output<(typeof SHELL_METHODS)[M]['input']>;
}

export function parseShellOutput<M extends ShellMethod>(method: M, output: unknown): ShellOutput<M> {
  const r = SHELL_METHODS[method].output.safeParse(output);
  if (!r.success) throw new Error(`${method}: the shell answered outside the contract: ${describe(r.error)}`);
  return r.data as ShellOutput<M>;
}

/** The shell as the renderer sees it, in either host. */
export interface Shell {
  readonly name: 'desktop' | 'browser';
  saveFiles(input: ShellInput<'saveFiles'>): Promise<ShellOutput<'saveFiles'>>;
  openBundle(): Promise<ShellOutput<'openBundle'>>;
  onEvent(listener: (event: ShellEvent) => void): () => void;
}

/**
 * Where the other files go when the first lands at `chosen`: beside it, and renamed with the chosen
 * stem when they start with the first's suggested stem (`fig.svg` → `fig.svg.meta.json`).
 */
export function companionName(firstSuggested: string, chosenBase: string, companion: string): string {
  const stem = (name: string) => name.replace(/\.[^.]*$/, '');
  const from = stem(firstSuggested);
  return companion.startsWith(`${from}.`) ? `${stem(chosenBase)}${companion.slice(from.length)}` : companion;
}
