/** How `w2s search` and `w2s resume` (on a search) print a search's result. */
import type { SearchResult } from '../engine/search';

/** The result as `--json` prints it: exactly boundary, interval and evaluations (and the error when there is one). */
function jsonOf(result: SearchResult): unknown {
  const { boundary, interval, evaluations, error } = result;
  return { boundary, interval, evaluations: evaluations.map(({ value, target, interval: i, teachers }) => ({ value, target, interval: i, teachers })), ...(error === undefined ? {} : { error }) };
}

export const fmt = (x: number) => (Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x));

/** Print a search's result; the exit code (1 when it found no boundary). */
export function printSearch(result: SearchResult, axis: string, target: string, json: boolean): number {
  if (json) process.stdout.write(`${JSON.stringify(jsonOf(result))}\n`);
  else {
    for (const e of result.evaluations) process.stdout.write(`${axis} = ${fmt(e.value)}: ${target} ${fmt(e.target)} [${fmt(e.interval[0])}, ${fmt(e.interval[1])}], ${e.teachers} teachers\n`);
    if (result.boundary !== null && result.interval !== null) process.stdout.write(`boundary ${axis} = ${fmt(result.boundary)} in [${fmt(result.interval[0])}, ${fmt(result.interval[1])}] (${result.evaluations.length} points)\n`);
  }
  if (result.error !== undefined) process.stderr.write(`w2s: ${result.error}\n`);
  return result.error === undefined ? 0 : 1;
}

