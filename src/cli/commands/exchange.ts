/**
 * w2s export ID [--format csv|json|parquet] [--out FILE] [--db FILE]   (with --figure: commands/figure.ts)
 *   the format from --format, else from FILE's extension
 *   parquet: two files, the series (FILE, default w2s-ID-series.parquet) and the per-teacher
 *   summary beside it (FILE with -teachers for -series, else FILE-teachers.parquet)
 * w2s bundle ID FILE [--db FILE]
 * w2s import FILE [--db FILE]
 */
import { parseArgs } from 'node:util';
import { BundleError, readBundleFile } from '../../backend/exchange';
import { parquetFileName } from '../../backend/parquet';
import { LabRequestError } from '../../shared/labApi';
import { figureExportCommand } from './figure';
import { databasePath, experimentId, stringifyReadable, UsageError } from '../args';
import { checkOutputFile, outputFormat, writeAtomically } from '../files';
import { withCommands } from '../session';
import { errorMessage } from '../../shared/errorMessage';

export function exportCommand(args: string[]): number | Promise<number> {
  if (args.some((a) => a === '--figure' || a.startsWith('--figure='))) return figureExportCommand(args);
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string' }, out: { type: 'string', short: 'o' }, db: { type: 'string' } } });
  const id = experimentId(positionals[0], 'export');
  // From --format, else --out's extension (results.csv → csv).
  const format = outputFormat('data', values.out, values.format);
  if (format === 'parquet') return parquetExport(id, values.out, values.db);
  if (values.out !== undefined && values.out !== '-') checkOutputFile(values.out);
  return withCommands(databasePath(values.db), (commands) => {
    const text = format === 'csv' ? commands.exportCsv(id) : `${stringifyReadable(commands.exportJson(id))}\n`;
    if (values.out === undefined) process.stdout.write(text);
    else writeAtomically(values.out, text);
    return 0;
  });
}

/** The per-teacher file beside the series file. */
export function teachersFileName(seriesFile: string): string {
  return /-series\.parquet$/i.test(seriesFile) ? seriesFile.replace(/-series\.parquet$/i, '-teachers.parquet') : `${seriesFile.replace(/\.parquet$/i, '')}-teachers.parquet`;
}

async function parquetExport(id: number, out: string | undefined, db: string | undefined): Promise<number> {
  if (out === '-') throw new UsageError('--out - cannot take a parquet export (two binary files): give a file name');
  const seriesFile = out ?? parquetFileName(id, 'series');
  const teachersFile = out === undefined ? parquetFileName(id, 'teachers') : teachersFileName(out);
  checkOutputFile(seriesFile);
  checkOutputFile(teachersFile);
  return withCommands(databasePath(db), async (commands) => {
    writeAtomically(seriesFile, await commands.exportParquet(id, 'series'));
    writeAtomically(teachersFile, await commands.exportParquet(id, 'teachers'));
    process.stdout.write(`${seriesFile}\n${teachersFile}\n`);
    return 0;
  });
}

export function bundleCommand(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { db: { type: 'string' } } });
  const id = experimentId(positionals[0], 'bundle');
  const file = positionals[1];
  if (file === undefined) throw new UsageError('bundle needs an output file: w2s bundle ID FILE');
  checkOutputFile(file);
  return withCommands(databasePath(values.db), (commands) => {
    writeAtomically(file, commands.bundle(id));
    process.stdout.write(`experiment ${id} bundled into ${file}\n`);
    return 0;
  });
}

export async function importCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { db: { type: 'string' } } });
  const file = positionals[0];
  if (file === undefined) throw new UsageError('import needs a bundle file: w2s import FILE');
  let bytes: Buffer;
  try {
    bytes = readBundleFile(file);
  } catch (error) {
    if (error instanceof BundleError) throw new UsageError(`${file}: ${error.message}; nothing was imported`);
    throw new UsageError(`cannot read ${file}: ${errorMessage(error)}`);
  }
  return withCommands(databasePath(values.db), async (commands) => {
    try {
      process.stdout.write(`${await commands.importBundle(bytes)}\n`);
      return 0;
    } catch (error) {
      // A bundle that fails its checks (400): this command names the file.
      if (error instanceof LabRequestError && error.status === 400) throw new UsageError(`${file}: ${error.message}; nothing was imported`);
      throw error;
    }
  });
}
