/**
 * The builder's fields: one row per spec field (label, input, where its errors show), grouped
 * into the form's sections, and the mapping of validation messages (`field.path: message`, from
 * parseSpec or from reading the form's text) to the row they belong next to.
 */
import {
  AUX_RAMPS,
  AUX_THRESHOLDS,
  type BuilderForm,
  type ChoiceKey,
  EARLY_STOPPING,
  EXACT_PATHS,
  GROUND_TRUTH_KINDS,
  LAWS,
  LOSS_KINDS,
  SETUPS,
  SOFT_LABELS_KINDS,
  SPECTRUM_KINDS,
  type TextKey,
} from './model';

export type SectionId = 'setup' | 'data' | 'student' | 'teachers' | 'pretrain' | 'sft' | 'engine';

export interface Option {
  readonly value: string;
  readonly label: string;
}

/** What a row's input is: a text box, a select, a checkbox, or a select whose choice may need a value. */
export type Input =
  | { readonly type: 'text'; readonly key: TextKey; readonly placeholder?: string; readonly list?: boolean }
  | { readonly type: 'select'; readonly key: ChoiceKey; readonly options: readonly Option[] }
  | { readonly type: 'checkbox'; readonly key: 'sft.ceiling' }
  | {
      readonly type: 'choice';
      readonly key: ChoiceKey;
      readonly options: readonly Option[];
      /** The text box shown for a choice that needs a value. */
      readonly detail: Readonly<Record<string, { readonly key: TextKey; readonly label: string; readonly placeholder?: string; readonly list?: boolean }>>;
    };

export interface FieldDef {
  /** The spec path: the input's id, its data-testid (`field-<id>`) and where its errors go. */
  readonly id: string;
  readonly section: SectionId;
  readonly label: string;
  readonly hint?: string;
  readonly input: Input;
  /** Whether the field is part of the spec for this form (hidden and left out otherwise). */
  readonly applies?: (form: BuilderForm) => boolean;
}

// The engine comes second: Preview or Exact decides how long the rest takes, so it shows on the first screen.
export const SECTIONS: readonly { readonly id: SectionId; readonly title: string }[] = [
  { id: 'setup', title: 'Setup & seed' },
  { id: 'engine', title: 'Engine: preview or exact' },
  { id: 'data', title: 'Data' },
  { id: 'student', title: 'Student' },
  { id: 'teachers', title: 'Teachers' },
  { id: 'pretrain', title: 'Pretraining' },
  { id: 'sft', title: 'SFT' },
];

const options = (values: readonly string[], labels: Record<string, string> = {}): Option[] => values.map((value) => ({ value, label: labels[value] ?? value }));
const randomTeacher = (form: BuilderForm) => form.setup === 'random-teacher';
const sharedPretraining = (form: BuilderForm) => form.setup === 'shared-pretraining';
const auxConfidence = (form: BuilderForm) => form['sft.loss'] === 'auxConfidence';

/** A row as written below: its id is its input's key, its section the list it stands in. */
type Row = Omit<FieldDef, 'id' | 'section'>;

const ROWS: { readonly [S in SectionId]: readonly Row[] } = {
  setup: [
    { label: 'Name', hint: 'Optional, at most 200 characters', input: { type: 'text', key: 'name', placeholder: 'untitled' } },
    {
      label: 'Setup',
      input: { type: 'select', key: 'setup', options: options(SETUPS, { 'random-teacher': 'Random teacher', 'shared-pretraining': 'Shared pretraining' }) },
    },
    { label: 'Seed', hint: 'Integer ≥ 0: teachers, data and SGD noise', input: { type: 'text', key: 'seed' } },
    {
      label: 'Replicates',
      hint: 'Empty: one seed. N in [1, 1000] repeats every cell with N seeds (replicate 0 is this seed); summaries give intervals across them',
      input: { type: 'text', key: 'replicates', placeholder: 'one seed' },
    },
  ],
  data: [
    {
      label: 'Law',
      input: { type: 'select', key: 'data.law', options: options(LAWS, { gaussian: 'Gaussian', 'student-t': 'Student-t', 'product-uniform': 'Product uniform' }) },
    },
    { label: 'Dimension d', hint: 'Integer in [2, 10⁶]; a list (50, 100) sweeps it', input: { type: 'text', key: 'data.d' } },
    {
      label: 'Spectrum Σ',
      input: {
        type: 'choice',
        key: 'data.spectrum',
        options: options(SPECTRUM_KINDS, { isotropic: 'Isotropic', powerLaw: 'Power law λᵢ ∝ i⁻ᵃ', list: 'Explicit eigenvalues' }),
        detail: {
          powerLaw: { key: 'data.spectrum.powerLaw', label: 'Exponent a', placeholder: 'a in [0, 10]' },
          list: { key: 'data.spectrum.values', label: 'Eigenvalues', placeholder: 'd positive numbers', list: true },
        },
      },
    },
    {
      label: 'Degrees of freedom ν',
      hint: 'In (2, 10⁶]',
      input: { type: 'text', key: 'data.nu', placeholder: 'e.g. 5' },
      applies: (form) => form['data.law'] === 'student-t',
    },
    {
      label: 'Ground truth w*',
      input: {
        type: 'choice',
        key: 'data.groundTruth',
        options: options(GROUND_TRUTH_KINDS, { random: 'Random (from the seed)', list: 'Explicit vector' }),
        detail: { list: { key: 'data.groundTruth.values', label: 'Coordinates', placeholder: 'd numbers', list: true } },
      },
    },
    { label: 'Held-out sample', hint: 'Integer in [100, 10⁶]', input: { type: 'text', key: 'data.heldOutSize' } },
    { label: 'Link sharpness β', hint: 'In (0, 10⁶]; a list (0.5, 1, 2) sweeps it', input: { type: 'text', key: 'beta' } },
  ],
  student: [
    { label: 'Student accuracy', hint: 'A fraction in (0, 1): 0.8, not 80; a list sweeps it', input: { type: 'text', key: 'student.accuracy' }, applies: randomTeacher },
    { label: 'Initial norms', hint: 'One or more, e.g. 0.5, 1, 3, 10', input: { type: 'text', key: 'student.norm', list: true }, applies: randomTeacher },
  ],
  teachers: [
    { label: 'Teachers', hint: 'Integer in [1, 100 000]', input: { type: 'text', key: 'teachers.count' } },
    {
      label: 'Teacher accuracies',
      hint: 'One or more in (0.5, 1], e.g. 0.55, 0.6, 0.7',
      input: { type: 'text', key: 'teachers.accuracy', list: true },
      applies: randomTeacher,
    },
    { label: 'Teacher norm', hint: 'In (0, 10⁶]', input: { type: 'text', key: 'teachers.norm' }, applies: randomTeacher },
    {
      label: 'κ = cos(w⊥, w_T⊥)',
      hint: 'Empty: as drawn (≈ 0). One or more in (−1, 1), e.g. -0.5, 0, 0.5: one more grid axis',
      input: { type: 'text', key: 'teachers.kappa', placeholder: 'as drawn', list: true },
      applies: randomTeacher,
    },
  ],
  pretrain: [
    { label: 'Init std', input: { type: 'text', key: 'pretrain.initStd' }, applies: sharedPretraining },
    { label: 'Learning rate', input: { type: 'text', key: 'pretrain.learningRate' }, applies: sharedPretraining },
    { label: 'Student points', hint: 'More than the teacher points', input: { type: 'text', key: 'pretrain.studentPoints' }, applies: sharedPretraining },
    { label: 'Student steps', input: { type: 'text', key: 'pretrain.studentSteps' }, applies: sharedPretraining },
    { label: 'Teacher points', input: { type: 'text', key: 'pretrain.teacherPoints' }, applies: sharedPretraining },
    { label: 'Teacher steps', input: { type: 'text', key: 'pretrain.teacherSteps' }, applies: sharedPretraining },
  ],
  sft: [
    { label: 'Batch size B', hint: 'Empty: the setup’s default; a list sweeps it', input: { type: 'text', key: 'sft.batchSize' } },
    { label: 'Steps T', hint: 'Integer ≥ 1; a list sweeps it', input: { type: 'text', key: 'sft.steps' } },
    { label: 'Learning rates', hint: 'A list, or logspace(a, b, n)', input: { type: 'text', key: 'sft.learningRates', list: true } },
    {
      label: 'Early stopping',
      input: {
        type: 'select',
        key: 'sft.earlyStopping',
        options: options(EARLY_STOPPING, { oracle: 'Oracle (true accuracy)', validation: 'Validation set', teacher: 'Agreement with teacher' }),
      },
    },
    { label: 'Validation size', input: { type: 'text', key: 'sft.validationSize' }, applies: (form) => form['sft.earlyStopping'] === 'validation' },
    {
      label: 'Soft labels',
      input: {
        type: 'choice',
        key: 'sft.softLabels',
        options: options(SOFT_LABELS_KINDS, { off: 'Off (hard labels)', beta: 'Soft, sharpness β_T' }),
        detail: { beta: { key: 'sft.softLabels.beta', label: 'β_T', placeholder: 'β_T > 0' } },
      },
    },
    { label: 'Label noise', hint: 'Flip rate in [0, 0.5); a list sweeps it', input: { type: 'text', key: 'sft.labelNoise' } },
    { label: 'Finite SFT set', hint: 'Empty: fresh batches every step', input: { type: 'text', key: 'sft.finiteSet', placeholder: 'fresh batches' } },
    { label: 'Ceiling run', hint: 'Also train on w*’s own labels', input: { type: 'checkbox', key: 'sft.ceiling' } },
    { label: 'Record every', hint: 'Steps between stored points', input: { type: 'text', key: 'sft.recordEvery' } },
    {
      label: 'Loss',
      input: { type: 'select', key: 'sft.loss', options: options(LOSS_KINDS, { crossEntropy: 'Cross-entropy (plain SFT)', auxConfidence: 'Auxiliary confidence (Burns et al.)' }) },
    },
    { label: 'Aux weight a', hint: 'In [0, 1]: the weight of the student’s own labels', input: { type: 'text', key: 'sft.loss.alpha' }, applies: auxConfidence },
    { label: 'Warm-up f', hint: 'In [0, 1]: fraction of the steps the weight ramps over', input: { type: 'text', key: 'sft.loss.warmup' }, applies: auxConfidence },
    {
      label: 'Threshold τ',
      input: { type: 'select', key: 'sft.loss.threshold', options: options(AUX_THRESHOLDS, { adaptive: 'Adaptive (as many as the teacher’s positives)', fixed: 'Fixed, τ = 0' }) },
      applies: auxConfidence,
    },
    {
      label: 'Ramp',
      input: { type: 'select', key: 'sft.loss.ramp', options: options(AUX_RAMPS, { linear: 'Linear a·min(1, t/fT)', 'reference-code': 'As openai/weak-to-strong' }) },
      applies: auxConfidence,
    },
  ],
  // Shown on the Exact side of the Preview / Exact choice (PathChoice.vue) only.
  engine: [
    {
      label: 'Exact engine path',
      hint: 'auto: the fastest exact one',
      input: { type: 'select', key: 'engine.path', options: options(EXACT_PATHS) },
      applies: (form) => form['engine.path'] !== 'preview',
    },
  ],
};

export const FIELDS: readonly FieldDef[] = SECTIONS.flatMap(({ id: section }) => ROWS[section].map((row) => ({ id: row.input.key, section, ...row })));

export const FIELD_IDS: readonly string[] = FIELDS.map((f) => f.id);

/** The rows of a section that apply to this form. */
export function visibleFields(form: BuilderForm, section: SectionId): FieldDef[] {
  return FIELDS.filter((f) => f.section === section && (f.applies?.(form) ?? true));
}

/** Whether a section has anything to show (Student and Pretraining depend on the setup). */
export function sectionApplies(form: BuilderForm, section: SectionId): boolean {
  return visibleFields(form, section).length > 0;
}

export interface FieldErrors {
  /** Field id → messages, each without its field path (`must be in (0.5, 1] (got 0.4)`). */
  readonly byField: Record<string, string[]>;
  /** Messages whose path names no field shown: listed at the top of the form, whole. */
  readonly general: string[];
}

/**
 * Put each `field.path: message` next to its field. The path is everything before the first
 * ': '; an index (`student.norm[1]`) becomes "item 2" in the message, and a sub-path
 * (`data.spectrum.powerLaw`, `sft.softLabels.beta`) goes to the nearest field above it.
 * A path naming no field in `fields` (an unknown key, the whole spec) is general.
 */
export function errorsByField(errors: readonly string[], fields: readonly string[] = FIELD_IDS): FieldErrors {
  const known = new Set(fields);
  const byField: Record<string, string[]> = {};
  const general: string[] = [];
  for (const error of errors) {
    const colon = error.indexOf(': ');
    if (colon <= 0) {
      general.push(error);
      continue;
    }
    const path = error.slice(0, colon);
    let message = error.slice(colon + 2);
    const index = /\[(\d+)\]/.exec(path);
    if (index !== null) message = `item ${Number(index[1]) + 1}: ${message}`;
    const parts = path.replace(/\[\d+\]/g, '').split('.');
    let field: string | null = null;
    for (let n = parts.length; n > 0 && field === null; n--) {
      const candidate = parts.slice(0, n).join('.');
      if (known.has(candidate)) field = candidate;
    }
    if (field === null || message === 'unknown key') general.push(error);
    else (byField[field] ??= []).push(message);
  }
  return { byField, general };
}
