/**
 * The random-features setup's entry points (docs/random-features.md): a configuration (zod schema
 * with its defaults), an experiment context built once per process, its run keys, one run from
 * (configuration, seed, key) to its series and final state, checkpointable, and the summary.
 *
 *   const config = validateRandomFeaturesConfig(json);
 *   const context = new RandomFeaturesContext(config, seed);        // once per process and experiment
 *   for (const key of randomFeaturesRunKeys(config)) {
 *     const run = RandomFeaturesRun.start(context, key);            // or .resume(context, key, checkpoint, series)
 *     while (!run.done) { run.advance(16); … run.checkpoint() … }   // a checkpoint evaluates waiting records
 *     outcomes.push({ key, status: run.status, descriptor: run.descriptor, series: run.recordedSeries() });
 *   }
 *   summarizeRandomFeatures(config, outcomes);
 */
import { CEILING, type RunKey } from '../grid';
import { type RandomFeaturesConfig, validateRandomFeaturesConfig } from './config';
import { type ContextOptions, RandomFeaturesContext } from './context';
import { type RandomFeaturesCheckpoint, type RandomFeaturesDescriptor, RandomFeaturesRun, type RandomFeaturesSeries } from './run';

export { ACTIVATIONS, parseRandomFeaturesConfig, RandomFeaturesConfigSchema, validateRandomFeaturesConfig, type RandomFeaturesConfig } from './config';
export { RandomFeaturesContext, type Teacher } from './context';
export { RandomFeaturesRun, type RandomFeaturesCheckpoint, type RandomFeaturesDescriptor, type RandomFeaturesSeries } from './run';
export { accuracyStandardError, summarizeRandomFeatures, type RandomFeaturesOutcome, type RandomFeaturesSummary } from './summary';
export { workspaceBytes } from './layout';

/** Every run of the experiment in a fixed order: teacher (ceiling first), then learning rate; one cell. */
export function randomFeaturesRunKeys(config: RandomFeaturesConfig): RunKey[] {
  const keys: RunKey[] = [];
  for (let teacher = config.sft.ceiling ? CEILING : 0; teacher < config.teachers.count; teacher++) {
    for (let lr = 0; lr < config.sft.learningRates.length; lr++) keys.push({ cell: 0, teacher, lr });
  }
  return keys;
}

export interface RandomFeaturesResult {
  readonly status: RandomFeaturesRun['status'];
  readonly descriptor: RandomFeaturesDescriptor;
  readonly series: RandomFeaturesSeries;
  /** The final state: resuming from it changes nothing. */
  readonly checkpoint: RandomFeaturesCheckpoint;
}

/**
 * One run to its end: from (configuration or raw JSON, seed, key), or from a checkpoint with the
 * series recorded before it. Pass `context` to share one experiment's context between runs.
 */
export function runRandomFeatures(
  input: RandomFeaturesConfig | unknown,
  seed: number,
  key: RunKey,
  options: ContextOptions & { context?: RandomFeaturesContext; resume?: { checkpoint: RandomFeaturesCheckpoint; series: Partial<RandomFeaturesSeries> } } = {},
): RandomFeaturesResult {
  const context = options.context ?? new RandomFeaturesContext(validateRandomFeaturesConfig(input), seed, options);
  if (context.seed !== seed) throw new RangeError(`runRandomFeatures: the context was built for seed ${context.seed}, not ${seed}`);
  const run = options.resume === undefined ? RandomFeaturesRun.start(context, key) : RandomFeaturesRun.resume(context, key, options.resume.checkpoint, options.resume.series);
  run.complete();
  return { status: run.status, descriptor: run.descriptor, series: run.recordedSeries(), checkpoint: run.checkpoint() };
}
