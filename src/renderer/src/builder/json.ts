/** The spec as JSON text, both ways: the preview the builder shows and copies, and import. */
import { parseSpec } from '../../../engine/spec';
import { checkForm } from './formToSpec';
import type { BuilderForm } from './model';
import { formFromSpec, isRecord } from './specToForm';
import { errorMessage } from '../../../shared/errorMessage';

/** Pretty JSON with each list of numbers on one line. */
export function specJson(spec: Record<string, unknown>): string {
  return JSON.stringify(spec, null, 2).replace(/\[\s+([^[\]{}]*?)\s+\]/g, (_, inner: string) => `[${inner.replace(/\s*\n\s*/g, ' ')}]`);
}

/** The field a message is about (its path before the colon, list indices dropped). */
const fieldOf = (error: string) => error.slice(0, Math.max(0, error.indexOf(':'))).replace(/\[\d+\]/g, '');

/**
 * Parse pasted or loaded JSON into a form; `errors` are everything the engine's parseSpec (and so
 * `w2s run`) refuses in the document. `refused` are those the loaded form cannot show, because it
 * has no place for them (unknown keys, a choice it does not offer): the form alone would look valid
 * and run defaults instead, so the builder keeps Start off until the JSON is fixed and loaded again.
 */
export function importSpec(text: string): { form: BuilderForm | null; errors: string[]; refused: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { form: null, errors: [`(spec): not valid JSON: ${errorMessage(error)}`], refused: [] };
  }
  if (!isRecord(doc)) return { form: null, errors: ['(spec): must be a JSON object like {"setup": "random-teacher", ...}'], refused: [] };
  const r = parseSpec(doc);
  const form = formFromSpec(doc);
  if (r.ok) return { form, errors: [], refused: [] };
  const shown = new Set(checkForm(form).errors.map(fieldOf));
  return { form, errors: r.errors, refused: r.errors.filter((e) => e.endsWith(': unknown key') || !shown.has(fieldOf(e))) };
}
