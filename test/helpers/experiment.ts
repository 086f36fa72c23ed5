/** Run every run of a spec in this process (the engine alone, no workers). */
import { ExperimentContext } from '../../src/engine/experiment';
import { type RunKey, runKeys } from '../../src/engine/grid';
import { SftRun } from '../../src/engine/run';
import { type ExperimentSpec, validateSpec } from '../../src/engine/spec';
import type { RunOutcome } from '../../src/engine/summary';

export function runAll(
  input: unknown,
  only: (key: RunKey) => boolean = () => true,
): { spec: ExperimentSpec; context: ExperimentContext; outcomes: RunOutcome[] } {
  const spec = validateSpec(input);
  const context = new ExperimentContext(spec);
  const outcomes = runKeys(spec).filter(only).map((key: RunKey) => {
    const run = SftRun.start(context, key).complete();
    return { key, status: run.status, descriptor: run.descriptor, series: run.recordedSeries() };
  });
  return { spec, context, outcomes };
}

/** The last recorded value of a metric in each run. */
export function finalValues(outcomes: RunOutcome[], metric: 'cos' | 'norm' | 'inner' | 'agreement'): number[] {
  return outcomes.map((o) => o.series[metric][o.series[metric].length - 1]);
}
