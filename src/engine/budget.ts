/**
 * An experiment's budget: what it makes and stores, from the grid's product alone (nothing is
 * allocated), against limits a desktop holds. Each field of a spec is capped on its own; their
 * product is capped here: runs, run-steps (runs × steps), stored points (runs × recorded points)
 * and the bytes the run history grows by. parseSpec refuses a spec past any of them with a message
 * that names the limit, so the CLI (exit 2), checkSpec (ok: false), submit (400) and the builder
 * all say the same. The figures behind each limit are in README.md ("Limits of one experiment").
 */
import { gridAxes, type GridSpec, recordedLength, sumOverRuns } from './grid';

/** What the budget reads of a spec: its grid, and what each run records (ExperimentSpec has it all). */
export interface BudgetSpec extends GridSpec {
  readonly sft: GridSpec['sft'] & { readonly recordEvery: number; readonly earlyStopping: string };
  /** Set for setup 'random-features' (its own columns: randomFeatures/spec.ts randomFeaturesColumns). */
  readonly features?: { readonly train: string };
}

/**
 * Runs in one experiment. The lab holds a record per run while it runs them (about a kilobyte
 * each with its job's bookkeeping): a million is about 1 GB of the coordinator's memory.
 */
export const MAX_RUNS = 1_000_000;
/**
 * SGD steps summed over the runs: the engine time. 10¹⁰ is about 3 hours a core on the preview path
 * (~1 µs a step) and days on an exact one at B = 10 000; past it, split the grid.
 */
export const MAX_RUN_STEPS = 10_000_000_000;
/**
 * Points stored (runs × recorded points a run). 5 × 10⁷ points are 2.4 GB of series (6 columns of
 * doubles), and every run's series of the experiment still fit one array (Node's 4 GiB limit) for
 * the per-learning-rate view and the exports; 3.5 times the Figure 2 preset.
 */
export const MAX_STORED_POINTS = 50_000_000;
/** Bytes the run history grows by: series, run rows and the summary (3 GB, four Figure 2 experiments). */
export const MAX_EXPECTED_BYTES = 3_000_000_000;

/** Bytes of a run's row beyond its series: the row, its descriptor and its columns as JSON, two index entries. */
export const RUN_ROW_BYTES = 330;
/** Bytes of a teacher in the stored summary (JSON, listed per cell and again at the top level). */
export const SUMMARY_TEACHER_BYTES = 700;
/** Columns of a cell's stored mean trajectory: the step, mean and std of four metrics, and n. */
const TRAJECTORY_COLUMNS = 10;

/** What an experiment makes; exact integers as bigint (run-steps of a refused grid pass 2^53). */
export interface Budget {
  readonly runs: bigint;
  readonly runSteps: bigint;
  readonly storedPoints: bigint;
  readonly expectedBytes: bigint;
  /** The runs' product, for the refusal: "64 initial norms × 64 teacher accuracies × …". */
  readonly product: string;
}

/** The series columns a run stores (shared/seriesCodec.ts seriesColumnNames). */
function seriesColumnCount(spec: BudgetSpec): number {
  if (spec.setup === 'random-features') return 5 + (spec.sft.earlyStopping === 'validation' ? 1 : 0) + (spec.features?.train === 'both' ? 1 : 0);
  return spec.sft.earlyStopping === 'validation' ? 7 : 6;
}

/** A count as people read it: 26 214 400 000. */
export function grouped(n: bigint | number): string {
  return BigInt(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** Bytes in GB: three significant digits below 100 GB, whole gigabytes above. */
function gigabytes(bytes: bigint): string {
  const gb = Number(bytes) / 1e9;
  return `${gb < 100 ? String(Number(gb.toPrecision(3))) : grouped(BigInt(Math.round(gb)))} GB`;
}

/** The budget of a validated spec: the grid's product and what it stores. */
export function budgetOf(spec: BudgetSpec): Budget {
  const axes = gridAxes(spec);
  const runs = axes.reduce((product, axis) => product * BigInt(axis.size), 1n);
  const points = BigInt(recordedLength(spec.sft.steps, spec.sft.recordEvery));
  const cells = axes.slice(0, -2).reduce((product, axis) => product * BigInt(axis.size), 1n);
  const teachers = cells * BigInt(spec.teachers.count);
  // A sweep over sft.steps adds its points' own lengths (only for a grid within the run limit:
  // past it the refusal needs no sum, and a point-by-point sum would not end).
  const exact = runs <= BigInt(MAX_RUNS) && (spec.axes !== undefined || spec.grid !== undefined);
  const storedPoints = exact ? BigInt(sumOverRuns(spec, 'sft.steps', (steps) => recordedLength(steps, spec.sft.recordEvery))) : runs * points;
  const runSteps = exact ? BigInt(sumOverRuns(spec, 'sft.steps', (steps) => steps)) : runs * BigInt(spec.sft.steps);
  const expectedBytes =
    storedPoints * BigInt(8 * seriesColumnCount(spec)) + runs * BigInt(RUN_ROW_BYTES) + teachers * BigInt(SUMMARY_TEACHER_BYTES) + cells * points * BigInt(8 * TRAJECTORY_COLUMNS);
  return {
    runs,
    runSteps,
    storedPoints,
    expectedBytes,
    product: axes.map((axis) => `${grouped(axis.size)} ${axis.label}`).join(' × '),
  };
}

/** Each limit the spec passes, as a sentence naming it; empty within budget. */
export function budgetProblems(spec: BudgetSpec): string[] {
  const b = budgetOf(spec);
  const problems: string[] = [];
  if (b.runs > BigInt(MAX_RUNS)) problems.push(`the grid makes ${grouped(b.runs)} runs (${b.product}); at most ${grouped(MAX_RUNS)} in one experiment`);
  if (b.runSteps > BigInt(MAX_RUN_STEPS)) {
    problems.push(`the grid's ${grouped(b.runs)} runs × ${grouped(spec.sft.steps)} steps make ${grouped(b.runSteps)} run-steps; at most ${grouped(MAX_RUN_STEPS)} in one experiment (lower sft.steps or the grid)`);
  }
  if (b.storedPoints > BigInt(MAX_STORED_POINTS)) {
    const points = recordedLength(spec.sft.steps, spec.sft.recordEvery);
    problems.push(`the experiment would store ${grouped(b.storedPoints)} points (${grouped(b.runs)} runs × ${grouped(points)} recorded points); at most ${grouped(MAX_STORED_POINTS)} in one experiment (raise sft.recordEvery, or lower sft.steps or the grid)`);
  }
  if (b.expectedBytes > BigInt(MAX_EXPECTED_BYTES)) {
    problems.push(`the experiment would add ${grouped(b.expectedBytes)} bytes (about ${gigabytes(b.expectedBytes)}) to the run history; at most ${grouped(MAX_EXPECTED_BYTES)} in one experiment (raise sft.recordEvery, or lower sft.steps or the grid)`);
  }
  return problems;
}
