/**
 * The run builder's form model: every field of the experiment spec (src/engine/spec.ts) as the
 * user edits it — numbers and lists as text, choices as strings — and the two conversions,
 * spec → form (a preset, a duplicated experiment, an imported file) and form → spec (what is
 * validated and submitted). Pure: no DOM, no Vue; the view binds to it.
 */
import { type ExperimentSpec, parseSpec } from '../../../engine/spec';
import { listText, numberText, parseNumber, parseNumberList } from './parse';

export type Setup = 'random-teacher' | 'shared-pretraining';
export type Law = 'gaussian' | 'student-t' | 'product-uniform';
export type SpectrumKind = 'isotropic' | 'powerLaw' | 'list';
export type GroundTruthKind = 'random' | 'list';
export type EarlyStopping = 'oracle' | 'validation' | 'teacher';
export type SoftLabelsKind = 'off' | 'beta';
export type EnginePath = 'auto' | 'reduced' | 'preview' | 'projected' | 'dense'; // 'preview' (issue 12) is opt-in: not offered by ENGINE_PATHS yet

/**
 * The form, one key per input. Keys are the spec's field paths; an input that holds part of a
 * field's value (the exponent of a power-law spectrum, the β_T of soft labels) extends its path.
 */
export interface BuilderForm {
  name: string;
  setup: Setup;
  seed: string;
  'data.law': Law;
  'data.d': string;
  'data.spectrum': SpectrumKind;
  'data.spectrum.powerLaw': string;
  'data.spectrum.values': string;
  'data.nu': string;
  'data.groundTruth': GroundTruthKind;
  'data.groundTruth.values': string;
  'data.heldOutSize': string;
  beta: string;
  'student.accuracy': string;
  'student.norm': string;
  'teachers.count': string;
  'teachers.accuracy': string;
  'teachers.norm': string;
  'pretrain.initStd': string;
  'pretrain.learningRate': string;
  'pretrain.studentPoints': string;
  'pretrain.studentSteps': string;
  'pretrain.teacherPoints': string;
  'pretrain.teacherSteps': string;
  /** Empty: the setup's default (10 000 random teacher, 1 000 shared pretraining). */
  'sft.batchSize': string;
  'sft.steps': string;
  'sft.learningRates': string;
  'sft.earlyStopping': EarlyStopping;
  'sft.validationSize': string;
  'sft.softLabels': SoftLabelsKind;
  'sft.softLabels.beta': string;
  'sft.labelNoise': string;
  /** Empty: fresh batches every step (finiteSet null). */
  'sft.finiteSet': string;
  'sft.ceiling': boolean;
  'sft.recordEvery': string;
  'engine.path': EnginePath;
}

export type FormKey = keyof BuilderForm;
export type TextKey = { [K in FormKey]: BuilderForm[K] extends string ? (string extends BuilderForm[K] ? K : never) : never }[FormKey];
export type ChoiceKey = Exclude<{ [K in FormKey]: BuilderForm[K] extends string ? K : never }[FormKey], TextKey>;

export const SETUPS: readonly Setup[] = ['random-teacher', 'shared-pretraining'];
export const LAWS: readonly Law[] = ['gaussian', 'student-t', 'product-uniform'];
export const SPECTRUM_KINDS: readonly SpectrumKind[] = ['isotropic', 'powerLaw', 'list'];
export const GROUND_TRUTH_KINDS: readonly GroundTruthKind[] = ['random', 'list'];
export const EARLY_STOPPING: readonly EarlyStopping[] = ['oracle', 'validation', 'teacher'];
export const SOFT_LABELS_KINDS: readonly SoftLabelsKind[] = ['off', 'beta'];
export const ENGINE_PATHS: readonly EnginePath[] = ['auto', 'reduced', 'projected', 'dense'];

/** The batch size a setup uses when the spec leaves sft.batchSize out (parseSpec's rule). */
export function defaultBatchSize(setup: Setup): number {
  return setup === 'shared-pretraining' ? 1000 : 10_000;
}

/** The paper's defaults for a setup, as parseSpec fills them in. */
export function paperDefaults(setup: Setup = 'random-teacher'): ExperimentSpec {
  const r = parseSpec({ setup });
  if (!r.ok) throw new Error(`the empty spec is invalid: ${r.errors.join('; ')}`);
  return r.spec;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function at(input: unknown, path: string): unknown {
  let v = input;
  for (const k of path.split('.')) {
    if (!isRecord(v)) return undefined;
    v = v[k];
  }
  return v;
}

/** Any JSON value as text for a field: numbers short, lists comma-separated, the rest as JSON. */
function asText(v: unknown): string {
  if (typeof v === 'number') return numberText(v);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return listText(v);
  return JSON.stringify(v) ?? '';
}

/** Text fields whose value is the spec value at the same path (scalars and lists alike). */
const PLAIN_TEXT: readonly TextKey[] = [
  'seed',
  'data.d',
  'data.nu',
  'data.heldOutSize',
  'beta',
  'student.accuracy',
  'student.norm',
  'teachers.count',
  'teachers.accuracy',
  'teachers.norm',
  'pretrain.initStd',
  'pretrain.learningRate',
  'pretrain.studentPoints',
  'pretrain.studentSteps',
  'pretrain.teacherPoints',
  'pretrain.teacherSteps',
  'sft.batchSize',
  'sft.steps',
  'sft.learningRates',
  'sft.validationSize',
  'sft.labelNoise',
  'sft.recordEvery',
];

function choose<T extends string>(v: unknown, options: readonly T[]): T | undefined {
  return options.find((o) => o === v);
}

/** Copy every value `input` holds onto `form` (values of the wrong type become text to correct). */
function overlay(form: BuilderForm, input: unknown): void {
  if (!isRecord(input)) return;
  if (typeof input.name === 'string') form.name = input.name;
  form.setup = choose(input.setup, SETUPS) ?? form.setup;
  form['data.law'] = choose(at(input, 'data.law'), LAWS) ?? form['data.law'];
  form['sft.earlyStopping'] = choose(at(input, 'sft.earlyStopping'), EARLY_STOPPING) ?? form['sft.earlyStopping'];
  form['engine.path'] = choose(at(input, 'engine.path'), ENGINE_PATHS) ?? form['engine.path'];
  for (const key of PLAIN_TEXT) {
    const v = at(input, key);
    if (v !== undefined && v !== null) form[key] = asText(v);
  }
  const spectrum = at(input, 'data.spectrum');
  if (spectrum === 'isotropic') form['data.spectrum'] = 'isotropic';
  else if (Array.isArray(spectrum)) {
    form['data.spectrum'] = 'list';
    form['data.spectrum.values'] = listText(spectrum);
  } else if (isRecord(spectrum) && spectrum.powerLaw !== undefined) {
    form['data.spectrum'] = 'powerLaw';
    form['data.spectrum.powerLaw'] = asText(spectrum.powerLaw);
  }
  const truth = at(input, 'data.groundTruth');
  if (truth === 'random') form['data.groundTruth'] = 'random';
  else if (Array.isArray(truth)) {
    form['data.groundTruth'] = 'list';
    form['data.groundTruth.values'] = listText(truth);
  }
  const soft = at(input, 'sft.softLabels');
  if (soft === false) form['sft.softLabels'] = 'off';
  else if (isRecord(soft) && soft.beta !== undefined) {
    form['sft.softLabels'] = 'beta';
    form['sft.softLabels.beta'] = asText(soft.beta);
  }
  const finiteSet = at(input, 'sft.finiteSet');
  if (finiteSet === null) form['sft.finiteSet'] = '';
  else if (finiteSet !== undefined) form['sft.finiteSet'] = asText(finiteSet);
  const ceiling = at(input, 'sft.ceiling');
  if (typeof ceiling === 'boolean') form['sft.ceiling'] = ceiling;
}

/** The form of a validated spec with every field present. */
function formOfValid(spec: ExperimentSpec): BuilderForm {
  const form: BuilderForm = {
    name: '',
    setup: spec.setup,
    seed: '',
    'data.law': spec.data.law,
    'data.d': '',
    'data.spectrum': 'isotropic',
    'data.spectrum.powerLaw': '1',
    'data.spectrum.values': '',
    'data.nu': '',
    'data.groundTruth': 'random',
    'data.groundTruth.values': '',
    'data.heldOutSize': '',
    beta: '',
    'student.accuracy': '',
    'student.norm': '',
    'teachers.count': '',
    'teachers.accuracy': '',
    'teachers.norm': '',
    'pretrain.initStd': '',
    'pretrain.learningRate': '',
    'pretrain.studentPoints': '',
    'pretrain.studentSteps': '',
    'pretrain.teacherPoints': '',
    'pretrain.teacherSteps': '',
    'sft.batchSize': '',
    'sft.steps': '',
    'sft.learningRates': '',
    'sft.earlyStopping': spec.sft.earlyStopping,
    'sft.validationSize': '',
    'sft.softLabels': 'off',
    'sft.softLabels.beta': '1',
    'sft.labelNoise': '',
    'sft.finiteSet': '',
    'sft.ceiling': spec.sft.ceiling,
    'sft.recordEvery': '',
    'engine.path': spec.engine.path,
  };
  overlay(form, spec);
  return form;
}

/** The form of the paper's defaults (the builder's 'Reset'). */
export function defaultForm(setup: Setup = 'random-teacher'): BuilderForm {
  return formOfValid(paperDefaults(setup));
}

/**
 * The form of a spec document: a preset, a duplicated experiment, an imported file. A valid
 * document is loaded with its defaults filled in; an invalid one is laid over the paper's
 * defaults as far as it goes, its bad values kept as text so that validation marks them.
 */
export function formFromSpec(input: unknown): BuilderForm {
  const r = parseSpec(input);
  if (r.ok) {
    const form = formOfValid(r.spec);
    form.name = r.spec.name ?? '';
    return form;
  }
  const setup = isRecord(input) ? (choose(input.setup, SETUPS) ?? 'random-teacher') : 'random-teacher';
  const form = defaultForm(setup);
  overlay(form, input);
  return form;
}

/** Switch the setup; a batch size left at the old setup's default follows to the new one's. */
export function withSetup(form: BuilderForm, setup: Setup): BuilderForm {
  const next = { ...form, setup };
  const b = form['sft.batchSize'].trim();
  if (b === numberText(defaultBatchSize(form.setup)) || b === '') next['sft.batchSize'] = numberText(defaultBatchSize(setup));
  return next;
}

/** The form's spec document and the problems found reading its text (parseSpec's format). */
export interface FormSpec {
  readonly spec: Record<string, unknown>;
  readonly errors: string[];
}

/**
 * The spec document a form describes, as JSON: fields that do not apply to the setup are left
 * out (pretrain for random teachers; the student and the teachers' accuracy and norm for shared
 * pretraining, where pretraining makes both), as are options that are off (nu unless student-t,
 * the validation size unless validation stopping). Text that is not a number is reported and
 * its field left out, so the rest can still be checked.
 */
export function specFromForm(form: BuilderForm): FormSpec {
  const errors: string[] = [];
  const shared = form.setup === 'shared-pretraining';
  const num = (key: TextKey, path: string = key): number | undefined => {
    const r = parseNumber(form[key], path);
    if (r.ok) return r.value;
    errors.push(r.error);
    return undefined;
  };
  const list = (key: TextKey, path: string = key): number[] | undefined => {
    const r = parseNumberList(form[key], path);
    if (r.ok) return r.value;
    errors.push(r.error);
    return undefined;
  };
  /** A list of one is written as that number (the spec allows both; one reads better). */
  const oneOrMany = (key: TextKey): number | number[] | undefined => {
    const xs = list(key);
    return xs !== undefined && xs.length === 1 ? xs[0] : xs;
  };
  const put = (target: Record<string, unknown>, key: string, value: unknown) => {
    if (value !== undefined) target[key] = value;
  };

  const spec: Record<string, unknown> = {};
  const name = form.name.trim();
  if (name !== '') spec.name = name;
  spec.setup = form.setup;
  put(spec, 'seed', num('seed'));

  const data: Record<string, unknown> = { law: form['data.law'] };
  put(data, 'd', num('data.d'));
  if (form['data.spectrum'] === 'isotropic') data.spectrum = 'isotropic';
  else if (form['data.spectrum'] === 'powerLaw') {
    const a = num('data.spectrum.powerLaw');
    if (a !== undefined) data.spectrum = { powerLaw: a };
  } else put(data, 'spectrum', list('data.spectrum.values', 'data.spectrum'));
  if (form['data.law'] === 'student-t' && form['data.nu'].trim() !== '') put(data, 'nu', num('data.nu'));
  if (form['data.groundTruth'] === 'random') data.groundTruth = 'random';
  else put(data, 'groundTruth', list('data.groundTruth.values', 'data.groundTruth'));
  put(data, 'heldOutSize', num('data.heldOutSize'));
  spec.data = data;

  put(spec, 'beta', num('beta'));

  if (!shared) {
    const student: Record<string, unknown> = {};
    put(student, 'accuracy', num('student.accuracy'));
    put(student, 'norm', oneOrMany('student.norm'));
    spec.student = student;
  }

  const teachers: Record<string, unknown> = {};
  put(teachers, 'count', num('teachers.count'));
  if (!shared) {
    put(teachers, 'accuracy', oneOrMany('teachers.accuracy'));
    put(teachers, 'norm', num('teachers.norm'));
  }
  spec.teachers = teachers;

  if (shared) {
    const pretrain: Record<string, unknown> = {};
    for (const key of ['initStd', 'learningRate', 'studentPoints', 'studentSteps', 'teacherPoints', 'teacherSteps'] as const) {
      put(pretrain, key, num(`pretrain.${key}`));
    }
    spec.pretrain = pretrain;
  }

  const sft: Record<string, unknown> = {};
  if (form['sft.batchSize'].trim() !== '') put(sft, 'batchSize', num('sft.batchSize'));
  put(sft, 'steps', num('sft.steps'));
  put(sft, 'learningRates', list('sft.learningRates'));
  sft.earlyStopping = form['sft.earlyStopping'];
  if (form['sft.earlyStopping'] === 'validation') put(sft, 'validationSize', num('sft.validationSize'));
  if (form['sft.softLabels'] === 'off') sft.softLabels = false;
  else {
    const beta = num('sft.softLabels.beta');
    if (beta !== undefined) sft.softLabels = { beta };
  }
  put(sft, 'labelNoise', num('sft.labelNoise'));
  if (form['sft.finiteSet'].trim() === '') sft.finiteSet = null;
  else put(sft, 'finiteSet', num('sft.finiteSet'));
  sft.ceiling = form['sft.ceiling'];
  put(sft, 'recordEvery', num('sft.recordEvery'));
  spec.sft = sft;

  spec.engine = { path: form['engine.path'] };
  return { spec, errors };
}

/** The form's lists as read so far (null: not a readable list), for the grid shown as you type. */
function listLength(form: BuilderForm, key: TextKey): number | null {
  const r = parseNumberList(form[key], key);
  return r.ok ? r.value.length : null;
}

/** The experiment's size: cells of the grid, runs (each teacher and the ceiling × each learning rate), samples. */
export interface Size {
  readonly norms: number | null;
  readonly accuracies: number | null;
  /** initial norms × teacher accuracies (1 for shared pretraining); null while a list is unreadable. */
  readonly cells: number | null;
  readonly runs: number | null;
  readonly samples: number | null;
}

/**
 * The grid sweep is just the two lists: every initial student norm × every teacher accuracy is
 * one cell, each cell runs every teacher (plus the ceiling, a teacher equal to w*) at every
 * learning rate, as runKeys in src/engine/experiment.ts orders them.
 */
export function formSize(form: BuilderForm): Size {
  const shared = form.setup === 'shared-pretraining';
  const norms = shared ? 1 : listLength(form, 'student.norm');
  const accuracies = shared ? 1 : listLength(form, 'teachers.accuracy');
  const cells = norms === null || accuracies === null ? null : norms * accuracies;
  const count = parseNumber(form['teachers.count'], 'teachers.count');
  const lrs = listLength(form, 'sft.learningRates');
  const runs =
    cells === null || !count.ok || lrs === null ? null : cells * (Math.max(0, Math.floor(count.value)) + (form['sft.ceiling'] ? 1 : 0)) * lrs;
  const steps = parseNumber(form['sft.steps'], 'sft.steps');
  const batchText = form['sft.batchSize'].trim();
  const batch = batchText === '' ? ({ ok: true, value: defaultBatchSize(form.setup) } as const) : parseNumber(batchText, 'sft.batchSize');
  const samples = runs === null || !steps.ok || !batch.ok ? null : runs * steps.value * batch.value;
  return { norms, accuracies, cells, runs, samples };
}

/** The result of checking a form locally: its document, every problem, and the validated spec. */
export interface FormCheck {
  readonly spec: Record<string, unknown>;
  readonly errors: string[];
  /** parseSpec's output when the form has no problem at all. */
  readonly valid: ExperimentSpec | null;
}

/**
 * Read the form and validate its document with the engine's own parseSpec. A field whose text
 * could not be read carries that message only, not a second one about the value left out.
 */
export function checkForm(form: BuilderForm): FormCheck {
  const { spec, errors } = specFromForm(form);
  const r = parseSpec(spec);
  if (r.ok) return { spec, errors, valid: errors.length === 0 ? r.spec : null };
  const unreadable = new Set(errors.map((e) => e.slice(0, e.indexOf(':'))));
  const rest = r.errors.filter((e) => !unreadable.has(e.slice(0, e.indexOf(':')).replace(/\[\d+\]$/, '')));
  return { spec, errors: [...errors, ...rest], valid: null };
}

/** Parse pasted or loaded JSON into a form; the errors say what was wrong with the document. */
export function importSpec(text: string): { form: BuilderForm | null; errors: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { form: null, errors: [`(spec): not valid JSON: ${(error as Error).message}`] };
  }
  if (!isRecord(doc)) return { form: null, errors: ['(spec): must be a JSON object like {"setup": "random-teacher", ...}'] };
  const r = parseSpec(doc);
  return { form: formFromSpec(doc), errors: r.ok ? [] : r.errors };
}
