/**
 * The preview path (docs/preview.md): the reduced path's Markov chain (docs/spec.md §3), except that a
 * step draws its batch's three sums (S1, S2, Q) = Σ (c g1, c g2, c²) from N(Bμ, BC), with μ and C
 * the exact per-sample mean and covariance (previewMoments.ts), instead of summing B samples.
 * A step costs O(1) whatever B and d; the law of the chain is right in its first two moments per
 * step and O(B^−1/2) off in shape, which the validation (docs/preview.md §7) cannot detect at
 * B ≥ 100 (the spec refuses smaller batches).
 *
 * Draws per step, in order: three normals for the sums, then, as on the reduced path, one normal
 * for the third direction and one χ²_{d−3}.
 */
import { normal } from '../distributions';
import { Rng } from '../rng';
import type { LabelOptions } from './batch';
import type { KernelCheckpoint, SftHyper } from './kernel';
import { type PreviewLabels, sampleMoments } from './previewMoments';
import { ReducedKernel, type ReducedState, type ReducedTeacher } from './reduced';
import { type PreviewStepConstants, wasmPreview } from './wasmPreview';

// Module-level aliases: under a CommonJS transform (tsx) each use of an imported binding is a getter call.
const drawNormal = normal;
const moments = sampleMoments;
const kernel = wasmPreview;

/** The smallest batch the preview path accepts: the validation's smallest accepted B (docs/preview.md §7). */
export const PREVIEW_MIN_BATCH = 100;

export class PreviewKernel extends ReducedKernel {
  override readonly path = 'preview' as const;
  /**
   * Test-only: the covariance is multiplied by this factor (the validation's negative control,
   * docs/preview.md §7). Not part of a spec or a checkpoint; 1 everywhere else.
   */
  covarianceInflation = 1;
  private readonly previewLabels: PreviewLabels;
  private readonly moments = new Float64Array(9);
  /** The WebAssembly step's constants and its (α, b, ρ) in and out. */
  private readonly stepConstants: PreviewStepConstants;
  private readonly stepState = new Float64Array(3);

  constructor(d: number, hyper: SftHyper, teacher: ReducedTeacher, labels: LabelOptions, initial: ReducedState, rng: Rng, step = 0) {
    super(d, hyper, teacher, labels, null, initial, rng, step);
    if (labels.aux !== undefined && labels.aux !== null) throw new RangeError('the preview path has no auxiliary-confidence loss (sft.loss): use the reduced path');
    this.previewLabels = {
      labelNoise: labels.labelNoise,
      softLambda: labels.softBeta === null ? null : (labels.softBeta * labels.teacherNorm) / 2,
    };
    this.stepConstants = {
      cT: teacher.cT,
      sT: teacher.sT,
      h: hyper.beta / 2,
      f: 1 - 2 * labels.labelNoise,
      batchSize: hyper.batchSize,
      learningRate: hyper.learningRate,
      shape: d > 3 ? (d - 3) / 2 : 0,
    };
  }

  /**
   * One step; for hard labels by the WebAssembly kernel where the host has WebAssembly
   * (wasmPreview.ts: the same numbers as the reference, ReducedKernel.advance with previewSums).
   */
  override advance(): void {
    const wasm = this.previewLabels.softLambda === null ? kernel() : null;
    if (wasm === null) {
      super.advance();
      return;
    }
    const state = this.stepState;
    state[0] = this.alpha;
    state[1] = this.b;
    state[2] = this.rho;
    wasm.step(this.rng, state, this.stepConstants, this.covarianceInflation);
    this.alpha = state[0];
    this.b = state[1];
    this.rho = state[2];
    this.step++;
  }

  /** Resume from a checkpoint taken by `checkpoint()`. */
  static override restore(d: number, hyper: SftHyper, teacher: ReducedTeacher, labels: LabelOptions, _mixture: null, cp: KernelCheckpoint): PreviewKernel {
    if (cp.path !== 'preview' || cp.state.length !== 3) throw new Error('not a preview-path checkpoint');
    const [alpha, b, rho] = cp.state;
    return new PreviewKernel(d, hyper, teacher, labels, { alpha, b, rho }, new Rng(cp.rng), cp.step);
  }

  /** (S1, S2, Q) as previewSums draws them: the reference's step (ReducedKernel.advance) calls this. */
  protected override batchSums(norm: number, p: number, q: number, out: Float64Array): void {
    previewSums(this.rng, this.hyper.beta, norm, p, q, this.previewLabels, this.hyper.batchSize, this.covarianceInflation, this.moments, out);
  }
}

/**
 * The TypeScript reference of the preview step's sums (docs/preview.md §6): (S1, S2, Q) = Bμ + √B L z,
 * z ~ N(0, I₃), L the Cholesky factor of C (times `inflation`, the validation's negative control;
 * 1 otherwise); Q < 0 (possible only far in the normal's tail at the accepted B) is clamped to 0.
 * `m` is scratch for the nine moments.
 */
export function previewSums(rng: Rng, beta: number, norm: number, p: number, q: number, labels: PreviewLabels, batchSize: number, inflation: number, m: Float64Array, out: Float64Array): void {
  moments(beta, norm, p, q, labels, m);
  const s = inflation;
  const z1 = drawNormal(rng);
  const z2 = drawNormal(rng);
  const z3 = drawNormal(rng);
  // C = [[C11, C12, C13], [C12, C22, C23], [C13, C23, C33]] = L Lᵀ; a pivot ≤ 0 (a degenerate
  // direction, or rounding) contributes no noise.
  const c11 = s * m[3];
  const c12 = s * m[4];
  const c22 = s * m[5];
  const c13 = s * m[6];
  const c23 = s * m[7];
  const c33 = s * m[8];
  const l11 = Math.sqrt(Math.max(c11, 0));
  const l21 = l11 > 0 ? c12 / l11 : 0;
  const l31 = l11 > 0 ? c13 / l11 : 0;
  const l22 = Math.sqrt(Math.max(c22 - l21 * l21, 0));
  const l32 = l22 > 0 ? (c23 - l31 * l21) / l22 : 0;
  const l33 = Math.sqrt(Math.max(c33 - l31 * l31 - l32 * l32, 0));
  const root = Math.sqrt(batchSize);
  out[0] = batchSize * m[0] + root * l11 * z1;
  out[1] = batchSize * m[1] + root * (l21 * z1 + l22 * z2);
  out[2] = Math.max(0, batchSize * m[2] + root * (l31 * z1 + l32 * z2 + l33 * z3));
}
