/**
 * Output files of the commands: the format an `--out` name asks for, the checks made before any
 * work (so a missing folder is found before a figure is rendered), and atomic writes whose errors
 * name the user's file, never the temporary one beside it.
 */
import { accessSync, constants, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { UsageError } from './args';

/** What an export writes: a figure (`--figure`) or the data. */
export type OutputKind = 'figure' | 'data';

const FORMATS: Record<OutputKind, readonly string[]> = {
  figure: ['svg', 'pdf', 'png', 'csv', 'py', 'json'],
  data: ['csv', 'json', 'parquet'],
};

const list = (xs: readonly string[]) => `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;

/**
 * The format of an export: `--format` if given, else the extension of `--out` (`fig.pdf` → pdf),
 * else `fallback`. An extension that names a format must agree with `--format`; one that names
 * none (`.txt`) is fine beside `--format`, and an error without it.
 */
export function outputFormat(kind: OutputKind, out: string | undefined, given: string | undefined, fallback?: string): string {
  const formats = FORMATS[kind];
  if (given !== undefined && !formats.includes(given)) {
    throw new UsageError(kind === 'figure' ? `--format must be one of ${formats.join(', ')} for a figure (got '${given}')` : `--format must be ${list(formats)} (got '${given}')`);
  }
  const ext = out === undefined || out === '-' ? '' : extname(out).slice(1).toLowerCase();
  const other: OutputKind = kind === 'figure' ? 'data' : 'figure';
  if (ext !== '' && !formats.includes(ext) && FORMATS[other].includes(ext)) {
    throw new UsageError(
      kind === 'figure'
        ? `--out ${out}: .${ext} is not a figure format (${formats.join(', ')}); for the data as .${ext}, leave out --figure`
        : `--out ${out}: .${ext} is a figure's format: add --figure KIND (w2s export --help), or name a .${formats.join(', .')} file`,
    );
  }
  if (given !== undefined) {
    if (formats.includes(ext) && ext !== given) throw new UsageError(`--format ${given} but --out ${out} ends in .${ext}: drop one, or make them agree`);
    return given;
  }
  if (formats.includes(ext)) return ext;
  if (ext !== '') throw new UsageError(`cannot tell the format of --out ${out} from .${ext}: give --format ${formats.join('|')}, or end the name in .${formats.join(', .')}`);
  if (fallback !== undefined) return fallback;
  throw new UsageError(`--format is required (${list(formats)}), or end --out's name in .${formats.join(', .')}`);
}

/** A file can be written at `file`: its folder exists and takes files, and it is not itself a folder. Checked before any work. */
export function checkOutputFile(file: string): void {
  const folder = dirname(file);
  let isFolder: boolean;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    throw new UsageError(`cannot write ${file}: the folder ${folder} does not exist`);
  }
  if (!isFolder) throw new UsageError(`cannot write ${file}: ${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new UsageError(`cannot write ${file}: the folder ${folder} is not writable`);
  }
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`cannot write ${file}: it is a folder`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // absent: it will be created
  }
}

/** Why a write failed, in words, by its error code (the message would name the temporary file). */
function reason(error: unknown, file: string): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return `the folder ${dirname(file)} does not exist`;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `the folder ${dirname(file)} is not writable`;
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full';
    case 'EISDIR':
      return 'it is a folder';
    default:
      return code ?? String(error);
  }
}

/** Write through a temporary file, so that a failure never leaves half a file behind; errors name `file`. */
export function writeAtomically(file: string, content: string | Buffer): void {
  const temporary = `${file}.partial-${process.pid}`;
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, file);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // what could not be written cannot be removed either: the message below is what matters
    }
    throw new UsageError(`cannot write ${file}: ${reason(error, file)}`);
  }
}
