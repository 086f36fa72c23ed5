/** Number and time formats shared by the views. */
import { formatDuration } from './builder/format';

export function percent(x: number | null | undefined, digits = 0): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(digits)} %`;
}

export function signed(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
}

/** A number to `digits` decimals; a dash when there is none (a summary's NaN: a mean over no teacher). */
export function fixed(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

/** Time left, as the builder writes durations: '4 min 30 s left'; empty when unknown. */
export function eta(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined || !Number.isFinite(seconds) ? '' : `${formatDuration(seconds)} left`;
}

/** One formatter for all dates: toLocaleString builds a new one at every call (slow for a long history). */
const DATE_FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function shortDate(iso: string | null): string {
  if (iso === null) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : DATE_FORMAT.format(d);
}

/** A number or list of numbers as a short text: 0.5, 1, 3, 10. */
export function list(x: unknown): string {
  if (Array.isArray(x)) return x.map((v) => String(v)).join(', ');
  return x === null || x === undefined ? '—' : String(x);
}
