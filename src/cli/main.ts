/**
 * `w2s`: the command line over the same core as the app.
 */
import { APP_NAME, APP_VERSION } from '../shared/app';
import { isParseArgsError, joinNegativeNumbers, UsageError } from './args';
import type * as CollectCommand from './commands/collect';
import type * as ExchangeCommands from './commands/exchange';
import type * as HistoryCommands from './commands/history';
import type * as RunCommands from './commands/run';
import type * as ServeCommand from './commands/serve';
import type * as ShardCommand from './commands/shard';
import type * as SweepCommand from './commands/sweep';
import type * as TheoryCommand from './commands/theory';
import { historyProblemLine } from './session';

const USAGE = `usage:
  w2s run SPEC.json [--out SUMMARY.json] [--workers N] [--db FILE] [--checkpoint-seconds S]
      store a new experiment and run every teacher × learning rate across N engine processes
      (default: the number of cores), checkpointing every S seconds (3); prints its id;
      --out also writes the summary JSON
  w2s resume ID [--out SUMMARY.json] [--workers N] [--db FILE]
      continue an interrupted or cancelled experiment from its checkpoints
  w2s list [--json] [--db FILE]          the run history
  w2s show ID [--json] [--db FILE]       one experiment and its summary
  w2s cancel ID [--db FILE]              cancel (the running process stops it; data so far is kept)
  w2s export ID --format csv|json|parquet [--out FILE] [--db FILE]   every stored point, full precision
      (parquet: the series and, beside it, the per-teacher summary, NAME-teachers.parquet)
  w2s export ID [ID…] --figure trajectories|gains|gainVsAccuracy|gainVsKappa|gainVsStartCos|heatmap|compare|theory
             [--format svg|pdf|png|csv|py|json] [--out FILE] [--size one-column|two-column|wide]
             [--width IN] [--height IN] [--font FAMILY] [--font-size PT] [--line-width PT]
             [--palette colorblind|tol-bright] [--line-styles] [--band std|sem|ci95|minmax]
             [--x-scale auto|linear|log] [--y-scale linear|log] [--smoothing W]
             [--metric M] (default: the three panels ⟨w, w*⟩, ‖w‖, cos) [--facet auto|together|rows]
             [--runs selected|perLearningRate] [--end-at-stop]
             [--dpi 300|600] [--no-thin-lines] [--no-flow] [--no-stop-markers] [--title] [--no-sidecar]
  w2s bundle ID FILE [--db FILE]         one self-describing file: spec, seed, series, app version
  w2s import FILE [--db FILE]            import a bundle (refused whole if corrupt or newer)
  w2s sweep SPEC.json --slurm [--tasks N] [--cpus-per-task C] [--partition P] [--account A] [--mem M]
            [--time HH:MM:SS] [--dir DIR] [--sbatch-arg ARG…] [--checkpoint-seconds S] [--dry-run] [--db FILE]
      store the experiment (queued) and run it as one Slurm job array of N tasks (default: one per
      run, at most 100); prints the experiment id and the Slurm job id; --dry-run only prints the script
  w2s shard DIR --task I [--workers N]   one array task (the generated script runs it on a compute node)
  w2s collect ID [--json] [--db FILE]    each task's Slurm state; imports finished shards (twice changes nothing)
  w2s sweep --resubmit ID [--time T …]   submit again only the tasks that failed or are missing
  w2s serve [--port P] [--host 127.0.0.1] [--allow-host NAME[:PORT]…] [--db FILE] [--workers N] [--renderer DIR]
      the lab in a browser on loopback; open the printed URL (it carries the access token)
  w2s theory --student-cos C --student-norm R --teacher-cos CT --kappa K --beta B [--json]
      T1, T2 and d cos/dt at t = 0 (docs/spec.md §6) and the theorem's two conditions
  w2s --version | --help
The run history is --db FILE, else $W2S_DB, else ~/.w2s-lab/lab.sqlite.`;

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
    if (command === undefined || command === '--help' || command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    const handler = COMMANDS[command];
    if (handler === undefined) throw new UsageError(`unknown command '${command}' (${Object.keys(COMMANDS).join(', ')}; --help)`);
    return await handler()(joinNegativeNumbers(rest));
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      // One line, whatever the message quotes (a JSON parser's message can hold newlines).
      process.stderr.write(`w2s: ${(error as Error).message.replace(/\s*\n\s*/g, ' ')}\n`);
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
