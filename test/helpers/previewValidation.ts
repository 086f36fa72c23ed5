/**
 * The preview path against the exact reduced path (docs/preview.md §7), shared by the test suite
 * (test/engine/previewValidation.test.ts, small) and the validation script (bench/validatePreview.ts, full).
 *
 * Across teachers: the same teachers and initial students on both paths (same seed), one run each;
 * for cos, norm and <w, w*> at T, the peak cosine (steps ≥ 1), its step and the gain, a two-sample
 * Kolmogorov–Smirnov test and a paired mean-difference z-score.
 * SGD noise: R replicas of each of J teachers (R equal learning rates, hence R independent SGD
 * streams) from the same start; the within-teacher variance after 1 and after 10 steps of the norm
 * (moved by S1 at first order), the cosine to the teacher (moved by S2) and the cosine to w*, on the
 * two paths, compared by the F test of the pooled variances and by Brown–Forsythe's test (absolute
 * deviations from each teacher's median, compared by a z-score), which does not assume normality.
 * (At T the metrics' spread is mostly the (d − 3)-dimensional noise √Q·χ_{d−3}, set by E[Q]
 * alone, so they are weak tests of the covariance: docs/preview.md §7.)
 * One step's increments: from a start of the configuration (its first teacher's student and
 * teacher, moved to d = 3, where a step shows its sums: test/helpers/batchSums.ts), the mean and
 * covariance of (S1, S2, Q) on the two paths, each moment compared by a two-sample z-score; this
 * sees every covariance term, Q's with S1 and S2 included.
 */
import { accuracyFromCos } from '../../src/engine/accuracy';
import { ExperimentContext } from '../../src/engine/experiment';
import { runKeys } from '../../src/engine/grid';
import { SftRun } from '../../src/engine/run';
import type { PreviewKernel } from '../../src/engine/sft/preview';
import { type ExperimentSpec, validateSpec } from '../../src/engine/spec';
import { decorrelated, stepSums, type SUM_MOMENTS, sumMoments, type StepSums } from './batchSums';
import { betaI, normalSurvival } from './special';
import { meanVariance } from './stats';
import { ksTwoSample } from './twoSample';

export interface ValidationConfig {
  readonly name: string;
  /** A spec without engine.path, sft.learningRates and teachers.count. */
  readonly spec: Record<string, unknown> & { sft: Record<string, unknown>; teachers?: Record<string, unknown> };
  readonly learningRate: number;
  readonly steps: number;
  /** Teachers of the across-teacher comparison. */
  readonly teachers: number;
  /** J teachers × R replicas for the noise comparison. */
  readonly replicaTeachers: number;
  readonly replicas: number;
}

export const RUN_METRICS = ['cos', 'norm', 'inner', 'peakCos', 'peakStep', 'gain'] as const;
export type RunMetric = (typeof RUN_METRICS)[number];

export interface AcrossTeachers {
  readonly metric: RunMetric;
  readonly ksP: number;
  /** Paired mean difference preview − exact over its standard error. */
  readonly z: number;
  readonly zP: number;
}

export const NOISE_METRICS = ['norm', 'cosTeacher', 'cos'] as const;
export const NOISE_STEPS = [1, 10] as const;

export interface NoiseComparison {
  readonly metric: (typeof NOISE_METRICS)[number];
  readonly step: number;
  /** Pooled within-teacher variance, preview over exact. */
  readonly ratio: number;
  readonly fP: number;
  readonly bfZ: number;
  readonly bfP: number;
}

/**
 * The spec on one path. It is validated as a reduced-path spec and then switched to the preview
 * path, so that the full validation can also show batches the preview path refuses (B < 100).
 */
function specFor(config: ValidationConfig, path: 'reduced' | 'preview', teachers: number, learningRates: number[], steps: number): ExperimentSpec {
  const spec = validateSpec({
    ...config.spec,
    teachers: { ...(config.spec.teachers ?? {}), count: teachers },
    sft: { ...config.spec.sft, steps, learningRates, ceiling: false, recordEvery: 1 },
    engine: { path: 'reduced' },
  });
  return { ...spec, engine: { path } };
}

/** A context that pretrains each shared-pretraining teacher once (replicas reuse it many times). */
class ReplicaContext extends ExperimentContext {
  private readonly teachers = new Map<number, Float64Array>();

  override pretrainedTeacher(teacher: number): Float64Array {
    let w = this.teachers.get(teacher);
    if (w === undefined) {
      w = super.pretrainedTeacher(teacher);
      this.teachers.set(teacher, w);
    }
    return w;
  }
}

/** Every run of the spec on one path (the preview's covariance inflated for the negative control). */
function runSeries(config: ValidationConfig, path: 'reduced' | 'preview', teachers: number, learningRates: number[], steps: number, inflation: number) {
  const spec = specFor(config, path, teachers, learningRates, steps);
  const context = new ReplicaContext(spec);
  return runKeys(spec).map((key) => {
    const { kernel, descriptor } = context.buildRun(key);
    if (path === 'preview') (kernel as PreviewKernel).covarianceInflation = inflation;
    return SftRun.fromKernel(key, descriptor, kernel, steps).complete().recordedSeries();
  });
}

/** Per run, the metrics of RUN_METRICS, in runKeys order. */
function runMetrics(config: ValidationConfig, path: 'reduced' | 'preview', inflation: number): Record<RunMetric, number[]> {
  const out = Object.fromEntries(RUN_METRICS.map((m) => [m, [] as number[]])) as Record<RunMetric, number[]>;
  for (const s of runSeries(config, path, config.teachers, [config.learningRate], config.steps, inflation)) {
    const last = s.cos.length - 1;
    let peak = 1;
    for (let i = 2; i <= last; i++) if (s.cos[i] > s.cos[peak]) peak = i;
    out.cos.push(s.cos[last]);
    out.norm.push(s.norm[last]);
    out.inner.push(s.inner[last]);
    out.peakCos.push(s.cos[peak]);
    out.peakStep.push(s.step[peak]);
    out.gain.push(s.cos[peak] - s.cos[0]);
  }
  return out;
}

const twoSided = (z: number) => 2 * normalSurvival(Math.abs(z));

/** KS and paired z for every metric, the same teachers on both paths. */
export function compareAcrossTeachers(config: ValidationConfig, inflation = 1): AcrossTeachers[] {
  const exact = runMetrics(config, 'reduced', 1);
  const preview = runMetrics(config, 'preview', inflation);
  return RUN_METRICS.map((metric) => {
    const diff = preview[metric].map((x, i) => x - exact[metric][i]);
    const { mean, variance } = meanVariance(diff);
    const z = variance > 0 ? mean / Math.sqrt(variance / diff.length) : 0;
    return { metric, ksP: ksTwoSample(exact[metric], preview[metric]).p, z, zP: twoSided(z) };
  });
}

/** P(F ≤ f) for F with (d1, d2) degrees of freedom. */
function fCdf(f: number, d1: number, d2: number): number {
  return betaI(d1 / 2, d2 / 2, (d1 * f) / (d1 * f + d2));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Within-teacher spread of R replicas × J teachers: pooled variance, its degrees of freedom, and |x − median| per run. */
function spread(values: number[], replicas: number): { variance: number; df: number; deviations: number[] } {
  let ss = 0;
  const deviations: number[] = [];
  const groups = values.length / replicas;
  for (let j = 0; j < groups; j++) {
    const group = values.slice(j * replicas, (j + 1) * replicas);
    ss += meanVariance(group).variance * (replicas - 1);
    const m = median(group);
    for (const x of group) deviations.push(Math.abs(x - m));
  }
  const df = groups * (replicas - 1);
  return { variance: ss / df, df, deviations };
}

/** Per replica run, the noise metrics at each of NOISE_STEPS (cosTeacher from the recorded agreement). */
function noiseMetrics(config: ValidationConfig, path: 'reduced' | 'preview', inflation: number): Map<string, number[]> {
  const lrs = new Array<number>(config.replicas).fill(config.learningRate);
  const out = new Map<string, number[]>();
  for (const s of runSeries(config, path, config.replicaTeachers, lrs, Math.max(...NOISE_STEPS), inflation)) {
    for (const step of NOISE_STEPS) {
      const values = { norm: s.norm[step], cosTeacher: Math.cos(Math.PI * (1 - s.agreement[step])), cos: s.cos[step] };
      for (const metric of NOISE_METRICS) {
        const id = `${metric}@${step}`;
        if (!out.has(id)) out.set(id, []);
        out.get(id)?.push(values[metric]);
      }
    }
  }
  return out;
}

/**
 * The SGD noise itself: within-teacher variances on the two paths after NOISE_STEPS steps, for the
 * preview path as it is and with its covariance inflated by each factor of `inflations` (the exact
 * runs are shared).
 */
export function compareNoise(config: ValidationConfig, inflations: readonly number[] = [1]): NoiseComparison[][] {
  const exact = noiseMetrics(config, 'reduced', 1);
  return inflations.map((inflation) => {
    const preview = noiseMetrics(config, 'preview', inflation);
    return NOISE_STEPS.flatMap((step) =>
      NOISE_METRICS.map((metric) => {
        const id = `${metric}@${step}`;
        const a = spread(exact.get(id) ?? [], config.replicas);
        const b = spread(preview.get(id) ?? [], config.replicas);
        const ratio = b.variance / a.variance;
        const cdf = fCdf(ratio, b.df, a.df);
        const da = meanVariance(a.deviations);
        const db = meanVariance(b.deviations);
        const bfZ = (db.mean - da.mean) / Math.sqrt(da.variance / a.deviations.length + db.variance / b.deviations.length);
        return { metric, step, ratio, fP: 2 * Math.min(cdf, 1 - cdf), bfZ, bfP: twoSided(bfZ) };
      }),
    );
  });
}

export interface StressConfig {
  readonly name: string;
  readonly batchSize: number;
  readonly replicas: number;
  readonly steps: number;
  readonly learningRate: number;
  readonly seed: number;
}

export interface StressComparison {
  readonly exact: { mean: number; sd: number };
  readonly preview: { mean: number; sd: number };
  readonly ksP: number;
  readonly z: number;
  readonly zP: number;
  readonly ratio: number;
  readonly fP: number;
}

/**
 * One teacher, many replicas, a long run at a large learning rate (docs/spec.md §9's stress test): the
 * law of cos at T, where the student hovers around the teacher's direction and the batch noise's
 * shape, not only its first two moments, decides the spread. R replicas are R learning-rate
 * entries of equal value, set after validation (a spec lists at most 64).
 */
export function compareStress(config: StressConfig, inflation = 1): StressComparison {
  const finals = (path: 'reduced' | 'preview') => {
    const base = specFor(
      { name: config.name, spec: { seed: config.seed, student: { accuracy: 0.8, norm: 1 }, teachers: { accuracy: 0.7 }, sft: { batchSize: config.batchSize } }, learningRate: config.learningRate, steps: config.steps, teachers: 1, replicaTeachers: 1, replicas: 1 },
      path,
      1,
      [config.learningRate],
      config.steps,
    );
    const spec: ExperimentSpec = { ...base, sft: { ...base.sft, learningRates: new Array<number>(config.replicas).fill(config.learningRate) } };
    const context = new ExperimentContext(spec);
    return runKeys(spec).map((key) => {
      const { kernel, descriptor } = context.buildRun(key);
      if (path === 'preview') (kernel as PreviewKernel).covarianceInflation = inflation;
      const s = SftRun.fromKernel(key, descriptor, kernel, config.steps).complete().recordedSeries();
      return s.cos[s.cos.length - 1];
    });
  };
  const a = finals('reduced');
  const b = finals('preview');
  const ma = meanVariance(a);
  const mb = meanVariance(b);
  const z = (mb.mean - ma.mean) / Math.sqrt(ma.variance / a.length + mb.variance / b.length);
  const ratio = mb.variance / ma.variance;
  const cdf = fCdf(ratio, b.length - 1, a.length - 1);
  return {
    exact: { mean: ma.mean, sd: Math.sqrt(ma.variance) },
    preview: { mean: mb.mean, sd: Math.sqrt(mb.variance) },
    ksP: ksTwoSample(a, b).p,
    z,
    zP: twoSided(z),
    ratio,
    fP: 2 * Math.min(cdf, 1 - cdf),
  };
}

/** The paper's configurations and B = 100, at the size the test suite runs them. */
export const SUITE_CONFIGS: ValidationConfig[] = [
  {
    name: 'B = 10 000, random teachers (Fig. 1: d = 100, 80 % student, 70 % teachers)',
    spec: { seed: 101, student: { accuracy: 0.8, norm: 1 }, teachers: { accuracy: 0.7 }, sft: { batchSize: 10_000 } },
    learningRate: 0.05,
    steps: 60,
    teachers: 200,
    replicaTeachers: 8,
    replicas: 64,
  },
  {
    name: 'B = 1 000, shared pretraining (Fig. 3 defaults)',
    spec: { seed: 102, setup: 'shared-pretraining', sft: { batchSize: 1000 } },
    learningRate: 0.05,
    steps: 60,
    teachers: 200,
    replicaTeachers: 8,
    replicas: 64,
  },
  {
    name: 'B = 100, random teachers, norm 3',
    spec: { seed: 103, student: { accuracy: 0.8, norm: 3 }, teachers: { accuracy: 0.7 }, sft: { batchSize: 100 } },
    learningRate: 0.05,
    steps: 60,
    teachers: 200,
    replicaTeachers: 8,
    replicas: 64,
  },
];

export interface IncrementComparison {
  readonly moment: (typeof SUM_MOMENTS)[number];
  /** (preview − exact) over the two standard errors combined. */
  readonly z: number;
  readonly zP: number;
}

/** About 2·10⁷ exact samples a comparison: 10⁵ draws at B = 100, 2 000 at B = 10 000. */
export function incrementDraws(batchSize: number): number {
  return Math.min(100_000, Math.round(2e7 / batchSize));
}

/**
 * One step's sums on the two paths from the start of the configuration's first teacher (its
 * student's norm, cosine and κ and its teacher's cosine, at d = 3 so that a step shows its sums),
 * the preview as it is, with its covariance inflated, or with Q's pairing to S1 and S2 broken.
 */
export function compareIncrements(config: ValidationConfig, variant: 'as-is' | 'inflated' | 'decorrelated' = 'as-is', draws?: number): IncrementComparison[] {
  const full = specFor(config, 'reduced', 1, [config.learningRate], 1);
  const n = draws ?? incrementDraws(full.sft.batchSize);
  const d = new ReplicaContext(full).buildRun({ cell: 0, teacher: 0, lr: 0 }).descriptor;
  const s = Math.sqrt(1 - d.studentCos * d.studentCos);
  const state = { alpha: d.studentNorm * d.studentCos, b: d.studentNorm * s * d.kappa, rho: d.studentNorm * s * Math.sqrt(1 - d.kappa * d.kappa) };
  const spec = (path: 'reduced' | 'preview'): ExperimentSpec => {
    const base = validateSpec({
      seed: full.seed,
      beta: full.beta,
      data: { d: 3 },
      teachers: { count: 1, accuracy: accuracyFromCos(d.teacherCos), norm: full.teachers.norm },
      sft: { ...full.sft, steps: 1, learningRates: [config.learningRate], recordEvery: 1 },
      engine: { path: 'reduced' },
    });
    return { ...base, engine: { path } };
  };
  const exact = sumMoments(stepSums(spec('reduced'), state, n));
  let previewDraws: StepSums = stepSums(spec('preview'), state, n, variant === 'inflated' ? 1.5 : 1);
  if (variant === 'decorrelated') previewDraws = decorrelated(previewDraws, 'g3', full.seed);
  return sumMoments(previewDraws).map((p, j) => {
    const z = (p.estimate - exact[j].estimate) / Math.hypot(p.se, exact[j].se);
    return { moment: p.name, z, zP: twoSided(z) };
  });
}
