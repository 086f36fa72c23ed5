/**
 * `npm run bench -- --only random-features`: the random-features engine in this process (the
 * bench runs with the engine processes' V8 flags): the preset's context and one run's time with
 * fresh batches and with a pool, two-layer steps, the WebAssembly kernels against the TypeScript
 * reference side by side, how a fresh step scales with M and d, and the preset's wall time on two
 * engine processes extrapolated from these (docs/random-features.md §5). Medians of several runs, in
 * on-CPU time (the machine these figures come from is shared).
 */
import { RandomFeaturesContext, RandomFeaturesRun, randomFeaturesRunKeys, validateRandomFeaturesConfig } from '../src/engine/randomFeatures';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * ms of on-CPU time of this process (user + system) that `f` takes: on a loaded machine the wall
 * time also counts the waits for a core, which say nothing of the engine.
 */
function time(f: () => void): number {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** The preset of the issue: d = 50, M_s = 1 000, M_t = 100, 20 teachers, η ∈ 10⁻³…10, 400 steps, B = 500. */
export function presetConfig(pool: number | null, train: 'head' | 'both' = 'head', recordEvery = 10) {
  return validateRandomFeaturesConfig({ data: { pool }, features: { train }, sft: { recordEvery } });
}

export interface RandomFeaturesBench {
  readonly repeats: number;
  readonly runs: number;
  readonly fresh: { contextMs: number[]; runMs: number[] };
  readonly pool: { size: number; contextMs: number[]; runMs: number[] };
  /** ms a step of two-layer training (fresh batches), and of head-only, measured alike. */
  readonly bothStepMs: number[];
  readonly headStepMs: number[];
  /** One features product of a fresh batch (500 × 50 by 50 × 1 000) in each kernel set, side by side. */
  readonly kernels: { wasmMs: number[]; typescriptMs: number[] };
  /** ms a fresh head-only step at d = 50 for each M, and at M = 1 000 for each d. */
  readonly scaling: { m: { m: number; ms: number }[]; d: { d: number; ms: number }[] };
  /** The preset on two engine processes: each builds the context, then runs ⌈runs/2⌉ runs. */
  readonly presetSeconds: { fresh: number; pool: number };
}

/** ms a step of `config`'s first teacher run at its middle learning rate, over `steps` steps after a warm-up. */
function stepMs(config: ReturnType<typeof presetConfig>, steps: number, repeats: number): number[] {
  const context = new RandomFeaturesContext(config, 1);
  const run = RandomFeaturesRun.start(context, { cell: 0, teacher: 0, lr: 2 });
  run.advance(3);
  return Array.from({ length: repeats }, () => time(() => run.advance(steps)) / steps);
}

export function benchRandomFeatures(repeats: number): RandomFeaturesBench {
  const fresh = presetConfig(null);
  const poolSize = 20_000;
  const pooled = presetConfig(poolSize);
  const runs = randomFeaturesRunKeys(fresh).length;
  const measure = (config: typeof fresh) => {
    const contextMs: number[] = [];
    const runMs: number[] = [];
    for (let r = 0; r < repeats; r++) {
      let context: RandomFeaturesContext | undefined;
      contextMs.push(time(() => (context = new RandomFeaturesContext(config, r))));
      const c = context as RandomFeaturesContext;
      // Teacher pretraining is part of a run's cost on its first learning rate.
      runMs.push(time(() => RandomFeaturesRun.start(c, { cell: 0, teacher: r, lr: r % 5 }).complete().recordedSeries()));
    }
    return { contextMs, runMs };
  };
  const freshTimes = measure(fresh);
  const poolTimes = measure(pooled);

  // No step recorded in the measured steps: evaluation is not part of a step's cost.
  const headStepMs = stepMs(presetConfig(null, 'head', 1_000_000), 20, repeats);
  const bothStepMs = stepMs(presetConfig(null, 'both', 1_000_000), 20, repeats);

  // The features product alone, WebAssembly and TypeScript kernels interleaved.
  const wasm = new RandomFeaturesContext(validateRandomFeaturesConfig({ evaluation: { testPoints: 100 }, pretrain: { studentPoints: 10, teacherPoints: 5 } }), 1);
  const ts = new RandomFeaturesContext(wasm.config, 1, { kernels: 'typescript' });
  const product = (c: RandomFeaturesContext) => {
    const s = c.scratch;
    const { dims, student } = c;
    c.kernels.features(s.batchRows.offset, dims.dp, 1, 500, dims.d, c.persistent.studentFirstLayer.offset, dims.mpStudent, dims.mpStudent, s.batchFeatures.offset, dims.mpStudent, student.activation.code, c.persistent.studentCentre.offset, student.activation.scale, 0);
  };
  product(wasm);
  product(ts);
  const wasmMs: number[] = [];
  const typescriptMs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    wasmMs.push(time(() => product(wasm)));
    typescriptMs.push(time(() => product(ts)));
  }

  const scaled = (over: { m?: number; d?: number }) =>
    median(stepMs(validateRandomFeaturesConfig({ data: { d: over.d ?? 50 }, features: { student: over.m ?? 1000 }, sft: { recordEvery: 1_000_000 }, evaluation: { testPoints: 2000 } }), 10, Math.max(3, repeats)));
  const scaling = {
    m: [250, 500, 1000, 2000].map((m) => ({ m, ms: scaled({ m }) })),
    d: [25, 50, 100].map((d) => ({ d, ms: scaled({ d }) })),
  };
  const wall = (t: { contextMs: number[]; runMs: number[] }) => (median(t.contextMs) + Math.ceil(runs / 2) * median(t.runMs)) / 1000;
  return {
    repeats,
    runs,
    fresh: freshTimes,
    pool: { size: poolSize, ...poolTimes },
    bothStepMs,
    headStepMs,
    kernels: { wasmMs, typescriptMs },
    scaling,
    presetSeconds: { fresh: wall(freshTimes), pool: wall(poolTimes) },
  };
}

export function reportRandomFeatures(r: RandomFeaturesBench): void {
  const f = (xs: number[]) => `${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
  console.log(`\nrandom features, the preset (d = 50, M_s = 1 000, M_t = 100, B = 500, 400 steps, ${r.runs} runs), medians of ${r.repeats}:`);
  console.log(`  fresh batches: context ${f(r.fresh.contextMs)}, a run ${f(r.fresh.runMs)}`);
  console.log(`  pool of ${r.pool.size}: context ${f(r.pool.contextMs)}, a run ${f(r.pool.runMs)}`);
  console.log(`  a step: head ${median(r.headStepMs).toFixed(2)} ms, both layers ${median(r.bothStepMs).toFixed(2)} ms (×${(median(r.bothStepMs) / median(r.headStepMs)).toFixed(2)})`);
  console.log(`  features product 500×50·50×1000: WebAssembly ${median(r.kernels.wasmMs).toFixed(2)} ms, TypeScript ${median(r.kernels.typescriptMs).toFixed(2)} ms (×${(median(r.kernels.typescriptMs) / median(r.kernels.wasmMs)).toFixed(1)})`);
  console.log(`  fresh step against M (d = 50): ${r.scaling.m.map((x) => `${x.m}: ${x.ms.toFixed(2)} ms`).join(', ')}`);
  console.log(`  fresh step against d (M = 1 000): ${r.scaling.d.map((x) => `${x.d}: ${x.ms.toFixed(2)} ms`).join(', ')}`);
  console.log(`  the preset on 2 engine processes (extrapolated): fresh batches ${r.presetSeconds.fresh.toFixed(0)} s, pool ${r.presetSeconds.pool.toFixed(0)} s`);
}
