/**
 * The builder's time estimate, from what this machine's engine measured itself: the engine time
 * and work of the experiments already in the history, or, on a history that has none for the
 * path a spec needs, a calibration probe of a fraction of a second run once in a fresh engine
 * process and remembered in the history. No benchmark is needed.
 */
import { runCount, runKeyAt, samplesToDraw, stepsToRun } from '../engine/grid';
import { type ExperimentSpec, parseSpec, resolvePath } from '../engine/spec';
import type { JobInput, JobResult } from './pool';
import { type EngineWork, EngineWorkRecords } from './store/engineWork';
import type { RunStore } from './store/store';

type Path = ReturnType<typeof resolvePath>;

/**
 * The unit an engine path's cost grows with: a sample for the exact O(B) paths (the projected
 * path's O(d) a step is small beside B), a sample-coordinate for the dense O(B·d) path, and a
 * step for the preview path, whose steps cost the same whatever B and d are.
 */
export function workUnits(path: Path, d: number, work: Pick<EngineWork, 'samples' | 'steps'>): number {
  return path === 'dense' ? work.samples * d : path === 'preview' ? work.steps : work.samples;
}

/** The work of a whole experiment, before it runs. */
export function specWork(spec: ExperimentSpec): Pick<EngineWork, 'samples' | 'steps'> {
  return { samples: samplesToDraw(spec), steps: stepsToRun(spec) };
}

export interface Throughput {
  readonly nsPerUnit: number;
  /** Where the figure comes from, in words for the builder. */
  readonly basis: string;
}

/** How many recent experiments of a path the history estimate pools. */
const HISTORY_WINDOW = 20;

/** ns per work unit of `path` over the recent experiments that ran on it, or null when none did. */
export function historyThroughput(store: RunStore, path: Path): Throughput | null {
  let ms = 0;
  let units = 0;
  let count = 0;
  for (const { spec, work } of new EngineWorkRecords(store).recentEngineWork(200)) {
    if (resolvePath(spec) !== path || count >= HISTORY_WINDOW) continue;
    const u = workUnits(path, spec.data.d, work);
    if (!(u > 0)) continue;
    ms += work.ms;
    units += u;
    count++;
  }
  if (count === 0) return null;
  return { nsPerUnit: (ms * 1e6) / units, basis: `engine speed measured over ${count} experiment${count === 1 ? '' : 's'} in the history (${path} path)` };
}

/**
 * Probe specs, one per path: about 0.1–0.4 s of engine time on a 2-core laptop. Each is a real
 * one-run experiment, so the probe measures the engine exactly as experiments run it.
 */
const PROBES: Record<Path, unknown> = {
  reduced: { teachers: { count: 1 }, sft: { steps: 1500, batchSize: 10_000, learningRates: [0.1], recordEvery: 500, ceiling: false } },
  projected: { data: { spectrum: { powerLaw: 1 } }, teachers: { count: 1 }, sft: { steps: 1000, batchSize: 10_000, learningRates: [0.1], recordEvery: 500, ceiling: false } },
  dense: { data: { law: 'product-uniform', d: 100, heldOutSize: 1000 }, teachers: { count: 1 }, sft: { steps: 40, batchSize: 2000, learningRates: [0.1], recordEvery: 20, ceiling: false } },
  preview: { teachers: { count: 1 }, sft: { steps: 100_000, batchSize: 10_000, learningRates: [0.01], recordEvery: 10_000, ceiling: false } },
};

export function probeSpec(path: Path): ExperimentSpec {
  const parsed = parseSpec({ name: `calibration probe (${path})`, ...(PROBES[path] as object), engine: { path } });
  if (!parsed.ok) throw new Error(`calibration probe spec for ${path}: ${parsed.errors.join('; ')}`);
  return parsed.spec;
}

/** Runs one job in a fresh engine process (EnginePool.runDetached). */
export type DetachedRunner = (input: JobInput) => Promise<JobResult>;

/**
 * Throughput for time estimates, per path: the history first, else the probe stored in the
 * history, else a probe run now (once per path and process: concurrent callers share it).
 */
export class EngineCalibration {
  private readonly probes = new Map<Path, Promise<Throughput | null>>();

  constructor(
    private readonly store: RunStore,
    private readonly runDetached: DetachedRunner | null,
  ) {}

  async throughput(path: Path): Promise<Throughput | null> {
    const history = historyThroughput(this.store, path);
    if (history !== null) return history;
    const stored = new EngineWorkRecords(this.store).getCalibration(path);
    if (stored !== null) return { nsPerUnit: stored.nsPerUnit, basis: `calibration probe of ${stored.measuredAt.slice(0, 10)} (${path} path): no experiment on it in the history yet` };
    if (this.runDetached === null) return null;
    let probe = this.probes.get(path);
    if (probe === undefined) {
      probe = this.probe(path);
      this.probes.set(path, probe);
    }
    return probe;
  }

  private async probe(path: Path): Promise<Throughput | null> {
    const spec = probeSpec(path);
    try {
      const result = await this.runDetached!({ spec, key: runKeyAt(spec, 0) });
      const nsPerUnit = (result.computeMs * 1e6) / workUnits(path, spec.data.d, specWork(spec));
      new EngineWorkRecords(this.store).setCalibration(path, nsPerUnit);
      return { nsPerUnit, basis: `calibration probe just run (${path} path, ${Math.round(result.computeMs)} ms): no experiment on it in the history yet` };
    } catch {
      this.probes.delete(path); // try again next time
      return null;
    }
  }

  /** Expected wall time of a spec in seconds on `workers` engine processes, with its basis. */
  async estimate(spec: ExperimentSpec, workers: number): Promise<{ seconds: number | null; basis: string }> {
    const path = resolvePath(spec);
    const t = await this.throughput(path);
    if (t === null) return { seconds: null, basis: `no measurement of the ${path} path yet: it is taken with the first experiment` };
    const parallel = Math.max(1, Math.min(workers, runCount(spec)));
    const seconds = (workUnits(path, spec.data.d, specWork(spec)) * t.nsPerUnit) / 1e9 / parallel;
    return { seconds, basis: `${t.basis}, ${workers} engine process${workers === 1 ? '' : 'es'}` };
  }
}
