/**
 * One batch under the auxiliary-confidence loss (docs/spec.md §11) on the reduced and projected
 * paths, in the frame of batch.ts: the fast loop for hard labels on Gaussian data without label
 * noise (its WebAssembly translation in wasmBatch.ts when the host has WebAssembly, the same numbers;
 * auxHardGaussian.ts, the reference, otherwise), the general one otherwise (auxConfidence.ts).
 */
import { accumulateAuxBatch, AuxBuffers, type AuxOptions } from './auxConfidence';
import { accumulateAuxHardGaussian, AuxHardBuffers } from './auxHardGaussian';
import type { LabelOptions, ScaleMixture } from './batch';
import type { Rng } from '../rng';
import { wasmBatch } from './wasmBatch';

export class AuxBatch {
  private readonly hard: AuxHardBuffers | null;
  private readonly general: AuxBuffers | null;

  constructor(
    private readonly batchSize: number,
    private readonly labels: LabelOptions,
    private readonly mixture: ScaleMixture,
  ) {
    const fast = labels.softBeta === null && labels.labelNoise === 0 && mixture === null;
    this.hard = fast ? new AuxHardBuffers(batchSize) : null;
    this.general = fast ? null : new AuxBuffers(batchSize, mixture !== null);
  }

  /**
   * [S1, S2, Q] = [Σ c s g1, Σ c s g2, Σ c² s²], c = β (σ(β ‖w‖ s g1) − q), q = (1 − α_t) y + α_t 1{s g1 > τ},
   * for a student of norm `weightNorm` with p = cos(w, w_T), q = √(1 − p²) (batch.ts's frame).
   */
  sums(rng: Rng, beta: number, weightNorm: number, p: number, q: number, alphaT: number, threshold: AuxOptions['threshold'], out: Float64Array): void {
    if (this.hard !== null) {
      const wasm = wasmBatch();
      if (wasm === null) accumulateAuxHardGaussian(rng, this.hard, this.batchSize, beta, weightNorm, p, q, alphaT, threshold, out);
      else wasm.auxBatch(rng, this.hard, this.batchSize, beta, weightNorm, p, q, alphaT, threshold, out);
    } else accumulateAuxBatch(rng, this.general as AuxBuffers, this.batchSize, beta, weightNorm, p, q, this.labels, this.mixture, alphaT, threshold, out);
  }
}
