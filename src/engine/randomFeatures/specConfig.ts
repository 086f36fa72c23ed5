/**
 * The engine's configuration of a stored random-features spec: apart from randomFeatures/spec.ts,
 * which engine/spec.ts imports, because this one reads the ExperimentSpec that spec.ts defines.
 */
import type { ExperimentSpec } from '../spec';
import type { RandomFeaturesConfig } from './config';
import { isRandomFeaturesSpec } from './spec';

/** The engine's configuration of a random-features spec (the inverse of randomFeaturesSpecOf). */
export function randomFeaturesConfigOf(spec: ExperimentSpec): RandomFeaturesConfig {
  if (!isRandomFeaturesSpec(spec) || spec.features === undefined || spec.evaluation === undefined) {
    throw new RangeError(`not a random-features spec (setup ${spec.setup})`);
  }
  const { data, sft } = spec;
  return {
    data: { law: data.law, d: data.d, ...(data.nu === undefined ? {} : { nu: data.nu }), pool: data.pool ?? null },
    beta: spec.beta,
    features: spec.features,
    teachers: { count: spec.teachers.count },
    pretrain: spec.pretrain,
    sft: {
      batchSize: sft.batchSize,
      steps: sft.steps,
      learningRates: sft.learningRates,
      earlyStopping: sft.earlyStopping,
      validationSize: sft.validationSize,
      labelNoise: sft.labelNoise,
      ceiling: sft.ceiling,
      recordEvery: sft.recordEvery,
    },
    evaluation: spec.evaluation,
  };
}
