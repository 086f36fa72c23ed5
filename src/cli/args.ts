/** Flag parsing shared by the commands: every bad value names the flag and its allowed range. */
import { defaultHistoryFile } from '../backend/historyFile';

/** A usage error: printed as one line, exit code 2. */
export class UsageError extends Error {}

/**
 * `--kappa -0.7`: node's parseArgs takes "-0.7" for an option. Join a flag and a following
 * negative number into `--kappa=-0.7` so that negative values read as users write them.
 */
export function joinNegativeNumbers(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (/^--[\w-]+$/.test(args[i]) && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else {
      out.push(args[i]);
    }
  }
  return out;
}

export function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

export function integerFlag(value: string | undefined, flag: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} must be an integer in [${min}, ${max}] (got '${value}')`);
  }
  return n;
}

export function numberFlag(value: string | undefined, flag: string, range: string, ok: (x: number) => boolean): number {
  if (value === undefined) throw new UsageError(`--${flag} is required: a number ${range}`);
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`--${flag} must be a number ${range} (got '${value}')`);
  return n;
}

/** An experiment id argument. */
export function experimentId(value: string | undefined, command: string): number {
  if (value === undefined) throw new UsageError(`${command} needs an experiment id (see w2s list)`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`experiment id must be a positive integer (got '${value}')`);
  return n;
}

/** The run history file: --db, else $W2S_DB, else ~/.w2s-lab/lab.sqlite. */
export function databasePath(flag: string | undefined): string {
  if (flag !== undefined && flag.trim() === '') throw new UsageError("--db must name a file (got '')");
  return flag ?? defaultHistoryFile();
}

/** JSON indented for reading, with arrays of numbers kept on one line each. */
export function stringifyReadable(value: unknown): string {
  return JSON.stringify(value, null, 1).replace(/\[\s*(-?[\d.eE+-]+|null)(\s*,\s*(-?[\d.eE+-]+|null))*\s*\]/g, (m) => m.replace(/\s+/g, ''));
}
