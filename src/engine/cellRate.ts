/**
 * The cell's learning rate (issue 18): the one rate of the sweep at which a cell's trajectories are
 * drawn and averaged. Each teacher's own selected rate (selection.ts) differs from teacher to
 * teacher, and runs at rates a decade apart have time scales a decade apart (the peak step goes like
 * 1/η, docs/design.md), so a mean across them at each step averages unlike things. At one rate for
 * the whole cell every teacher's run shares the time scale, and the mean at step t is a mean of
 * like things.
 *
 * The rule: per learning rate k, the mean over the cell's teachers j of their early-stopped gain
 *   ḡ_k = (1/n_k) Σ_j [cos(w_{t*_jk}, w*) − cos(w_0, w*)],   t*_jk = the rule's step of run (j, k),
 * and the cell's rate is argmax_k ḡ_k, the lowest k winning ties (as selectLearningRate does).
 * Runs that recorded nothing past step 0 are left out of n_k; a rate with no run is not a candidate.
 */
import { type CriterionSeries, type EarlyStopping, selectStep } from './selection';

/** What the rule reads of one run: its learning-rate index and its recorded series (cos and the rule's column). */
export interface RateRun {
  readonly lr: number;
  readonly series: CriterionSeries;
}

/** One learning rate of a cell: the mean early-stopped gain over the teachers that ran it. */
export interface RateGain {
  readonly lrIndex: number;
  /** ḡ_k in cosine; NaN when no run of this rate recorded a step past 0. */
  readonly gainMean: number;
  /** n_k: the teachers whose run at this rate recorded a step past 0. */
  readonly n: number;
}

/** The early-stopped gain of one run, cos(w_{t*}) − cos(w_0) (docs/spec.md §2); NaN when nothing past step 0 is recorded. */
export function runGain(series: CriterionSeries, rule: EarlyStopping): number {
  const { index } = selectStep(series, rule);
  return index < 0 ? NaN : series.cos[index] - series.cos[0];
}

/** ḡ_k for every k, summed run by run (a cell's runs need not be in memory together). */
export class RateGainSums {
  private readonly sum: Float64Array;
  private readonly n: Float64Array;

  constructor(private readonly lrCount: number) {
    this.sum = new Float64Array(lrCount);
    this.n = new Float64Array(lrCount);
  }

  /** One teacher run of the cell (the ceiling left out by the caller). */
  add(run: RateRun, rule: EarlyStopping): void {
    if (run.lr < 0 || run.lr >= this.lrCount) return;
    const g = runGain(run.series, rule);
    if (!Number.isFinite(g)) return;
    this.sum[run.lr] += g;
    this.n[run.lr]++;
  }

  gains(): RateGain[] {
    return Array.from({ length: this.lrCount }, (_, k) => ({ lrIndex: k, gainMean: this.n[k] > 0 ? this.sum[k] / this.n[k] : NaN, n: this.n[k] }));
  }
}

/** ḡ_k for every k of a sweep of `lrCount` rates, from a cell's teacher runs (the ceiling left out by the caller). */
export function rateGains(runs: readonly RateRun[], rule: EarlyStopping, lrCount: number): RateGain[] {
  const sums = new RateGainSums(lrCount);
  for (const run of runs) sums.add(run, rule);
  return sums.gains();
}

/** argmax_k ḡ_k, the lowest k winning ties; null when no rate has a run. */
export function cellRateIndex(gains: readonly Pick<RateGain, 'lrIndex' | 'gainMean'>[]): number | null {
  let best: number | null = null;
  let score = -Infinity;
  for (const g of [...gains].sort((a, b) => a.lrIndex - b.lrIndex)) {
    if (Number.isFinite(g.gainMean) && g.gainMean > score) {
      score = g.gainMean;
      best = g.lrIndex;
    }
  }
  return best;
}

/** The cell's learning-rate index from its teacher runs: cellRateIndex(rateGains(…)). */
export function cellLearningRate(runs: readonly RateRun[], rule: EarlyStopping, lrCount: number): number | null {
  return cellRateIndex(rateGains(runs, rule, lrCount));
}
