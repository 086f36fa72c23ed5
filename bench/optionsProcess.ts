/**
 * One fresh engine process's measurement of an option's cost (forked by bench/options.ts with the
 * engine processes' V8 flags, as the pool forks them): the Figure 1 run (d = 100, B = 10 000, 80 %
 * student of norm 1, 70 % teachers) on the reduced path with one variant of the options of issue 15,
 * run as a worker runs it (ExperimentContext, SftRun); prints one JSON line.
 *
 *   node <ENGINE_V8_FLAGS> --import tsx bench/optionsProcess.ts VARIANT STEPS RUNS
 *
 * The first run (100 steps) is the warm-up, timed apart; then RUNS runs of STEPS steps. The
 * auxiliary loss runs with no warm-up (f = 0), so that every step pays for it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ExperimentContext } from '../src/engine/experiment';
import { SftRun } from '../src/engine/run';
import { WasmBatch } from '../src/engine/sft/wasmBatch';
import { validateSpec } from '../src/engine/spec';

/** The variants: extra teachers and sft fields over the plain Figure 1 spec. */
export const OPTION_VARIANTS: Record<string, { teachers?: Record<string, unknown>; sft?: Record<string, unknown> }> = {
  plain: {},
  // Plain SFT on the TypeScript reference loop (WebAssembly made unavailable, as bench/kernelProcess.ts
  // does): the same-language comparison for the auxiliary loss's TypeScript reference below.
  plainTs: {},
  kappa: { teachers: { kappa: 0.3 } },
  auxFixed: { sft: { loss: { kind: 'auxConfidence', warmup: 0, threshold: 'fixed' } } },
  auxAdaptive: { sft: { loss: { kind: 'auxConfidence', warmup: 0, threshold: 'adaptive' } } },
  // The auxiliary loss on its TypeScript reference loop (auxHardGaussian.ts), WebAssembly made unavailable.
  auxFixedTs: { sft: { loss: { kind: 'auxConfidence', warmup: 0, threshold: 'fixed' } } },
  auxAdaptiveTs: { sft: { loss: { kind: 'auxConfidence', warmup: 0, threshold: 'adaptive' } } },
  plainNoisy: { sft: { labelNoise: 0.1 } },
  auxAdaptiveNoisy: { sft: { labelNoise: 0.1, loss: { kind: 'auxConfidence', warmup: 0, threshold: 'adaptive' } } },
};

const BATCH = 10_000;

/** This thread's time on a CPU (ns, Linux schedstat), or NaN. */
function cpuNs(): number {
  const file = '/proc/thread-self/schedstat';
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split(' ')[0]) : NaN;
}

if (require.main === module) {
  const [variant = 'plain', stepsArg = '200', runsArg = '4'] = process.argv.slice(2);
  const options = OPTION_VARIANTS[variant];
  if (options === undefined) throw new Error(`unknown variant ${variant}: one of ${Object.keys(OPTION_VARIANTS).join(', ')}`);
  if (variant.endsWith('Ts')) WasmBatch.create = () => null;
  const steps = Number(stepsArg);
  const runs = Number(runsArg);
  const spec = validateSpec({
    seed: 1,
    data: { d: 100 },
    student: { accuracy: 0.8, norm: 1 },
    teachers: { count: runs + 1, accuracy: 0.7, ...options.teachers },
    sft: { batchSize: BATCH, steps, learningRates: [0.1, 1], ceiling: false, ...options.sft },
    engine: { path: 'reduced' },
  });
  const context = new ExperimentContext(spec);
  const timeRun = (teacher: number, lr: number, stepLimit: number): number => {
    const start = process.hrtime.bigint();
    SftRun.start(context, { cell: 0, teacher, lr }).advance(stepLimit);
    return Number(process.hrtime.bigint() - start);
  };
  const warmupNs = timeRun(runs, 0, 100);
  let total = 0;
  const cpuStart = cpuNs();
  for (let r = 0; r < runs; r++) total += timeRun(r, r % 2, steps);
  const cpuNsPerSample = (cpuNs() - cpuStart) / (runs * steps * BATCH);
  console.log(JSON.stringify({ variant, nsPerSample: total / (runs * steps * BATCH), cpuNsPerSample, warmupNsPerSample: warmupNs / (100 * BATCH) }));
}
