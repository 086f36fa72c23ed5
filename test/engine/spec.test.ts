/**
 * The experiment spec (docs/spec.md §7): `{}` is the paper's random-teacher experiment with every default
 * filled in; each kind of bad input is refused with the field named and the allowed range (or the
 * reason) stated; `engine.path: auto` takes the fastest exact path; presets parse and a filled
 * spec is a fixed point of parseSpec.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultBatchSize, type ExperimentSpec, parseSpec, pathObstacle, resolvePath, type ResolvedPath, SpecError, validateSpec } from '../../src/engine/spec';

const PRESETS = join(__dirname, '..', '..', 'resources', 'presets');

function parsed(input: unknown): ExperimentSpec {
  const r = parseSpec(input);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(input)} to parse: ${r.errors.join(' | ')}`);
  return r.spec;
}

describe('defaults', () => {
  it('{} is the paper’s random-teacher experiment, every default filled in', () => {
    const spec = parsed({});
    expect(spec.setup).toBe('random-teacher');
    expect(spec.seed).toBe(0);
    expect(spec.data).toEqual({ law: 'gaussian', d: 100, spectrum: 'isotropic', groundTruth: 'random', heldOutSize: 10_000 });
    expect(spec.beta).toBe(1);
    expect(spec.student).toEqual({ accuracy: 0.8, norm: [1] });
    expect(spec.teachers).toEqual({ count: 100, accuracy: [0.7], norm: 1 });
    expect(spec.sft.steps).toBe(1000);
    expect(spec.sft.batchSize).toBe(10_000);
    expect(spec.sft.earlyStopping).toBe('oracle');
    expect(spec.sft.labelNoise).toBe(0);
    expect(spec.sft.finiteSet).toBeNull();
    expect(spec.sft.softLabels).toBe(false);
    expect(spec.engine.path).toBe('auto');
    // logspace(-5, 1, 7), against 10^k written out independently.
    const grid = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];
    expect(spec.sft.learningRates).toHaveLength(grid.length);
    spec.sft.learningRates.forEach((lr, i) => expect(Math.abs(lr - grid[i]) / grid[i]).toBeLessThanOrEqual(1e-12));
  });

  it('the default batch is 10 000 for random teachers and 1 000 for shared pretraining; an explicit one is kept', () => {
    expect(parsed({ setup: 'random-teacher' }).sft.batchSize).toBe(10_000);
    expect(parsed({ setup: 'shared-pretraining' }).sft.batchSize).toBe(1000);
    expect(parsed({ setup: 'shared-pretraining', sft: { batchSize: 37 } }).sft.batchSize).toBe(37);
    expect(parsed({ sft: { batchSize: 37 } }).sft.batchSize).toBe(37);
    expect(defaultBatchSize('random-teacher')).toBe(parsed({}).sft.batchSize);
    expect(defaultBatchSize('shared-pretraining')).toBe(parsed({ setup: 'shared-pretraining' }).sft.batchSize);
  });

  it("the dense path's memory limit counts the batch the setup will use when none is given", () => {
    // 1 000 × 6 000 numbers fit; the explicit 10 000 × 6 000 do not.
    const doc = { setup: 'shared-pretraining', data: { law: 'product-uniform', d: 6000, heldOutSize: 1000 } };
    expect(parsed(doc).sft.batchSize).toBe(1000);
    const r = parseSpec({ ...doc, sft: { batchSize: 10_000 } });
    expect(r.ok ? [] : r.errors).toEqual([expect.stringMatching(/^sft\.batchSize: dense-path batch × d = 10000 × 6000 exceeds/)]);
  });

  it('a scalar student norm or teacher accuracy becomes a one-element list; lists are kept in order', () => {
    expect(parsed({ student: { norm: 3 } }).student.norm).toEqual([3]);
    expect(parsed({ student: { norm: [0.5, 10, 1] } }).student.norm).toEqual([0.5, 10, 1]);
    expect(parsed({ teachers: { accuracy: 0.65 } }).teachers.accuracy).toEqual([0.65]);
    expect(parsed({ teachers: { accuracy: [0.75, 0.55] } }).teachers.accuracy).toEqual([0.75, 0.55]);
  });

  it('parseSpec does not change its input', () => {
    const input = { student: { norm: 3 }, sft: { steps: 5 } };
    const before = JSON.stringify(input);
    parsed(input);
    expect(JSON.stringify(input)).toBe(before);
  });
});

describe('rejections name the field and the allowed range or the reason', () => {
  // [what, input, the field the error line starts with, the range or reason it must state]
  const cases: [string, unknown, string, string | RegExp][] = [
    ['teacher accuracy at chance', { teachers: { accuracy: 0.5 } }, 'teachers.accuracy', '(0.5, 1]'],
    ['teacher accuracy below chance', { teachers: { accuracy: 0.3 } }, 'teachers.accuracy', 'beat chance'],
    ['teacher accuracy in percent', { teachers: { accuracy: 70 } }, 'teachers.accuracy', 'as a fraction (0.7, not 70)'],
    ['one bad accuracy in a list', { teachers: { accuracy: [0.7, 0.45, 0.6] } }, 'teachers.accuracy[1]', '(0.5, 1]'],
    ['d = 1', { data: { d: 1 } }, 'data.d', 'integer in [2, 1000000]'],
    ['d = 2.5', { data: { d: 2.5 } }, 'data.d', 'integer in [2, 1000000]'],
    ['d as a string', { data: { d: '100' } }, 'data.d', 'integer in [2, 1000000]'],
    ['batch size 0', { sft: { batchSize: 0 } }, 'sft.batchSize', 'integer in [1, 10000000]'],
    ['a negative learning rate', { sft: { learningRates: [0.1, -1] } }, 'sft.learningRates[1]', '(0, 1000000]'],
    ['a zero learning rate', { sft: { learningRates: [0] } }, 'sft.learningRates[0]', '(0, 1000000]'],
    ['no learning rates', { sft: { learningRates: [] } }, 'sft.learningRates', 'at least one learning rate'],
    ['student norm 0', { student: { norm: 0 } }, 'student.norm', 'no direction'],
    ['a negative student norm', { student: { norm: -2 } }, 'student.norm', '(0, 1e6]'],
    ['a negative student norm in a list', { student: { norm: [1, -2] } }, 'student.norm[1]', '(0, 1e6]'],
    ['a perfect student', { student: { accuracy: 1 } }, 'student.accuracy', '(0, 1)'],
    ['an unknown top-level key', { foo: 1 }, 'foo', 'unknown key'],
    ['an unknown nested key', { sft: { bogus: true } }, 'sft.bogus', 'unknown key'],
    ['setup foo', { setup: 'foo' }, 'setup', "'random-teacher', 'shared-pretraining' or 'random-features'"],
    ['law cauchy', { data: { law: 'cauchy' } }, 'data.law', "'gaussian', 'student-t', 'product-uniform'"],
    ['early stopping best', { sft: { earlyStopping: 'best' } }, 'sft.earlyStopping', "'oracle', 'validation', 'teacher'"],
    ['Student-t without ν', { data: { law: 'student-t' } }, 'data.nu', 'required for law student-t'],
    ['ν = 2', { data: { law: 'student-t', nu: 2 } }, 'data.nu', '(2, 1e6]'],
    ['ν for a Gaussian', { data: { law: 'gaussian', nu: 5 } }, 'data.nu', 'only to law student-t'],
    ['a spectrum of length ≠ d', { data: { d: 4, spectrum: [1, 2, 3] } }, 'data.spectrum', 'exactly d = 4'],
    ['a zero eigenvalue', { data: { d: 3, spectrum: [1, 0, 2] } }, 'data.spectrum[1]', '(0, 1000000000000]'],
    ['a negative eigenvalue', { data: { d: 3, spectrum: [1, 2, -0.5] } }, 'data.spectrum[2]', '(0, 1000000000000]'],
    ['a zero ground truth', { data: { d: 3, groundTruth: [0, 0, 0] } }, 'data.groundTruth', 'zero vector'],
    ['label noise one half', { sft: { labelNoise: 0.5 } }, 'sft.labelNoise', '[0, 0.5)'],
    ['teachers pretrained on as many points as the student', { pretrain: { teacherPoints: 5000 } }, 'pretrain.teacherPoints', '< pretrain.studentPoints'],
    ['teachers pretrained on more points than the student', { pretrain: { studentPoints: 100, teacherPoints: 200 } }, 'pretrain.teacherPoints', '< pretrain.studentPoints = 100'],
    ['the reduced path with a spectrum', { data: { d: 3, spectrum: [1, 2, 3] }, engine: { path: 'reduced' } }, 'engine.path', 'projected'],
    ['the projected path on product-uniform data', { data: { law: 'product-uniform' }, engine: { path: 'projected' } }, 'engine.path', 'product-uniform'],
    ['a non-integer seed', { seed: 1.5 }, 'seed', 'integer in [0, 9007199254740991]'],
    ['a negative seed', { seed: -1 }, 'seed', 'integer in [0, 9007199254740991]'],
    ['a seed beyond 2^53', { seed: 2 ** 53 + 2 }, 'seed', 'integer in [0, 9007199254740991]'],
  ];

  for (const [what, input, field, rule] of cases) {
    it(`${what} → ${field}`, () => {
      const r = parseSpec(input);
      expect(r.ok, JSON.stringify(input)).toBe(false);
      if (r.ok) return;
      const line = r.errors.find((e) => e.startsWith(`${field}: `));
      expect(line, `no error for ${field} in: ${r.errors.join(' | ')}`).toBeDefined();
      if (typeof rule === 'string') expect(line).toContain(rule);
      else expect(line).toMatch(rule);
      let thrown: unknown;
      try {
        validateSpec(input);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SpecError);
      const error = thrown as SpecError;
      expect(error.message).toContain(`${field}: `);
      expect(error.problems).toEqual(r.errors);
    });
  }

  it('a value error quotes the offending value back: `field: rule (got X)`', () => {
    const quoted: [unknown, string][] = [
      [{ data: { d: 1 } }, 'data.d: must be an integer in [2, 1000000] (got 1)'],
      [{ data: { d: '100' } }, '(got "100")'],
      [{ teachers: { accuracy: 70 } }, '(got 70)'],
      [{ setup: 'foo' }, '(got "foo")'],
    ];
    for (const [input, text] of quoted) {
      const r = parseSpec(input);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.join('\n')).toContain(text);
    }
  });

  it('every problem of a spec is listed, not only the first', () => {
    const r = parseSpec({ data: { d: 1 }, teachers: { accuracy: 70 }, bogus: 1 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    for (const field of ['data.d: ', 'teachers.accuracy: ', 'bogus: ']) expect(r.errors.some((e) => e.startsWith(field))).toBe(true);
  });

  it('a boundary that is allowed parses: teacher accuracy 1, d = 2, label noise 0.49, seed 2^53 − 1', () => {
    for (const input of [{ teachers: { accuracy: 1 } }, { data: { d: 2 } }, { sft: { labelNoise: 0.49 } }, { seed: 2 ** 53 - 1 }, { data: { law: 'student-t', nu: 2.0001 } }]) {
      expect(parseSpec(input).ok, JSON.stringify(input)).toBe(true);
    }
  });
});

describe('resolvePath: engine.path auto takes the fastest exact path', () => {
  const cases: [string, unknown, ResolvedPath][] = [
    ['isotropic Gaussian', {}, 'reduced'],
    ['isotropic Student-t', { data: { law: 'student-t', nu: 5 } }, 'reduced'],
    ['a spectrum (list)', { data: { d: 3, spectrum: [1, 2, 3] } }, 'projected'],
    ['a spectrum (power law)', { data: { spectrum: { powerLaw: 1 } } }, 'projected'],
    ['validation early stopping', { sft: { earlyStopping: 'validation' } }, 'projected'],
    ['product-uniform', { data: { law: 'product-uniform' } }, 'dense'],
    ['a finite SFT set', { sft: { finiteSet: 500 } }, 'dense'],
    ['d = 2', { data: { d: 2 } }, 'dense'],
  ];
  for (const [what, input, path] of cases) {
    it(`${what} → ${path}`, () => {
      const spec = parsed(input);
      expect(resolvePath(spec)).toBe(path);
      // The law behind it: the chosen path can run the spec, and every faster one cannot.
      const order: ResolvedPath[] = ['reduced', 'projected', 'dense'];
      expect(pathObstacle(spec, path)).toBeNull();
      for (const faster of order.slice(0, order.indexOf(path))) expect(pathObstacle(spec, faster)).toEqual(expect.any(String));
    });
  }

  it('an explicit path that can run the spec is taken as is', () => {
    expect(resolvePath(parsed({ engine: { path: 'dense' } }))).toBe('dense');
    expect(resolvePath(parsed({ engine: { path: 'projected' } }))).toBe('projected');
  });
});

describe('presets and round trips', () => {
  const files = readdirSync(PRESETS).filter((f) => f.endsWith('.json'));

  it('the four paper presets are there', () => {
    expect(files).toEqual(expect.arrayContaining(['figure1.json', 'figure2.json', 'figure3.json', 'quick.json']));
  });

  for (const file of ['figure1.json', 'figure2.json', 'figure3.json', 'quick.json']) {
    it(`${file} parses, and its filled spec survives JSON and parses to itself`, () => {
      const spec = parsed(JSON.parse(readFileSync(join(PRESETS, file), 'utf8')));
      const again = parsed(JSON.parse(JSON.stringify(spec)));
      expect(again).toEqual(spec);
      expect(parsed(JSON.parse(JSON.stringify(again)))).toEqual(spec);
    });
  }

  it('figure 3 is shared pretraining with the pretraining defaults of docs/spec.md §7', () => {
    const spec = parsed(JSON.parse(readFileSync(join(PRESETS, 'figure3.json'), 'utf8')));
    expect(spec.setup).toBe('shared-pretraining');
    expect(spec.pretrain).toMatchObject({ studentPoints: 5000, studentSteps: 25, teacherPoints: 1000, teacherSteps: 10 });
    expect(spec.sft.batchSize).toBe(1000);
  });

  it('a filled default spec round-trips too', () => {
    const spec = parsed({});
    expect(parsed(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });
});
