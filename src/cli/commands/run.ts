/**
 * w2s run SPEC.json [--out SUMMARY.json] [--workers N] [--db FILE]
 * w2s resume ID [--out SUMMARY.json] [--workers N] [--db FILE]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runCount } from '../../engine/grid';
import { resolvePath } from '../../engine/spec';
import { isRandomFeaturesSpec } from '../../engine/randomFeatures/spec';
import { randomFeaturesResult } from '../randomFeaturesShow';
import { type ExperimentRecord, type LabCommands, validSpec } from '../../backend/labCommands';
import { LabRequestError } from '../../shared/labApi';
import { APP_NAME, APP_VERSION } from '../../shared/app';
import { databasePath, experimentId, integerFlag, UsageError } from '../args';
import { checkOutputFile } from '../files';
import { writeReadableJson } from '../readableJson';
import { printSearch } from '../searchOutput';
import { ProgressReporter } from '../progress';
import { defaultWorkers, withLab } from '../session';
import { errorMessage } from '../../shared/errorMessage';

const OPTIONS = {
  out: { type: 'string', short: 'o' },
  workers: { type: 'string', short: 'w' },
  db: { type: 'string' },
  'checkpoint-seconds': { type: 'string' },
} as const;

export function checkpointMs(value: string | undefined): number {
  if (value === undefined) return 3000;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0.05 || n > 3600) throw new UsageError(`--checkpoint-seconds must be a number in [0.05, 3600] (got '${value}')`);
  return n * 1000;
}

/** A spec file's JSON document, unvalidated (a usage error naming the file when it cannot be read or parsed). */
export function readDocument(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${errorMessage(error)}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${errorMessage(error)}`);
  }
  return document;
}

export function readSpec(file: string) {
  const document = readDocument(file);
  try {
    return validSpec(document);
  } catch (error) {
    if (error instanceof LabRequestError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}

/** Follow an experiment to its end with a progress bar; write the summary; the exit code. */
async function follow(commands: LabCommands, id: number, out: string | undefined, workers: number, started: number): Promise<number> {
  const progress = new ProgressReporter(process.stderr, `w2s #${id}`);
  const unsubscribe = commands.on((event) => {
    if (event.type === 'progress' && event.experimentId === id) progress.update(event.fraction, `${event.runsDone}/${event.runsTotal} runs`);
  });
  let record: ExperimentRecord;
  try {
    record = await commands.finished(id);
  } finally {
    unsubscribe();
  }
  const elapsedSeconds = (Date.now() - started) / 1000;
  const failures = commands.failures(id);
  const summary = out === undefined ? null : commands.summary(id);
  if (out !== undefined && summary !== null) {
    const document = { app: { name: APP_NAME, version: APP_VERSION }, experimentId: id, createdAt: record.createdAt, elapsedSeconds, workers, ...summary, failures };
    writeReadableJson(out, document);
  }
  const s = record.summary;
  const where = out === undefined ? `w2s show ${id}` : out;
  const result =
    s === null
      ? 'no summary'
      : s.randomFeatures !== undefined
        ? randomFeaturesResult(s.randomFeatures)
        : `${(100 * s.fractionImproved).toFixed(1)} % of teachers improved the student, gain ${s.gainMean.toFixed(4)} ± ${s.gainStd.toFixed(4)} (cos)`;
  progress.finish(`experiment ${id} ${record.status} in ${elapsedSeconds.toFixed(1)} s: ${result}; summary in ${where}`);
  process.stdout.write(`${id}\n`);
  if (failures.length > 0) process.stderr.write(`${failures.length} runs failed; first: ${failures[0].message}\n`);
  return record.status === 'done' ? 0 : 1;
}

export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  if (positionals.length !== 1) throw new UsageError('run takes one spec file: w2s run SPEC.json [--out SUMMARY.json]');
  const workers = integerFlag(values.workers, 'workers', 1, 256, defaultWorkers());
  const spec = readSpec(positionals[0]);
  // Before a run of minutes: its summary must have somewhere to go.
  if (values.out !== undefined) checkOutputFile(values.out);
  const file = databasePath(values.db);
  const started = Date.now();
  return withLab(file, workers, checkpointMs(values['checkpoint-seconds']), async (commands) => {
    const id = commands.submit(spec);
    const runs = runCount(spec);
    process.stderr.write(`experiment ${id} (${file}): ${runs} runs × ${spec.sft.steps} steps ${isRandomFeaturesSpec(spec) ? 'of random features' : `on the ${resolvePath(spec)} path`}, ${workers} engine processes\n`);
    return follow(commands, id, values.out, workers, started);
  });
}

/** Whether experiment `id` is a search (a missing one is a usage error naming the history). */
function isSearch(commands: LabCommands, id: number, file: string): boolean {
  try {
    return commands.isSearch(id);
  } catch (error) {
    if (error instanceof LabRequestError && error.status === 404) throw new UsageError(`${error.message} in ${file}`);
    throw error;
  }
}

export async function resumeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  if (positionals.length !== 1) throw new UsageError('resume takes one experiment id: w2s resume ID');
  const id = experimentId(positionals[0], 'resume');
  const workers = integerFlag(values.workers, 'workers', 1, 256, defaultWorkers());
  if (values.out !== undefined) checkOutputFile(values.out);
  const file = databasePath(values.db);
  const started = Date.now();
  return withLab(file, workers, checkpointMs(values['checkpoint-seconds']), async (commands) => {
    if (isSearch(commands, id, file)) {
      const { search } = commands.experiment(id).spec;
      process.stderr.write(`experiment ${id} (${file}): continuing the search from its stored points, ${workers} engine processes\n`);
      const result = await commands.resumeSearch(id);
      return printSearch(result, search?.axis ?? '', search?.target ?? '', false);
    }
    let left: number;
    try {
      left = commands.runsLeft(id);
      commands.resume(id);
    } catch (error) {
      // The history's file is this command's to name.
      if (error instanceof LabRequestError && error.status === 404) throw new UsageError(`${error.message} in ${file}`);
      throw error;
    }
    process.stderr.write(`experiment ${id} (${file}): resuming ${left} runs from their checkpoints, ${workers} engine processes\n`);
    return follow(commands, id, values.out, workers, started);
  });
}
