/**
 * The experiment spec: defaults filled in, and every kind of bad input rejected with the field
 * named and the allowed range (or the reason) stated.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logspace, parseSpec, resolvePath, SpecError, validateSpec } from '../src/engine/spec';

describe('defaults', () => {
  it('an empty spec is the paper’s random-teacher experiment', () => {
    const spec = validateSpec({});
    expect(spec.setup).toBe('random-teacher');
    expect(spec.data).toMatchObject({ law: 'gaussian', d: 100, spectrum: 'isotropic' });
    expect(spec.beta).toBe(1);
    expect(spec.student).toEqual({ accuracy: 0.8, norm: [1] });
    expect(spec.teachers).toEqual({ count: 100, accuracy: [0.7], norm: 1 });
    expect(spec.sft).toMatchObject({ batchSize: 10_000, steps: 1000, earlyStopping: 'oracle', finiteSet: null, softLabels: false });
    expect(spec.sft.learningRates).toHaveLength(7);
    spec.sft.learningRates.forEach((lr, i) => expect(Math.abs(lr / 10 ** (i - 5) - 1)).toBeLessThan(1e-12));
    expect(spec.engine.path).toBe('auto');
    expect(validateSpec({ setup: 'shared-pretraining' }).sft.batchSize).toBe(1000);
    expect(logspace(-5, 1, 7)[6]).toBe(10);
  });

  it('every preset parses, and a filled spec parses to itself (portable, idempotent)', () => {
    const dir = join(__dirname, '..', 'resources', 'presets');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const spec = validateSpec(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      expect(validateSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    }
  });
});

describe('rejections name the field and the allowed range', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['teacher accuracy at 50 %', { teachers: { accuracy: 0.5 } }, 'teachers.accuracy', /\(0\.5, 1\]/],
    ['teacher accuracy below chance', { teachers: { accuracy: 0.3 } }, 'teachers.accuracy', /beat chance/],
    ['teacher accuracy in percent', { teachers: { accuracy: 70 } }, 'teachers.accuracy', /fraction/],
    ['one bad accuracy in a list', { teachers: { accuracy: [0.6, 0.4] } }, 'teachers.accuracy[1]', /\(0\.5, 1\]/],
    ['d < 2', { data: { d: 1 } }, 'data.d', /\[2, 1000000\]/],
    ['fractional d', { data: { d: 2.5 } }, 'data.d', /integer/],
    ['d as a string', { data: { d: '100' } }, 'data.d', /integer/],
    ['a batch of 0', { sft: { batchSize: 0 } }, 'sft.batchSize', /\[1, 10000000\]/],
    ['a negative learning rate', { sft: { learningRates: [0.1, -1] } }, 'sft.learningRates[1]', /\(0, 1000000\]/],
    ['a zero learning rate', { sft: { learningRates: [0] } }, 'sft.learningRates[0]', /\(0, 1000000\]/],
    ['no learning rates', { sft: { learningRates: [] } }, 'sft.learningRates', /at least one/],
    ['a student norm of 0', { student: { norm: 0 } }, 'student.norm', /no direction/],
    ['a negative student norm', { student: { norm: [1, -2] } }, 'student.norm[1]', /\(0, 1e6\]/],
    ['a perfect student', { student: { accuracy: 1 } }, 'student.accuracy', /\(0, 1\)/],
    ['an unknown key', { colour: 'red' }, 'colour', /unknown key/],
    ['an unknown nested key', { sft: { epochs: 3 } }, 'sft.epochs', /unknown key/],
    ['an unknown setup', { setup: 'foo' }, 'setup', /random-teacher/],
    ['an unknown law', { data: { law: 'cauchy' } }, 'data.law', /student-t/],
    ['an unknown early-stopping rule', { sft: { earlyStopping: 'best' } }, 'sft.earlyStopping', /oracle/],
    ['Student-t without ν', { data: { law: 'student-t' } }, 'data.nu', /\(2, 1e6\]/],
    ['ν = 2', { data: { law: 'student-t', nu: 2 } }, 'data.nu', /variance/],
    ['ν for a Gaussian', { data: { nu: 5 } }, 'data.nu', /only to law student-t/],
    ['a spectrum of the wrong length', { data: { d: 3, spectrum: [1, 2] } }, 'data.spectrum', /exactly d = 3/],
    ['a zero eigenvalue', { data: { d: 3, spectrum: [1, 0, 2] } }, 'data.spectrum[1]', /\(0, 1000000000000\]/],
    ['a zero ground truth', { data: { d: 3, groundTruth: [0, 0, 0] } }, 'data.groundTruth', /zero vector/],
    ['label noise of one half', { sft: { labelNoise: 0.5 } }, 'sft.labelNoise', /\[0, 0\.5\)/],
    ['teachers pretrained on as much data as the student', { pretrain: { teacherPoints: 5000 } }, 'pretrain.teacherPoints', /strict superset/],
    ['the reduced path on anisotropic data', { data: { spectrum: { powerLaw: 1 } }, engine: { path: 'reduced' } }, 'engine.path', /projected/],
    ['the projected path on the product law', { data: { law: 'product-uniform' }, engine: { path: 'projected' } }, 'engine.path', /elliptical/],
    ['a fractional seed', { seed: 1.5 }, 'seed', /integer/],
    ['a negative seed', { seed: -1 }, 'seed', /integer/],
    ['a seed beyond 2^53', { seed: 2 ** 53 }, 'seed', /integer/],
    ['a held-out sample too large for memory', { data: { law: 'product-uniform', d: 100_000, heldOutSize: 10_000 } }, 'data.heldOutSize', /memory/],
  ];
  for (const [what, input, field, rule] of cases) {
    it(`${what} → ${field}`, () => {
      const r = parseSpec(input);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      const line = r.errors.find((e) => e.startsWith(`${field}:`));
      expect(line, r.errors.join(' | ')).toBeDefined();
      expect(line).toMatch(rule);
      expect(() => validateSpec(input)).toThrow(SpecError);
    });
  }
});

describe('engine path', () => {
  it('auto picks the fastest exact path', () => {
    expect(resolvePath(validateSpec({}))).toBe('reduced');
    expect(resolvePath(validateSpec({ data: { law: 'student-t', nu: 5 } }))).toBe('reduced');
    expect(resolvePath(validateSpec({ data: { spectrum: { powerLaw: 1 } } }))).toBe('projected');
    expect(resolvePath(validateSpec({ sft: { earlyStopping: 'validation' } }))).toBe('projected');
    expect(resolvePath(validateSpec({ data: { law: 'product-uniform' } }))).toBe('dense');
    expect(resolvePath(validateSpec({ sft: { finiteSet: 500 } }))).toBe('dense');
    expect(resolvePath(validateSpec({ data: { d: 2 } }))).toBe('dense');
  });
});
