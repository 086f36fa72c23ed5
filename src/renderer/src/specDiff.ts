/** The fields in which experiments' specs differ: what a comparison table shows. */
import { type ExperimentSpec, resolvePath } from '../../engine/spec';

/** A spec flattened to dotted paths; arrays are leaves (they are compared whole). */
export function flatten(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else if (prefix !== '') {
    out[prefix] = value;
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Paths whose values are not all equal (a path missing in some spec counts as differing), sorted. */
export function differingFields(specs: readonly unknown[]): { path: string; values: unknown[] }[] {
  const flat = specs.map((s) => flatten(s));
  const paths = [...new Set(flat.flatMap((f) => Object.keys(f)))].filter((p) => p !== 'name').sort();
  return paths
    .map((path) => ({ path, values: flat.map((f) => f[path]) }))
    .filter(({ values }) => values.some((v) => !same(v, values[0])));
}

/** How a comparison labels an experiment's path: 'preview', or 'exact (reduced)' with the path 'auto' took. */
export function pathLabel(spec: ExperimentSpec): string {
  return spec.engine.path === 'preview' ? 'preview' : `exact (${resolvePath(spec)})`;
}

/**
 * True when the specs are one experiment run both ways: some on the preview path, some exact, and
 * nothing else differs (the seed included), so the comparison shows the preview's error alone.
 */
export function onlyPathDiffers(specs: readonly ExperimentSpec[]): boolean {
  const diff = differingFields(specs);
  const previews = specs.filter((s) => s.engine.path === 'preview').length;
  return previews > 0 && previews < specs.length && diff.length === 1 && diff[0].path === 'engine.path';
}
