/**
 * One fresh engine process's measurement (forked by bench/freshKernel.ts with the engine processes'
 * V8 flags, as the pool forks them): runs a fixed workload of Figure 1 runs exactly as a worker
 * does (ExperimentContext, SftRun), and prints one JSON line.
 *
 *   node <ENGINE_V8_FLAGS> --import tsx bench/kernelProcess.ts KERNEL STEPS RUNS D
 *
 * KERNEL is `wasm` (what the engine uses) or `ts` (the TypeScript reference, forced by making the
 * WebAssembly instance unavailable, as on a host without WebAssembly). The first run (100 steps) is
 * the process's warm-up and is timed apart; the other RUNS runs of STEPS steps are the workload.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ExperimentContext } from '../src/engine/experiment';
import { SftRun } from '../src/engine/run';
import { WasmBatch, wasmBatch } from '../src/engine/sft/wasmBatch';
import { validateSpec } from '../src/engine/spec';

const [kernel = 'wasm', stepsArg = '250', runsArg = '6', dArg = '100'] = process.argv.slice(2);
if (kernel === 'ts') WasmBatch.create = () => null;
const steps = Number(stepsArg);
const runs = Number(runsArg);
const BATCH = 10_000;

const spec = validateSpec({
  seed: 1,
  data: { d: Number(dArg) },
  student: { accuracy: 0.8, norm: 1 },
  teachers: { count: runs + 1, accuracy: 0.7 },
  sft: { batchSize: BATCH, steps, learningRates: [0.1, 1], ceiling: false },
});
const context = new ExperimentContext(spec);

/**
 * This thread's time on a CPU (ns, Linux schedstat; tick-granular, ~4 ms here), or NaN: with other
 * processes on the machine it separates the kernel's own speed from time spent waiting for a core.
 */
function cpuNs(): number {
  const file = '/proc/thread-self/schedstat';
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split(' ')[0]) : NaN;
}

function timeRun(teacher: number, lr: number, stepLimit: number): number {
  const start = process.hrtime.bigint();
  SftRun.start(context, { cell: 0, teacher, lr }).advance(stepLimit);
  return Number(process.hrtime.bigint() - start);
}

const warmupNs = timeRun(runs, 0, 100);
const perRun: number[] = [];
let total = 0;
const cpuStart = cpuNs();
for (let r = 0; r < runs; r++) {
  const ns = timeRun(r, r % 2, steps);
  total += ns;
  perRun.push(ns / (steps * BATCH));
}
const cpuNsPerSample = (cpuNs() - cpuStart) / (runs * steps * BATCH);
const usesWasm = wasmBatch() !== null;
console.log(JSON.stringify({ kernel: usesWasm ? 'wasm' : 'ts', nsPerSample: total / (runs * steps * BATCH), cpuNsPerSample, perRun, warmupNsPerSample: warmupNs / (100 * BATCH) }));
