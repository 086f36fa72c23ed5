/**
 * Numbers and lists as a person types them into the run builder: `0.5, 1, 3, 10`, `1e-5`,
 * `70 %`, or `logspace(-5, 1, 7)`. Every failure is a message in parseSpec's own format
 * (`field.path: message`), so the builder places it next to its field like the engine's errors.
 */
import { logspace } from '../../../engine/spec';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;
const LOGSPACE = /^logspace\s*\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)$/i;

/** One number: decimal or scientific; `_` and inner spaces are digit grouping (`10 000`); `70 %` is 0.7. */
function readNumber(token: string): number | null {
  let t = token.replace(/[\s_\u00a0\u202f]/g, '');
  let scale = 1;
  if (t.endsWith('%')) {
    t = t.slice(0, -1);
    scale = 100;
  }
  if (!NUMBER.test(t)) return null;
  const x = Number(t) / scale;
  return Number.isFinite(x) ? (scale === 1 ? x : Number(x.toPrecision(15))) : null;
}

function show(token: string): string {
  return token.length > 24 ? `'${token.slice(0, 21)}...'` : `'${token}'`;
}

/** A single number; empty text is an error (say what to type). */
export function parseNumber(text: string, field: string): Parsed<number> {
  const t = text.trim();
  if (t === '') return { ok: false, error: `${field}: is empty: enter a number` };
  const x = readNumber(t);
  if (x === null) return { ok: false, error: `${field}: ${show(t)} is not a number (write e.g. 0.7, 1e-3 or 10000)` };
  return { ok: true, value: x };
}

/** `logspace(a, b, n)`: n points from 10^a to 10^b, as the engine computes them. */
export function parseLogspace(text: string, field: string): Parsed<number[]> | null {
  const m = LOGSPACE.exec(text.trim());
  if (m === null) return null;
  const [a, b, n] = [readNumber(m[1]), readNumber(m[2]), readNumber(m[3])];
  if (a === null || b === null || n === null) {
    return { ok: false, error: `${field}: logspace(a, b, n) needs three numbers, e.g. logspace(-5, 1, 7)` };
  }
  if (!Number.isInteger(n) || n < 1 || n > 64) return { ok: false, error: `${field}: logspace(a, b, n) needs n an integer in [1, 64] (got ${n})` };
  if (Math.abs(a) > 300 || Math.abs(b) > 300) return { ok: false, error: `${field}: logspace(a, b, n) needs exponents a, b in [-300, 300]` };
  return { ok: true, value: logspace(a, b, n) };
}

/**
 * A list of numbers separated by commas, semicolons or line breaks (or by spaces when there is
 * no comma), or `logspace(a, b, n)`. Empty text is the empty list: parseSpec says whether one
 * is allowed.
 */
export function parseNumberList(text: string, field: string): Parsed<number[]> {
  const t = text.trim().replace(/^\[(.*)\]$/s, '$1').trim();
  if (t === '') return { ok: true, value: [] };
  const ls = parseLogspace(t, field);
  if (ls !== null) return ls;
  const tokens = /[,;\n]/.test(t) ? t.split(/[,;\n]/) : t.split(/\s+/);
  const out: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i].trim();
    if (token === '') {
      // A trailing separator (`0.5, 1,`) is harmless; an empty item in the middle is a typo.
      if (i === tokens.length - 1) continue;
      return { ok: false, error: `${field}: item ${i + 1} is empty (write numbers separated by commas, e.g. 0.5, 1, 3, 10)` };
    }
    const x = readNumber(token);
    if (x === null) {
      return { ok: false, error: `${field}: item ${i + 1}, ${show(token)}, is not a number (write numbers separated by commas, e.g. 0.5, 1, 3, 10)` };
    }
    out.push(x);
  }
  return { ok: true, value: out };
}

/** A number as the form shows it: short, exact (String keeps every digit JSON would). */
export function numberText(x: number): string {
  return String(x);
}

/** A list as the form shows it. */
export function listText(xs: readonly unknown[]): string {
  return xs.map((x) => (typeof x === 'number' ? numberText(x) : JSON.stringify(x))).join(', ');
}

/** The builder's logspace row (a, b and n typed apart) as the learning-rate list it fills in. */
export function logspaceText(a: string, b: string, n: string): Parsed<string> {
  const r = parseLogspace(`logspace(${a}, ${b}, ${n})`, 'logspace');
  if (r === null) return { ok: false, error: 'enter three numbers a, b and n' };
  // The row is its own field: its messages need no field name.
  if (!r.ok) return { ok: false, error: r.error.replace(/^logspace: /, '') };
  return { ok: true, value: r.value.join(', ') };
}
