/** How the builder's estimate reads: durations, sample counts, the expected time and what it rests on. */

const PREFIXES: readonly [number, string][] = [
  [1e3, 'k'],
  [1e6, 'M'],
  [1e9, 'G'],
  [1e12, 'T'],
  [1e15, 'P'],
  [1e18, 'E'],
];

/** A count in three significant digits with an SI prefix: 7.07e10 → '70.7 G'. */
export function formatQuantity(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (Math.abs(n) < 1000) return String(Math.round(n));
  let i = 0;
  while (i + 1 < PREFIXES.length && Math.abs(n) >= PREFIXES[i + 1][0]) i++;
  let v = Number((n / PREFIXES[i][0]).toPrecision(3));
  // 999 950 rounds to 1000 k: say 1 M instead.
  if (Math.abs(v) >= 1000 && i + 1 < PREFIXES.length) {
    i++;
    v = Number((n / PREFIXES[i][0]).toPrecision(3));
  }
  return `${v} ${PREFIXES[i][1]}`;
}

/** Samples to draw: 7.07e10 → '70.7 G samples', 1 → '1 sample'. */
export function formatCount(samples: number): string {
  const q = formatQuantity(samples);
  return `${q} ${q === '1' ? 'sample' : 'samples'}`;
}

/** A duration in its two largest units: 42 → '42 s', 270 → '4 min 30 s', 7500 → '2 h 5 min'. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 0.5) return '< 1 s';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const rest = s % 60;
    return rest === 0 ? `${m} min` : `${m} min ${rest} s`;
  }
  const minutes = Math.round(seconds / 60);
  if (minutes < 24 * 60) {
    const h = Math.floor(minutes / 60);
    const rest = minutes % 60;
    return rest === 0 ? `${h} h` : `${h} h ${rest} min`;
  }
  const hours = Math.round(seconds / 3600);
  const d = Math.floor(hours / 24);
  const rest = hours % 24;
  return rest === 0 ? `${d} d` : `${d} d ${rest} h`;
}

/**
 * An expected time: 'about 4 min 30 s'; below 10 s in tenths ('about 0.3 s'), so that Preview and
 * Exact of a small experiment do not both read '< 1 s'.
 */
export function estimateText(seconds: number): string {
  if (!(seconds >= 0)) return '—';
  if (seconds < 0.05) return 'under 0.1 s';
  return seconds < 9.95 ? `about ${seconds.toFixed(1)} s` : `about ${formatDuration(seconds)}`;
}

/** The part of the backend's checkSpec reply that the estimate's time and basis lines read. */
export interface TimeEstimate {
  readonly ok: boolean;
  readonly expectedSeconds: number | null;
  readonly estimateBasis: string;
}

/**
 * The estimate's time line. `reply` is the last one (null before the first); `failed` when the
 * lab did not answer the last request.
 */
export function timeText(valid: boolean, failed: boolean, reply: TimeEstimate | null): string {
  if (!valid) return '—';
  if (failed) return 'the lab did not answer';
  if (reply === null) return 'estimating…';
  if (!reply.ok) return '—';
  return reply.expectedSeconds === null ? 'not measured yet' : estimateText(reply.expectedSeconds);
}

/** What the time estimate rests on (the history's measured engine speed or the calibration probe), as a sentence. */
export function basisText(error: string | null, reply: TimeEstimate | null): string {
  if (error !== null) return `Could not reach the lab for a time estimate: ${error}`;
  const basis = reply?.estimateBasis ?? '';
  return basis === '' ? '' : `${basis.charAt(0).toUpperCase()}${basis.slice(1)}.`;
}

/** One side of the Preview / Exact choice as the backend's checkSpec gives it. */
export interface PathChoiceEstimate {
  readonly path: string | null;
  readonly refused: readonly string[];
  readonly expectedSeconds: number | null;
}

/** A side's time: 'about 3 s', or why there is none ('not available' when the engine refuses it for this spec). */
export function choiceTimeText(choice: PathChoiceEstimate | null): string {
  if (choice === null) return 'estimating…';
  if (choice.refused.length > 0) return 'not available';
  if (choice.path === null) return '—';
  return choice.expectedSeconds === null ? 'not measured yet' : estimateText(choice.expectedSeconds);
}
