/**
 * Run every job of an experiment on an engine pool and summarise. The store-backed version (with
 * checkpoints, cancel and resume) builds on this; the CLI's `w2s run` uses it directly.
 */
import { cellsOf, type RunKey, runKeys } from '../../engine/experiment';
import type { RunSeries } from '../../engine/run';
import { type ExperimentSpec, resolvePath } from '../../engine/spec';
import { type ExperimentSummary, type RunOutcome, summarizeExperiment } from '../../engine/summary';
import type { EnginePool } from './pool';

export interface ExperimentProgress {
  readonly runsDone: number;
  readonly runsTotal: number;
  /** Fraction of all SGD steps done, counting runs in progress. */
  readonly fraction: number;
}

export interface ExperimentResult {
  readonly summary: ExperimentSummary;
  readonly outcomes: RunOutcome[];
  /** Runs whose job failed, with the error. */
  readonly failures: { key: RunKey; message: string }[];
}

const EMPTY_SERIES = (): RunSeries => ({
  step: new Float64Array(0), inner: new Float64Array(0), norm: new Float64Array(0), cos: new Float64Array(0),
  accuracy: new Float64Array(0), agreement: new Float64Array(0),
});

export async function runExperiment(
  spec: ExperimentSpec,
  pool: EnginePool,
  onProgress?: (progress: ExperimentProgress) => void,
): Promise<ExperimentResult> {
  const keys = runKeys(spec);
  const stepsPerRun = spec.sft.steps;
  const inFlight = new Map<number, number>();
  let runsDone = 0;
  let stepsDone = 0;
  const report = () => {
    let partial = 0;
    for (const s of inFlight.values()) partial += s;
    onProgress?.({ runsDone, runsTotal: keys.length, fraction: (stepsDone + partial) / (keys.length * stepsPerRun) });
  };
  const outcomes: RunOutcome[] = [];
  const failures: { key: RunKey; message: string }[] = [];
  await Promise.all(
    keys.map(async (key, index) => {
      try {
        const result = await pool.run({ spec, key }, (message) => {
          if (message.type !== 'progress') return;
          inFlight.set(index, message.step);
          report();
        });
        outcomes.push({ key, status: result.status, descriptor: result.descriptor, series: result.series });
      } catch (error) {
        failures.push({ key, message: error instanceof Error ? error.message : String(error) });
      } finally {
        inFlight.delete(index);
        runsDone++;
        stepsDone += stepsPerRun;
        report();
      }
    }),
  );
  // Failed runs still count in `runs`; their series are empty, so summaries leave them out.
  const all: RunOutcome[] = [
    ...outcomes,
    ...failures.map((f) => ({
      key: f.key,
      status: 'failed' as const,
      descriptor: outcomes.find((o) => o.key.cell === f.key.cell && o.key.teacher === f.key.teacher)?.descriptor ?? {
        studentCos: NaN, studentNorm: NaN, studentAccuracy: NaN, teacherCos: NaN, teacherAccuracy: NaN, kappa: NaN,
      },
      series: EMPTY_SERIES(),
    })),
  ];
  const order = (k: RunKey) => keys.findIndex((x) => x.cell === k.cell && x.teacher === k.teacher && x.lr === k.lr);
  outcomes.sort((a, b) => order(a.key) - order(b.key));
  const summary = summarizeExperiment(spec, resolvePath(spec), cellsOf(spec), all);
  return { summary, outcomes, failures };
}
