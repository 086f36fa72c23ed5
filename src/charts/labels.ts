/**
 * What tells experiments apart in a comparison: the spec fields whose values differ, as short
 * labels ("path preview" / "path exact", "β 0.5" / "β 2"), unless the user gave an experiment a
 * label of its own. Pure: the compare view, its export and the legend all name experiments alike.
 */
import type { ExperimentSpec } from '../engine/spec';

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

/** Paths whose values are not all equal (a path missing in some spec counts as differing), sorted; the name never counts. */
export function differingFields(specs: readonly unknown[]): { path: string; values: unknown[] }[] {
  const flat = specs.map((s) => flatten(s));
  const paths = [...new Set(flat.flatMap((f) => Object.keys(f)))].filter((p) => p !== 'name').sort();
  return paths.map((path) => ({ path, values: flat.map((f) => f[path]) })).filter(({ values }) => values.some((v) => !same(v, values[0])));
}

/** Short names of spec fields, in the paper's symbols where it has them. */
const SHORT: Record<string, string> = {
  'engine.path': 'path',
  beta: 'β',
  seed: 'seed',
  setup: 'setup',
  'data.d': 'd',
  'data.law': 'law',
  'data.nu': 'ν',
  'student.accuracy': 'student',
  'student.norm': '‖w₀‖',
  'teachers.count': 'N',
  'teachers.accuracy': 'teacher',
  'teachers.norm': '‖w_T‖',
  'teachers.kappa': 'κ',
  'sft.batchSize': 'B',
  'sft.steps': 'T',
  'sft.learningRates': 'η',
  'sft.earlyStopping': 'stop',
  'sft.labelNoise': 'noise',
  'sft.finiteSet': 'n',
  'sft.softLabels': 'soft labels',
  'sft.loss.kind': 'loss',
  'sft.loss.alpha': 'α',
};

/** Integers whole (a seed of 1 200 985 965 must not read 1 201 000 000), other numbers to 4 digits. */
const number = (v: number): string => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));

/** A value as a label shows it: integers whole, other numbers to 4 digits, lists of up to three, the path as preview or exact. */
function valueText(path: string, v: unknown): string {
  if (path === 'engine.path') return v === 'preview' ? 'preview' : 'exact';
  if (v === undefined) return '—';
  if (typeof v === 'number') return number(v);
  if (Array.isArray(v)) return v.length <= 3 ? v.map((x) => (typeof x === 'number' ? number(x) : String(x))).join(', ') : `${v.length} values`;
  if (v !== null && typeof v === 'object') return JSON.stringify(v).slice(0, 24);
  return String(v);
}

/** The field's name in a label: the paper's symbol, else the path's last part. */
function fieldText(path: string): string {
  return SHORT[path] ?? path.split('.').pop() ?? path;
}

/** At most this many differing fields name an experiment (the legend stays short). */
const MAX_FIELDS = 2;

/**
 * A label per experiment from what differs between the specs: "path preview", "β 0.5 · seed 3".
 * Given labels win; experiments that nothing tells apart (or whose labels collide) add their id.
 */
export function differenceLabels(items: readonly { readonly id: number; readonly spec: ExperimentSpec; readonly label?: string | null }[]): string[] {
  const diff = differingFields(items.map((i) => i.spec)).map((d) => ({ ...d, values: d.values.map((v) => valueText(d.path, v)) }));
  // Fields whose shown values still differ (two path values can both read 'exact'), the path and β first.
  const telling = diff.filter((d) => new Set(d.values).size > 1).sort((a, b) => rank(a.path) - rank(b.path));
  const labels = items.map((item, k) => {
    if (item.label !== undefined && item.label !== null && item.label.trim() !== '') return item.label.trim();
    const parts = telling.slice(0, MAX_FIELDS).map((d) => `${fieldText(d.path)} ${d.values[k]}`);
    return parts.length === 0 ? `#${item.id}` : parts.join(' · ');
  });
  return labels.map((l, k) => (labels.filter((x) => x === l).length > 1 && l !== `#${items[k].id}` ? `${l} #${items[k].id}` : l));
}

/** Which differing fields name an experiment first: the path, then β, then the rest in order, the seed last. */
function rank(path: string): number {
  if (path === 'engine.path') return 0;
  if (path === 'beta') return 1;
  if (path === 'seed') return 100;
  return 10;
}
