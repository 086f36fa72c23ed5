/**
 * The run builder's form model: every field of the experiment spec (src/engine/spec.ts) as the
 * user edits it — numbers and lists as text, choices as strings — and the edits that touch more
 * than one key. Pure: no DOM, no Vue; the view binds to it.
 */
import { defaultBatchSize, type ExperimentSpec } from '../../../engine/spec';
import { numberText } from './parse';

// The choices the engine's schema offers, taken from its own types so the two cannot drift.
export type Setup = ExperimentSpec['setup'];
export type Law = ExperimentSpec['data']['law'];
export type EarlyStopping = ExperimentSpec['sft']['earlyStopping'];
export type EnginePath = ExperimentSpec['engine']['path'];
// How the form splits a spec value into a choice and a text box.
export type SpectrumKind = 'isotropic' | 'powerLaw' | 'list';
export type GroundTruthKind = 'random' | 'list';
export type SoftLabelsKind = 'off' | 'beta';
/** The SFT loss (sft.loss, docs/spec.md §11): cross-entropy is the spec without the key. */
export type LossKind = 'crossEntropy' | 'auxConfidence';
export type AuxThreshold = 'fixed' | 'adaptive';
export type AuxRamp = 'linear' | 'reference-code';

/**
 * The form, one key per input. Keys are the spec's field paths; an input that holds part of a
 * field's value (the exponent of a power-law spectrum, the β_T of soft labels) extends its path.
 */
export interface BuilderForm {
  name: string;
  setup: Setup;
  seed: string;
  /** Empty: one seed; N repeats every cell with N seeds (docs/spec.md §12). */
  replicates: string;
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
  /** Empty: κ as drawn (teachers.kappa left out). */
  'teachers.kappa': string;
  'pretrain.initStd': string;
  'pretrain.learningRate': string;
  'pretrain.studentPoints': string;
  'pretrain.studentSteps': string;
  'pretrain.teacherPoints': string;
  'pretrain.teacherSteps': string;
  /** Empty: the setup's default (the engine's defaultBatchSize). */
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
  'sft.loss': LossKind;
  'sft.loss.alpha': string;
  'sft.loss.warmup': string;
  'sft.loss.threshold': AuxThreshold;
  'sft.loss.ramp': AuxRamp;
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
export const ENGINE_PATHS: readonly EnginePath[] = ['auto', 'reduced', 'preview', 'projected', 'dense'];
/** The exact paths, the engine-path select's choices; 'preview' is the other side of the Preview / Exact choice. */
export const EXACT_PATHS: readonly EnginePath[] = ENGINE_PATHS.filter((p) => p !== 'preview');

/** The form on the preview path, or back on an exact one ('auto', the fastest exact path). */
export function withPreview(form: BuilderForm, preview: boolean): BuilderForm {
  if (preview === (form['engine.path'] === 'preview')) return form;
  return { ...form, 'engine.path': preview ? 'preview' : 'auto' };
}
export const LOSS_KINDS: readonly LossKind[] = ['crossEntropy', 'auxConfidence'];
export const AUX_THRESHOLDS: readonly AuxThreshold[] = ['adaptive', 'fixed'];
export const AUX_RAMPS: readonly AuxRamp[] = ['linear', 'reference-code'];

/** Switch the setup; a batch size left at the old setup's default follows to the new one's. */
export function withSetup(form: BuilderForm, setup: Setup): BuilderForm {
  const next = { ...form, setup };
  const b = form['sft.batchSize'].trim();
  if (b === numberText(defaultBatchSize(form.setup)) || b === '') next['sft.batchSize'] = numberText(defaultBatchSize(setup));
  return next;
}

/** The form after a select changed: the setup brings its batch size along, any other choice is just set. */
export function withChoice(form: BuilderForm, key: ChoiceKey, value: string): BuilderForm {
  // The value comes from the select's own options (fields.ts), so it is one of the key's choices.
  return key === 'setup' ? withSetup(form, value as Setup) : ({ ...form, [key]: value } as BuilderForm);
}
