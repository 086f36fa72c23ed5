/**
 * The random-features kernels in WebAssembly (src/engine/randomFeatures/wasmKernels.ts) against
 * their TypeScript reference (kernels.ts): the same doubles bit for bit, on random inputs of many
 * shapes, every activation, strided (transposed) operands, and the edge values where a translation
 * could differ (NaN, −0, ±∞, logits beyond the sigmoid's range). And the reference itself against
 * products written out here.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/engine/rng';
import { type Kernels, TypeScriptKernels } from '../../../src/engine/randomFeatures/kernels';
import { WasmKernels } from '../../../src/engine/randomFeatures/wasmKernels';
import { ACTIVATION } from '../../../src/engine/randomFeatures/activation';
import { sigmoid } from '../../../src/engine/sigmoid';

const wasm = WasmKernels.create();

/** Bit patterns, NaN as one pattern (its payload is not a JavaScript value). */
function bits(xs: Float64Array): string[] {
  const v = new DataView(new ArrayBuffer(8));
  return Array.from(xs, (x) => {
    if (Number.isNaN(x)) return 'NaN';
    v.setFloat64(0, x);
    return v.getBigUint64(0).toString(16);
  });
}

const EDGE = [Number.NaN, -0, 0, Infinity, -Infinity, 1e300, -1e300, 5e-324];

/** Fill both kernels' memories with the same numbers: mostly N(0, 1)-ish, some edge values. */
function fill(kernels: Kernels[], doubles: number, rng: Rng, edges: boolean): void {
  const values = new Float64Array(doubles);
  for (let i = 0; i < doubles; i++) {
    values[i] = edges && rng.below(20) === 0 ? EDGE[rng.below(EDGE.length)] : (rng.uniform() - 0.5) * 4;
  }
  for (const k of kernels) {
    k.memory.reserve(8 * doubles + 64);
    new Float64Array(k.memory.buffer, 0, doubles).set(values);
  }
}

function view(k: Kernels, offset: number, length: number): Float64Array {
  return new Float64Array(k.memory.buffer, offset, length);
}

describe('random-features kernels', () => {
  it('have a WebAssembly build in Node (otherwise the comparisons below compare nothing)', () => {
    expect(wasm).not.toBeNull();
  });

  const pair = (): [Kernels, Kernels] => [new TypeScriptKernels(), WasmKernels.create() as Kernels];

  it('gemm and features equal the reference bit for bit (row-major and transposed A, every σ, z kept or not)', () => {
    const rng = new Rng([1, 2, 3, 4]);
    for (let trial = 0; trial < 60; trial++) {
      const rows = 2 * (1 + rng.below(6));
      const inner = 1 + rng.below(9);
      const cols = 8 * (1 + rng.below(4));
      const transposed = rng.below(2) === 1;
      const edges = trial % 3 === 0;
      // A (rows × inner, or inner × rows when transposed), B (inner × cols), C, Z, centre.
      const aLen = rows * inner;
      const a = 16;
      const b = a + 8 * aLen;
      const c = b + 8 * inner * cols;
      const z = c + 8 * rows * cols;
      const centre = z + 8 * rows * cols;
      const total = centre / 8 + cols;
      const [ts, wa] = pair();
      fill([ts, wa], total, rng, edges);
      const [aRow, aInner] = transposed ? [1, rows] : [inner, 1];
      const activation = rng.below(3);
      const keepZ = rng.below(2) === 1 ? z : 0;
      const scale = 1 + rng.uniform();
      const kind = rng.below(2);
      for (const k of [ts, wa]) {
        if (kind === 0) k.gemm(a, aRow, aInner, rows, inner, b, cols, cols, c, cols);
        else k.features(a, aRow, aInner, rows, inner, b, cols, cols, c, cols, activation, centre, scale, keepZ);
      }
      expect(bits(view(wa, c, 2 * rows * cols))).toEqual(bits(view(ts, c, 2 * rows * cols)));
    }
  });

  it('headStep equals the reference bit for bit (gradient, coefficients), rows listed in any order and repeated', () => {
    const rng = new Rng([5, 6, 7, 8]);
    for (let trial = 0; trial < 60; trial++) {
      const mp = 8 * (1 + rng.below(5));
      const rows = 1 + rng.below(12);
      const n = 1 + rng.below(15);
      const edges = trial % 4 === 0;
      const features = 16;
      const head = features + 8 * rows * mp;
      const labels = head + 8 * mp;
      const gradient = labels + 8 * n;
      const coefficients = gradient + 8 * mp;
      const indices = coefficients + 8 * n;
      const [ts, wa] = pair();
      fill([ts, wa], indices / 8 + n, rng, edges);
      // Logits up to ±1e3 with β = 40 reach both branches of the sigmoid and its saturation.
      const beta = [0.5, 1, 40][rng.below(3)];
      const idx = Int32Array.from({ length: n }, () => rng.below(rows));
      for (const k of [ts, wa]) {
        new Int32Array(k.memory.buffer, indices, n).set(idx);
        const y = view(k, labels, n);
        for (let i = 0; i < n; i++) y[i] = rng.below(2);
      }
      // Same labels in both.
      view(wa, labels, n).set(view(ts, labels, n));
      for (const k of [ts, wa]) k.headStep(features, mp, indices, n, head, labels, beta, Math.sqrt(2 / mp), gradient, coefficients);
      expect(bits(view(wa, gradient, mp))).toEqual(bits(view(ts, gradient, mp)));
      expect(bits(view(wa, coefficients, n))).toEqual(bits(view(ts, coefficients, n)));
    }
  });

  it('delta equals the reference bit for bit for every σ', () => {
    const rng = new Rng([9, 10, 11, 12]);
    for (let trial = 0; trial < 45; trial++) {
      const mp = 8 * (1 + rng.below(4));
      const n = 1 + rng.below(9);
      const pre = 16;
      const coefficients = pre + 8 * n * mp;
      const head = coefficients + 8 * n;
      const out = head + 8 * mp;
      const [ts, wa] = pair();
      fill([ts, wa], out / 8 + n * mp, rng, trial % 3 === 0);
      const activation = trial % 3;
      for (const k of [ts, wa]) k.delta(pre, mp, n, coefficients, head, 0.7, activation, out);
      expect(bits(view(wa, out, n * mp))).toEqual(bits(view(ts, out, n * mp)));
    }
  });

  it('the reference computes the products it states (values written out here)', () => {
    const k = new TypeScriptKernels();
    k.memory.reserve(4096);
    const m = new Float64Array(k.memory.buffer);
    // A = [[1, 2], [3, 4]] (rows 2, inner 2) at 16; B = 2 × 8 at 64: row 0 = 1..8, row 1 = 0.5 each.
    m.set([1, 2, 3, 4], 2);
    for (let j = 0; j < 8; j++) {
      m[8 + j] = j + 1;
      m[16 + j] = 0.5;
    }
    k.gemm(16, 2, 1, 2, 2, 64, 8, 8, 256, 8);
    expect(Array.from(m.subarray(32, 48))).toEqual([...Array.from({ length: 8 }, (_, j) => (j + 1) + 1), ...Array.from({ length: 8 }, (_, j) => 3 * (j + 1) + 2)]);
    // relu features with centre 1 (at byte 512) and scale 2: φ = 2·(max(z, 0) − 1), z[0][0] = 1·1 + 2·0.5.
    m.fill(1, 64, 72);
    m[9] = -7; // B[0][1]: z[0][1] = −7 + 1 < 0
    k.features(16, 2, 1, 2, 2, 64, 8, 8, 256, 8, 1, 512, 2, 0);
    expect(m[32]).toBe(2 * (2 - 1));
    expect(m[33]).toBe(2 * (0 - 1));
    // headStep: one row, head h, label y: c = β(σ(β·cm·⟨h, φ⟩) − y) and g = c·φ.
    m.fill(0, 0, 512);
    for (let j = 0; j < 8; j++) {
      m[2 + j] = j / 8; // φ at 16
      m[10 + j] = 1 - j / 16; // head at 80
    }
    m[18] = 1; // label at 144
    new Int32Array(k.memory.buffer)[100] = 0; // row index at 400
    k.headStep(16, 8, 400, 1, 80, 144, 2, 0.5, 160, 224);
    let dot = 0;
    for (let j = 0; j < 8; j++) dot += (j / 8) * (1 - j / 16);
    const c = 2 * (sigmoid(2 * 0.5 * dot) - 1);
    expect(m[28]).toBeCloseTo(c, 15);
    for (let j = 0; j < 8; j++) expect(m[20 + j]).toBeCloseTo(c * (j / 8), 15);
    expect(ACTIVATION.relu.derivative(-0)).toBe(0);
  });
});
