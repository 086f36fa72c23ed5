/**
 * What explore says of a finished preview, from its summary (engine/summary.ts, docs/spec.md §7):
 * the observed gain — each teacher's cos(w_t*, w*) − cos(w₀, w*) at its early-stopping step t*,
 * mean ± std across teachers — how many teachers improved the student, the peak step (the
 * teachers' t*: median and range), and where the mean curve itself peaks.
 */
import { runViews } from '../../../charts/data';
import type { SeriesBundle } from '../../../charts/types';
import { CEILING } from '../../../engine/grid';
import type { StoredSummary } from '../../../engine/summary';

export interface Observed {
  readonly teachers: number;
  readonly improved: number;
  readonly gainMean: number;
  readonly gainStd: number;
  /** Median of the teachers' early-stopping steps; null when no teacher has one. */
  readonly peakStep: number | null;
  readonly peakStepRange: readonly [number, number] | null;
  /** The mean cos curve's highest point and its height above the start; null without a trajectory. */
  readonly meanPeak: { readonly step: number; readonly gain: number } | null;
}

function median(sorted: readonly number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/**
 * The mean cos curve across the teachers' runs (the ceiling left out), over the steps every run
 * recorded: the store keeps the summary without its trajectories, so it is taken from the series.
 */
function meanCos(bundle: SeriesBundle): { step: Float64Array; cos: Float64Array } | null {
  const runs = runViews(bundle).filter((v) => v.key.teacher !== CEILING && v.columns.cos !== undefined && v.columns.step !== undefined);
  if (runs.length === 0) return null;
  const n = Math.min(...runs.map((r) => r.recorded));
  const cos = new Float64Array(n);
  for (const r of runs) for (let i = 0; i < n; i++) cos[i] += r.columns.cos[i];
  for (let i = 0; i < n; i++) cos[i] /= runs.length;
  return { step: runs[0].columns.step.subarray(0, n), cos };
}

export function observed(summary: StoredSummary, bundle: SeriesBundle | null): Observed {
  const gains = summary.teachers.flatMap((t) => (t.gain === null ? [] : [t.gain]));
  const steps = summary.teachers.flatMap((t) => (t.bestStep === null ? [] : [t.bestStep])).sort((a, b) => a - b);
  let meanPeak: Observed['meanPeak'] = null;
  const curve = bundle === null ? null : meanCos(bundle);
  if (curve !== null && curve.cos.length > 1) {
    const { step, cos } = curve;
    // t ≥ 1, as for the teachers' own gains: the start is what the gain is measured from.
    let best = 1;
    for (let i = 2; i < cos.length; i++) if (cos[i] > cos[best]) best = i;
    meanPeak = { step: step[best], gain: cos[best] - cos[0] };
  }
  return {
    teachers: summary.teachers.length,
    improved: gains.filter((g) => g > 0).length,
    gainMean: summary.gainMean,
    gainStd: summary.gainStd,
    peakStep: steps.length === 0 ? null : median(steps),
    peakStepRange: steps.length === 0 ? null : [steps[0], steps[steps.length - 1]],
    meanPeak,
  };
}

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;

/** One line for the page: 'gain +0.0334 ± 0.0072 in cos (20 of 20 teachers improved) · peak step 46 (median; 31–78) · mean curve: +0.0321 at step 47'. */
export function observedLine(o: Observed): string {
  const parts = [`gain ${Number.isFinite(o.gainMean) ? signed(o.gainMean) : '—'}${Number.isFinite(o.gainStd) ? ` ± ${o.gainStd.toFixed(4)}` : ''} in cos (${o.improved} of ${o.teachers} teachers improved)`];
  if (o.peakStep !== null && o.peakStepRange !== null) {
    const [lo, hi] = o.peakStepRange;
    parts.push(`peak step ${o.peakStep}${lo === hi ? '' : ` (median; ${lo}–${hi})`}`);
  }
  if (o.meanPeak !== null) parts.push(`mean curve: ${signed(o.meanPeak.gain)} at step ${o.meanPeak.step}`);
  return parts.join(' · ');
}
