/**
 * The preview path's WebAssembly kernel (src/engine/sft/wasmPreview.ts) against its TypeScript
 * reference (sampleMoments, previewSums): bit for bit, the nine moments, the three drawn sums and
 * the generator's state after them, over thousands of random states of every regime (β and norms
 * from tiny to the spec's largest, teachers from opposite to parallel, label noise, NaN and
 * overflowing norms), and whole runs with and without WebAssembly, divergence included. And the
 * kernel's own e^x and e^x − 1 against the host's Math.exp and Math.expm1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ZIG_K } from '../../src/engine/distributions';
import { Rng, type RngState } from '../../src/engine/rng';
import type * as RunModuleType from '../../src/engine/run';
import type * as PreviewModuleType from '../../src/engine/sft/preview';
import { PreviewKernel, previewSums } from '../../src/engine/sft/preview';
import { ReducedKernel } from '../../src/engine/sft/reduced';
import { expKernel, expm1Kernel } from '../../src/engine/sft/previewErf';
import { sampleMoments } from '../../src/engine/sft/previewMoments';
import { WasmPreview } from '../../src/engine/sft/wasmPreview';
import { runAll } from '../helpers/experiment';

const wasm = WasmPreview.create();
type PreviewModule = typeof PreviewModuleType;
type RunModule = typeof RunModuleType;

/** The bit pattern of a double; NaN as such (its sign and payload are not JavaScript values). */
function bits(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return v.getBigUint64(0).toString(16);
}

interface State {
  beta: number;
  norm: number;
  p: number;
  q: number;
  labelNoise: number;
}

/** A random state: β and ‖w‖ log-uniform over the spec's range and below, p in every regime. */
function randomState(pick: Rng): State {
  const beta = Math.pow(10, -3 + 9 * pick.uniform()); // 1e-3 … 1e6
  const norm = Math.pow(10, -8 + 14 * pick.uniform()); // 1e-8 … 1e6
  const kind = pick.below(5);
  let p: number;
  if (kind === 0) p = 2 * pick.uniform() - 1;
  else if (kind === 1) p = 1 - Math.pow(10, -16 * pick.uniform()); // up to parallel in doubles
  else if (kind === 2) p = -1 + Math.pow(10, -16 * pick.uniform());
  else if (kind === 3) p = [0, 1, -1, 1e-300][pick.below(4)];
  else p = Math.pow(10, -12 * pick.uniform()) * (pick.below(2) === 0 ? 1 : -1);
  const q = Math.sqrt(Math.max(0, 1 - p * p));
  return { beta, norm, p, q, labelNoise: [0, 0, 0.1, 0.3, 0.4999][pick.below(5)] };
}

function momentsBoth(s: State): { reference: string[]; wasm: string[]; finite: boolean } {
  const reference = new Float64Array(9);
  sampleMoments(s.beta, s.norm, s.p, s.q, { labelNoise: s.labelNoise, softLambda: null }, reference);
  const out = new Float64Array(9);
  wasm?.moments(s.beta, s.norm, s.p, s.q, s.labelNoise, out);
  return { reference: Array.from(reference, bits), wasm: Array.from(out, bits), finite: reference.every(Number.isFinite) };
}

describe('the preview kernel’s own special functions', () => {
  it('e^x and e^x − 1 are within 5e-16 (relative) of Math.exp and Math.expm1 on [−40, 0]', () => {
    let worstExp = 0;
    let worstExpm1 = 0;
    for (let i = 0; i <= 200_000; i++) {
      // Denser near 0, where e^x − 1 must keep its relative accuracy.
      const x = -40 * (i / 200_000) ** 3;
      worstExp = Math.max(worstExp, Math.abs(expKernel(x) / Math.exp(x) - 1));
      if (x !== 0) worstExpm1 = Math.max(worstExpm1, Math.abs(expm1Kernel(x) / Math.expm1(x) - 1));
    }
    for (const x of [-1e-300, -5e-324, -1e-20, -1e-8, -Math.LN2 / 2, -Math.LN2, -38, -36]) {
      worstExp = Math.max(worstExp, Math.abs(expKernel(x) / Math.exp(x) - 1));
      worstExpm1 = Math.max(worstExpm1, Math.abs(expm1Kernel(x) / Math.expm1(x) - 1));
    }
    expect(worstExp).toBeLessThan(5e-16);
    expect(worstExpm1).toBeLessThan(5e-16);
    expect(expm1Kernel(-0)).toBe(0);
    expect(expKernel(0)).toBe(1);
  });
});

describe('WebAssembly preview kernel', () => {
  it('is available in Node (otherwise the comparisons below would compare nothing)', () => {
    expect(wasm).not.toBeNull();
  });

  it('gives the moments of the TypeScript reference bit for bit over 4 000 random states of every regime', () => {
    const pick = new Rng([31, 32, 33, 34]);
    let finite = 0;
    for (let n = 0; n < 4000; n++) {
      const s = randomState(pick);
      const r = momentsBoth(s);
      expect(r.wasm, JSON.stringify(s)).toEqual(r.reference);
      if (r.finite) finite++;
    }
    // The states are real ones: the moments are finite numbers, not NaN compared with NaN.
    expect(finite).toBe(4000);
  });

  it('gives the reference’s moments at the edges: q = 0, tiny and huge norms and β, NaN and infinite norms', () => {
    for (const beta of [1e-6, 1, 1e6]) {
      for (const norm of [1e-300, 1e-12, 1, 1e6, 1e100, 1e300, Infinity, NaN]) {
        for (const p of [1, -1, 0, 0.999999999999, 0.3]) {
          const s = { beta, norm, p, q: Math.sqrt(1 - p * p), labelNoise: 0.1 };
          const r = momentsBoth(s);
          expect(r.wasm, JSON.stringify(s)).toEqual(r.reference);
        }
      }
    }
  });

  it('gives moments within 1e-8 · β^k of the 2-D adaptive quadrature of their definitions (hard labels)', () => {
    const fixtures = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'preview-moments.json'), 'utf8')) as {
      states: { beta: number; norm: number; p: number; labelNoise: number; softLambda: number | null; mean: number[]; cov: number[] }[];
    };
    const hard = fixtures.states.filter((s) => s.softLambda === null);
    expect(hard.length).toBeGreaterThanOrEqual(9);
    const powers = [1, 1, 2, 2, 2, 2, 3, 3, 4];
    for (const s of hard) {
      const out = new Float64Array(9);
      wasm?.moments(s.beta, s.norm, s.p, Math.sqrt(1 - s.p * s.p), s.labelNoise, out);
      [...s.mean, ...s.cov].forEach((e, i) => expect(Math.abs(out[i] - e)).toBeLessThan(1e-8 * s.beta ** powers[i]));
    }
  });

  it('draws the reference’s sums and leaves the generator in its state, bit for bit, over 4 000 random steps (slow-path draws included)', () => {
    const pick = new Rng([41, 42, 43, 44]);
    let slowDraws = 0;
    for (let n = 0; n < 4000; n++) {
      const s = randomState(pick);
      const batchSize = [100, 101, 1000, 10_000, 1_000_000][pick.below(5)];
      const inflation = [1, 1, 1.1, 1.5][pick.below(4)];
      const state: RngState = [pick.nextUint32() || 1, pick.nextUint32(), pick.nextUint32(), pick.nextUint32()];
      // How many of the three draws miss their ziggurat rectangle (the slow path, with its imported exp and log).
      const peek = new Rng(state);
      for (let d = 0; d < 3; d++) {
        const hz = peek.nextInt32();
        const m = hz >> 8;
        if (Math.abs(m) >= ZIG_K[hz & 255]) slowDraws++;
      }
      const reference = new Rng(state);
      const outReference = new Float64Array(3);
      previewSums(reference, s.beta, s.norm, s.p, s.q, { labelNoise: s.labelNoise, softLambda: null }, batchSize, inflation, new Float64Array(9), outReference);
      const kernel = new Rng(state);
      const outKernel = new Float64Array(3);
      wasm?.sums(kernel, s.beta, s.norm, s.p, s.q, s.labelNoise, batchSize, inflation, outKernel);
      expect({ sums: Array.from(outKernel, bits), state: kernel.getState() }, JSON.stringify({ ...s, batchSize, inflation, state })).toEqual({
        sums: Array.from(outReference, bits),
        state: reference.getState(),
      });
    }
    expect(slowDraws).toBeGreaterThan(50);
  });
});

describe('a whole preview step in WebAssembly', () => {
  it('equals ReducedKernel.advance with previewSums bit for bit over 3 000 random steps (d 3 to 10⁶, parallel, opposite and zero students)', () => {
    const pick = new Rng([51, 52, 53, 54]);
    let parallel = 0;
    for (let n = 0; n < 3000; n++) {
      const s = randomState(pick);
      const d = [3, 4, 5, 7, 100, 1_000_000][pick.below(6)];
      const theta = Math.PI * (2 * pick.uniform() - 1);
      const teacher = { cT: Math.cos(theta), sT: Math.abs(Math.sin(theta)) };
      const kind = pick.below(6);
      // A student along the teacher (q = 0: any u2 ⊥ u1, orthogonalUnit), against it, at zero, or anywhere.
      const initial =
        kind === 0 ? { alpha: s.norm * teacher.cT, b: s.norm * teacher.sT, rho: 0 }
        : kind === 1 ? { alpha: -s.norm * teacher.cT, b: -s.norm * teacher.sT, rho: 0 }
        : kind === 2 ? { alpha: 0, b: 0, rho: 0 }
        : { alpha: s.norm * (2 * pick.uniform() - 1), b: s.norm * (2 * pick.uniform() - 1), rho: s.norm * pick.uniform() };
      if (kind <= 1) parallel++;
      const hyper = { beta: s.beta, learningRate: Math.pow(10, -6 + 12 * pick.uniform()), batchSize: [100, 1001, 10_000, 10_000_000][pick.below(4)] };
      const labels = { softBeta: null, teacherNorm: 1, labelNoise: s.labelNoise };
      const state: RngState = [pick.nextUint32() || 1, pick.nextUint32(), pick.nextUint32(), pick.nextUint32()];
      const inflation = [1, 1, 1.5][pick.below(3)];
      const make = () => {
        const k = new PreviewKernel(d, hyper, teacher, labels, initial, new Rng(state));
        k.covarianceInflation = inflation;
        return k;
      };
      const kernel = make();
      const reference = make();
      for (let step = 0; step < 3; step++) {
        kernel.advance();
        ReducedKernel.prototype.advance.call(reference);
      }
      const bitsOf = (k: PreviewKernel) => {
        const cp = k.checkpoint();
        return { step: cp.step, state: cp.state.map(bits), rng: cp.rng };
      };
      expect(bitsOf(kernel), JSON.stringify({ d, hyper, teacher, initial, labels, state, inflation })).toEqual(bitsOf(reference));
    }
    expect(parallel).toBeGreaterThan(500);
  });
});

describe('a preview step with soft labels, or asked for the auxiliary loss', () => {
  const hyper = { beta: 2, learningRate: 0.5, batchSize: 1000 };
  const teacher = { cT: 0.6, sT: 0.8 };
  const initial = { alpha: 0.7, b: 0.4, rho: 0.5 };
  const state: RngState = [7, 8, 9, 10];
  const after = (labels: { softBeta: number | null; teacherNorm: number; labelNoise: number }, reference: boolean) => {
    const k = new PreviewKernel(10, hyper, teacher, labels, initial, new Rng(state));
    for (let step = 0; step < 3; step++) {
      if (reference) ReducedKernel.prototype.advance.call(k);
      else k.advance();
    }
    const cp = k.checkpoint();
    return { step: cp.step, state: cp.state.map(bits), rng: cp.rng };
  };

  it('soft labels take the TypeScript reference (the WebAssembly step has hard labels only): the same bits, and not the hard-label step’s', () => {
    const soft = { softBeta: 4, teacherNorm: 1, labelNoise: 0 };
    const hard = { softBeta: null, teacherNorm: 1, labelNoise: 0 };
    expect(after(soft, false)).toEqual(after(soft, true));
    expect(after(hard, false)).toEqual(after(hard, true));
    expect(after(soft, false).state).not.toEqual(after(hard, false).state);
    expect(after(soft, false).step).toBe(3);
  });

  it('refuses the auxiliary-confidence loss, naming sft.loss; a null one is plain cross-entropy', () => {
    const aux = { alpha: 0.5, warmup: 0.2, threshold: 'fixed', ramp: 'linear', steps: 10 } as const;
    expect(() => new PreviewKernel(10, hyper, teacher, { softBeta: null, teacherNorm: 1, labelNoise: 0, aux }, initial, new Rng(state))).toThrow(/no auxiliary-confidence loss \(sft\.loss\)/);
    expect(new PreviewKernel(10, hyper, teacher, { softBeta: null, teacherNorm: 1, labelNoise: 0, aux: null }, initial, new Rng(state)).path).toBe('preview');
  });
});

describe('whole preview runs, with and without WebAssembly', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  const spec = (seed: number, extra: Record<string, unknown>) => ({
    seed,
    student: { accuracy: 0.8, norm: [1e-4, 1, 30] },
    teachers: { count: 3, accuracy: 0.7 },
    sft: { batchSize: 1000, steps: 80, learningRates: [1e-5, 0.1, 3, 1e4], recordEvery: 1 },
    engine: { path: 'preview' },
    ...extra,
  });
  const cases = [
    spec(1, {}),
    spec(2, { beta: 1e-3, sft: { batchSize: 100, steps: 60, learningRates: [1, 1e5], labelNoise: 0.2 } }),
    spec(3, { beta: 40, data: { d: 3 }, sft: { batchSize: 1_000_000, steps: 50, learningRates: [1e-3, 1, 1e3] } }),
    // The spec's largest β, norm and learning rate.
    spec(4, { beta: 1e6, student: { accuracy: 0.9, norm: [1e-6, 1e6] }, sft: { batchSize: 10_000_000, steps: 30, learningRates: [1e-6, 1e6] } }),
    spec(5, { teachers: { count: 2, accuracy: 0.55, kappa: 0.99 } }),
    spec(6, { setup: 'shared-pretraining', pretrain: { studentPoints: 300, teacherPoints: 100, studentSteps: 5, teacherSteps: 3 } }),
  ];
  /** Status and every recorded metric of every run, as bit patterns. */
  const outcomesOf = (outcomes: ReturnType<typeof runAll>['outcomes']) =>
    outcomes.map((o) => ({ status: o.status, series: (['step', 'inner', 'norm', 'cos', 'accuracy', 'agreement'] as const).map((m) => Array.from(o.series[m], bits)) }));

  /** A run no spec allows (β = 1e100, η = 1e250): its moments overflow and its first steps diverge. */
  const diverging = (preview: PreviewModule, run: RunModule, learningRate: number) => {
    const kernel = new preview.PreviewKernel(10, { beta: 1e100, learningRate, batchSize: 1000 }, { cT: 0.6, sT: 0.8 }, { softBeta: null, teacherNorm: 1, labelNoise: 0 }, { alpha: 1, b: 0.5, rho: 0.5 }, new Rng([1, 2, 3, 4]));
    const descriptor = { studentCos: NaN, studentNorm: NaN, studentAccuracy: NaN, teacherCos: 0.6, teacherAccuracy: NaN, kappa: 0 };
    const done = run.SftRun.fromKernel({ cell: 0, teacher: 0, lr: 0 }, descriptor, kernel, 20).complete();
    return { status: done.status, series: Object.values(done.recordedSeries()).map((values) => Array.from(values as Float64Array, bits)), state: done.checkpoint().kernel };
  };

  it('record the same series and end the same way (norms 1e-6 to 1e6, β 1e-3 to 1e6, η to 1e6, B 100 to 10⁷, label noise, κ, shared pretraining; divergence)', async () => {
    const withWasm = cases.map((c) => outcomesOf(runAll(c).outcomes));
    const engine = async () => [await import('../../src/engine/sft/preview'), await import('../../src/engine/run')] as const;
    const [previewWith, runWith] = await engine();
    const divergedWith = [1e250, 1e-200].map((lr) => diverging(previewWith, runWith, lr));
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    const fresh = await import('../helpers/experiment');
    const { wasmPreview: freshKernel } = await import('../../src/engine/sft/wasmPreview');
    const withoutWasm = cases.map((c) => outcomesOf(fresh.runAll(c).outcomes));
    const [previewWithout, runWithout] = await engine();
    const divergedWithout = [1e250, 1e-200].map((lr) => diverging(previewWithout, runWithout, lr));
    // The fresh engine really ran the TypeScript reference.
    expect(freshKernel()).toBeNull();
    expect(withWasm.flat().every((o) => o.status === 'done')).toBe(true);
    for (let i = 0; i < cases.length; i++) expect(withWasm[i], JSON.stringify(cases[i])).toEqual(withoutWasm[i]);
    expect(divergedWith.map((d) => d.status)).toEqual(['diverged', 'diverged']);
    expect(divergedWith).toEqual(divergedWithout);
  });
});
