/**
 * Speed of the preview path (docs/preview.md) and of the paper's presets:
 *  - one preview step, in this process, averaged over the steps of Figure 1 preset runs (every
 *    initial norm and learning rate, so every regime of the moments' quadrature): the WebAssembly
 *    kernel's step and its TypeScript reference's, interleaved repetition by repetition, and the
 *    moments alone, kernel and reference, on the states those runs visit;
 *  - a preset on N engine processes, twice: the engine alone (the pool, series returned to the
 *    coordinator, nothing stored) and the CLI as a user runs it (`w2s run`, a fresh store,
 *    checkpoints, progress, the summary), wall time from start to exit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExperimentContext } from '../src/engine/experiment';
import { runKeys } from '../src/engine/grid';
import { SftRun } from '../src/engine/run';
import { PreviewKernel } from '../src/engine/sft/preview';
import { sampleMoments } from '../src/engine/sft/previewMoments';
import { ReducedKernel } from '../src/engine/sft/reduced';
import { wasmPreview } from '../src/engine/sft/wasmPreview';
import { type ExperimentSpec, validateSpec } from '../src/engine/spec';
import { EnginePool, forkSpawner } from '../src/backend/pool';

const ROOT = join(__dirname, '..');

export function presetSpec(name: 'figure1' | 'figure2', path: 'preview' | 'reduced', teachers?: number): ExperimentSpec {
  const preset = JSON.parse(readFileSync(join(ROOT, 'resources', 'presets', `${name}.json`), 'utf8'));
  return validateSpec({ ...preset, teachers: { ...preset.teachers, ...(teachers === undefined ? {} : { count: teachers }) }, engine: { path } });
}

export interface PreviewStepResult {
  /** ns per step (the whole step: moments, draws, update, metrics, recording), wall clock: the WebAssembly kernel. */
  readonly stepNs: number[];
  /** The same in on-CPU time of this thread (waits for a core excluded), or NaN off Linux. */
  readonly stepCpuNs: number[];
  /** The same two for the TypeScript reference (ReducedKernel.advance with previewSums). */
  readonly referenceStepNs: number[];
  readonly referenceStepCpuNs: number[];
  /** On-CPU ns per moment computation, kernel and reference, on the (‖w‖, p, q) the runs passed. */
  readonly momentsCpuNs: number;
  readonly referenceMomentsCpuNs: number;
  readonly steps: number;
}

/** This thread's time on a CPU (ns; Linux schedstat, tick-granular), or NaN. */
function cpuNs(): number {
  const file = '/proc/thread-self/schedstat';
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split(' ')[0]) : NaN;
}

type Advance = (this: PreviewKernel) => void;

/**
 * One preview step, averaged over the steps of `teachers` teachers × every norm and learning rate of
 * Figure 1, the kernel and the reference in turn `repeats` times (the reference by giving the
 * preview kernel the reduced path's own advance, which calls previewSums: what a host without
 * WebAssembly runs).
 */
export function benchPreviewStep(teachers: number, repeats: number): PreviewStepResult {
  const spec = presetSpec('figure1', 'preview', teachers);
  const context = new ExperimentContext(spec);
  const keys = runKeys(spec);
  const proto = PreviewKernel.prototype as unknown as { advance: Advance; batchSums(norm: number, p: number, q: number, out: Float64Array): void };
  const kernelAdvance = proto.advance;
  const referenceAdvance = ReducedKernel.prototype.advance as Advance;
  // Record the states the reference computes moments for, once (wrapping its batch-sum method).
  const states: number[] = [];
  const original = proto.batchSums;
  proto.batchSums = function (this: unknown, norm: number, p: number, q: number, out: Float64Array) {
    if (states.length < 600_000) states.push(norm, p, q);
    original.call(this, norm, p, q, out);
  };
  proto.advance = referenceAdvance;
  for (const key of keys) SftRun.start(context, key).complete(); // warm-up of the reference, and the states
  proto.batchSums = original;
  proto.advance = kernelAdvance;
  for (const key of keys) SftRun.start(context, key).complete(); // warm-up of the kernel
  const time = (advance: Advance, wall: number[], cpu: number[]) => {
    proto.advance = advance;
    const start = process.hrtime.bigint();
    const startCpu = cpuNs();
    for (const key of keys) SftRun.start(context, key).complete();
    cpu.push((cpuNs() - startCpu) / (keys.length * spec.sft.steps));
    wall.push(Number(process.hrtime.bigint() - start) / (keys.length * spec.sft.steps));
  };
  const r = { stepNs: [] as number[], stepCpuNs: [] as number[], referenceStepNs: [] as number[], referenceStepCpuNs: [] as number[] };
  try {
    for (let i = 0; i < repeats; i++) {
      time(kernelAdvance, r.stepNs, r.stepCpuNs);
      time(referenceAdvance, r.referenceStepNs, r.referenceStepCpuNs);
    }
  } finally {
    proto.advance = kernelAdvance;
  }
  const out = new Float64Array(9);
  const labels = { labelNoise: 0, softLambda: null };
  const n = states.length / 3;
  const wasm = wasmPreview();
  let startCpu = cpuNs();
  for (let i = 0; i < n; i++) wasm?.moments(spec.beta, states[3 * i], states[3 * i + 1], states[3 * i + 2], 0, out);
  const momentsCpuNs = wasm === null ? NaN : (cpuNs() - startCpu) / n;
  startCpu = cpuNs();
  for (let i = 0; i < n; i++) sampleMoments(spec.beta, states[3 * i], states[3 * i + 1], states[3 * i + 2], labels, out);
  const referenceMomentsCpuNs = (cpuNs() - startCpu) / n;
  return { ...r, momentsCpuNs, referenceMomentsCpuNs, steps: keys.length * spec.sft.steps };
}

/** The engine alone on `workers` processes: every run of the spec through the pool, nothing stored. */
export async function benchPresetPool(spec: ExperimentSpec, workers: number): Promise<{ seconds: number; computeSeconds: number; runs: number }> {
  const pool = new EnginePool(forkSpawner(), workers);
  try {
    const keys = runKeys(spec);
    const start = process.hrtime.bigint();
    const results = await Promise.all(keys.map((key) => pool.run({ spec, key })));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    // The engine's own time, as the workers measured their jobs (wall clock inside each job).
    const computeSeconds = results.reduce((sum, r) => sum + (r.computeMs ?? 0), 0) / 1000;
    return { seconds, computeSeconds, runs: keys.length };
  } finally {
    pool.close();
  }
}

/** `w2s run SPEC --workers N` on a fresh history, as a user runs it: wall seconds from start to exit. */
export function benchPresetCli(spec: ExperimentSpec, workers: number): { seconds: number; fractionImproved: number; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-preset-'));
  try {
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'w2s.cjs'), 'run', join(dir, 'spec.json'), '--db', join(dir, 'lab.sqlite'), '--workers', String(workers), '--out', join(dir, 'summary.json')], { encoding: 'utf8', cwd: ROOT });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) throw new Error(`w2s run failed: ${r.stderr}`);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { fractionImproved: number; path: string };
    return { seconds, fractionImproved: summary.fractionImproved, path: summary.path };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
