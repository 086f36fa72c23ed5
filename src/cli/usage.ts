/**
 * What `w2s --help` prints, and `w2s COMMAND --help` (or `w2s help COMMAND`) for one command: its
 * lines of the usage, and a few words on what it does. The command-line section of README.md says
 * the same at more length.
 */

/** The usage of each command, in the order `w2s --help` lists them. */
export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  run: `w2s run SPEC.json [--out SUMMARY.json] [--workers N] [--db FILE] [--checkpoint-seconds S]
    store a new experiment and run every teacher × learning rate across N engine processes
    (default: the number of cores), checkpointing every S seconds (3); prints its id;
    --out also writes the summary JSON`,
  resume: `w2s resume ID [--out SUMMARY.json] [--workers N] [--db FILE] [--checkpoint-seconds S]
    continue an interrupted or cancelled experiment from its checkpoints`,
  search: `w2s search SPEC.json --axis PATH --from A --to B --target fractionImproved|gainMean|pgr --level L
           [--tolerance T] [--max-replicates N] [--json] [--workers N] [--db FILE] [--checkpoint-seconds S]
    find where the target crosses the level along one axis (both ends, then bisection, a point's
    replicates added until its 95 % interval excludes the level, up to N = 8); stored as one
    experiment whose cells are the evaluated points; prints each point, the boundary and its
    interval (--json: { boundary, interval, evaluations }); w2s resume ID continues it`,
  list: `w2s list [--json] [--db FILE]
    the run history`,
  show: `w2s show ID [--teachers] [--json] [--db FILE]
    one experiment: its spec, status and summary, with the PGR and the teachers' accuracy
    (mean ± std) overall and per cell; --teachers adds a table of every teacher`,
  cancel: `w2s cancel ID [--db FILE]
    cancel (the process running it stops it within a second; the data so far is kept)`,
  export: `w2s export ID [--format csv|json|parquet] [--out FILE] [--db FILE]
    every stored point, full precision (parquet: the series and, beside it, the per-teacher
    summary, NAME-teachers.parquet); the format is taken from --out's extension when not given
w2s export ID [ID…] --figure trajectories|gains|gainVsAccuracy|gainVsKappa|gainVsStartCos|heatmap|compare|theory|kappa|normPuzzle|sweep|sweepHeatmap|sweepParallel|search
           [--format svg|pdf|png|csv|py|json] [--out FILE] [--size one-column|two-column|wide]
           [--width IN] [--height IN] [--font FAMILY] [--font-size PT] [--line-width PT]
           [--palette colorblind|tol-bright] [--line-styles] [--band std|sem|ci95|minmax]
           [--x-scale auto|linear|log] [--y-scale linear|log] [--smoothing W]
           [--metric cos|inner|norm|accuracy] (default: the three panels ⟨w, w*⟩, ‖w‖, cos)
           [--facet auto|together|rows] [--runs selected|perLearningRate] [--end-at-stop]
           [--heatmap-value gainMean|fractionImproved] [--sweep-target gainMean|fractionImproved|pgr|bestStep]
           [--sweep-x PATH] [--dpi 300|600] [--no-thin-lines] [--no-flow]
           [--no-stop-markers] [--title] [--no-sidecar] [--db FILE]
    a figure for a paper, as the app's Export dialog writes it; the format is taken from --out's
    extension when not given (else svg); beside FILE its sidecar FILE.meta.json (ids, seeds, spec
    hashes, app version) unless --no-sidecar`,
  bundle: `w2s bundle ID FILE [--db FILE]
    one self-describing file: spec, seed, series, checkpoints, app version`,
  import: `w2s import FILE [--db FILE]
    import a bundle (refused whole if corrupt, truncated or newer)`,
  sweep: `w2s sweep SPEC.json --slurm [--tasks N] [--cpus-per-task C] [--partition P] [--account A] [--mem M]
          [--time HH:MM:SS] [--dir DIR] [--sbatch-arg ARG…] [--checkpoint-seconds S] [--dry-run] [--db FILE]
    store the experiment (queued) and run it as one Slurm job array of N tasks (default: one per
    run, at most 100); prints the experiment id and the Slurm job id; --dry-run only prints the script
w2s sweep --resubmit ID [--partition P] [--account A] [--cpus-per-task C] [--mem M] [--time T] [--sbatch-arg ARG…] [--db FILE]
    submit again only the tasks that failed or are missing`,
  shard: `w2s shard DIR --task I [--workers N] [--checkpoint-seconds S]
    one array task (the generated script runs it on a compute node)`,
  collect: `w2s collect ID [--json] [--db FILE]
    each task's Slurm state; imports finished shards (twice changes nothing)`,
  serve: `w2s serve [--port P] [--host 127.0.0.1] [--allow-host NAME[:PORT]…] [--db FILE] [--workers N] [--renderer DIR]
    the lab in a browser on loopback; open the printed URL (it carries the access token)`,
  theory: `w2s theory --student-cos C --student-norm R --teacher-cos CT --kappa K --beta B [--json]
    T1, T2 and d cos/dt at t = 0 (docs/spec.md §6) and the theorem's two conditions`,
};

const HISTORY = 'The run history is --db FILE, else $W2S_DB, else ~/.w2s-lab/lab.sqlite.';

/** `w2s --help`. */
export const USAGE = `usage:\n${Object.values(COMMAND_USAGE)
  .map((u) => u.replace(/^/gm, '  '))
  .join('\n')}\n  w2s --version | --help | COMMAND --help\n${HISTORY}`;

/** `w2s COMMAND --help`. */
export function commandUsage(command: string): string {
  const usage = COMMAND_USAGE[command];
  return `usage: ${usage}\n${usage.includes('--db') ? `${HISTORY}\n` : ''}`;
}

/** `--help` or `-h` among a command's arguments, other than as the value of `--sbatch-arg` (whose values start with a dash). */
export function asksHelp(args: readonly string[]): boolean {
  return args.some((a, i) => (a === '--help' || a === '-h') && args[i - 1] !== '--sbatch-arg');
}
