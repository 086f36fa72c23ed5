/**
 * What every SFT path (reduced, preview, projected, dense) provides: one step of Definition 1.1 at a time,
 * the metrics of docs/spec.md §2, and a checkpoint from which the run continues bit-identically.
 */
import type { RngState } from '../rng';

export type EnginePath = 'reduced' | 'preview' | 'projected' | 'dense';

/**
 * Metrics recorded per step, in this order (docs/spec.md §2): <w, w*>_Σ, ‖w‖_Σ, cos_Σ(w, w*), accuracy
 * against the ground truth, agreement with the teacher, and accuracy on the validation set (NaN
 * in the buffer when the run has no validation set; never stored).
 */
export const METRICS = ['inner', 'norm', 'cos', 'accuracy', 'agreement'] as const;
export type MetricName = (typeof METRICS)[number] | 'validation';
export const METRIC_COUNT = METRICS.length;
export const VALIDATION_INDEX = METRIC_COUNT;

/** The hyperparameters of one SFT run. */
export interface SftHyper {
  readonly beta: number;
  readonly learningRate: number;
  readonly batchSize: number;
}

/** A serialisable snapshot: the weights' state (path-specific numbers) and the generator. */
export interface KernelCheckpoint {
  readonly path: EnginePath;
  readonly step: number;
  readonly state: number[];
  readonly rng: RngState;
}

export interface SftKernel {
  readonly path: EnginePath;
  /** Steps taken so far. */
  readonly step: number;
  /** One SGD step on a fresh (or the next reused) batch. */
  advance(): void;
  /** Write the metrics of the current weights into out[0 .. METRIC_COUNT] (and validation). */
  metrics(out: Float64Array): void;
  /** False once the weights hold a non-finite number: the run has diverged. */
  isFinite(): boolean;
  checkpoint(): KernelCheckpoint;
}
