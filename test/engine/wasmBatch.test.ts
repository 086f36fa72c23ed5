/**
 * The WebAssembly batch kernel (src/engine/sft/wasmBatch.ts) against its TypeScript reference
 * (accumulateHardGaussian): bit for bit, the three sums and the generator's state after the batch,
 * on every branch (fused pairs, deferred draws, the ziggurat's wedges and tail, the odd last sample,
 * the sigmoid table's clamps, a teacher parallel to the student, NaN weights); its auxiliary-loss
 * batch against accumulateAuxHardGaussian the same way, and whole runs under the auxiliary loss
 * with and without WebAssembly. And the assembler that turns the kernel's text into a module,
 * against values computed here by hand.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { normalSlowPath, ZIG_K } from '../../src/engine/distributions';
import { Rng, type RngState } from '../../src/engine/rng';
import { accumulateAuxHardGaussian, AuxHardBuffers } from '../../src/engine/sft/auxHardGaussian';
import { accumulateBatch, accumulateHardGaussian } from '../../src/engine/sft/batch';
import { WasmBatch } from '../../src/engine/sft/wasmBatch';
import { assembleModule } from '../../src/engine/wasm/assemble';
import { runAll } from '../helpers/experiment';

const wasm = WasmBatch.create();
const HARD = { softBeta: null, teacherNorm: 1, labelNoise: 0 };

/** The bit pattern of a double; NaN as such (its sign and payload are not JavaScript values). */
function bits(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return v.getBigUint64(0).toString(16);
}

/** Both kernels from the same state: their sums (as bit patterns) and final states. */
function both(state: RngState, batchSize: number, beta: number, weightNorm: number, p: number, q: number) {
  const ts = new Rng(state);
  const outTs = new Float64Array(3);
  accumulateHardGaussian(ts, new Float64Array(2 * batchSize + 2), batchSize, beta, weightNorm, p, q, outTs);
  const wa = new Rng(state);
  const outWasm = new Float64Array(3);
  wasm?.batch(wa, batchSize, beta, weightNorm, p, q, outWasm);
  return {
    reference: { sums: Array.from(outTs, bits), state: ts.getState() },
    wasm: { sums: Array.from(outWasm, bits), state: wa.getState() },
  };
}

describe('WebAssembly batch kernel', () => {
  it('is available in Node (otherwise the comparisons below would compare nothing)', () => {
    expect(wasm).not.toBeNull();
  });

  it('equals the TypeScript reference bit for bit over 600 random batches', () => {
    const pick = new Rng([11, 12, 13, 14]);
    for (let n = 0; n < 600; n++) {
      const batchSize = [1, 2, 3, 7, 64, 1001, 10_000][pick.below(7)];
      const beta = [0.1, 1, 2.5, 40][pick.below(4)];
      // Up to β‖w‖g beyond the table's ±17: the clamps at both ends.
      const weightNorm = [1e-3, 0.5, 1, 3, 10, 300][pick.below(6)];
      const p = 2 * pick.uniform() - 1;
      const r = both([pick.nextUint32() || 1, pick.nextUint32(), pick.nextUint32(), pick.nextUint32()], batchSize, beta, weightNorm, p, Math.sqrt(1 - p * p));
      expect(r.wasm).toEqual(r.reference);
    }
  });

  it('equals the reference for a teacher parallel to the student (q = 0, margins exactly 0) and NaN weights', () => {
    for (const [p, q, weightNorm] of [
      [1, 0, 1],
      [-1, 0, 2],
      [0, 1, 1],
      [0.6, 0.8, NaN],
      [0.6, 0.8, 1e306], // β‖w‖·32 overflows to ∞
    ]) {
      for (let s = 1; s <= 20; s++) {
        const r = both([s, 77, 5, 9], 4001, 1.5, weightNorm, p, q);
        expect(r.wasm).toEqual(r.reference);
      }
    }
  });

  it("is what accumulateBatch uses for hard labels on Gaussian data", () => {
    const state: RngState = [3, 1, 4, 1];
    const viaBatch = new Rng(state);
    const out = new Float64Array(3);
    accumulateBatch(viaBatch, new Float64Array(2000), 999, 1, 1.3, 0.2, Math.sqrt(0.96), HARD, null, out);
    const r = both(state, 999, 1, 1.3, 0.2, Math.sqrt(0.96));
    expect({ sums: Array.from(out, bits), state: viaBatch.getState() }).toEqual(r.reference);
  });

  it("the ziggurat's slow path equals normalSlowPath for a draw just outside every layer's rectangle (wedges and tail)", () => {
    if (wasm === null) throw new Error('no WebAssembly');
    const slow = wasm.exports.slow as (hz: number) => number;
    for (let layer = 0; layer < 256; layer++) {
      for (const sign of [1, -1]) {
        for (let s = 1; s <= 8; s++) {
          const m = sign * Math.min(ZIG_K[layer] + s - 1, 8388607);
          const hz = (m << 8) | layer;
          const state: RngState = [layer + 1, s, 99, sign + 5];
          const reference = new Rng(state);
          const expected = normalSlowPath(reference, hz);
          const rng = new Rng(state);
          wasm.loadRng(rng);
          const got = slow(hz);
          wasm.storeRng(rng);
          expect(bits(got)).toBe(bits(expected));
          expect(rng.getState()).toEqual(reference.getState());
        }
      }
    }
  });

  it('uniform() equals Rng.uniform', () => {
    if (wasm === null) throw new Error('no WebAssembly');
    const uniform = wasm.exports.uniform as () => number;
    const reference = new Rng([5, 6, 7, 8]);
    const rng = new Rng([5, 6, 7, 8]);
    for (let i = 0; i < 1000; i++) {
      wasm.loadRng(rng);
      const u = uniform();
      wasm.storeRng(rng);
      expect(u).toBe(reference.uniform());
    }
  });
});

interface AuxCase {
  batchSize: number;
  beta: number;
  weightNorm: number;
  p: number;
  alphaT: number;
  threshold: 'fixed' | 'adaptive';
  /** The band's half-width, or null for the default 10/√B. */
  band: number | null;
}

/** Both auxiliary batches from the same state: sums (bit patterns) and final states. */
function bothAux(state: RngState, c: AuxCase) {
  const q = Math.sqrt(1 - c.p * c.p);
  const run = (batch: (rng: Rng, buffers: AuxHardBuffers, out: Float64Array) => void) => {
    const rng = new Rng(state);
    const buffers = new AuxHardBuffers(c.batchSize);
    if (c.band !== null) buffers.band = c.band;
    const out = new Float64Array(3);
    batch(rng, buffers, out);
    return { sums: Array.from(out, bits), state: rng.getState() };
  };
  return {
    reference: run((rng, buffers, out) => accumulateAuxHardGaussian(rng, buffers, c.batchSize, c.beta, c.weightNorm, c.p, q, c.alphaT, c.threshold, out)),
    wasm: run((rng, buffers, out) => wasm?.auxBatch(rng, buffers, c.batchSize, c.beta, c.weightNorm, c.p, q, c.alphaT, c.threshold, out)),
  };
}

describe('WebAssembly auxiliary-confidence batch', () => {
  it('equals accumulateAuxHardGaussian bit for bit over 800 random batches (both thresholds, B odd and even, the band and its second draw)', () => {
    const pick = new Rng([21, 22, 23, 24]);
    let relabelled = 0;
    for (let n = 0; n < 800; n++) {
      const c: AuxCase = {
        // 1, 3, 7, 1001, 4099, 9999 are divisible by neither unroll factor (2 samples, 4 draws).
        batchSize: [1, 2, 3, 7, 64, 400, 1001, 4099, 9999, 10_000][pick.below(10)],
        beta: [0.1, 1, 2.5, 40][pick.below(4)],
        weightNorm: [1e-3, 0.5, 1, 3, 10, 300][pick.below(6)],
        p: 2 * pick.uniform() - 1,
        alphaT: [1e-3, 0.05, 0.3, 0.5, 1][pick.below(5)],
        threshold: pick.below(3) === 0 ? 'fixed' : 'adaptive',
        // Narrow bands make the first pass fail whenever a label must change: the second draw.
        band: [null, null, null, 1e-4, 0][pick.below(5)],
      };
      const state: RngState = [pick.nextUint32() || 1, pick.nextUint32(), pick.nextUint32(), pick.nextUint32()];
      const r = bothAux(state, c);
      expect(r.wasm, JSON.stringify(c)).toEqual(r.reference);
      if (c.threshold === 'adaptive') {
        const atZero = bothAux(state, { ...c, threshold: 'fixed' });
        if (atZero.reference.sums.join() !== r.reference.sums.join()) relabelled++;
      }
    }
    // The adaptive τ moved labels (the relabelling ran) in most adaptive batches.
    expect(relabelled).toBeGreaterThan(300);
  });

  it('equals the reference for a teacher parallel to the student (margins exactly 0, y = ½) and NaN or overflowing weights', () => {
    for (const [p, weightNorm] of [
      [1, 1],
      [-1, 2],
      [0, 1],
      [0.6, NaN],
      [0.6, 1e306],
    ]) {
      for (let s = 1; s <= 10; s++) {
        for (const threshold of ['fixed', 'adaptive'] as const) {
          const c: AuxCase = { batchSize: 4001, beta: 1.5, weightNorm, p, alphaT: 0.5, threshold, band: null };
          const r = bothAux([s, 77, 5, 9], c);
          expect(r.wasm).toEqual(r.reference);
        }
      }
    }
  });
});

describe('whole runs under the auxiliary loss, with and without WebAssembly', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  const spec = (path: 'reduced' | 'projected', seed: number, batchSize: number, loss: Record<string, unknown>) => ({
    seed,
    data: path === 'reduced' ? { d: 40 } : { d: 6, spectrum: [3, 1, 0.5, 0.2, 2, 0.7] },
    beta: 2,
    student: { accuracy: 0.8, norm: 1.2 },
    teachers: { count: 2, accuracy: 0.7 },
    sft: { batchSize, steps: 60, learningRates: [0.3, 2], ceiling: false, loss: { kind: 'auxConfidence', ...loss } },
    engine: { path },
  });
  const cases = [
    spec('reduced', 1, 1001, { threshold: 'adaptive' }),
    spec('reduced', 2, 777, { threshold: 'fixed', warmup: 0 }),
    spec('reduced', 3, 64, { threshold: 'adaptive', alpha: 0.9, warmup: 0.5, ramp: 'reference-code' }),
    spec('reduced', 4, 3, { threshold: 'adaptive', alpha: 0.3, warmup: 0 }),
    spec('reduced', 5, 4099, { threshold: 'adaptive', warmup: 0.2 }),
    spec('projected', 6, 999, { threshold: 'adaptive', warmup: 0 }),
    spec('projected', 7, 250, { threshold: 'fixed', warmup: 0.1 }),
  ];
  /** ⟨w, w*⟩, ‖w‖, cos of every run at every step, as bit patterns. */
  const seriesOf = (outcomes: ReturnType<typeof runAll>['outcomes']) =>
    outcomes.map((o) => (['inner', 'norm', 'cos'] as const).map((m) => Array.from(o.series[m], bits)));

  it('record the same ⟨w, w*⟩, ‖w‖ and cos at every step (reduced and projected paths, fixed and adaptive τ, with and without warm-up)', async () => {
    const withWasm = cases.map((c) => seriesOf(runAll(c).outcomes));
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    const fresh = await import('../helpers/experiment');
    const { wasmBatch: freshWasm } = await import('../../src/engine/sft/wasmBatch');
    const withoutWasm = cases.map((c) => seriesOf(fresh.runAll(c).outcomes));
    // The fresh engine really ran the TypeScript reference.
    expect(freshWasm()).toBeNull();
    expect(withWasm[0][0][0].length).toBe(61);
    for (let i = 0; i < cases.length; i++) expect(withWasm[i], JSON.stringify(cases[i])).toEqual(withoutWasm[i]);
  });
});

describe('assembler', () => {
  const api = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: Record<string, unknown> } } }).WebAssembly;
  const instantiate = (bytes: Uint8Array, imports: object = {}) => new api.Instance(new api.Module(bytes), imports).exports;

  it('encodes integer, float, memory, control flow, SIMD and imports so that results match hand computation', () => {
    const exports = instantiate(
      assembleModule({
        imports: [{ module: 'host', name: 'twice', params: ['f64'], results: ['f64'] }],
        memoryPages: 1,
        functions: [
          {
            name: 'mix',
            params: [['a', 'i32'], ['b', 'i32']],
            results: ['i32'],
            locals: [],
            // rotl(a · 5, 7) xor (b >> 3), with constants that need multi-byte LEB128
            body: 'local.get $a i32.const 5 i32.mul i32.const 7 i32.rotl local.get $b i32.const 3 i32.shr_s i32.xor i32.const -1000000 i32.add',
          },
          {
            name: 'sumTo',
            params: [['n', 'i32']],
            results: ['f64'],
            locals: [['i', 'i32'], ['s', 'f64']],
            body: `
              block $done
                loop $next
                  local.get $i local.get $n i32.ge_s br_if $done
                  i32.const 8 local.get $i f64.convert_i32_s f64.store offset=16
                  local.get $s i32.const 8 f64.load offset=16 f64.add local.set $s
                  local.get $i i32.const 1 i32.add local.set $i
                  br $next
                end
              end
              local.get $s call $twice`,
          },
          {
            name: 'lanes',
            params: [['x', 'f64'], ['y', 'f64']],
            results: ['f64'],
            locals: [['v', 'v128']],
            // (x, y) · (x, y) in one f64x2, lanes summed: x² + y²
            body: 'local.get $x f64x2.splat local.get $y f64x2.replace_lane 1 local.tee $v local.get $v f64x2.mul local.tee $v f64x2.extract_lane 0 local.get $v f64x2.extract_lane 1 f64.add',
          },
          {
            name: 'pow2',
            params: [['x', 'f64']],
            results: ['f64'],
            locals: [],
            // 2^⌊x⌋ from the bits of ⌊x⌋ + 2^52 + 1023 shifted into the exponent (the preview kernel's scale)
            body: 'local.get $x f64x2.splat f64x2.floor f64.const 4503599627371519 f64x2.splat f64x2.add i32.const 52 i64x2.shl f64x2.extract_lane 0',
          },
          {
            name: 'compare',
            params: [['x', 'f64'], ['y', 'f64']],
            results: ['i32'],
            locals: [['a', 'v128'], ['b', 'v128']],
            // 1{x ≤ y} + 2·1{x ≥ y} + 4·1{x ≤ y and not x ≥ y} + 8·1{not x ≤ y}
            body: `
              local.get $x f64x2.splat local.get $y f64x2.splat f64x2.le local.set $a
              local.get $x f64x2.splat local.get $y f64x2.splat f64x2.ge local.set $b
              local.get $a v128.any_true
              local.get $b v128.any_true i32.const 2 i32.mul i32.add
              local.get $a local.get $b v128.andnot v128.any_true i32.const 4 i32.mul i32.add
              local.get $a v128.not v128.any_true i32.const 8 i32.mul i32.add`,
          },
        ],
      }),
      { host: { twice: (x: number) => 2 * x } },
    );
    const rotl = (v: number, k: number) => ((v << k) | (v >>> (32 - k))) | 0;
    for (const [a, b] of [[1, 2], [-7, 123456789], [2 ** 31 - 1, -(2 ** 31)]]) {
      expect((exports.mix as (a: number, b: number) => number)(a, b)).toBe(((rotl(Math.imul(a, 5), 7) ^ (b >> 3)) - 1000000) | 0);
    }
    expect((exports.sumTo as (n: number) => number)(100)).toBe(2 * 4950);
    expect((exports.lanes as (x: number, y: number) => number)(3, 4)).toBe(25);
    for (const x of [-1022, -57.5, -1, -0.25, 0, 0.5, 3.99, 1023]) expect((exports.pow2 as (x: number) => number)(x)).toBe(Math.pow(2, Math.floor(x)));
    const compare = exports.compare as (x: number, y: number) => number;
    expect([compare(1, 2), compare(2, 1), compare(1, 1), compare(NaN, 1)]).toEqual([1 + 4, 2 + 8, 1 + 2, 8]);
  });

  it('refuses unknown instructions, locals and labels, and unbalanced blocks', () => {
    const fn = (body: string) => () =>
      assembleModule({ memoryPages: 1, functions: [{ name: 'f', params: [], results: [], locals: [['x', 'i32']], body }] });
    expect(fn('i32.frobnicate')).toThrow(/unknown instruction/);
    expect(fn('local.get $y drop')).toThrow(/unknown local/);
    expect(fn('block $a br $b end')).toThrow(/unknown label/);
    expect(fn('block $a')).toThrow(/not closed/);
    expect(fn('end')).toThrow(/without a block/);
  });
});
