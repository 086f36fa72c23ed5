/**
 * The products of the random-features setup, on one linear memory (layout.ts): the TypeScript
 * reference here, and its WebAssembly translation (wasmKernels.ts), which gives the same doubles
 * bit for bit (test/engine/randomFeatures/kernels.test.ts). Every operation below is an IEEE-754
 * double operation in a fixed order, which both languages round alike; the order is part of each
 * kernel's definition:
 *
 * - `gemm` and `features`: C[r][j] = Σ_t A(r, t)·B[t][j], t ascending from a zero sum. The
 *   WebAssembly kernel computes two rows × eight columns at a time, each entry its own sum, so the
 *   blocking changes no sum. Rows must be even, columns a multiple of 8 (layout.ts pads).
 * - `headStep`: a sample's logit ⟨a, φ⟩ as two sums (even and odd features, the two lanes of a
 *   SIMD vector) added at the end; the gradient Σ_i c_i φ_i summed over the batch in order.
 *
 * Offsets are in bytes, strides and counts in elements; offset 0 means "none" where a kernel takes
 * an optional output.
 */
import { sigmoid } from '../sigmoid';
import { ACTIVATION, type Activation } from './activation';

export interface Kernels {
  readonly kind: 'wasm' | 'typescript';
  /** The memory the offsets point into. */
  readonly memory: KernelMemory;
  /** C[r·cRow + j] = Σ_t A[r·aRow + t·aInner]·B[t·bRow + j] for r < rows, j < cols. */
  gemm(a: number, aRow: number, aInner: number, rows: number, inner: number, b: number, bRow: number, cols: number, c: number, cRow: number): void;
  /**
   * gemm, then φ = scale·(σ(z) − centre[j]) in C, and z in `preactivations` (same strides) unless it
   * is 0. σ: 0 identity, 1 relu, 2 tanh (activation.ts).
   */
  features(
    a: number, aRow: number, aInner: number, rows: number, inner: number, b: number, bRow: number, cols: number, c: number, cRow: number,
    activation: number, centre: number, scale: number, preactivations: number,
  ): void;
  /**
   * One batch of the logistic loss on a head: for each listed row φ (rows `features + index·mp`),
   * logit ℓ = cm·⟨a, φ⟩, coefficient c = β(σ(βℓ) − y) (stored), gradient g = Σ c φ (zeroed first).
   */
  headStep(features: number, mp: number, rowIndices: number, n: number, head: number, labels: number, beta: number, cm: number, gradient: number, coefficients: number): void;
  /** The first layer's back-propagated factors: out[k][j] = ((c_k·factor)·a_j)·σ'(z[k][j]), rows of mp. */
  delta(preactivations: number, mp: number, n: number, coefficients: number, head: number, factor: number, activation: number, out: number): void;
}

/** A linear memory that can grow (views must be made again after `reserve`). */
export interface KernelMemory {
  readonly buffer: ArrayBuffer;
  /** Grow to at least `bytes` (contents kept). */
  reserve(bytes: number): void;
}

const BY_CODE: Activation[] = [ACTIVATION.identity, ACTIVATION.relu, ACTIVATION.tanh];

/** An ArrayBuffer that grows by copying: the TypeScript kernels' memory. */
export class ArrayMemory implements KernelMemory {
  buffer = new ArrayBuffer(0);
  reserve(bytes: number): void {
    if (this.buffer.byteLength >= bytes) return;
    const next = new ArrayBuffer(Math.ceil(bytes / 65536) * 65536);
    new Uint8Array(next).set(new Uint8Array(this.buffer));
    this.buffer = next;
  }
}

/** The reference: plain loops in the order the module header states. */
export class TypeScriptKernels implements Kernels {
  readonly kind = 'typescript' as const;
  constructor(readonly memory: KernelMemory = new ArrayMemory()) {}

  gemm(a: number, aRow: number, aInner: number, rows: number, inner: number, b: number, bRow: number, cols: number, c: number, cRow: number): void {
    const m = new Float64Array(this.memory.buffer);
    const A = a / 8;
    const B = b / 8;
    const C = c / 8;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let t = 0; t < inner; t++) s += m[A + r * aRow + t * aInner] * m[B + t * bRow + j];
        m[C + r * cRow + j] = s;
      }
    }
  }

  features(
    a: number, aRow: number, aInner: number, rows: number, inner: number, b: number, bRow: number, cols: number, c: number, cRow: number,
    activation: number, centre: number, scale: number, preactivations: number,
  ): void {
    const m = new Float64Array(this.memory.buffer);
    const sigma = BY_CODE[activation].apply;
    const A = a / 8;
    const B = b / 8;
    const C = c / 8;
    const Z = preactivations / 8;
    const b0 = centre / 8;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let t = 0; t < inner; t++) s += m[A + r * aRow + t * aInner] * m[B + t * bRow + j];
        if (preactivations !== 0) m[Z + r * cRow + j] = s;
        m[C + r * cRow + j] = scale * (sigma(s) - m[b0 + j]);
      }
    }
  }

  headStep(features: number, mp: number, rowIndices: number, n: number, head: number, labels: number, beta: number, cm: number, gradient: number, coefficients: number): void {
    const m = new Float64Array(this.memory.buffer);
    const index = new Int32Array(this.memory.buffer);
    const F = features / 8;
    const H = head / 8;
    const G = gradient / 8;
    const L = labels / 8;
    const K = coefficients / 8;
    const R = rowIndices / 4;
    for (let j = 0; j < mp; j++) m[G + j] = 0;
    for (let k = 0; k < n; k++) {
      const o = F + index[R + k] * mp;
      let even = 0;
      let odd = 0;
      for (let j = 0; j < mp; j += 2) {
        even += m[H + j] * m[o + j];
        odd += m[H + j + 1] * m[o + j + 1];
      }
      const logit = cm * (even + odd);
      const c = beta * (sigmoid(beta * logit) - m[L + k]);
      m[K + k] = c;
      for (let j = 0; j < mp; j++) m[G + j] += c * m[o + j];
    }
  }

  delta(preactivations: number, mp: number, n: number, coefficients: number, head: number, factor: number, activation: number, out: number): void {
    const m = new Float64Array(this.memory.buffer);
    const derivative = BY_CODE[activation].derivative;
    const Z = preactivations / 8;
    const K = coefficients / 8;
    const H = head / 8;
    const O = out / 8;
    for (let k = 0; k < n; k++) {
      const ck = m[K + k] * factor;
      for (let j = 0; j < mp; j++) m[O + k * mp + j] = ck * m[H + j] * derivative(m[Z + k * mp + j]);
    }
  }
}
