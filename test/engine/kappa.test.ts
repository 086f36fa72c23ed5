/**
 * Teachers with a prescribed κ (docs/spec.md §10) against independent computations: κ and the
 * accuracies recomputed from the explicit vectors, the residual direction's law against today's
 * sampler and the sphere's, κ set to the value today's sampler drew reproducing today's run bit for
 * bit, and the Theorem boundary preset in small: every teacher improves the student well below
 * κ = tan θ / tan θ_T and none well above it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accuracyFromCos, cosFromAccuracy } from '../../src/engine/accuracy';
import { ExperimentContext } from '../../src/engine/experiment';
import { runKeys } from '../../src/engine/grid';
import { summarizeExperiment } from '../../src/engine/summary';
import { theory } from '../../src/engine/theory';
import { logspace, validateSpec } from '../../src/engine/spec';
import { runAll } from '../helpers/experiment';
import { ksTest } from '../helpers/stats';
import { ksTwoSample } from '../helpers/twoSample';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
};
const norm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));
/** The part of v orthogonal to the unit vector e. */
const perp = (v: Float64Array, e: Float64Array) => {
  const a = dot(v, e);
  return v.map((x, j) => x - a * e[j]);
};

describe('κ-sampled teachers: their vectors', () => {
  for (const [path, data] of [
    ['dense', { d: 12 }],
    ['projected', { d: 12, spectrum: { powerLaw: 1.5 } }],
  ] as const) {
    it(`${path}: κ, teacher accuracy and student accuracy recomputed from the vectors equal their targets and the descriptor`, () => {
      const kappas = [-0.9, -0.3, 0, 0.5, 0.95];
      const spec = validateSpec({ seed: 4, data, student: { accuracy: 0.8, norm: [0.5, 3] }, teachers: { count: 25, accuracy: [0.6, 0.7], kappa: kappas }, sft: { steps: 1, batchSize: 10, learningRates: [0.1], ceiling: false }, engine: { path } });
      const context = new ExperimentContext(spec);
      expect(context.cells).toHaveLength(2 * 2 * 5);
      const vStar = context.groundTruth();
      for (const key of runKeys(spec)) {
        const cell = context.cells[key.cell];
        const { student, teacher } = context.explicitInit(key);
        const sPerp = perp(student, vStar);
        const tPerp = perp(teacher, vStar);
        const kappa = dot(sPerp, tPerp) / (norm(sPerp) * norm(tPerp));
        expect(Math.abs(kappa - (cell.kappa as number))).toBeLessThan(1e-12);
        const teacherCos = dot(teacher, vStar) / norm(teacher);
        expect(Math.abs(accuracyFromCos(teacherCos) - (cell.teacherAccuracy as number))).toBeLessThan(1e-12);
        expect(Math.abs(accuracyFromCos(dot(student, vStar) / norm(student)) - 0.8)).toBeLessThan(1e-12);
        expect(Math.abs(norm(student) - (cell.norm as number))).toBeLessThan(1e-12);
        const descriptor = context.buildRun(key).descriptor;
        expect(Math.abs(descriptor.kappa - kappa)).toBeLessThan(1e-12);
        expect(Math.abs(descriptor.teacherAccuracy - accuracyFromCos(teacherCos))).toBeLessThan(1e-12);
      }
    });
  }

  for (const path of ['reduced', 'preview'] as const) it(`the ${path} path reports κ exactly and starts at (r c₀, r s₀ κ, r s₀ √(1 − κ²))`, () => {
    const spec = validateSpec({ seed: 4, data: { d: 50 }, student: { accuracy: 0.8, norm: 2 }, teachers: { count: 3, accuracy: 0.7, kappa: [-0.4, 0.6] }, sft: { steps: 1, learningRates: [0.1], ceiling: false }, engine: { path } });
    const context = new ExperimentContext(spec);
    const c0 = cosFromAccuracy(0.8);
    const s0 = Math.sqrt(1 - c0 * c0);
    for (const key of runKeys(spec)) {
      const kappa = context.cells[key.cell].kappa as number;
      const start = context.runStart(key);
      expect(start.kind).toBe('reduced');
      if (start.kind !== 'reduced') continue;
      expect(start.descriptor.kappa).toBe(kappa);
      expect(start.state).toEqual({ alpha: 2 * c0, b: 2 * s0 * kappa, rho: 2 * s0 * Math.sqrt(1 - kappa * kappa) });
    }
  });
});

describe('κ = 0 against today’s sampler', () => {
  it('the teacher’s error, with its part along u removed, is uniform on the sphere orthogonal to w* and u, as today’s is (d = 5: uniform coordinates on [−1, 1])', () => {
    // d = 5: the sphere orthogonal to w* and u is S², whose coordinates are uniform on [−1, 1] (Archimedes).
    const n = 3000;
    const withKappa = new ExperimentContext(validateSpec({ seed: 8, data: { d: 5 }, teachers: { count: n, kappa: 0 }, sft: { steps: 1, learningRates: [0.1], ceiling: false }, engine: { path: 'dense' } }));
    const today = new ExperimentContext(validateSpec({ seed: 8, data: { d: 5 }, teachers: { count: n }, sft: { steps: 1, learningRates: [0.1], ceiling: false }, engine: { path: 'dense' } }));
    const vStar = today.groundTruth();
    const u0 = today.explicitInit({ cell: 0, teacher: 0, lr: 0 }).student;
    const u = perp(u0, vStar).map((x, _j, a) => x / norm(a));
    // A fixed unit direction e orthogonal to w* and u.
    const e = perp(perp(Float64Array.from([1, 2, -1, 0.5, 3]), vStar), u);
    const eUnit = e.map((x) => x / norm(e));
    const coordinate = (context: ExperimentContext, teacher: number) => {
      const t = context.explicitInit({ cell: 0, teacher, lr: 0 }).teacher;
      const residual = perp(perp(t, vStar), u);
      return dot(residual, eUnit) / norm(residual);
    };
    const a = Array.from({ length: n }, (_, j) => coordinate(withKappa, j));
    const b = Array.from({ length: n }, (_, j) => coordinate(today, j));
    expect(ksTwoSample(a, b).p).toBeGreaterThan(0.001);
    expect(ksTest(a, (x) => Math.min(1, Math.max(0, (x + 1) / 2))).pValue).toBeGreaterThan(0.001);
    // And with κ = 0 the teacher's error is orthogonal to the student's.
    for (let j = 0; j < 20; j++) expect(Math.abs(dot(perp(withKappa.explicitInit({ cell: 0, teacher: j, lr: 0 }).teacher, vStar), u))).toBeLessThan(1e-12);
  });

  it('κ set to the value today’s sampler drew gives today’s run: bit for bit on the reduced path, the same vectors on the dense path', () => {
    const base = { seed: 21, data: { d: 7 }, student: { accuracy: 0.75, norm: 1.5 }, sft: { batchSize: 200, steps: 8, learningRates: [0.3, 3], ceiling: false } };
    for (const path of ['reduced', 'dense'] as const) {
      const today = runAll({ ...base, teachers: { count: 4, accuracy: 0.65 }, engine: { path } });
      for (const o of today.outcomes) {
        const drawn = o.descriptor.kappa;
        const fixed = runAll({ ...base, teachers: { count: 4, accuracy: 0.65, kappa: drawn }, engine: { path } }, (k) => k.teacher === o.key.teacher && k.lr === o.key.lr);
        if (path === 'reduced') {
          expect(Array.from(fixed.outcomes[0].series.cos)).toEqual(Array.from(o.series.cos));
          expect(Array.from(fixed.outcomes[0].series.norm)).toEqual(Array.from(o.series.norm));
        } else {
          const t0 = today.context.explicitInit(o.key).teacher;
          const t1 = fixed.context.explicitInit(o.key).teacher;
          for (let j = 0; j < t0.length; j++) expect(Math.abs(t1[j] - t0[j])).toBeLessThan(1e-12);
        }
      }
    }
  });
});

describe('the Theorem boundary (small)', () => {
  it('80 % student, 70 % teachers: all improve well below tan θ / tan θ_T = 5 − 2√5 ≈ 0.528, none well above', () => {
    const c0 = cosFromAccuracy(0.8);
    const cT = cosFromAccuracy(0.7);
    const boundary = (Math.sqrt(1 - c0 * c0) / c0) / (Math.sqrt(1 - cT * cT) / cT);
    // θ = 36°, θ_T = 54° = 90° − θ: the boundary is tan² 36° = 5 − 2√5 = 0.52786.
    expect(Math.abs(boundary - (5 - 2 * Math.sqrt(5)))).toBeLessThan(1e-12);
    expect(theory({ studentCos: c0, studentNorm: 1, teacherCos: cT, kappa: 0, beta: 1 }).conditions.kappaThreshold).toBeCloseTo(boundary, 12);
    const { spec, context, outcomes } = runAll({
      seed: 15,
      data: { d: 100 },
      student: { accuracy: 0.8, norm: 1 },
      teachers: { count: 20, accuracy: 0.7, kappa: [-0.5, 0, 0.95] },
      sft: { batchSize: 2000, steps: 100, learningRates: [0.1, 1], ceiling: false },
    });
    const summary = summarizeExperiment(spec, context.path, context.cells, outcomes);
    const byKappa = new Map(summary.cells.map((c) => [context.cells[c.cell].kappa, c]));
    expect(byKappa.get(-0.5)?.fractionImproved).toBe(1);
    expect(byKappa.get(0)?.fractionImproved).toBe(1);
    expect(byKappa.get(0.95)?.fractionImproved).toBe(0);
    expect(byKappa.get(0.95)?.gainMean).toBeLessThan(0);
  });
});

describe('teachers.kappa in the spec', () => {
  it('is a number or a list in (−1, 1), one more grid axis (innermost), left out of the spec when absent', () => {
    const one = validateSpec({ teachers: { kappa: 0.3 } });
    expect(one.teachers.kappa).toEqual([0.3]);
    expect('kappa' in validateSpec({}).teachers).toBe(false);
    const grid = validateSpec({ student: { norm: [1, 2] }, teachers: { accuracy: [0.6, 0.7], kappa: [0, 0.5, 0.9] } });
    const cells = new ExperimentContext(grid).cells;
    expect(cells).toHaveLength(12);
    expect(cells.slice(0, 4).map((c) => [c.norm, c.teacherAccuracy, c.kappa])).toEqual([[1, 0.6, 0], [1, 0.6, 0.5], [1, 0.6, 0.9], [1, 0.7, 0]]);
    expect(new ExperimentContext(validateSpec({ student: { norm: [1, 2] } })).cells.map((c) => c.kappa)).toEqual([null, null]);
  });

  it('refusals name the field and its range', () => {
    const errors = (doc: unknown) => {
      try {
        validateSpec(doc);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(errors({ teachers: { kappa: 1 } })).toMatch(/^teachers\.kappa: must be in \(−1, 1\)/);
    expect(errors({ teachers: { kappa: [0.2, -1.5] } })).toMatch(/^teachers\.kappa\[1\]: must be in \(−1, 1\)/);
    expect(errors({ setup: 'shared-pretraining', teachers: { kappa: 0.2 } })).toMatch(/^teachers\.kappa: applies only to setup 'random-teacher'/);
    expect(errors({ data: { d: 2 }, teachers: { kappa: 0.2 } })).toMatch(/^teachers\.kappa: needs data\.d ≥ 3/);
  });
});

describe('the presets', () => {
  const preset = (name: string) => validateSpec(JSON.parse(readFileSync(join(__dirname, '..', '..', 'resources', 'presets', `${name}.json`), 'utf8')));

  it('Theorem boundary: 80 % student, 70 % teachers, κ from −0.5 to 0.95 around the boundary 0.528, the paper’s sweep', () => {
    const spec = preset('theoremBoundary');
    expect([spec.student.accuracy, spec.teachers.accuracy]).toEqual([0.8, [0.7]]);
    const kappas = spec.teachers.kappa ?? [];
    expect([kappas[0], kappas[kappas.length - 1]]).toEqual([-0.5, 0.95]);
    expect(kappas.filter((k) => Math.abs(k - (5 - 2 * Math.sqrt(5))) < 0.05).length).toBeGreaterThanOrEqual(2);
    expect(spec.sft.learningRates).toEqual(logspace(-5, 1, 7));
  });

  it('Norm puzzle: norms logspace(−1, 2, 7), 80 % / 70 %, the paper’s sweep', () => {
    const spec = preset('normPuzzle');
    expect(spec.student.norm).toEqual(logspace(-1, 2, 7));
    expect([spec.student.accuracy, spec.teachers.accuracy]).toEqual([0.8, [0.7]]);
    expect(spec.sft.learningRates).toEqual(logspace(-5, 1, 7));
  });
});
