/**
 * Random-features runs (src/engine/randomFeatures/run.ts): the same series bit for bit whatever the
 * kernels (WebAssembly or the TypeScript reference), the context (fresh or shared with other runs),
 * the way the run is advanced, and across a checkpoint and resume in a new context; two-layer
 * training with γ = 0 is head-only training; the metrics equal a direct count; divergence ends the
 * run with its data so far; and every bad configuration gets one error naming its field.
 */
import { describe, expect, it } from 'vitest';
import { CEILING, type RunKey } from '../../../src/engine/grid';
import {
  parseRandomFeaturesConfig, type RandomFeaturesConfig, RandomFeaturesContext, RandomFeaturesRun, type RandomFeaturesSeries,
  randomFeaturesRunKeys, runRandomFeatures, summarizeRandomFeatures, validateRandomFeaturesConfig,
} from '../../../src/engine/randomFeatures';
import { featuresOf } from '../../../src/engine/randomFeatures/featureMap';

/** A small experiment: d = 7 (odd: the padded column), M_s = 13, M_t = 5, B = 9 (odd: the padded row). */
function small(overrides: { data?: object; features?: object; sft?: object; evaluation?: object } = {}): RandomFeaturesConfig {
  return validateRandomFeaturesConfig({
    data: { d: 7, ...overrides.data },
    features: { student: 13, teacher: 5, ...overrides.features },
    teachers: { count: 3 },
    pretrain: { studentPoints: 300, teacherPoints: 60, studentSteps: 20, teacherSteps: 8 },
    sft: { batchSize: 9, steps: 37, learningRates: [0.05, 2], recordEvery: 3, ...overrides.sft },
    evaluation: { testPoints: 1001, ...overrides.evaluation },
  });
}

const SEED = 77;
const KEY: RunKey = { cell: 0, teacher: 1, lr: 1 };

function bits(series: RandomFeaturesSeries): Record<string, string[]> {
  const v = new DataView(new ArrayBuffer(8));
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(series) as [string, Float64Array][]) {
    out[name] = Array.from(values, (x) => {
      v.setFloat64(0, x);
      return v.getBigUint64(0).toString(16);
    });
  }
  return out;
}

const VARIANTS: Record<string, RandomFeaturesConfig> = {
  'fresh batches, head': small(),
  'pool, head, label noise': small({ data: { pool: 40 }, sft: { labelNoise: 0.2 } }),
  'fresh batches, both layers, tanh, validation': small({ features: { train: 'both', firstLayerRate: 30, activation: 'tanh' }, sft: { earlyStopping: 'validation', validationSize: 51 } }),
  'pool, both layers, identity, Student-t': small({ data: { pool: 40, law: 'student-t', nu: 5 }, features: { train: 'both', activation: 'identity' } }),
};

describe('random-features runs', () => {
  for (const [name, config] of Object.entries(VARIANTS)) {
    it(`${name}: WebAssembly and TypeScript kernels give the same series and final state`, () => {
      const wasm = runRandomFeatures(config, SEED, KEY);
      const ts = runRandomFeatures(config, SEED, KEY, { kernels: 'typescript' });
      expect(new RandomFeaturesContext(config, SEED).kernels.kind).toBe('wasm');
      expect(wasm.status).toBe('done');
      expect(bits(wasm.series)).toEqual(bits(ts.series));
      expect(wasm.checkpoint).toEqual(ts.checkpoint);
      expect(wasm.series.step.length).toBe(14); // 0, 3, …, 36, 37
    });

    it(`${name}: a checkpoint resumed in a new context continues to the same series`, () => {
      const whole = runRandomFeatures(config, SEED, KEY);
      const context = new RandomFeaturesContext(config, SEED);
      const run = RandomFeaturesRun.start(context, KEY);
      run.advance(11);
      const checkpoint = JSON.parse(JSON.stringify(run.checkpoint()));
      const series = run.recordedSeries();
      const resumed = runRandomFeatures(config, SEED, KEY, { resume: { checkpoint, series } });
      expect(bits(resumed.series)).toEqual(bits(whole.series));
      expect(resumed.checkpoint).toEqual(whole.checkpoint);
    });
  }

  it('refuses a checkpoint whose pool order, position or record count would read outside its arrays', () => {
    const config = VARIANTS['pool, head, label noise'];
    const context = new RandomFeaturesContext(config, SEED);
    const run = RandomFeaturesRun.start(context, KEY);
    run.advance(11);
    const good = JSON.parse(JSON.stringify(run.checkpoint())) as ReturnType<RandomFeaturesRun['checkpoint']>;
    const series = run.recordedSeries();
    const resume = (cp: object) => () => RandomFeaturesRun.resume(context, KEY, { ...good, ...cp }, series);
    expect(resume({})).not.toThrow();
    const order = good.order as number[];
    expect(resume({ order: order.map((i) => (i === 0 ? 40 : i)) })).toThrow(/pool order is not a permutation of 0…39/);
    expect(resume({ order: order.map((i) => (i === 0 ? order[1] : i)) })).toThrow(/pool order is not a permutation/);
    expect(resume({ order: order.map((i) => (i === 0 ? 0.5 : i)) })).toThrow(/pool order is not a permutation/);
    expect(resume({ position: 41 })).toThrow(/pool position 41, not an integer in \[0, 40\]/);
    expect(resume({ position: undefined })).toThrow(/pool position undefined/);
    expect(resume({ recorded: 15 })).toThrow(/recorded 15, not an integer in \[1, 14\]/);
    expect(resume({ recorded: 0 })).toThrow(/recorded 0/);
  });

  it('gives the same series however it is advanced, and in a context shared with other runs', () => {
    const config = VARIANTS['pool, head, label noise'];
    const whole = runRandomFeatures(config, SEED, KEY);
    const context = new RandomFeaturesContext(config, SEED);
    // Other runs first, interleaved with this one (they share the context's scratch and teachers).
    const other = RandomFeaturesRun.start(context, { cell: 0, teacher: CEILING, lr: 0 });
    const run = RandomFeaturesRun.start(context, KEY);
    const third = RandomFeaturesRun.start(context, { cell: 0, teacher: 2, lr: 0 });
    while (!run.done) {
      run.advance(1 + (run.step % 5));
      other.advance(2);
      third.advance(3);
      if (run.step % 7 === 0) run.recordedSeries(); // evaluates the waiting heads early
    }
    expect(bits(run.recordedSeries())).toEqual(bits(whole.series));
  });

  it('with both layers at γ = 0 is head-only training, bit for bit', () => {
    for (const data of [{}, { pool: 40 }]) {
      const head = runRandomFeatures(small({ data }), SEED, KEY);
      const both = runRandomFeatures(small({ data, features: { train: 'both', firstLayerRate: 0 } }), SEED, KEY);
      const { firstLayerShift, ...rest } = both.series;
      expect(bits(rest)).toEqual(bits(head.series));
      expect(Array.from(firstLayerShift as Float64Array).every((x) => x === 0)).toBe(true);
    }
  });

  it('with both layers at γ > 0 moves the first layer and differs from head-only', () => {
    const both = runRandomFeatures(small({ features: { train: 'both', firstLayerRate: 50 } }), SEED, KEY);
    const shift = both.series.firstLayerShift as Float64Array;
    expect(shift[0]).toBe(0);
    expect(shift[shift.length - 1]).toBeGreaterThan(1e-3);
    expect(bits(both.series).accuracy).not.toEqual(bits(runRandomFeatures(small(), SEED, KEY).series).accuracy);
  });

  it('records the metrics a direct count on the test rows gives (features and logits recomputed here)', () => {
    const config = small({ data: { pool: 40 } });
    const context = new RandomFeaturesContext(config, SEED);
    const run = RandomFeaturesRun.start(context, KEY).complete();
    const series = run.recordedSeries();
    const head = Float64Array.from(run.checkpoint().head);
    const { d, dp } = context.dims;
    const rows = context.f64(context.persistent.testRows);
    const teacher = context.teacher(KEY.teacher);
    let correct = 0;
    let agree = 0;
    let changed = 0;
    for (let i = 0; i < context.dims.test; i++) {
      const phi = featuresOf(context.student, rows.subarray(i * dp, i * dp + d));
      let logit = 0;
      for (let j = 0; j < phi.length; j++) logit += phi[j] * head[j];
      const label = context.student.logitScale * logit > 0 ? 1 : 0;
      let truth = 0;
      for (let k = 0; k < d; k++) truth += rows[i * dp + k] * context.groundTruth[k];
      correct += label === (truth > 0 ? 1 : 0) ? 1 : 0;
      agree += label === teacher.testLabels[i] ? 1 : 0;
      changed += label === context.initialTestLabels[i] ? 0 : 1;
    }
    const last = series.step.length - 1;
    const n = context.dims.test;
    expect(series.accuracy[last]).toBe(correct / n);
    expect(series.agreement[last]).toBe(agree / n);
    expect(series.changed[last]).toBe(changed / n);
    expect(series.changed[0]).toBe(0);
    expect(series.headNorm[last]).toBeCloseTo(Math.hypot(...head), 12);
    expect(run.descriptor.studentAccuracy).toBe(series.accuracy[0]);
    // The ceiling's teacher is the ground truth: its agreement is its accuracy.
    const ceiling = runRandomFeatures(config, SEED, { cell: 0, teacher: CEILING, lr: 0 }, { context });
    expect(Array.from(ceiling.series.agreement)).toEqual(Array.from(ceiling.series.accuracy));
    expect(ceiling.descriptor.teacherAccuracy).toBe(1);
  });

  it('fixes the pool labels once per teacher, label noise flipping a fraction p of them', () => {
    const config = small({ data: { pool: 20_000 }, sft: { labelNoise: 0.2, batchSize: 50 } });
    const noisy = new RandomFeaturesContext(config, SEED).teacher(0).poolLabels as Float64Array;
    const clean = new RandomFeaturesContext(small({ data: { pool: 20_000 }, sft: { batchSize: 50 } }), SEED).teacher(0).poolLabels as Float64Array;
    let flipped = 0;
    for (let i = 0; i < clean.length; i++) flipped += noisy[i] === clean[i] ? 0 : 1;
    // Binomial(20 000, 0.2): standard deviation 56.6; 5 of them.
    expect(Math.abs(flipped - 4000)).toBeLessThan(5 * Math.sqrt(20_000 * 0.2 * 0.8));
  });

  it('ends diverged with its finite data so far when the weights overflow (two layers at a huge rate)', () => {
    // The logistic loss's head gradient is bounded, so only the two-layer product a·F can grow without bound.
    const config = small({ features: { train: 'both', firstLayerRate: 1e6 }, sft: { learningRates: [1e6], steps: 200, recordEvery: 1 } });
    const r = runRandomFeatures(config, SEED, { cell: 0, teacher: 0, lr: 0 });
    expect(r.status).toBe('diverged');
    expect(r.series.step.length).toBeGreaterThan(1);
    expect(r.series.step.length).toBeLessThan(201);
    for (const values of Object.values(r.series)) expect(Array.from(values as Float64Array).every(Number.isFinite)).toBe(true);
    expect(Array.from(r.series.step)).toEqual(Array.from({ length: r.series.step.length }, (_, i) => i));
  });

  it('summarises: per-teacher gains at the selected step, their paired standard errors, the fraction improved', () => {
    const config = small();
    const context = new RandomFeaturesContext(config, SEED);
    const outcomes = randomFeaturesRunKeys(config).map((key) => {
      const run = RandomFeaturesRun.start(context, key).complete();
      return { key, status: run.status, descriptor: run.descriptor, series: run.recordedSeries() };
    });
    expect(outcomes.length).toBe(4 * 2);
    const summary = summarizeRandomFeatures(config, outcomes);
    expect(summary.teachers.length).toBe(3);
    expect(summary.ceiling).not.toBeNull();
    for (const t of summary.teachers) {
      const runs = outcomes.filter((o) => o.key.teacher === t.teacher);
      // The oracle rule: the highest test accuracy over recorded steps ≥ 1 of any learning rate.
      const best = Math.max(...runs.map((o) => Math.max(...Array.from(o.series.accuracy).slice(1))));
      expect(t.accuracy).toBe(best);
      expect(t.gain).toBeCloseTo(best - summary.studentAccuracy, 15);
      expect(t.gainStandardError).toBeGreaterThanOrEqual(0);
    }
    expect(summary.fractionImproved).toBe(summary.teachers.filter((t) => (t.gain as number) > 0).length / 3);
    expect(summary.evaluation.standardError).toBeCloseTo(Math.sqrt((summary.studentAccuracy * (1 - summary.studentAccuracy)) / 1001), 15);
  });
});

describe('random-features configuration', () => {
  const errors = (input: unknown) => {
    const r = parseRandomFeaturesConfig(input);
    return r.ok ? [] : r.errors;
  };

  it('fills in the issue’s defaults', () => {
    const c = validateRandomFeaturesConfig({});
    expect(c.data.d).toBe(50);
    expect(c.features).toEqual({ activation: 'relu', student: 1000, teacher: 100, train: 'head', firstLayerRate: 1, rows: 'gaussian' });
    expect(c.pretrain).toEqual({ initStd: 0.1, learningRate: 0.1, studentPoints: 5000, studentSteps: 40, teacherPoints: 1000, teacherSteps: 15 });
    expect(c.sft.batchSize).toBe(500);
    expect(c.sft.steps).toBe(400);
    expect(c.sft.learningRates).toEqual([0.001, 0.01, 0.1, 1, 10]);
    expect(c.evaluation.testPoints).toBe(20_000);
    expect(c.beta).toBe(1);
  });

  it('names the field and the allowed range of each problem', () => {
    expect(errors({ features: { student: 0 } })).toEqual(['features.student: must be an integer in [1, 100000] (got 0)']);
    expect(errors({ features: { activation: 'gelu' } })[0]).toMatch(/^features\.activation: must be one of 'relu', 'tanh', 'identity'/);
    expect(errors({ sft: { learningRates: [-1] } })[0]).toMatch(/^sft\.learningRates\[0\]: must be in \(0, 1000000\]/);
    expect(errors({ surprise: 1 })).toEqual(['surprise: unknown key']);
    expect(errors({ features: { rows: 'orthonormal', student: 60 } })[0]).toMatch(/^features\.student: must be ≤ data\.d = 50 with orthonormal rows/);
    expect(errors({ data: { pool: 100 } })[0]).toMatch(/^data\.pool: must be ≥ sft\.batchSize = 500/);
    expect(errors({ data: { law: 'student-t' } })).toEqual(['data.nu: is required for law student-t: a number in (2, 1e6]']);
    expect(errors({ features: { firstLayerRate: 3 } })[0]).toMatch(/^features\.firstLayerRate: applies only to features\.train 'both'/);
    expect(errors({ pretrain: { teacherPoints: 5000 } })[0]).toMatch(/^pretrain\.teacherPoints: must be < pretrain\.studentPoints/);
  });

  it('refuses, before allocating, what would not fit in memory', () => {
    const e = errors({ evaluation: { testPoints: 10_000_000 }, features: { student: 100_000 } });
    expect(e.length).toBe(1);
    expect(e[0]).toMatch(/^evaluation\.testPoints: .* more than 1024 MiB/);
  });
});
