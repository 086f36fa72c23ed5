/**
 * Spec → form: the form of a preset, a duplicated experiment, an imported file or the paper's
 * defaults. Values the form cannot hold as a choice stay as text, so validation marks them.
 */
import { type ExperimentSpec, parseSpec } from '../../../engine/spec';
import { withAxesInPlace } from '../../../engine/sweep';
import { AUX_RAMPS, AUX_THRESHOLDS, type BuilderForm, EARLY_STOPPING, ENGINE_PATHS, LAWS, type Setup, SETUPS, type TextKey } from './model';
import { listText, numberText } from './parse';

/** The paper's defaults for a setup, as parseSpec fills them in. */
export function paperDefaults(setup: Setup = 'random-teacher'): ExperimentSpec {
  const r = parseSpec({ setup });
  if (!r.ok) throw new Error(`the empty spec is invalid: ${r.errors.join('; ')}`);
  return r.spec;
}

export function isRecord(x: unknown): x is Record<string, unknown> {
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
  'teachers.kappa',
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
  if (input.replicates !== undefined) form.replicates = asText(input.replicates);
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
  const loss = at(input, 'sft.loss');
  if (isRecord(loss) && loss.kind === 'crossEntropy') form['sft.loss'] = 'crossEntropy';
  else if (isRecord(loss) && loss.kind === 'auxConfidence') {
    form['sft.loss'] = 'auxConfidence';
    if (loss.alpha !== undefined) form['sft.loss.alpha'] = asText(loss.alpha);
    if (loss.warmup !== undefined) form['sft.loss.warmup'] = asText(loss.warmup);
    form['sft.loss.threshold'] = choose(loss.threshold, AUX_THRESHOLDS) ?? form['sft.loss.threshold'];
    form['sft.loss.ramp'] = choose(loss.ramp, AUX_RAMPS) ?? form['sft.loss.ramp'];
  }
}

/** The form of a validated spec with every field present. */
function formOfValid(spec: ExperimentSpec): BuilderForm {
  const form: BuilderForm = {
    name: '',
    setup: spec.setup,
    seed: '',
    replicates: '',
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
    'teachers.kappa': '',
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
    // The auxiliary loss's defaults (src/engine/spec.ts), shown when it is chosen.
    'sft.loss': 'crossEntropy',
    'sft.loss.alpha': '0.5',
    'sft.loss.warmup': '0.1',
    'sft.loss.threshold': 'adaptive',
    'sft.loss.ramp': 'linear',
    'engine.path': spec.engine.path,
  };
  // A sweep's axes are lists on their fields in the form, as in the document (docs/spec.md §12).
  overlay(form, withAxesInPlace(spec));
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
