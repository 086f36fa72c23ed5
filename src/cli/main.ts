/**
 * `w2s`: the command line over the same core as the app.
 */
import { APP_NAME, APP_VERSION } from '../shared/app';
import { isParseArgsError, joinNegativeNumbers, UsageError } from './args';
import type * as CollectCommand from './commands/collect';
import type * as ExchangeCommands from './commands/exchange';
import type * as HistoryCommands from './commands/history';
import type * as RunCommands from './commands/run';
import type * as SearchCommand from './commands/search';
import type * as ServeCommand from './commands/serve';
import type * as ShardCommand from './commands/shard';
import type * as SweepCommand from './commands/sweep';
import type * as TheoryCommand from './commands/theory';
import { historyProblemLine } from './session';
import { asksHelp, commandUsage, USAGE } from './usage';
import { errorMessage } from '../shared/errorMessage';

type Command = (args: string[]) => number | Promise<number>;

/*
 * A command's module is loaded when it runs: `w2s list` does without the figure exporters (ECharts,
 * PDF, PNG), which took most of its second of start-up. (tsx's require hook, under which `w2s`
 * runs, loads TypeScript through require, not import().)
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const exchange = () => require('./commands/exchange') as typeof ExchangeCommands;
const history = () => require('./commands/history') as typeof HistoryCommands;
const runs = () => require('./commands/run') as typeof RunCommands;
const COMMANDS: Record<string, () => Command> = {
  run: () => runs().runCommand,
  resume: () => runs().resumeCommand,
  search: () => (require('./commands/search') as typeof SearchCommand).searchCommand,
  list: () => history().listCommand,
  show: () => history().showCommand,
  cancel: () => history().cancelCommand,
  theory: () => (require('./commands/theory') as typeof TheoryCommand).theoryCommand,
  serve: () => (require('./commands/serve') as typeof ServeCommand).serveCommand,
  export: () => exchange().exportCommand,
  bundle: () => exchange().bundleCommand,
  import: () => exchange().importCommand,
  sweep: () => (require('./commands/sweep') as typeof SweepCommand).sweepCommand,
  shard: () => (require('./commands/shard') as typeof ShardCommand).shardCommand,
  collect: () => (require('./commands/collect') as typeof CollectCommand).collectCommand,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === '--version' || command === 'version') {
      process.stdout.write(`${APP_NAME} ${APP_VERSION}\n`);
      return 0;
    }
    if (command === undefined || command === '--help' || command === '-h' || (command === 'help' && rest.length === 0)) {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    // `w2s help export` as `w2s export --help`.
    const [name, args] = command === 'help' ? [rest[0], ['--help']] : [command, rest];
    const handler = COMMANDS[name];
    if (handler === undefined) throw new UsageError(`unknown command '${name}' (${Object.keys(COMMANDS).join(', ')}; --help)`);
    // Before the command parses anything or opens the history.
    if (asksHelp(args)) {
      process.stdout.write(commandUsage(name));
      return 0;
    }
    return await handler()(joinNegativeNumbers(args));
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      // One line, whatever the message quotes (a JSON parser's message can hold newlines).
      process.stderr.write(`w2s: ${errorMessage(error).replace(/\s*\n\s*/g, ' ')}\n`);
      return 2;
    }
    // The history file failed later (a full disk mid-command): one line naming it.
    const problem = historyProblemLine(error);
    if (problem !== null) {
      process.stderr.write(`w2s: ${problem}\n`);
      return 2;
    }
    throw error;
  }
}
