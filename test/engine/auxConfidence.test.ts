/**
 * The auxiliary-confidence loss (docs/spec.md §11) against independent computations: the ramp, the
 * selection, each batch loop against the definition recomputed from the same draws (replayed from a
 * copy of the generator), the dense path against gradient descent by hand, a = 0 against plain SFT
 * bit for bit on every exact path, and checkpoint/resume.
 */
import { describe, expect, it } from 'vitest';
import { fillNormal, chiSquare, normalSlowPath, ZIG_K, ZIG_W } from '../../src/engine/distributions';
import { ExperimentContext } from '../../src/engine/experiment';
import { Rng } from '../../src/engine/rng';
import { SftRun } from '../../src/engine/run';
import { sigmoid, sigmoidTable } from '../../src/engine/sigmoid';
import { accumulateAuxBatch, adaptiveThreshold, AuxBuffers, auxWeight, selectKth } from '../../src/engine/sft/auxConfidence';
import { accumulateAuxHardGaussian, AuxHardBuffers } from '../../src/engine/sft/auxHardGaussian';
import { accumulateBatch, type LabelOptions } from '../../src/engine/sft/batch';
import { validateSpec } from '../../src/engine/spec';
import { runAll } from '../helpers/experiment';

const aux = (ramp: 'linear' | 'reference-code', alpha: number, warmup: number, steps: number) => ({ alpha, warmup, ramp, threshold: 'fixed' as const, steps });

describe('the weight α_t', () => {
  it('linear: a·min(1, t/(fT)); f = 0 means no warm-up', () => {
    const o = aux('linear', 0.5, 0.1, 200);
    expect([0, 1, 10, 19, 20, 21, 199].map((t) => auxWeight(o, t))).toEqual([0, 0.5 / 20, 0.25, (0.5 * 19) / 20, 0.5, 0.5, 0.5]);
    expect(auxWeight(aux('linear', 0.7, 0, 100), 0)).toBe(0.7);
  });

  it("reference-code (logconf_loss_fn): a·t/T while t/T ≤ f, then a — a jump at f", () => {
    const o = aux('reference-code', 0.5, 0.1, 200);
    expect(auxWeight(o, 0)).toBe(0);
    expect(auxWeight(o, 10)).toBeCloseTo(0.5 * 0.05, 15);
    expect(auxWeight(o, 20)).toBeCloseTo(0.5 * 0.1, 15); // t/T = f: still the ramp
    expect(auxWeight(o, 21)).toBe(0.5);
    expect(auxWeight(aux('reference-code', 0.5, 0, 50), 1)).toBe(0.5);
  });
});

describe('selection', () => {
  it('selectKth returns the k-th smallest, with ties and every k', () => {
    const rng = new Rng([1, 2, 3, 4]);
    for (const n of [1, 2, 3, 7, 50, 301]) {
      const values = Array.from({ length: n }, () => Math.floor((rng.nextUint32() / 4294967296) * (n / 2)) / 7);
      const sorted = [...values].sort((a, b) => a - b);
      for (let k = 0; k < n; k++) expect(selectKth(Float64Array.from(values), n, k)).toBe(sorted[k]);
    }
  });

  it('the adaptive threshold leaves exactly k = round(Σ y) margins above it', () => {
    const rng = new Rng([5, 6, 7, 8]);
    const margins = new Float64Array(999);
    fillNormal(rng, margins);
    for (const labelSum of [0, 1, 2.4, 2.6, 500, 998, 999]) {
      const tau = adaptiveThreshold(Float64Array.from(margins), 999, labelSum);
      expect(margins.filter((m) => m > tau).length).toBe(Math.round(labelSum));
    }
  });
});

/** The samples of batch.ts's fused order (pairs of four draws; a pair with a slow draw finished after the loop). */
function fusedDraws(rng: Rng, batchSize: number): { g1: number[]; g2: number[] } {
  const fast = (hz: number) => Math.abs(hz >> 8) < ZIG_K[hz & 255];
  const value = (hz: number) => (hz >> 8) * ZIG_W[hz & 255];
  const g1: number[] = [];
  const g2: number[] = [];
  const deferred: number[] = [];
  for (let i = 0; i < batchSize >> 1; i++) {
    const h = [rng.nextInt32(), rng.nextInt32(), rng.nextInt32(), rng.nextInt32()];
    if (h.every(fast)) {
      g1.push(value(h[0]), value(h[2]));
      g2.push(value(h[1]), value(h[3]));
    } else deferred.push(...h);
  }
  if (batchSize % 2 === 1) deferred.push(rng.nextInt32(), rng.nextInt32());
  for (let j = 0; j < deferred.length; j += 2) {
    g1.push(fast(deferred[j]) ? value(deferred[j]) : normalSlowPath(rng, deferred[j]));
    g2.push(fast(deferred[j + 1]) ? value(deferred[j + 1]) : normalSlowPath(rng, deferred[j + 1]));
  }
  return { g1, g2 };
}

/** [S1, S2, Q] by the definition: τ by sorting, q = (1 − α) y + α 1{s g1 > τ}, c = β(σ(β‖w‖ s g1) − q). */
function definition(g1: number[], g2: number[], y: number[], s: number[], beta: number, norm: number, alpha: number, threshold: 'fixed' | 'adaptive'): number[] {
  const n = g1.length;
  const margins = g1.map((g, i) => s[i] * g);
  const k = Math.round(y.reduce((a, b) => a + b, 0));
  const sorted = [...margins].sort((a, b) => a - b);
  const tau = threshold === 'fixed' ? 0 : k >= n ? -Infinity : k <= 0 ? Infinity : sorted[n - k - 1];
  const sums = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const q = (1 - alpha) * y[i] + alpha * (margins[i] > tau ? 1 : 0);
    const c = beta * (sigmoidTable(beta * norm * margins[i]) - q);
    sums[0] += c * s[i] * g1[i];
    sums[1] += c * s[i] * g2[i];
    sums[2] += c * c * s[i] * s[i];
  }
  return sums;
}

function expectClose(actual: ArrayLike<number>, expected: number[], scale: number): void {
  for (let j = 0; j < 3; j++) expect(Math.abs(actual[j] - expected[j])).toBeLessThan(1e-11 * scale);
}

describe('the fast batch (hard labels, Gaussian data) against the definition on the same draws', () => {
  const cases = [
    { batch: 10_000, alpha: 0.5, threshold: 'adaptive' as const, band: null },
    { batch: 1001, alpha: 0.3, threshold: 'adaptive' as const, band: null },
    { batch: 7, alpha: 1, threshold: 'adaptive' as const, band: null },
    { batch: 2000, alpha: 0.5, threshold: 'fixed' as const, band: null },
    // A band too narrow to hold the samples to relabel: the batch is drawn again, kept whole.
    { batch: 3000, alpha: 0.8, threshold: 'adaptive' as const, band: 1e-4 },
    { batch: 3000, alpha: 0.8, threshold: 'adaptive' as const, band: 0 },
  ];
  for (const { batch, alpha, threshold, band } of cases) {
    it(`B = ${batch}, α = ${alpha}, ${threshold}${band === null ? '' : `, band ${band}`}`, () => {
      for (let trial = 0; trial < 6; trial++) {
        const rng = new Rng([11 + trial, 12, 13, batch]);
        const replay = new Rng(rng.getState());
        const p = [0.3, -0.2, 0.95, 0.6, 0, 0.999][trial];
        const q = Math.sqrt(1 - p * p);
        const buffers = new AuxHardBuffers(batch);
        if (band !== null) buffers.band = band;
        const out = new Float64Array(3);
        accumulateAuxHardGaussian(rng, buffers, batch, 1.5, 0.8, p, q, alpha, threshold, out);
        const { g1, g2 } = fusedDraws(replay, batch);
        expect(replay.getState()).toEqual(rng.getState());
        const y = g1.map((g, i) => (p * g + q * g2[i] > 0 ? 1 : 0));
        expectClose(out, definition(g1, g2, y, g1.map(() => 1), 1.5, 0.8, alpha, threshold), batch);
      }
    });
  }
});

describe("the fast batch's band sets only how often a batch is drawn twice, not its numbers", () => {
  it('the same sums and generator state, bit for bit, for bands from 10⁻⁴ (every batch drawn twice) to ∞ (every sample kept)', () => {
    let differsFromFixed = 0;
    for (const batch of [9, 400, 1001, 10_000]) {
      for (let trial = 0; trial < 8; trial++) {
        const p = [0, 0.3, -0.5, 0.9][trial % 4];
        const q = Math.sqrt(1 - p * p);
        const run = (band: number, threshold: 'fixed' | 'adaptive') => {
          const rng = new Rng([31 + trial, 32, 33, batch]);
          const buffers = new AuxHardBuffers(batch);
          buffers.band = band;
          const out = new Float64Array(3);
          accumulateAuxHardGaussian(rng, buffers, batch, 1.5, 0.8, p, q, 0.6, threshold, out);
          return { sums: Array.from(out), state: rng.getState() };
        };
        const wide = run(Infinity, 'adaptive');
        for (const band of [1e-4, 3 / Math.sqrt(batch), 6 / Math.sqrt(batch), 20 / Math.sqrt(batch)]) expect(run(band, 'adaptive')).toEqual(wide);
        if (run(Infinity, 'fixed').sums.join() !== wide.sums.join()) differsFromFixed++;
      }
    }
    // The adaptive τ did relabel samples in these batches (otherwise the bands would not matter).
    expect(differsFromFixed).toBeGreaterThan(24);
  });
});

describe('the general batch (label noise, soft labels, Student-t) against the definition on the same draws', () => {
  const variants: { name: string; labels: LabelOptions; nu: number | null }[] = [
    { name: 'label noise', labels: { softBeta: null, teacherNorm: 1, labelNoise: 0.2 }, nu: null },
    { name: 'soft labels', labels: { softBeta: 2, teacherNorm: 1.5, labelNoise: 0 }, nu: null },
    { name: 'Student-t, ν = 5, noisy labels', labels: { softBeta: null, teacherNorm: 1, labelNoise: 0.1 }, nu: 5 },
  ];
  for (const { name, labels, nu } of variants) {
    it(name, () => {
      const batch = 1501;
      for (const threshold of ['fixed', 'adaptive'] as const) {
        const rng = new Rng([21, 22, 23, batch]);
        const replay = new Rng(rng.getState());
        const p = 0.4;
        const q = Math.sqrt(1 - p * p);
        const mixture = nu === null ? null : { nu };
        const out = new Float64Array(3);
        accumulateAuxBatch(rng, new AuxBuffers(batch, mixture !== null), batch, 1.2, 1.1, p, q, labels, mixture, 0.6, threshold, out);
        // The replay: 2B normals, then per sample its scale and its label-noise draw.
        const normals = new Float64Array(2 * batch);
        fillNormal(replay, normals);
        const g1: number[] = [];
        const g2: number[] = [];
        const s: number[] = [];
        const y: number[] = [];
        for (let i = 0; i < batch; i++) {
          g1.push(normals[2 * i]);
          g2.push(normals[2 * i + 1]);
          s.push(nu === null ? 1 : Math.sqrt((nu - 2) / chiSquare(replay, nu)));
          const margin = p * g1[i] + q * g2[i];
          if (labels.softBeta !== null) y.push(sigmoidTable(labels.softBeta * labels.teacherNorm * s[i] * margin));
          else {
            const hard = margin > 0 ? 1 : 0;
            y.push(labels.labelNoise > 0 && replay.nextUint32() < labels.labelNoise * 4294967296 ? 1 - hard : hard);
          }
        }
        expect(replay.getState()).toEqual(rng.getState());
        expectClose(out, definition(g1, g2, y, s, 1.2, 1.1, 0.6, threshold), batch);
      }
    });

    it(`${name}: at α = 0 the general loop gives batch.ts's sums bit for bit`, () => {
      const mixture = nu === null ? null : { nu };
      const a = new Rng([31, 32, 33, 34]);
      const b = new Rng(a.getState());
      const plain = new Float64Array(3);
      const mixed = new Float64Array(3);
      accumulateBatch(a, new Float64Array(2 * 999), 999, 1.3, 0.7, 0.5, Math.sqrt(0.75), labels, mixture, plain);
      accumulateAuxBatch(b, new AuxBuffers(999, mixture !== null), 999, 1.3, 0.7, 0.5, Math.sqrt(0.75), labels, mixture, 0, 'adaptive', mixed);
      expect(Array.from(mixed)).toEqual(Array.from(plain));
      expect(b.getState()).toEqual(a.getState());
    });
  }
});

describe('the dense path', () => {
  it('a finite set with B = n is gradient descent toward the mixed target (adaptive τ), by hand', () => {
    const n = 30;
    const spec = validateSpec({
      seed: 6,
      data: { d: 4 },
      student: { accuracy: 0.8, norm: 1.2 },
      teachers: { count: 1, accuracy: 0.7 },
      sft: { batchSize: n, finiteSet: n, steps: 6, learningRates: [0.7], ceiling: false, loss: { kind: 'auxConfidence', alpha: 0.4, warmup: 0.5, threshold: 'adaptive' } },
    });
    const context = new ExperimentContext(spec);
    const key = { cell: 0, teacher: 0, lr: 0 };
    const run = SftRun.start(context, key).complete();
    const init = context.explicitInit(key);
    const points = (run as unknown as { kernel: { problem: { finiteSet: { points: Float64Array } } } }).kernel.problem.finiteSet.points;
    const row = (i: number) => points.subarray(i * 4, i * 4 + 4);
    const dotRow = (i: number, v: ArrayLike<number>) => row(i).reduce((acc, x, j) => acc + x * v[j], 0);
    const labels: number[] = Array.from({ length: n }, (_, i) => (dotRow(i, init.teacher) > 0 ? 1 : 0));
    const k = labels.reduce((a, b) => a + b, 0);
    const w = Float64Array.from(init.student);
    for (let t = 0; t < 6; t++) {
      const alpha = 0.4 * Math.min(1, t / 3); // linear ramp, f T = 3
      const margins = Array.from({ length: n }, (_, i) => dotRow(i, w));
      const tau = [...margins].sort((a, b) => a - b)[n - k - 1];
      const grad = new Float64Array(4);
      for (let i = 0; i < n; i++) {
        const target = (1 - alpha) * labels[i] + alpha * (margins[i] > tau ? 1 : 0);
        const c = sigmoid(margins[i]) - target;
        for (let j = 0; j < 4; j++) grad[j] += c * row(i)[j];
      }
      for (let j = 0; j < 4; j++) w[j] -= (0.7 * grad[j]) / n;
      expect(run.series.norm[t + 1]).toBeCloseTo(Math.hypot(...w), 12);
      expect(run.series.inner[t + 1]).toBeCloseTo(w.reduce((acc, x, j) => acc + x * context.groundTruth()[j], 0), 12);
    }
  });
});

describe('a = 0 is plain SFT, bit for bit', () => {
  for (const path of ['reduced', 'projected', 'dense'] as const) {
    it(`${path}: hard, noisy and soft labels`, () => {
      for (const extra of [{}, { labelNoise: 0.1 }, { softLabels: { beta: 2 } }]) {
        const base = { seed: 9, data: { d: 8 }, teachers: { count: 3 }, sft: { batchSize: 301, steps: 12, learningRates: [0.5, 2], ...extra }, engine: { path } };
        const plain = runAll(base).outcomes;
        for (const loss of [{ kind: 'crossEntropy' }, { kind: 'auxConfidence', alpha: 0, threshold: 'adaptive' }, { kind: 'auxConfidence', alpha: 0, warmup: 0, threshold: 'fixed' }]) {
          const other = runAll({ ...base, sft: { ...base.sft, loss } }).outcomes;
          other.forEach((o, i) => {
            for (const m of ['cos', 'norm', 'inner', 'agreement'] as const) expect(Array.from(o.series[m])).toEqual(Array.from(plain[i].series[m]));
          });
        }
      }
    });
  }
});

describe('checkpoint and resume under the auxiliary-confidence loss', () => {
  for (const path of ['reduced', 'dense'] as const) {
    it(`${path}: interrupted inside the warm-up and after it, the series are bit-identical`, () => {
      const spec = validateSpec({
        seed: 3,
        data: { d: 6 },
        teachers: { count: 1 },
        sft: { batchSize: 400, steps: 20, learningRates: [1], ceiling: false, loss: { kind: 'auxConfidence', warmup: 0.3, ramp: 'reference-code' } },
        engine: { path },
      });
      const key = { cell: 0, teacher: 0, lr: 0 };
      const whole = SftRun.start(new ExperimentContext(spec), key).complete().recordedSeries();
      let run = SftRun.start(new ExperimentContext(spec), key);
      for (const stop of [4, 9, 20]) {
        run.advance(stop - run.step);
        const checkpoint = JSON.parse(JSON.stringify(run.checkpoint()));
        run = SftRun.resume(new ExperimentContext(spec), key, checkpoint, run.recordedSeries());
      }
      expect(Array.from(run.recordedSeries().cos)).toEqual(Array.from(whole.cos));
      expect(Array.from(run.recordedSeries().norm)).toEqual(Array.from(whole.norm));
    });
  }
});

describe('sft.loss in the spec', () => {
  const errors = (doc: unknown) => {
    try {
      validateSpec(doc);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('defaults a = 0.5, f = 0.1, adaptive τ, linear ramp; absent is cross-entropy and stays absent', () => {
    expect(validateSpec({ sft: { loss: { kind: 'auxConfidence' } } }).sft.loss).toEqual({ kind: 'auxConfidence', alpha: 0.5, warmup: 0.1, threshold: 'adaptive', ramp: 'linear' });
    expect('loss' in validateSpec({}).sft).toBe(false);
  });

  it('refusals name the field and its range, the preview path included', () => {
    expect(errors({ sft: { loss: { kind: 'auxConfidence', alpha: 1.5 } } })).toMatch(/^sft\.loss\.alpha: must be in \[0, 1\]/);
    expect(errors({ sft: { loss: { kind: 'auxConfidence', warmup: -0.1 } } })).toMatch(/^sft\.loss\.warmup: must be in \[0, 1\]/);
    expect(errors({ sft: { loss: { kind: 'auxConfidence', threshold: 'median' } } })).toMatch(/^sft\.loss\.threshold: must be 'fixed' \(τ = 0\) or 'adaptive'/);
    expect(errors({ sft: { loss: { kind: 'auxConfidence', ramp: 'cosine' } } })).toMatch(/^sft\.loss\.ramp: must be 'linear'/);
    expect(errors({ sft: { loss: { kind: 'logconf' } } })).toMatch(/^sft\.loss\.kind: must be \{ kind: 'crossEntropy' \} or \{ kind: 'auxConfidence'/);
    expect(errors({ sft: { loss: { kind: 'auxConfidence' } }, engine: { path: 'preview' } })).toMatch(/^sft\.loss: must be \{ kind: 'crossEntropy' \} on the preview path/);
    expect(validateSpec({ sft: { loss: { kind: 'crossEntropy' } }, engine: { path: 'preview' } }).engine.path).toBe('preview');
  });
});

describe('the ceiling under the auxiliary-confidence loss', () => {
  it('trains with cross-entropy, so a plain and an aux-confidence experiment with one seed share their PGR ceiling', () => {
    const base = { seed: 12, data: { d: 8 }, teachers: { count: 2 }, sft: { batchSize: 300, steps: 15, learningRates: [0.3, 3] } };
    const plain = runAll(base).outcomes.filter((o) => o.key.teacher === -1);
    const aux = runAll({ ...base, sft: { ...base.sft, loss: { kind: 'auxConfidence', warmup: 0 } } }).outcomes;
    const ceilings = aux.filter((o) => o.key.teacher === -1);
    expect(ceilings).toHaveLength(2);
    ceilings.forEach((o, i) => expect(Array.from(o.series.cos)).toEqual(Array.from(plain[i].series.cos)));
    // … while the teachers' runs do change.
    const teacher = aux.find((o) => o.key.teacher === 0 && o.key.lr === 1);
    const plainTeacher = runAll(base).outcomes.find((o) => o.key.teacher === 0 && o.key.lr === 1);
    expect(Array.from(teacher?.series.cos ?? [])).not.toEqual(Array.from(plainTeacher?.series.cos ?? []));
  });
});
