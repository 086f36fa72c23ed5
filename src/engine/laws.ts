/**
 * Data laws D (docs/spec.md §1): mean 0, covariance Σ = diag(λ) (λ = 1 when no spectrum).
 * - `gaussian`: x = Σ^{1/2} g, g ~ N(0, I).
 * - `student-t`: x = s Σ^{1/2} g with s = √((ν − 2)/χ²_ν): elliptical, covariance Σ (ν > 2).
 * - `product-uniform`: independent coordinates uniform on [−√3, √3] (unit variance): not
 *   elliptical, so accuracy is measured on a held-out sample.
 */
import { fillNormal, studentTScale } from './distributions';
import type { Rng } from './rng';

export type DataLaw =
  | { readonly kind: 'gaussian'; readonly spectrum: Float64Array | null }
  | { readonly kind: 'student-t'; readonly nu: number; readonly spectrum: Float64Array | null }
  | { readonly kind: 'product-uniform' };

/** Elliptical laws have the exact accuracy 1 − arccos(cos_Σ)/π (docs/spec.md §2). */
export function isElliptical(law: DataLaw): boolean {
  return law.kind !== 'product-uniform';
}

/** The eigenvalues of Σ, or null for Σ = I. */
export function spectrumOf(law: DataLaw): Float64Array | null {
  return law.kind === 'product-uniform' ? null : law.spectrum;
}

const SQRT3 = Math.sqrt(3);
const TWO_POW_32 = 4294967296;

/** Draws rows of a law one at a time (the spectrum's square roots computed once). */
export class RowSampler {
  private readonly root: Float64Array | null;

  constructor(
    private readonly law: DataLaw,
    private readonly d: number,
  ) {
    const spectrum = spectrumOf(law);
    this.root = spectrum === null ? null : spectrum.map(Math.sqrt);
  }

  /** Write one draw into out[offset .. offset + d). */
  row(rng: Rng, out: Float64Array, offset = 0): void {
    const { law, d, root } = this;
    if (law.kind === 'product-uniform') {
      for (let j = 0; j < d; j++) out[offset + j] = SQRT3 * (2 * ((rng.nextUint32() + 0.5) / TWO_POW_32) - 1);
      return;
    }
    const row = offset === 0 && out.length === d ? out : out.subarray(offset, offset + d);
    fillNormal(rng, row, d);
    if (root !== null) for (let j = 0; j < d; j++) row[j] *= root[j];
    if (law.kind === 'student-t') {
      const s = studentTScale(rng, law.nu);
      for (let j = 0; j < d; j++) row[j] *= s;
    }
  }
}

/** Fill n rows of length d (row-major) with i.i.d. draws from the law. */
export function sampleRows(law: DataLaw, rng: Rng, out: Float64Array, n: number, d: number): void {
  const sampler = new RowSampler(law, d);
  for (let i = 0; i < n; i++) sampler.row(rng, out, i * d);
}

/** <u, v>_Σ. */
export function innerSigma(u: Float64Array, v: Float64Array, spectrum: Float64Array | null): number {
  let s = 0;
  if (spectrum === null) for (let j = 0; j < u.length; j++) s += u[j] * v[j];
  else for (let j = 0; j < u.length; j++) s += spectrum[j] * u[j] * v[j];
  return s;
}
