/**
 * The misfit–gain setup (src/engine/misfitGain; docs/random-features.md §7) against independent
 * computations:
 * - the Σ-orthogonal projection P_U θ = U(UᵀΣU)⁻¹UᵀΣθ against Gram–Schmidt in the Σ inner product;
 * - Charikar et al.'s identity in population: with θ* ∈ span(U_s), θ_w = P_w θ* and θ_sw = P_s θ_w,
 *   ‖θ_w − θ*‖²_Σ − ‖θ_sw − θ*‖²_Σ = ‖θ_sw − θ_w‖²_Σ to 1e-10, over random dimensions and spectra;
 *   with a target outside the strong span the gap is −2⟨(I − P_s)θ_w, (I − P_s)θ*⟩_Σ;
 * - after SGD: the mean of many SGD runs follows the gradient-descent recursion exactly (the squared
 *   loss's gradient is linear in θ), long runs reach the population point, and every recorded step
 *   satisfies gain − misfit = 2⟨θ − θ*, θ_w − θ⟩_Σ, the misfit leaving the population point at second
 *   order in θ − θ_sw and the gain at first order;
 * - runs reproduce across contexts and across a checkpoint; bad configurations name their field.
 */
import { describe, expect, it } from 'vitest';
import { CEILING } from '../../../src/engine/grid';
import {
  MisfitGainContext, MisfitGainRun, misfitGainRunKeys, parseMisfitGainConfig, Projector, randomSubspace, runMisfitGain, sgdStep,
  summarizeMisfitGain, validateMisfitGainConfig,
} from '../../../src/engine/misfitGain';
import { Rng } from '../../../src/engine/rng';

const inner = (u: ArrayLike<number>, v: ArrayLike<number>, lambda: ArrayLike<number>) => {
  let s = 0;
  for (let k = 0; k < lambda.length; k++) s += lambda[k] * u[k] * v[k];
  return s;
};
const dist = (u: ArrayLike<number>, v: ArrayLike<number>, lambda: ArrayLike<number>) => inner(Array.from(u, (x, k) => x - v[k]), Array.from(u, (x, k) => x - v[k]), lambda);

/** P_U θ by Gram–Schmidt of U's columns in the Σ inner product: Σ_i ⟨v_i, θ⟩_Σ v_i. */
function projectByGramSchmidt(columns: readonly Float64Array[], lambda: Float64Array, theta: ArrayLike<number>): Float64Array {
  const basis: Float64Array[] = [];
  for (const u of columns) {
    const v = Float64Array.from(u);
    for (const b of basis) {
      const p = inner(v, b, lambda);
      for (let k = 0; k < v.length; k++) v[k] -= p * b[k];
    }
    const n = Math.sqrt(inner(v, v, lambda));
    basis.push(v.map((x) => x / n));
  }
  const out = new Float64Array(lambda.length);
  for (const b of basis) {
    const p = inner(b, theta, lambda);
    for (let k = 0; k < out.length; k++) out[k] += p * b[k];
  }
  return out;
}

/** Random problem sizes and spectra (condition numbers up to 10³). */
function randomConfigs(count: number, outside: number) {
  const rng = new Rng([3, 1, 4, 1]);
  return Array.from({ length: count }, (_, n) => {
    const d = 3 + rng.below(40);
    const strong = 1 + rng.below(outside > 0 ? d - 1 : d);
    const weak = 1 + rng.below(d);
    const spectrum = n % 3 === 0 ? 'isotropic' : Array.from({ length: d }, () => Math.pow(10, 3 * rng.uniform() - 1.5));
    return validateMisfitGainConfig({ data: { d, spectrum }, strong: { dimension: strong }, weak: { dimension: weak }, target: { outside }, teachers: { count: 4 } });
  });
}

describe('misfit–gain in population', () => {
  it('projects Σ-orthogonally: P_U against Gram–Schmidt in the Σ inner product, idempotent, fixing span(U)', () => {
    const rng = new Rng([7, 7, 7, 7]);
    for (let n = 0; n < 50; n++) {
      const d = 2 + rng.below(30);
      const k = 1 + rng.below(d);
      const lambda = Float64Array.from({ length: d }, () => Math.pow(10, 2 * rng.uniform() - 1));
      const P = new Projector(randomSubspace(rng, d, k), lambda);
      const theta = Float64Array.from({ length: d }, () => rng.uniform() - 0.5);
      const p = P.project(theta);
      const reference = projectByGramSchmidt(P.columns, lambda, theta);
      for (let m = 0; m < d; m++) expect(Math.abs(p[m] - reference[m])).toBeLessThan(1e-12);
      const again = P.project(p);
      for (let m = 0; m < d; m++) expect(Math.abs(again[m] - p[m])).toBeLessThan(1e-12);
      // θ − P θ is Σ-orthogonal to every column.
      for (const u of P.columns) expect(Math.abs(inner(u, theta.map((x, m) => x - p[m]), lambda))).toBeLessThan(1e-12);
    }
  });

  it('gain equals misfit to 1e-10 when θ* lies in the strong span (60 random problems, 4 teachers each)', () => {
    let worst = 0;
    for (const config of randomConfigs(60, 0)) {
      const context = new MisfitGainContext(config, 5);
      expect(context.targetOutside).toBeLessThan(1e-12);
      expect(Math.abs(inner(context.target, context.target, context.lambda) - 1)).toBeLessThan(1e-12);
      for (let j = 0; j < 4; j++) {
        const t = context.teacher(j);
        // Recomputed here from the vectors, not read from the engine's numbers.
        const weakError = dist(t.theta, context.target, context.lambda);
        const strongError = dist(t.strongFit, context.target, context.lambda);
        const misfit = dist(t.strongFit, t.theta, context.lambda);
        worst = Math.max(worst, Math.abs(weakError - strongError - misfit));
        expect(Math.abs(weakError - strongError - misfit)).toBeLessThan(1e-10);
        expect(Math.abs(t.population.gain - t.population.misfit)).toBeLessThan(1e-10);
        expect(t.population.gain).toBeGreaterThanOrEqual(-1e-12);
      }
    }
    expect(worst).toBeLessThan(1e-10);
  });

  it('with a target partly outside, misses the line by −2⟨(I − P_s)θ_w, (I − P_s)θ*⟩_Σ', () => {
    for (const config of randomConfigs(40, 0.3)) {
      const context = new MisfitGainContext(config, 9);
      expect(Math.abs(context.targetOutside - 0.3)).toBeLessThan(1e-12);
      const residual = (v: Float64Array) => Float64Array.from(v, (x, m) => x - projectByGramSchmidt(context.strong.columns, context.lambda, v)[m]);
      const rTarget = residual(context.target);
      for (let j = 0; j < 4; j++) {
        const t = context.teacher(j);
        const predicted = -2 * inner(residual(t.theta), rTarget, context.lambda);
        expect(Math.abs(t.population.gain - t.population.misfit - predicted)).toBeLessThan(1e-10);
      }
    }
  });

  it('fits the weak model by SGD towards its population best fit P_w θ*', () => {
    const base = { data: { d: 20 }, strong: { dimension: 10 }, weak: { dimension: 4 }, teachers: { count: 3 } };
    const population = new MisfitGainContext(validateMisfitGainConfig(base), 2);
    const sgd = new MisfitGainContext(validateMisfitGainConfig({ ...base, weak: { ...base.weak, fit: 'sgd', steps: 3000, learningRate: 0.02, batchSize: 200 } }), 2);
    for (let j = 0; j < 3; j++) {
      const a = population.teacher(j);
      const b = sgd.teacher(j);
      // Same subspace (stream teacher j), SGD noise ~ √(η/B): well under 1e-2 in Σ-distance².
      expect(dist(a.theta, b.theta, population.lambda)).toBeLessThan(1e-3);
      expect(b.weakError).toBeGreaterThanOrEqual(a.weakError - 1e-12);
    }
  });
});

describe('misfit–gain after SGD', () => {
  it('the mean of 2 000 SGD runs follows the gradient-descent recursion c ← c − ηβ(Hc − UᵀΣθ_w)', () => {
    const d = 8;
    const lambda = Float64Array.from({ length: d }, (_, m) => 0.5 + m / 4);
    const root = lambda.map(Math.sqrt);
    const U = randomSubspace(new Rng([1, 2, 3, 5]), d, 3);
    const teacher = Float64Array.from({ length: d }, (_, m) => Math.sin(m + 1));
    const hyper = { beta: 1.5, learningRate: 0.1, batchSize: 4 };
    const steps = 15;
    const runs = 2000;
    const finals = Array.from({ length: runs }, (_, r) => {
      const c = new Float64Array(3);
      const rng = new Rng([r + 1, 99, 7, 13]);
      const rows = new Float64Array(hyper.batchSize * d);
      for (let t = 0; t < steps; t++) sgdStep(U, root, teacher, c, rng, hyper, rows);
      return c;
    });
    // The recursion in population: E[h hᵀ] = UᵀΣU = H, E[h y] = UᵀΣθ_w.
    const H = U.map((u) => U.map((v) => inner(u, v, lambda)));
    const b = U.map((u) => inner(u, teacher, lambda));
    let c = [0, 0, 0];
    for (let t = 0; t < steps; t++) c = c.map((cj, j) => cj - hyper.learningRate * hyper.beta * (H[j].reduce((s, h, i) => s + h * c[i], 0) - b[j]));
    for (let j = 0; j < 3; j++) {
      const xs = finals.map((f) => f[j]);
      const mean = xs.reduce((a, x) => a + x, 0) / runs;
      const se = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (runs - 1) / runs);
      expect(Math.abs(mean - c[j])).toBeLessThan(5 * se);
    }
  });

  it('long runs reach the population point, and each step has gain − misfit = 2⟨θ − θ*, θ_w − θ⟩_Σ', () => {
    const config = validateMisfitGainConfig({ data: { d: 16, spectrum: { powerLaw: 0.7 } }, strong: { dimension: 8 }, weak: { dimension: 3 }, teachers: { count: 3 }, sft: { batchSize: 400, steps: 1500, learningRates: [0.05], recordEvery: 100 } });
    const context = new MisfitGainContext(config, 4);
    for (let j = 0; j < 3; j++) {
      const run = MisfitGainRun.start(context, { cell: 0, teacher: j, lr: 0 }).complete();
      const s = run.recordedSeries();
      const last = s.step.length - 1;
      const pop = run.descriptor.population;
      const theta = run.theta();
      const t = context.teacher(j);
      // Converged up to SGD's stationary spread, ~(η/2B)·k·misfit in Σ-distance².
      const deviation = dist(theta, t.strongFit, context.lambda);
      expect(deviation).toBeLessThan(3e-3);
      // Off the line: the misfit moves by the deviation's square (θ − θ_sw ∈ span(U_s) ⟂ θ_w − θ_sw),
      // the gain at first order, by 2⟨θ − θ_sw, θ* − θ_sw⟩_Σ − ‖θ − θ_sw‖²_Σ.
      expect(Math.abs(s.misfit[last] - pop.misfit - deviation)).toBeLessThan(1e-12);
      const first = 2 * inner(Float64Array.from(theta, (x, m) => x - t.strongFit[m]), Float64Array.from(context.target, (x, m) => x - t.strongFit[m]), context.lambda);
      expect(Math.abs(s.gain[last] - pop.gain - (first - deviation))).toBeLessThan(1e-12);
      const gap = 2 * inner(Float64Array.from(theta, (x, m) => x - context.target[m]), Float64Array.from(t.theta, (x, m) => x - theta[m]), context.lambda);
      expect(Math.abs(s.gain[last] - s.misfit[last] - gap)).toBeLessThan(1e-12);
      // Step 0 is θ = 0: gain = ‖θ_w − θ*‖² − ‖θ*‖², misfit = ‖θ_w‖².
      expect(s.gain[0]).toBeCloseTo(t.weakError - 1, 12);
      expect(s.misfit[0]).toBeCloseTo(inner(t.theta, t.theta, context.lambda), 12);
    }
  });

  it('summarises the points of the figure; the ceiling trains on θ*', () => {
    const config = validateMisfitGainConfig({ teachers: { count: 5 }, sft: { steps: 200 } });
    const context = new MisfitGainContext(config, 1);
    const outcomes = misfitGainRunKeys(config).map((key) => {
      const r = MisfitGainRun.start(context, key).complete();
      return { key, descriptor: r.descriptor, series: r.recordedSeries() };
    });
    const summary = summarizeMisfitGain(config, outcomes);
    expect(summary.points.length).toBe(5);
    expect(summary.populationOffLine).toBeLessThan(1e-10);
    for (const p of summary.points) {
      const best = Math.max(...outcomes.filter((o) => o.key.teacher === p.teacher).map((o) => Math.max(...Array.from(o.series.gain).slice(1))));
      expect(p.sgd?.gain).toBe(best);
    }
    const ceiling = context.teacher(CEILING);
    expect(ceiling.weakError).toBe(0);
  });

  it('reproduces across contexts and across a checkpoint', () => {
    const config = validateMisfitGainConfig({ teachers: { count: 2 }, sft: { steps: 60, recordEvery: 7, earlyStopping: 'validation', validationSize: 200 } });
    const key = { cell: 0, teacher: 1, lr: 2 };
    const whole = runMisfitGain(config, 3, key);
    expect(runMisfitGain(config, 3, key)).toEqual(whole);
    const run = MisfitGainRun.start(new MisfitGainContext(config, 3), key);
    run.advance(25);
    const resumed = runMisfitGain(config, 3, key, { resume: { checkpoint: JSON.parse(JSON.stringify(run.checkpoint())), series: run.recordedSeries() } });
    expect(resumed).toEqual(whole);
    expect(whole.series.validation?.length).toBe(whole.series.step.length);
    const good = JSON.parse(JSON.stringify(run.checkpoint())) as ReturnType<MisfitGainRun['checkpoint']>;
    const resume = (cp: object) => () => MisfitGainRun.resume(new MisfitGainContext(config, 3), key, { ...good, ...cp }, run.recordedSeries());
    const capacity = whole.series.step.length;
    expect(resume({ recorded: capacity + 1 })).toThrow(new RegExp(`recorded ${capacity + 1}, not an integer in \\[1, ${capacity}\\]`));
    expect(resume({ recorded: 0 })).toThrow(/recorded 0/);
    expect(resume({ coordinates: [1] })).toThrow(/coordinates, not 1/);
  });

  it('names the field of each bad configuration', () => {
    const errors = (input: unknown) => {
      const r = parseMisfitGainConfig(input);
      return r.ok ? [] : r.errors;
    };
    expect(errors({ strong: { dimension: 50 } })).toEqual(['strong.dimension: must be ≤ data.d = 40 (got 50)']);
    expect(errors({ target: { outside: 1.5 } })[0]).toMatch(/^target\.outside: must be in \[0, 1\]/);
    expect(errors({ data: { d: 4 }, strong: { dimension: 4 }, weak: { dimension: 2 }, target: { outside: 0.1 } })[0]).toMatch(/^target\.outside: must be 0 when strong\.dimension = data\.d/);
    expect(errors({ data: { spectrum: [1, 2] } })[0]).toMatch(/^data\.spectrum: must list exactly d = 40/);
    expect(errors({ weak: { fit: 'closed-form' } })[0]).toMatch(/^weak\.fit: must be 'population'/);
  });
});
