/**
 * Form → spec: the document the form describes (what is shown as JSON, estimated and submitted)
 * and its local check with the engine's own parseSpec.
 */
import { type ExperimentSpec, parseSpec } from '../../../engine/spec';
import type { BuilderForm, TextKey } from './model';
import { parseNumber, parseNumberList } from './parse';

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
  /**
   * A list of one is written as that number (the spec allows both; one reads better). On a field
   * that is not a cell axis, a list of several is a sweep axis (docs/spec.md §12).
   */
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
  if (form.replicates.trim() !== '') put(spec, 'replicates', num('replicates'));

  const data: Record<string, unknown> = { law: form['data.law'] };
  put(data, 'd', oneOrMany('data.d'));
  if (form['data.spectrum'] === 'isotropic') data.spectrum = 'isotropic';
  else if (form['data.spectrum'] === 'powerLaw') {
    const a = num('data.spectrum.powerLaw');
    if (a !== undefined) data.spectrum = { powerLaw: a };
  } else put(data, 'spectrum', list('data.spectrum.values', 'data.spectrum'));
  if (form['data.law'] === 'student-t' && form['data.nu'].trim() !== '') put(data, 'nu', oneOrMany('data.nu'));
  if (form['data.groundTruth'] === 'random') data.groundTruth = 'random';
  else put(data, 'groundTruth', list('data.groundTruth.values', 'data.groundTruth'));
  put(data, 'heldOutSize', oneOrMany('data.heldOutSize'));
  spec.data = data;

  put(spec, 'beta', oneOrMany('beta'));

  if (!shared) {
    const student: Record<string, unknown> = {};
    put(student, 'accuracy', oneOrMany('student.accuracy'));
    put(student, 'norm', oneOrMany('student.norm'));
    spec.student = student;
  }

  const teachers: Record<string, unknown> = {};
  put(teachers, 'count', num('teachers.count'));
  if (!shared) {
    put(teachers, 'accuracy', oneOrMany('teachers.accuracy'));
    put(teachers, 'norm', oneOrMany('teachers.norm'));
    // κ is optional: an empty box leaves it out (teachers drawn as today).
    if (form['teachers.kappa'].trim() !== '') put(teachers, 'kappa', oneOrMany('teachers.kappa'));
  }
  spec.teachers = teachers;

  if (shared) {
    const pretrain: Record<string, unknown> = {};
    for (const key of ['initStd', 'learningRate', 'studentPoints', 'studentSteps', 'teacherPoints', 'teacherSteps'] as const) {
      put(pretrain, key, oneOrMany(`pretrain.${key}`));
    }
    spec.pretrain = pretrain;
  }

  const sft: Record<string, unknown> = {};
  if (form['sft.batchSize'].trim() !== '') put(sft, 'batchSize', oneOrMany('sft.batchSize'));
  put(sft, 'steps', oneOrMany('sft.steps'));
  put(sft, 'learningRates', list('sft.learningRates'));
  sft.earlyStopping = form['sft.earlyStopping'];
  if (form['sft.earlyStopping'] === 'validation') put(sft, 'validationSize', oneOrMany('sft.validationSize'));
  if (form['sft.softLabels'] === 'off') sft.softLabels = false;
  else {
    const beta = num('sft.softLabels.beta');
    if (beta !== undefined) sft.softLabels = { beta };
  }
  put(sft, 'labelNoise', oneOrMany('sft.labelNoise'));
  if (form['sft.finiteSet'].trim() === '') sft.finiteSet = null;
  else put(sft, 'finiteSet', num('sft.finiteSet'));
  sft.ceiling = form['sft.ceiling'];
  put(sft, 'recordEvery', num('sft.recordEvery'));
  // Cross-entropy is the spec without sft.loss (its hash unchanged); the auxiliary loss names every setting.
  if (form['sft.loss'] === 'auxConfidence') {
    const loss: Record<string, unknown> = { kind: 'auxConfidence' };
    put(loss, 'alpha', oneOrMany('sft.loss.alpha'));
    put(loss, 'warmup', oneOrMany('sft.loss.warmup'));
    loss.threshold = form['sft.loss.threshold'];
    loss.ramp = form['sft.loss.ramp'];
    sft.loss = loss;
  }
  spec.sft = sft;

  spec.engine = { path: form['engine.path'] };
  return { spec, errors };
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
