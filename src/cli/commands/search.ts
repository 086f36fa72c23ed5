/**
 * w2s search SPEC.json --axis PATH --from A --to B --target T --level L [--tolerance T]
 *   [--max-replicates N] [--json] [--workers N] [--db FILE] [--checkpoint-seconds S]
 */
import { parseArgs } from 'node:util';
import { SEARCH_AXES, SEARCH_TARGETS, type SearchTarget } from '../../engine/search';
import { databasePath, integerFlag, numberFlag, UsageError } from '../args';
import { defaultWorkers, withLab } from '../session';
import { fmt, printSearch } from '../searchOutput';
import { checkpointMs, readDocument } from './run';

const OPTIONS = {
  axis: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  target: { type: 'string' },
  level: { type: 'string' },
  tolerance: { type: 'string' },
  'max-replicates': { type: 'string' },
  json: { type: 'boolean' },
  workers: { type: 'string', short: 'w' },
  db: { type: 'string' },
  'checkpoint-seconds': { type: 'string' },
} as const;

export async function searchCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  if (positionals.length !== 1) throw new UsageError('search takes one spec file: w2s search SPEC.json --axis PATH --from A --to B --target T --level L');
  const axis = values.axis;
  if (axis === undefined || !Object.hasOwn(SEARCH_AXES, axis)) throw new UsageError(`--axis must be one of ${Object.keys(SEARCH_AXES).join(', ')} (got '${axis ?? ''}')`);
  const target = values.target;
  if (target === undefined || !(SEARCH_TARGETS as readonly string[]).includes(target)) throw new UsageError(`--target must be one of ${SEARCH_TARGETS.join(', ')} (got '${target ?? ''}')`);
  const from = numberFlag(values.from, 'from', '(the first end of the range)', () => true);
  const to = numberFlag(values.to, 'to', `> --from = ${from}`, (x) => x > from);
  const level = numberFlag(values.level, 'level', '(the level whose crossing is searched for)', () => true);
  const tolerance = values.tolerance === undefined ? undefined : numberFlag(values.tolerance, 'tolerance', `in (0, ${to - from}]`, (x) => x > 0 && x <= to - from);
  const maxReplicates = integerFlag(values['max-replicates'], 'max-replicates', 1, 1000, 8);
  const workers = integerFlag(values.workers, 'workers', 1, 256, defaultWorkers());
  const document = readDocument(positionals[0]);
  const file = databasePath(values.db);
  const search = { axis, from, to, target: target as SearchTarget, level, maxReplicates, ...(tolerance === undefined ? {} : { tolerance }) };
  return withLab(file, workers, checkpointMs(values['checkpoint-seconds']), async (commands) => {
    // The search's own fields are checked with the spec (errors name search.level, …).
    const id = commands.startSearch(document, search);
    process.stderr.write(`experiment ${id} (${file}): search for ${target} = ${level} along ${axis} in [${from}, ${to}]\n`);
    const result = await commands.runSearch(id, (step) => process.stderr.write(`  next: ${axis} = ${fmt(step.value)}, replicate ${step.replicate}\n`));
    process.stderr.write(`experiment ${id}: w2s show ${id}\n`);
    return printSearch(result, axis, target, values.json === true);
  });
}
