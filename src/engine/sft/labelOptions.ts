/**
 * What an SFT step's per-sample work is told about its labels and data (batch.ts, auxConfidence.ts,
 * auxHardGaussian.ts and the WebAssembly kernel all read it): its own module, so that none of them
 * imports another for a type.
 */

/** How teacher labels are made from the teacher's margin. */
export interface LabelOptions {
  /** Soft labels y = σ(β_T <w_T, x>) when set; hard labels 1{<w_T, x> > 0} when null. */
  readonly softBeta: number | null;
  /** ‖w_T‖ (Σ-norm): matters for soft labels only. */
  readonly teacherNorm: number;
  /** Probability of flipping each hard label (0 = off). */
  readonly labelNoise: number;
  /** The auxiliary-confidence loss (auxConfidence.ts), or absent/null for plain cross-entropy. */
  readonly aux?: AuxOptions | null;
}

/** Scale-mixture data: Student-t with ν degrees of freedom, or null for Gaussian. */
export type ScaleMixture = { readonly nu: number } | null;

/** The auxiliary-confidence loss as a kernel runs it: the spec's settings and the run's T. */
export interface AuxOptions {
  /** a: the weight of the student's own labels after the warm-up, in [0, 1]. */
  readonly alpha: number;
  /** f: the warm-up as a fraction of the steps, in [0, 1] (0: none). */
  readonly warmup: number;
  readonly threshold: 'fixed' | 'adaptive';
  readonly ramp: 'linear' | 'reference-code';
  /** T: the run's number of steps (sft.steps), the ramp's time scale. */
  readonly steps: number;
}
