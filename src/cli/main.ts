/**
 * `w2s`: the command line over the same core as the app.
 *   w2s run SPEC.json --out SUMMARY.json [--workers N]
 *   w2s theory --student-cos C --student-norm R --teacher-cos CT --kappa K --beta B [--json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { runKeys } from '../engine/experiment';
import { parseSpec, resolvePath } from '../engine/spec';
import { theory } from '../engine/theory';
import { EnginePool, forkSpawner } from '../main/core/pool';
import { runExperiment } from '../main/core/runExperiment';
import { ProgressReporter } from './progress';
import { APP_NAME, APP_VERSION } from '../shared/app';

const USAGE = `usage:
  w2s run SPEC.json --out SUMMARY.json [--workers N]
      every teacher × learning rate of the experiment across N engine processes (default: cores)
  w2s theory --student-cos C --student-norm R --teacher-cos CT --kappa K --beta B [--json]
      T1, T2 and d cos/dt at t = 0 (SPEC §6) and the theorem's two conditions
  w2s --version | --help`;

/** A usage error: printed as one line, exit code 2. */
class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest);
      case 'theory':
        return theoryCommand(rest);
      case '--version':
      case 'version':
        process.stdout.write(`${APP_NAME} ${APP_VERSION}\n`);
        return 0;
      case undefined:
      case '--help':
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}' (run, theory)`);
    }
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      process.stderr.write(`w2s: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

function integerFlag(value: string | undefined, flag: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be an integer in [${min}, ${max}] (got '${value}')`);
  return n;
}

function numberFlag(value: string | undefined, flag: string, range: string, ok: (x: number) => boolean): number {
  if (value === undefined) throw new UsageError(`--${flag} is required: a number ${range}`);
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`--${flag} must be a number ${range} (got '${value}')`);
  return n;
}

async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string', short: 'o' }, workers: { type: 'string', short: 'w' } },
  });
  if (positionals.length !== 1) throw new UsageError('run takes one spec file: w2s run SPEC.json --out SUMMARY.json');
  if (values.out === undefined) throw new UsageError('run needs --out SUMMARY.json');
  const workers = integerFlag(values.workers, 'workers', 1, 256, availableParallelism());
  const file = positionals[0];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = parseSpec(document);
  if (!parsed.ok) throw new UsageError(`${file}: invalid spec: ${parsed.errors.join('; ')}`);
  const spec = parsed.spec;
  const runs = runKeys(spec).length;
  const path = resolvePath(spec);
  process.stderr.write(`${spec.name ?? file}: ${runs} runs × ${spec.sft.steps} steps on the ${path} path, ${workers} engine processes\n`);

  const started = Date.now();
  const progress = new ProgressReporter(process.stderr, 'w2s run');
  const pool = new EnginePool(forkSpawner(), Math.min(workers, runs));
  let result;
  try {
    result = await runExperiment(spec, pool, (p) => progress.update(p.fraction, `${p.runsDone}/${p.runsTotal} runs`));
  } finally {
    pool.close();
  }
  const elapsedSeconds = (Date.now() - started) / 1000;
  const document_ = {
    app: { name: APP_NAME, version: APP_VERSION },
    createdAt: new Date().toISOString(),
    elapsedSeconds,
    workers,
    ...result.summary,
    failures: result.failures,
  };
  writeFileSync(values.out, `${stringifyReadable(document_)}\n`);
  const s = result.summary;
  progress.finish(
    `${runs} runs in ${elapsedSeconds.toFixed(1)} s: ${(100 * s.fractionImproved).toFixed(1)} % of teachers improved the student, ` +
      `gain ${s.gainMean.toFixed(4)} ± ${s.gainStd.toFixed(4)} (cos); summary in ${values.out}`,
  );
  if (result.failures.length > 0) {
    process.stderr.write(`${result.failures.length} runs failed; first: ${result.failures[0].message}\n`);
    return 1;
  }
  return 0;
}

function theoryCommand(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      'student-cos': { type: 'string' },
      'student-norm': { type: 'string' },
      'teacher-cos': { type: 'string' },
      kappa: { type: 'string' },
      beta: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const input = {
    studentCos: numberFlag(values['student-cos'], 'student-cos', 'in (-1, 1)', (x) => x > -1 && x < 1),
    studentNorm: numberFlag(values['student-norm'], 'student-norm', '> 0', (x) => x > 0),
    teacherCos: numberFlag(values['teacher-cos'], 'teacher-cos', 'in [-1, 1]', (x) => x >= -1 && x <= 1),
    kappa: numberFlag(values.kappa, 'kappa', 'in [-1, 1]', (x) => x >= -1 && x <= 1),
    beta: numberFlag(values.beta, 'beta', '> 0', (x) => x > 0),
  };
  const r = theory(input);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ input, ...r, conditions: { ...r.conditions, kappaThreshold: finiteOrString(r.conditions.kappaThreshold) } }, null, 2)}\n`);
    return 0;
  }
  const yes = (b: boolean) => (b ? 'holds' : 'fails');
  process.stdout.write(
    [
      `T1   = ${r.T1.toPrecision(8)}   (learning the teacher's knowledge of w*)`,
      `T2   = ${r.T2.toPrecision(8)}   (unlearning the student's own error orthogonal to w*)`,
      `rate = ${r.rate.toPrecision(8)}   d cos/dt at t = 0 = T1 + T2`,
      `condition 1, teacher beats chance (c_T > 0): ${yes(r.conditions.teacherBeatsChance)}`,
      `condition 2, kappa < tan(theta)/tan(theta_T) = ${r.conditions.kappaThreshold.toPrecision(6)}: ${yes(r.conditions.errorsNotTooAligned)}`,
      `prediction: the student ${r.improves ? 'improves' : 'does not improve'} at t = 0`,
    ].join('\n') + '\n',
  );
  return 0;
}

/** JSON indented for reading, with arrays of numbers kept on one line each. */
function stringifyReadable(value: unknown): string {
  return JSON.stringify(value, null, 1).replace(/\[\s*(-?[\d.eE+-]+|null)(\s*,\s*(-?[\d.eE+-]+|null))*\s*\]/g, (m) => m.replace(/\s+/g, ''));
}

function finiteOrString(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}
