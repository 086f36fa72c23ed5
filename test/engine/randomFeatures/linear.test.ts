/**
 * The random-features setup where it is a linear model (docs/random-features.md §6):
 * - identity σ with orthonormal rows and M = d is the paper's linear model in another basis, so its
 *   accuracy trajectories have the law of the linear engine's shared-pretraining setup with the same
 *   pretraining (two-sample Kolmogorov–Smirnov tests over 120 seeds at steps 0, 10, 50, 100); two
 *   negative controls (ReLU features; the learning rate doubled) are rejected by the same tests;
 * - identity σ with any rows is linear, w = √(d/M)·Σ_j a_j F_j/√d: the test-set accuracy against the
 *   exact 1 − θ(w, w*)/π, as standardised residuals that must be N(0, 1) (one-sample KS).
 */
import { describe, expect, it } from 'vitest';
import { accuracyFromCos } from '../../../src/engine/accuracy';
import { RandomFeaturesContext, RandomFeaturesRun, validateRandomFeaturesConfig } from '../../../src/engine/randomFeatures';
import { runAll } from '../../helpers/experiment';
import { normalCdf } from '../../helpers/special';
import { ksTest, report } from '../../helpers/stats';
import { ksTwoSample } from '../../helpers/twoSample';

const D = 10;
const SEEDS = 120;
/** The negative controls are far off: fewer seeds tell them apart. */
const CONTROL_SEEDS = 60;
const STEPS = [0, 10, 50, 100];
const SFT = { batchSize: 100, steps: 100, recordEvery: 10, ceiling: false };
const PRETRAIN = { studentSteps: 40, teacherSteps: 15 };

/** Accuracy at STEPS of one run per seed of the linear engine (shared pretraining, teacher 0). */
function linearTrajectories(learningRate: number): number[][] {
  const out = STEPS.map((): number[] => []);
  for (let seed = 0; seed < SEEDS; seed++) {
    const { outcomes } = runAll({ setup: 'shared-pretraining', seed, data: { d: D }, teachers: { count: 1 }, pretrain: PRETRAIN, sft: { ...SFT, learningRates: [learningRate] } });
    const s = outcomes[0].series;
    STEPS.forEach((step, i) => out[i].push(s.accuracy[Array.from(s.step).indexOf(step)]));
  }
  return out;
}

/** The same from the random-features engine (other seeds: independent samples). */
function featureTrajectories(features: object, learningRate: number, seedOffset = 10_000, seeds = SEEDS): number[][] {
  const config = validateRandomFeaturesConfig({
    data: { d: D },
    features: { rows: 'orthonormal', student: D, teacher: D, ...features },
    teachers: { count: 1 },
    pretrain: PRETRAIN,
    sft: { ...SFT, learningRates: [learningRate] },
    evaluation: { testPoints: 20_000 },
  });
  const out = STEPS.map((): number[] => []);
  for (let seed = seedOffset; seed < seedOffset + seeds; seed++) {
    const s = RandomFeaturesRun.start(new RandomFeaturesContext(config, seed), { cell: 0, teacher: 0, lr: 0 }).complete().recordedSeries();
    STEPS.forEach((step, i) => out[i].push(s.accuracy[Array.from(s.step).indexOf(step)]));
  }
  return out;
}

let linearCache: number[][] | undefined;
const linear = () => (linearCache ??= linearTrajectories(0.1));

describe('identity features with orthonormal rows and M = d', () => {
  it('have the linear engine’s accuracy trajectories in law (KS at steps 0, 10, 50, 100)', () => {
    const features = featureTrajectories({ activation: 'identity' }, 0.1);
    STEPS.forEach((step, i) => {
      const { d, p } = ksTwoSample(features[i], linear()[i]);
      report(`identity vs linear, step ${step}: D, p`, `${d.toFixed(3)}, ${p.toFixed(3)}`);
      expect(p).toBeGreaterThan(0.001);
    });
  });

  it('negative controls: ReLU features, and twice the learning rate, are told apart by the same tests', () => {
    const relu = featureTrajectories({ activation: 'relu' }, 0.1, 20_000, CONTROL_SEEDS);
    const faster = featureTrajectories({ activation: 'identity' }, 0.2, 30_000, CONTROL_SEEDS);
    const smallest = (other: number[][]) => Math.min(...STEPS.map((_, i) => ksTwoSample(other[i], linear()[i]).p));
    report('relu vs linear, smallest p', smallest(relu).toExponential(2));
    report('identity at 2η vs linear, smallest p', smallest(faster).toExponential(2));
    expect(smallest(relu)).toBeLessThan(1e-6);
    expect(smallest(faster)).toBeLessThan(1e-4);
  });
});

describe('test-set accuracy of linear (identity) models', () => {
  it('is the exact 1 − θ/π up to binomial noise: standardised residuals are N(0, 1)', () => {
    const z: number[] = [];
    for (const rows of ['gaussian', 'orthonormal'] as const) {
      const config = validateRandomFeaturesConfig({
        data: { d: 12 },
        features: { activation: 'identity', rows, student: rows === 'gaussian' ? 30 : 12, teacher: 5 },
        teachers: { count: 1 },
        pretrain: { studentPoints: 400, teacherPoints: 100, studentSteps: 10 },
        sft: { batchSize: 50, steps: 20, learningRates: [0.5], recordEvery: 20, ceiling: false },
        evaluation: { testPoints: 5000 },
      });
      for (let seed = 0; seed < 200; seed++) {
        const context = new RandomFeaturesContext(config, seed);
        const run = RandomFeaturesRun.start(context, { cell: 0, teacher: 0, lr: 0 }).complete();
        const series = run.recordedSeries();
        // One head per seed (the pretrained one or the last), so that the residuals are independent.
        const i = seed % 2 === 0 ? 0 : series.accuracy.length - 1;
        [i === 0 ? context.pretrainedHead : Float64Array.from(run.checkpoint().head)].forEach((head) => {
          // w_k = √(d/M) Σ_j a_j (F/√d)_jk: the model's logit is ⟨w, x⟩.
          const { padded, logitScale, firstLayer } = context.student;
          const w = Float64Array.from({ length: 12 }, (_, k) => {
            let s = 0;
            for (let j = 0; j < padded; j++) s += head[j] * firstLayer[k * padded + j];
            return logitScale * s;
          });
          const cos = w.reduce((s, x, k) => s + x * context.groundTruth[k], 0) / Math.hypot(...w);
          const exact = accuracyFromCos(cos);
          const measured = series.accuracy[i];
          z.push((measured - exact) / Math.sqrt((exact * (1 - exact)) / 5000));
        });
      }
    }
    const { pValue, statistic } = ksTest(z, normalCdf);
    report('standardised accuracy residuals: KS D, p', `${statistic.toFixed(3)}, ${pValue.toFixed(3)}`);
    expect(pValue).toBeGreaterThan(0.001);
  });
});
