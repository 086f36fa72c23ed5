/** The spec as JSON text, both ways: the preview the builder shows and copies, and import. */
import { parseSpec } from '../../../engine/spec';
import type { BuilderForm } from './model';
import { formFromSpec, isRecord } from './specToForm';

/** Pretty JSON with each list of numbers on one line. */
export function specJson(spec: Record<string, unknown>): string {
  return JSON.stringify(spec, null, 2).replace(/\[\s+([^[\]{}]*?)\s+\]/g, (_, inner: string) => `[${inner.replace(/\s*\n\s*/g, ' ')}]`);
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
