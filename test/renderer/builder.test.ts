import { describe, expect, it } from 'vitest';
import { defaultBatchSize, logspace, parseSpec } from '../../src/engine/spec';
import { errorsByField, FIELD_IDS, FIELDS, SECTIONS, visibleFields } from '../../src/renderer/src/builder/fields';
import { checkForm, specFromForm } from '../../src/renderer/src/builder/formToSpec';
import { importSpec, specJson } from '../../src/renderer/src/builder/json';
import { ENGINE_PATHS, EXACT_PATHS, withChoice, withPreview, withSetup } from '../../src/renderer/src/builder/model';
import { fieldsInError, formSize } from '../../src/renderer/src/builder/size';
import { defaultForm, formFromSpec } from '../../src/renderer/src/builder/specToForm';
import { basisText, choiceTimeText, formatCount, formatDuration, timeText } from '../../src/renderer/src/builder/format';
import { logspaceText, parseNumber, parseNumberList } from '../../src/renderer/src/builder/parse';
import { PRESETS } from '../../src/renderer/src/presets';

function parsed(doc: unknown) {
  const r = parseSpec(doc);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.spec;
}

/** parseSpec's errors for a bad document (the test fails if it is accepted). */
function errorsOf(doc: unknown): string[] {
  const r = parseSpec(doc);
  if (r.ok) throw new Error(`expected ${JSON.stringify(doc)} to be rejected`);
  return r.errors;
}

describe('form ⇄ spec', () => {
  for (const preset of PRESETS) {
    it(`round-trips the ${preset.key} preset to the same validated spec`, () => {
      const { spec, errors } = specFromForm(formFromSpec(preset.spec));
      expect(errors).toEqual([]);
      // Valid JSON: nothing undefined, NaN or Infinity survives a JSON round trip unchanged.
      expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
      expect(parsed(spec)).toEqual(parsed(preset.spec));
      expect(checkForm(formFromSpec(preset.spec)).valid).toEqual(parsed(preset.spec));
    });
  }

  it('round-trips a spec that sets every optional field', () => {
    const doc = {
      name: 'everything',
      setup: 'random-teacher',
      seed: 12345,
      data: { law: 'student-t', d: 4, spectrum: [4, 3, 2, 1], nu: 5, groundTruth: [1, -2, 0.5, 3], heldOutSize: 500 },
      beta: 2.5,
      student: { accuracy: 0.75, norm: [0.5, 2] },
      teachers: { count: 7, accuracy: [0.6, 0.9], norm: 3 },
      sft: {
        batchSize: 64,
        steps: 30,
        learningRates: [0.001, 0.1],
        earlyStopping: 'validation',
        validationSize: 200,
        softLabels: { beta: 4 },
        labelNoise: 0.1,
        finiteSet: 300,
        ceiling: false,
        recordEvery: 3,
      },
      engine: { path: 'dense' },
    };
    const { spec, errors } = specFromForm(formFromSpec(doc));
    expect(errors).toEqual([]);
    expect(parsed(spec)).toEqual(parsed(doc));
  });

  it('keeps a power-law spectrum and the shared-pretraining fields', () => {
    const doc = {
      setup: 'shared-pretraining',
      data: { spectrum: { powerLaw: 1.5 } },
      pretrain: { initStd: 0.2, learningRate: 0.05, studentPoints: 4000, studentSteps: 5, teacherPoints: 500, teacherSteps: 3 },
    };
    const { spec } = specFromForm(formFromSpec(doc));
    expect(spec.data).toMatchObject({ spectrum: { powerLaw: 1.5 } });
    expect(parsed(spec)).toEqual(parsed(doc));
  });

  it('leaves out the student (and teacher accuracy and norm) for shared pretraining, pretrain for random teachers', () => {
    const shared = specFromForm(withSetup(defaultForm(), 'shared-pretraining')).spec;
    expect(shared).not.toHaveProperty('student');
    expect(shared.teachers).toEqual({ count: 100 });
    expect(shared).toHaveProperty('pretrain');
    const random = specFromForm(defaultForm()).spec;
    expect(random).toHaveProperty('student');
    expect(random).not.toHaveProperty('pretrain');
    // Fields hidden by the setup are not offered either.
    expect(visibleFields(formFromSpec(PRESETS[3].spec), 'student')).toEqual([]);
  });

  it('paper defaults: d 100, β 1, 100 teachers at 70 %, student 80 % of norm 1, 1 000 steps, 7 learning rates', () => {
    const form = defaultForm();
    expect(form['data.d']).toBe('100');
    expect(form.beta).toBe('1');
    expect(form['teachers.count']).toBe('100');
    expect(form['teachers.accuracy']).toBe('0.7');
    expect(form['student.accuracy']).toBe('0.8');
    expect(form['student.norm']).toBe('1');
    expect(form['sft.steps']).toBe('1000');
    expect(form['sft.batchSize']).toBe('10000');
    expect(parseNumberList(form['sft.learningRates'], 'sft.learningRates')).toEqual({ ok: true, value: logspace(-5, 1, 7) });
    expect(form['sft.earlyStopping']).toBe('oracle');
    expect(defaultForm('shared-pretraining')['sft.batchSize']).toBe('1000');
    expect(parsed(specFromForm(defaultForm()).spec)).toEqual(parsed({}));
  });

  it('switching setup moves a default batch size along and keeps a chosen one', () => {
    expect(withSetup(defaultForm(), 'shared-pretraining')['sft.batchSize']).toBe('1000');
    const custom = { ...defaultForm(), 'sft.batchSize': '256' };
    expect(withSetup(custom, 'shared-pretraining')['sft.batchSize']).toBe('256');
  });

  it("a select sets its own key; the setup's goes through withSetup; the form passed in is not changed", () => {
    const form = defaultForm();
    expect(withChoice(form, 'data.law', 'student-t')).toEqual({ ...form, 'data.law': 'student-t' });
    expect(withChoice(form, 'setup', 'shared-pretraining')).toEqual(withSetup(form, 'shared-pretraining'));
    expect(form['data.law']).toBe('gaussian');
    expect(form.setup).toBe('random-teacher');
  });

  it("an empty batch size is the engine's default for the setup, in the form and in the size", () => {
    for (const setup of ['random-teacher', 'shared-pretraining'] as const) {
      expect(defaultForm(setup)['sft.batchSize']).toBe(String(defaultBatchSize(setup)));
      const form = defaultForm(setup);
      expect(formSize({ ...form, 'sft.batchSize': '' }).samples).toBe(formSize(form).samples);
    }
  });

  it('shows no count that rests on a field in error (B = −5 is not "−42 k samples")', () => {
    const form = { ...defaultForm(), 'sft.batchSize': '-5' };
    const { errors } = checkForm(form);
    expect(errors.some((e) => e.startsWith('sft.batchSize:'))).toBe(true);
    // Without the errors the count would be the negative product; with them, none.
    expect(formSize(form).samples).toBeLessThan(0);
    const size = formSize(form, fieldsInError(errors));
    expect(size.samples).toBeNull();
    expect(size.runs).toBe(formSize(defaultForm()).runs);
    const badList = { ...defaultForm(), 'student.norm': '1, -2' };
    const listSize = formSize(badList, fieldsInError(checkForm(badList).errors));
    expect([listSize.cells, listSize.runs, listSize.samples]).toEqual([null, null, null]);
  });

  it('every form key that holds spec text has a field row, and every row id is unique', () => {
    expect(new Set(FIELD_IDS).size).toBe(FIELD_IDS.length);
    // Rows come section by section, in the form's order; a row's id is the key its input edits.
    const order = SECTIONS.map((s) => s.id);
    expect(FIELDS.map((f) => order.indexOf(f.section))).toEqual(FIELDS.map((f) => order.indexOf(f.section)).sort((a, b) => a - b));
    for (const f of FIELDS) expect(f.id).toBe(f.input.key);
    const keys = new Set(FIELDS.flatMap((f) => (f.input.type === 'choice' ? [f.input.key, ...Object.values(f.input.detail).map((d) => d.key)] : [f.input.key])));
    expect([...keys].sort()).toEqual(Object.keys(defaultForm()).sort());
  });
});

describe('reading numbers and lists', () => {
  it('reads lists typed in the usual ways', () => {
    expect(parseNumberList('0.5, 1, 3, 10', 'student.norm')).toEqual({ ok: true, value: [0.5, 1, 3, 10] });
    expect(parseNumberList('0.5 1 3 10', 'student.norm')).toEqual({ ok: true, value: [0.5, 1, 3, 10] });
    expect(parseNumberList('[1e-5; 1E-3,]', 'sft.learningRates')).toEqual({ ok: true, value: [1e-5, 1e-3] });
    expect(parseNumberList('55 %, 70%', 'teachers.accuracy')).toEqual({ ok: true, value: [0.55, 0.7] });
    expect(parseNumberList('logspace(-5, 1, 7)', 'sft.learningRates')).toEqual({ ok: true, value: logspace(-5, 1, 7) });
    expect(parseNumberList('  ', 'sft.learningRates')).toEqual({ ok: true, value: [] });
    expect(parseNumber('10 000', 'sft.batchSize')).toEqual({ ok: true, value: 10_000 });
  });

  it('rejects garbage with a message naming the field', () => {
    for (const [text, field] of [
      ['0.5, abc, 3', 'student.norm'],
      ['1,,2', 'teachers.accuracy'],
      ['0x10', 'sft.learningRates'],
      ['logspace(-5, 1, 2.5)', 'sft.learningRates'],
      ['1, Infinity', 'student.norm'],
    ]) {
      const r = parseNumberList(text, field);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.error.startsWith(`${field}: `), r.error).toBe(true);
    }
    const n = parseNumber('twelve', 'sft.steps');
    expect(n).toEqual({ ok: false, error: expect.stringMatching(/^sft\.steps: 'twelve' is not a number/) });
    expect(parseNumber('', 'seed')).toEqual({ ok: false, error: 'seed: is empty: enter a number' });
  });

  it("fills the learning rates from the logspace row's three boxes, or says what is wrong without a field name", () => {
    expect(logspaceText('-5', '1', '7')).toEqual({ ok: true, value: logspace(-5, 1, 7).join(', ') });
    expect(logspaceText('-1', '1', '1')).toEqual({ ok: true, value: '0.1' });
    expect(logspaceText('-5', '1', '2.5')).toEqual({ ok: false, error: 'logspace(a, b, n) needs n an integer in [1, 64] (got 2.5)' });
    expect(logspaceText('x', '1', '7')).toEqual({ ok: false, error: 'logspace(a, b, n) needs three numbers, e.g. logspace(-5, 1, 7)' });
    expect(logspaceText('', '1', '7')).toEqual({ ok: false, error: 'enter three numbers a, b and n' });
  });

  it('a form with unreadable text reports that field once and leaves it out of the spec', () => {
    const form = { ...defaultForm(), 'teachers.accuracy': '0.6, sixty' };
    const check = checkForm(form);
    expect(check.valid).toBeNull();
    expect(check.spec.teachers).not.toHaveProperty('accuracy');
    expect(errorsByField(check.errors).byField).toEqual({ 'teachers.accuracy': [expect.stringContaining("'sixty'")] });
  });
});

describe('errorsByField', () => {
  it('maps real parseSpec errors to their fields', () => {
    const cases: [unknown, string][] = [
      [{ teachers: { accuracy: 0.4 } }, 'teachers.accuracy'],
      [{ teachers: { accuracy: [0.7, 70] } }, 'teachers.accuracy'],
      [{ sft: { learningRates: [] } }, 'sft.learningRates'],
      [{ data: { d: 1 } }, 'data.d'],
      [{ student: { norm: [1, -1] } }, 'student.norm'],
      [{ data: { spectrum: { powerLaw: 20 } } }, 'data.spectrum'],
      [{ data: { spectrum: [1, 2] } }, 'data.spectrum'],
      [{ sft: { softLabels: { beta: -1 } } }, 'sft.softLabels'],
      [{ data: { law: 'student-t' } }, 'data.nu'],
      [{ pretrain: { teacherPoints: 6000 } }, 'pretrain.teacherPoints'],
      [{ engine: { path: 'reduced' }, data: { spectrum: { powerLaw: 1 } } }, 'engine.path'],
      [{ name: 5 }, 'name'],
      [{ seed: -1 }, 'seed'],
    ];
    for (const [doc, field] of cases) {
      const errors = errorsOf(doc);
      const { byField, general } = errorsByField(errors);
      expect(general, JSON.stringify(doc)).toEqual([]);
      expect(Object.keys(byField), JSON.stringify(doc)).toEqual([field]);
    }
  });

  it('strips the path and names the item of a list', () => {
    const { byField } = errorsByField(errorsOf({ teachers: { accuracy: [0.7, 0.4] } }));
    expect(byField['teachers.accuracy']).toEqual(['item 2: must be in (0.5, 1]: a teacher must beat chance (50 %), as a fraction (0.7, not 70) (got 0.4)']);
    expect(errorsByField(errorsOf({ data: { d: 1 } })).byField['data.d']).toEqual(['must be an integer in [2, 1000000] (got 1)']);
  });

  it('sends unknown keys, whole-spec errors and fields not shown to the general list', () => {
    const errors = [...errorsOf({ foo: 1, data: { bar: 2 } }), ...errorsOf('x'), 'no colon here'];
    expect(errorsByField(errors)).toEqual({ byField: {}, general: errors });
    const hidden = errorsOf({ setup: 'shared-pretraining', student: { accuracy: 2 } });
    const shown = FIELDS.filter((f) => f.applies?.(formFromSpec({ setup: 'shared-pretraining' })) ?? true).map((f) => f.id);
    expect(errorsByField(hidden, shown)).toEqual({ byField: {}, general: hidden });
  });
});

describe('size of the experiment', () => {
  it('is the grid of initial norms × teacher accuracies, each run by every teacher, the ceiling and every learning rate', () => {
    const figure2 = formFromSpec(PRESETS[2].spec);
    expect(formSize(figure2)).toEqual({ norms: 4, accuracies: 5, cells: 20, runs: 20 * 101 * 7, samples: 20 * 101 * 7 * 1000 * 10_000, steps: 20 * 101 * 7 * 1000 });
    const figure3 = formSize(formFromSpec(PRESETS[3].spec));
    expect(figure3.cells).toBe(1);
    expect(figure3.samples).toBe(7.07e8);
    expect(formSize({ ...figure2, 'student.norm': '1, x' }).cells).toBeNull();
  });
});

describe('import', () => {
  it('loads a valid document and reports the problems of an invalid one, keeping its bad values to fix', () => {
    expect(importSpec(JSON.stringify(PRESETS[1].spec))).toEqual({ form: formFromSpec(PRESETS[1].spec), errors: [], refused: [] });
    const bad = importSpec('{"teachers": {"accuracy": 70}, "extra": true}');
    expect(bad.form?.['teachers.accuracy']).toBe('70');
    expect(bad.errors).toHaveLength(2);
    expect(importSpec('{oops').errors[0]).toMatch(/^\(spec\): not valid JSON/);
    expect(importSpec('[1, 2]')).toEqual({ form: null, errors: [expect.stringContaining('must be a JSON object')], refused: [] });
  });

  it('refuses what the form cannot hold, as the CLI does: a misspelt key loads a form that alone looks valid, so it is listed as refused', () => {
    const misspelt = importSpec('{"teachers": {"cuont": 20}, "sft": {"steps": 300, "lerningRates": [0.1]}}');
    expect(misspelt.refused).toEqual(['teachers.cuont: unknown key', 'sft.lerningRates: unknown key']);
    expect(misspelt.errors).toEqual(misspelt.refused);
    // The form holds the defaults in their place and is valid on its own: only the refusal keeps Start off.
    expect(misspelt.form?.['teachers.count']).toBe('100');
    expect(checkForm(misspelt.form!).valid).not.toBeNull();
    // A choice the form does not offer is dropped by the form (its default shows): refused too.
    const law = importSpec('{"data": {"law": "gauss"}}');
    expect(law.refused).toHaveLength(1);
    expect(law.refused[0]).toMatch(/^data\.law: /);
    // A bad value the form keeps as text is the form's to fix: marked there, not refused.
    const shown = importSpec('{"teachers": {"accuracy": 70}}');
    expect(shown.errors).toHaveLength(1);
    expect(shown.refused).toEqual([]);
    expect(checkForm(shown.form!).valid).toBeNull();
  });

  it('lets no document the engine refuses (and so w2s run) reach Start: refused, or invalid in the form', () => {
    const base = PRESETS[1].spec as Record<string, unknown>;
    const section = (key: string) => (base[key] ?? {}) as Record<string, unknown>;
    const docs: unknown[] = [
      { ...base, extra: true },
      { ...base, teachers: { ...section('teachers'), count: 0 } },
      { ...base, teachers: { ...section('teachers'), cuont: 3 } },
      { ...base, sft: { ...section('sft'), learningRates: [0.1, 'x'] } },
      { ...base, sft: { ...section('sft'), earlyStopping: 'never' } },
      { ...base, sft: { ...section('sft'), softLabels: { beta: 1, temperature: 2 } } },
      { ...base, sft: { ...section('sft'), loss: { kind: 'auxConfidence', alpha: 0.5, ramp: 'cubic' } } },
      { ...base, sft: { ...section('sft'), loss: { kind: 'focal' } } },
      { ...base, data: { ...section('data'), law: 'student-t' } },
      { ...base, data: { ...section('data'), spectrum: { powerLaw: 1, cutoff: 3 } } },
      { ...base, data: { ...section('data'), groundTruth: 'learned' } },
      { ...base, engine: { path: 'gpu' } },
      { ...base, engine: { path: 'reduced', threads: 4 } },
      { ...base, setup: 'teacher-student' },
      { ...base, seed: -1 },
      { ...base, student: { ...section('student'), accuracy: 1.2, norms: [1] } },
      { ...base, pretrain: { initStd: 0.1, steps: 3 } },
    ];
    for (const doc of docs) {
      expect(parseSpec(doc).ok, JSON.stringify(doc)).toBe(false);
      const { form, refused } = importSpec(JSON.stringify(doc));
      expect(refused.length > 0 || checkForm(form!).valid === null, JSON.stringify(doc)).toBe(true);
    }
    // And a valid one loads with nothing refused and a form that starts.
    const fine = importSpec(JSON.stringify(base));
    expect(fine.refused).toEqual([]);
    expect(checkForm(fine.form!).valid).not.toBeNull();
  });
});

describe('JSON preview', () => {
  it('is pretty JSON that reads back as the same document, each list of numbers on one line', () => {
    const { spec } = specFromForm(formFromSpec(PRESETS[2].spec));
    const text = specJson(spec);
    expect(JSON.parse(text)).toEqual(spec);
    expect(text).toContain('\n    "norm": [0.5, 1, 3, 10]\n');
    expect(text).toContain('"learningRates": [0.00001, 0.0001, 0.001, 0.01, 0.1, 1, 10]');
    expect(text.startsWith('{\n  "name": "Figure 2')).toBe(true);
  });
});

describe('formatting', () => {
  it('counts samples with an SI prefix and three significant digits', () => {
    expect(formatCount(7.07e10)).toBe('70.7 G samples');
    expect(formatCount(2.828e10)).toBe('28.3 G samples');
    expect(formatCount(1.414e11)).toBe('141 G samples');
    expect(formatCount(999_950)).toBe('1 M samples');
    expect(formatCount(5000)).toBe('5 k samples');
    expect(formatCount(800)).toBe('800 samples');
    expect(formatCount(1)).toBe('1 sample');
    expect(formatCount(0)).toBe('0 samples');
  });

  it('says durations in their two largest units', () => {
    expect(formatDuration(0.2)).toBe('< 1 s');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(59.6)).toBe('1 min');
    expect(formatDuration(270)).toBe('4 min 30 s');
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(7500)).toBe('2 h 5 min');
    expect(formatDuration(3 * 86400 + 4 * 3600)).toBe('3 d 4 h');
    expect(formatDuration(Number.NaN)).toBe('—');
  });

  it("says the expected time, or why there is none, and what it rests on as a sentence", () => {
    const reply = { ok: true, expectedSeconds: 270, estimateBasis: 'calibration probe just run (reduced path)' };
    expect(timeText(true, false, reply)).toBe('about 4 min 30 s');
    expect(timeText(false, false, reply)).toBe('—');
    expect(timeText(true, true, reply)).toBe('the lab did not answer');
    expect(timeText(true, false, null)).toBe('estimating…');
    expect(timeText(true, false, { ...reply, ok: false })).toBe('—');
    expect(timeText(true, false, { ...reply, expectedSeconds: null })).toBe('not measured yet');
    // Short times in tenths of a second, so that two small estimates can be told apart.
    expect(timeText(true, false, { ...reply, expectedSeconds: 0.24 })).toBe('about 0.2 s');
    expect(timeText(true, false, { ...reply, expectedSeconds: 0.01 })).toBe('under 0.1 s');
    expect(timeText(true, false, { ...reply, expectedSeconds: 9.96 })).toBe('about 10 s');
    expect(basisText(null, reply)).toBe('Calibration probe just run (reduced path).');
    expect(basisText(null, { ...reply, estimateBasis: '' })).toBe('');
    expect(basisText(null, null)).toBe('');
    expect(basisText('connection refused', reply)).toBe('Could not reach the lab for a time estimate: connection refused');
  });
});

describe('Preview or Exact', () => {
  it("offers every path the engine's schema has: preview on one side, the exact ones in the select", () => {
    const refusal = errorsOf({ engine: { path: 'nowhere' } })[0];
    expect(refusal).toMatch(/^engine\.path: /);
    expect([...refusal.matchAll(/'(\w+)'/g)].map((m) => m[1]).filter((w) => w !== 'nowhere').sort()).toEqual([...ENGINE_PATHS].sort());
    for (const path of ENGINE_PATHS) expect(parsed({ engine: { path } }).engine.path).toBe(path);
    expect(new Set([...EXACT_PATHS, 'preview'])).toEqual(new Set(ENGINE_PATHS));
    const select = FIELDS.find((f) => f.id === 'engine.path');
    expect(select?.input.type === 'select' ? select.input.options.map((o) => o.value) : []).toEqual([...EXACT_PATHS]);
  });

  it('a preview spec loads as a preview form (the select hidden) and goes back to auto on Exact', () => {
    const form = formFromSpec({ engine: { path: 'preview' } });
    expect(form['engine.path']).toBe('preview');
    expect(checkForm(form).valid?.engine.path).toBe('preview');
    expect(visibleFields(form, 'engine')).toEqual([]);
    const exact = withPreview(form, false);
    expect(exact['engine.path']).toBe('auto');
    expect(visibleFields(exact, 'engine').map((f) => f.id)).toEqual(['engine.path']);
    expect(withPreview(exact, true)['engine.path']).toBe('preview');
    // A forced exact path stays when Exact is chosen again.
    const dense = { ...defaultForm(), 'engine.path': 'dense' as const };
    expect(withPreview(dense, false)).toBe(dense);
  });

  it("says each side's time, or why it has none", () => {
    expect(choiceTimeText(null)).toBe('estimating…');
    expect(choiceTimeText({ path: 'preview', refused: [], expectedSeconds: 2.4 })).toBe('about 2.4 s');
    expect(choiceTimeText({ path: 'reduced', refused: [], expectedSeconds: 270 })).toBe('about 4 min 30 s');
    expect(choiceTimeText({ path: 'reduced', refused: [], expectedSeconds: null })).toBe('not measured yet');
    expect(choiceTimeText({ path: null, refused: ['sft.batchSize: must be ≥ 100'], expectedSeconds: null })).toBe('not available');
    expect(choiceTimeText({ path: null, refused: [], expectedSeconds: null })).toBe('—');
  });
});

describe('sweeps in the builder (docs/spec.md §12)', () => {
  it('a list on β, d, B or T is a sweep axis, replicates a number; a sweep spec loads back to the same form and spec', () => {
    const form = { ...defaultForm(), beta: '0.5, 1, 2', 'data.d': '50, 100', 'sft.steps': '100', replicates: '3' };
    const { spec, errors } = specFromForm(form);
    expect(errors).toEqual([]);
    expect(spec.beta).toEqual([0.5, 1, 2]);
    expect((spec.data as Record<string, unknown>).d).toEqual([50, 100]);
    expect(spec.replicates).toBe(3);
    const valid = parsed(spec);
    expect(valid.axes).toEqual([{ path: 'beta', values: [0.5, 1, 2] }, { path: 'data.d', values: [50, 100] }]);
    const back = formFromSpec(valid);
    expect([back.beta, back['data.d'], back.replicates]).toEqual(['0.5, 1, 2', '50, 100', '3']);
    expect(parsed(specFromForm(back).spec)).toEqual(valid);
  });

  it('a bad replicate count is refused naming the field', () => {
    expect(errorsOf(specFromForm({ ...defaultForm(), replicates: '0' }).spec)).toEqual([expect.stringMatching(/^replicates: must be an integer in \[1, 1000\]/)]);
  });
});
