/**
 * The preview path has the law of the exact reduced path at the batch sizes it accepts
 * (docs/preview.md §7), in the paper's configurations (B = 10 000 random teachers; B = 1 000 shared
 * pretraining) and at B = 100, and the tests have the power to see a wrong covariance: the same
 * tests reject a preview whose covariance is inflated 1.5× (the negative control). The full
 * version with more teachers and replicas is bench/validatePreview.ts (its table is in the docs).
 * Fixed seeds; every p-value from the helpers in test/helpers (special functions tested against mpmath).
 */
import { describe, expect, it } from 'vitest';
import { compareAcrossTeachers, compareIncrements, compareNoise, compareStress, incrementDraws, SUITE_CONFIGS } from '../helpers/previewValidation';
import { report } from '../helpers/stats';

/** Under the null, each of the ~80 p-values below is uniform: 1e-3 keeps the family's false alarms rare. */
const ACCEPT = 1e-3;
/** The negative control must reject far beyond chance. */
const REJECT = 1e-4;

describe('preview path vs exact reduced path', () => {
  for (const config of SUITE_CONFIGS) {
    describe(config.name, () => {
      it(`across ${config.teachers} teachers: KS and paired z of cos, norm, <w, w*> at T, peak cos, its step and the gain`, () => {
        for (const r of compareAcrossTeachers(config)) {
          report(`${config.name} ${r.metric}`, `KS p ${r.ksP.toFixed(3)}, z ${r.z.toFixed(2)}`);
          expect(r.ksP, `${r.metric} KS`).toBeGreaterThan(ACCEPT);
          expect(r.zP, `${r.metric} z = ${r.z}`).toBeGreaterThan(ACCEPT);
        }
      });

      it(`the SGD noise: ${config.replicaTeachers} teachers × ${config.replicas} replicas agree, and a covariance inflated 1.5× is rejected`, () => {
        const [asIs, inflated] = compareNoise(config, [1, 1.5]);
        for (const r of asIs) {
          report(`${config.name} noise ${r.metric}@${r.step}`, `ratio ${r.ratio.toFixed(3)}, F p ${r.fP.toFixed(3)}, BF p ${r.bfP.toFixed(3)}`);
          expect(r.fP, `${r.metric}@${r.step} F, ratio ${r.ratio}`).toBeGreaterThan(ACCEPT);
          expect(r.bfP, `${r.metric}@${r.step} Brown–Forsythe`).toBeGreaterThan(ACCEPT);
        }
        // The norm moves with S1 and the cosine to the teacher with S2 at first order: their spread
        // grows with the covariance. (The cosine to w* moves with the third direction too, whose
        // noise √Q·n3 is set by E[Q] alone: not a test of the covariance.)
        for (const r of inflated.filter((x) => x.metric !== 'cos')) {
          report(`${config.name} inflated ${r.metric}@${r.step}`, `ratio ${r.ratio.toFixed(3)}, F p ${r.fP.toExponential(1)}, BF p ${r.bfP.toExponential(1)}`);
          expect(r.ratio).toBeGreaterThan(1.2);
        }
        const strongest = inflated.filter((x) => x.metric !== 'cos').map((x) => x.fP);
        expect(Math.min(...strongest)).toBeLessThan(REJECT / 10);
        for (const id of ['norm@1', 'norm@10']) {
          const r = inflated.find((x) => `${x.metric}@${x.step}` === id);
          expect(r?.fP, id).toBeLessThan(REJECT);
        }
      });

      it(`one step's increments at d = 3: the mean and covariance of (S1, S2, Q) agree with the exact chain, and an inflated covariance is rejected`, () => {
        for (const r of compareIncrements(config)) {
          report(`${config.name} increments ${r.moment}`, `z ${r.z.toFixed(2)}`);
          expect(r.zP, `${r.moment}: z = ${r.z}`).toBeGreaterThan(ACCEPT);
        }
        const inflated = Object.fromEntries(compareIncrements(config, 'inflated').map((r) => [r.moment, r.zP]));
        for (const moment of ['Var S1', 'Var S2']) expect(inflated[moment], `inflated: ${moment}`).toBeLessThan(REJECT);
      });
    });
  }

  it(`the increments see Q's covariance with S1 and S2: with Q's pairing broken (B = 100, ${incrementDraws(100)} draws) both are rejected`, () => {
    const b100 = SUITE_CONFIGS.find((c) => c.spec.sft.batchSize === 100)!;
    const r = Object.fromEntries(compareIncrements(b100, 'decorrelated').map((x) => [x.moment, x]));
    report('decorrelated increments', `Cov(S1, Q) z ${r['Cov(S1, Q)'].z.toFixed(1)}, Cov(S2, Q) z ${r['Cov(S2, Q)'].z.toFixed(1)}`);
    expect(r['Cov(S1, Q)'].zP).toBeLessThan(REJECT);
    expect(r['Cov(S2, Q)'].zP).toBeLessThan(REJECT);
  });

  it('one teacher, 500 replicas, 1 000 steps at η = 1 and B = 100: cos at T has the same law (docs/spec.md §9 stress test)', () => {
    const r = compareStress({ name: 'stress', batchSize: 100, replicas: 500, steps: 1000, learningRate: 1, seed: 33 });
    report('stress B = 100', `exact ${r.exact.mean.toFixed(4)} ± ${r.exact.sd.toFixed(4)}, preview ${r.preview.mean.toFixed(4)} ± ${r.preview.sd.toFixed(4)}, KS p ${r.ksP.toFixed(3)}, z ${r.z.toFixed(2)}, F p ${r.fP.toFixed(3)}`);
    expect(r.ksP).toBeGreaterThan(ACCEPT);
    expect(r.zP).toBeGreaterThan(ACCEPT);
    expect(r.fP).toBeGreaterThan(ACCEPT);
  });

  it('the same stress test at B = 10 rejects: why the preview path refuses batches below 100', () => {
    const r = compareStress({ name: 'stress', batchSize: 10, replicas: 2000, steps: 1000, learningRate: 1, seed: 35 });
    report('stress B = 10', `exact ${r.exact.mean.toFixed(4)} ± ${r.exact.sd.toFixed(4)}, preview ${r.preview.mean.toFixed(4)} ± ${r.preview.sd.toFixed(4)}, KS p ${r.ksP.toExponential(1)}, z ${r.z.toFixed(2)}, F p ${r.fP.toExponential(1)}`);
    expect(r.zP).toBeLessThan(REJECT);
    expect(r.ksP).toBeLessThan(REJECT);
  });
});
