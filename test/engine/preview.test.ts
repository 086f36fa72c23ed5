/**
 * The preview path as the engine exposes it (docs/preview.md §6): opt-in through `engine.path`
 * (auto never takes it), every spec it cannot run refused with the field named, runs that
 * checkpoint and resume bit-identically, summaries that say "preview", and a step that is the
 * reduced chain's with drawn sums (a zero learning rate leaves the student where it is).
 */
import { describe, expect, it } from 'vitest';
import { ExperimentContext } from '../../src/engine/experiment';
import { type RunKey } from '../../src/engine/grid';
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
