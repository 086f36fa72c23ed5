/**
 * The preview path as the engine exposes it (docs/preview.md §6): opt-in through `engine.path`
 * (auto never takes it), every spec it cannot run refused with the field named, runs that
 * checkpoint and resume bit-identically, summaries that say "preview", and a step that is the
 * reduced chain's with drawn sums (a zero learning rate leaves the student where it is).
 */
import { describe, expect, it } from 'vitest';
import { ExperimentContext } from '../../src/engine/experiment';
import { type RunKey } from '../../src/engine/grid';
import { Rng } from '../../src/engine/rng';
import { PreviewKernel, previewSums } from '../../src/engine/sft/preview';
import { SftRun } from '../../src/engine/run';
import { parseSpec, resolvePath, validateSpec } from '../../src/engine/spec';
import { summarizeExperiment } from '../../src/engine/summary';
import { runAll } from '../helpers/experiment';

const small = { seed: 4, teachers: { count: 3, accuracy: 0.7 }, sft: { batchSize: 1000, steps: 40, learningRates: [0.5], recordEvery: 3 } };

describe('preview path: the spec', () => {
  it('is chosen only when asked for: auto takes the exact reduced path', () => {
    expect(resolvePath(validateSpec({}))).toBe('reduced');
    expect(resolvePath(validateSpec({ engine: { path: 'preview' } }))).toBe('preview');
    expect(resolvePath(validateSpec({ setup: 'shared-pretraining', engine: { path: 'preview' } }))).toBe('preview');
  });

  const refusals: [string, Record<string, unknown>, string, string][] = [
    ['a batch below 100', { sft: { batchSize: 99 } }, 'sft.batchSize', 'must be ≥ 100'],
    ['Student-t data', { data: { law: 'student-t', nu: 5 } }, 'data.law', "must be 'gaussian'"],
    ['the product law', { data: { law: 'product-uniform' } }, 'data.law', "must be 'gaussian'"],
    ['an anisotropic spectrum', { data: { spectrum: { powerLaw: 1 } } }, 'data.spectrum', "must be 'isotropic'"],
    ['a finite SFT set', { sft: { finiteSet: 500 } }, 'sft.finiteSet', 'must be null'],
    ['validation early stopping', { sft: { earlyStopping: 'validation' } }, 'sft.earlyStopping', "cannot be 'validation'"],
    ['d = 2', { data: { d: 2 } }, 'data.d', 'must be ≥ 3'],
  ];
  for (const [what, input, field, rule] of refusals) {
    it(`refuses ${what}, naming ${field}`, () => {
      const r = parseSpec({ ...input, engine: { path: 'preview' } });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      const line = r.errors.find((e) => e.startsWith(`${field}: `));
      expect(line, r.errors.join(' | ')).toBeDefined();
      expect(line).toContain(rule);
      expect(line).toContain("engine.path 'preview'");
      // The same spec on the exact paths is not refused for this reason.
      expect(parseSpec({ ...input, engine: { path: 'dense' } }).ok).toBe(true);
    });
  }

  it('accepts B = 100, label noise and soft labels', () => {
    for (const sft of [{ batchSize: 100 }, { labelNoise: 0.2 }, { softLabels: { beta: 3 } }, { earlyStopping: 'teacher' }]) {
      expect(parseSpec({ sft, engine: { path: 'preview' } }).ok, JSON.stringify(sft)).toBe(true);
    }
  });
});

describe('preview path: runs', () => {
  function seriesOf(run: SftRun): Record<string, number[]> {
    return Object.fromEntries(Object.entries(run.recordedSeries()).map(([k, v]) => [k, Array.from(v as Float64Array)]));
  }

  for (const [name, extra] of [
    ['random teacher, hard labels', {}],
    ['label noise and soft labels', { sft: { ...small.sft, labelNoise: 0.1, softLabels: { beta: 4 } } }],
    ['shared pretraining', { setup: 'shared-pretraining', pretrain: { studentPoints: 300, teacherPoints: 100, studentSteps: 5, teacherSteps: 3 } }],
  ] as const) {
    it(`${name}: interrupted every few steps and resumed from JSON checkpoints, the series are bit-identical`, () => {
      const spec = validateSpec({ ...small, ...extra, engine: { path: 'preview' } });
      const key: RunKey = { cell: 0, teacher: 1, lr: 0 };
      const whole = SftRun.start(new ExperimentContext(spec), key).complete();
      expect(whole.status).toBe('done');
      let run = SftRun.start(new ExperimentContext(spec), key);
      for (const leg of [5, 1, 13]) {
        run.advance(leg);
        const checkpoint = JSON.parse(JSON.stringify(run.checkpoint()));
        expect(checkpoint.kernel.path).toBe('preview');
        run = SftRun.resume(new ExperimentContext(spec), key, checkpoint, run.recordedSeries());
      }
      run.complete();
      expect(seriesOf(run)).toEqual(seriesOf(whole));
      // Not the exact path's numbers: the sums are drawn, not summed.
      const exact = SftRun.start(new ExperimentContext(validateSpec({ ...small, ...extra, engine: { path: 'reduced' } })), key).complete();
      expect(seriesOf(exact).cos).not.toEqual(seriesOf(whole).cos);
      expect(seriesOf(exact).cos[0]).toBe(seriesOf(whole).cos[0]);
    });
  }

  it('refuses a checkpoint of another path', () => {
    const preview = validateSpec({ ...small, engine: { path: 'preview' } });
    const reduced = validateSpec({ ...small, engine: { path: 'reduced' } });
    const key: RunKey = { cell: 0, teacher: 0, lr: 0 };
    const run = SftRun.start(new ExperimentContext(reduced), key);
    run.advance(3);
    expect(() => SftRun.resume(new ExperimentContext(preview), key, run.checkpoint(), run.recordedSeries())).toThrow(/preview-path checkpoint/);
  });

  it('PreviewKernel.restore takes back its own checkpoint exactly, and refuses one of another path or of another state length', () => {
    const args = [10, { beta: 1, learningRate: 0.3, batchSize: 1000 }, { cT: 0.6, sT: 0.8 }, { softBeta: null, teacherNorm: 1, labelNoise: 0 }] as const;
    const kernel = new PreviewKernel(...args, { alpha: 0.6, b: 0.3, rho: 0.4 }, new Rng([5, 6, 7, 8]));
    kernel.advance();
    const cp = kernel.checkpoint();
    const back = PreviewKernel.restore(...args, null, cp);
    expect(back.checkpoint()).toEqual(cp);
    back.advance();
    kernel.advance();
    expect(back.checkpoint()).toEqual(kernel.checkpoint());
    expect(() => PreviewKernel.restore(...args, null, { ...cp, path: 'reduced' })).toThrow(/not a preview-path checkpoint/);
    expect(() => PreviewKernel.restore(...args, null, { ...cp, state: [0.6, 0.3] })).toThrow(/not a preview-path checkpoint/);
    expect(() => PreviewKernel.restore(...args, null, { ...cp, state: [0.6, 0.3, 0.4, 0] })).toThrow(/not a preview-path checkpoint/);
  });

  it('with learning rate 0 the student stays where it started (the step is the reduced chain’s)', () => {
    const { outcomes } = runAll({ ...small, sft: { ...small.sft, learningRates: [1e-300] }, engine: { path: 'preview' } });
    for (const o of outcomes) {
      for (const metric of ['inner', 'norm', 'cos'] as const) {
        const s = o.series[metric];
        for (let i = 1; i < s.length; i++) expect(s[i]).toBeCloseTo(s[0], 12);
      }
    }
  });

  it('the summary records the path as preview', () => {
    const { spec, context, outcomes } = runAll({ ...small, engine: { path: 'preview' } });
    const summary = summarizeExperiment(spec, resolvePath(spec), context.cells, outcomes);
    expect(summary.path).toBe('preview');
    expect(JSON.parse(JSON.stringify(summary)).path).toBe('preview');
  });
});

describe('previewSums: Q clamped at 0', () => {
  it('at B = 1 a drawn Q below 0 is 0: P(Q = 0) = Φ(−μ₃/√C₃₃) and E[Q] = E[max(0, N(μ₃, C₃₃))] (scipy), never negative', () => {
    // β = 1, ‖w‖ = 1, p = 0.5, hard labels: μ₃ = 0.2098694…, C₃₃ = 0.0300860… by 2-D quadrature
    // (test/fixtures/preview-moments.json); scipy: Φ(−μ₃/√C₃₃) = 0.1131492, E[max(0, ·)] = 0.2194037,
    // Var[max(0, ·)] = 0.0245899.
    const draws = 5000;
    const rng = new Rng([3, 1, 4, 1]);
    const m = new Float64Array(9);
    const out = new Float64Array(3);
    let zeros = 0;
    let sum = 0;
    let lowest = Infinity;
    for (let i = 0; i < draws; i++) {
      previewSums(rng, 1, 1, 0.5, Math.sqrt(0.75), { labelNoise: 0, softLambda: null }, 1, 1, m, out);
      if (out[2] === 0) zeros++;
      sum += out[2];
      lowest = Math.min(lowest, out[2]);
    }
    expect(lowest).toBe(0);
    const p = 0.11314918207586516;
    expect(Math.abs(zeros / draws - p) / Math.sqrt((p * (1 - p)) / draws)).toBeLessThan(4.5);
    expect(Math.abs(sum / draws - 0.21940365091561062) / Math.sqrt(0.024589924654452366 / draws)).toBeLessThan(4.5);
  });
});
