/**
 * The builder's time estimate: samples to draw × this machine's measured cost per sample, from the
 * last `npm run bench` (bench/results/latest.json), spread over the engine processes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { samplesToDraw } from '../../engine/experiment';
import { type ExperimentSpec, resolvePath } from '../../engine/spec';

export interface Calibration {
  /** Reduced path, ns per sample per core at d = 100 (independent of d). */
  readonly reducedNsPerSample: number;
  /** Dense path, ms per SGD step at B = 10 000, d = 100 (cost grows like B·d). */
  readonly denseMsPerStep: number | null;
  readonly date: string;
  readonly machine: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The calibration in a bench results file, or null when there is none or it lacks the figures. */
export function readCalibration(file: string): Calibration | null {
  if (!existsSync(file)) return null;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as {
      date?: string;
      machine?: string;
      reducedNsPerSample?: { median100?: number };
      denseMsPerStep?: { d100?: number[] };
    };
    const ns = r.reducedNsPerSample?.median100;
    if (typeof ns !== 'number' || !(ns > 0)) return null;
    const dense = r.denseMsPerStep?.d100;
    return {
      reducedNsPerSample: ns,
      denseMsPerStep: Array.isArray(dense) && dense.length > 0 ? median(dense) : null,
      date: r.date ?? 'unknown date',
      machine: r.machine ?? 'unknown machine',
    };
  } catch {
    return null;
  }
}

/** Expected wall time of a spec in seconds on `workers` engine processes, or null when unknown. */
export function expectedSeconds(spec: ExperimentSpec, calibration: Calibration | null, workers: number): number | null {
  if (calibration === null) return null;
  const samples = samplesToDraw(spec);
  const path = resolvePath(spec);
  // The projected path costs about what the reduced one does plus a d-vector per step: close enough here.
  const nsPerSample =
    path === 'dense'
      ? calibration.denseMsPerStep === null
        ? null
        : (calibration.denseMsPerStep * 1e6 * (spec.data.d / 100)) / 10_000
      : calibration.reducedNsPerSample;
  if (nsPerSample === null) return null;
  return (samples * nsPerSample) / 1e9 / Math.max(1, workers);
}
