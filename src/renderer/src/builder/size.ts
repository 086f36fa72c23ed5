/** The experiment's size as the form reads so far: shown while the backend's estimate is on its way. */
import { defaultBatchSize } from '../../../engine/spec';
import type { BuilderForm, TextKey } from './model';
import { parseNumber, parseNumberList } from './parse';

/** The form's lists as read so far (null: not a readable list), for the grid shown as you type. */
function listLength(form: BuilderForm, key: TextKey): number | null {
  const r = parseNumberList(form[key], key);
  return r.ok ? r.value.length : null;
}

/** The experiment's size: cells of the grid, runs (each teacher and the ceiling × each learning rate), samples. */
export interface Size {
  readonly norms: number | null;
  readonly accuracies: number | null;
  /** initial norms × teacher accuracies × κ values (1 for shared pretraining); null while a list is unreadable. */
  readonly cells: number | null;
  readonly runs: number | null;
  readonly samples: number | null;
  /** SGD steps over all runs: the preview path's work, which draws the batch sums, not the samples. */
  readonly steps: number | null;
}

/**
 * The grid sweep is just the lists: every initial student norm × every teacher accuracy (× every
 * κ, when teachers.kappa is set) is one cell, each cell runs every teacher (plus the ceiling, a teacher equal to w*) at every
 * learning rate, as runKeys in src/engine/experiment.ts orders them.
 */
export function formSize(form: BuilderForm, inError: ReadonlySet<string> = new Set()): Size {
  const shared = form.setup === 'shared-pretraining';
  const norms = shared ? 1 : listLength(form, 'student.norm');
  const accuracies = shared ? 1 : listLength(form, 'teachers.accuracy');
  // κ: an empty box is no axis (one value per cell).
  const kappas = shared || form['teachers.kappa'].trim() === '' ? 1 : listLength(form, 'teachers.kappa');
  // A field in error gives no number (B = −5 is not "−42 k samples"): what depends on it shows —.
  const bad = (...keys: string[]) => keys.some((k) => inError.has(k));
  const cells = norms === null || accuracies === null || kappas === null || bad('student.norm', 'teachers.accuracy', 'teachers.kappa') ? null : norms * accuracies * kappas;
  const count = parseNumber(form['teachers.count'], 'teachers.count');
  const lrs = listLength(form, 'sft.learningRates');
  const runs =
    cells === null || !count.ok || lrs === null || bad('teachers.count', 'sft.learningRates') ? null : cells * (Math.max(0, Math.floor(count.value)) + (form['sft.ceiling'] ? 1 : 0)) * lrs;
  const steps = parseNumber(form['sft.steps'], 'sft.steps');
  const batchText = form['sft.batchSize'].trim();
  const batch = batchText === '' ? ({ ok: true, value: defaultBatchSize(form.setup) } as const) : parseNumber(batchText, 'sft.batchSize');
  const stepsOk = steps.ok && !bad('sft.steps');
  const samples = runs === null || !stepsOk || !batch.ok || bad('sft.batchSize') ? null : runs * steps.value * batch.value;
  return { norms, accuracies, cells, runs, samples, steps: runs === null || !stepsOk ? null : runs * steps.value };
}

/** The fields named by a form check's errors ('sft.batchSize: must be …', 'student.norm[1]: …' → 'student.norm'). */
export function fieldsInError(errors: readonly string[]): Set<string> {
  return new Set(errors.map((e) => e.slice(0, e.indexOf(':') < 0 ? e.length : e.indexOf(':')).replace(/\[\d+\]$/, '').trim()));
}
