/**
 * The exact kernel as users get it: N fresh engine processes, forked one after another with the
 * engine processes' V8 flags (ENGINE_V8_FLAGS) and tsx, as the pool forks them; each times the same
 * fixed workload (bench/kernelProcess.ts). Kernels are interleaved process by process, so that load
 * from other processes on the machine hits them alike.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ENGINE_V8_FLAGS } from '../src/backend/pool';

export interface FreshKernelResult {
  readonly kernel: string;
  readonly processes: number;
  /** ns per sample per core of each process's workload. */
  readonly nsPerSample: number[];
  readonly median: number;
  readonly worst: number;
  /** The same workload in on-CPU time of the engine thread (waits for a core excluded). */
  readonly cpuNsPerSample: number[];
  readonly cpuMedian: number;
  readonly cpuWorst: number;
  /** ns per sample of each process's first 100-step run (JIT warm-up included). */
  readonly warmup: number[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function oneProcess(kernel: string, steps: number, runs: number, d: number): { kernel: string; nsPerSample: number; cpuNsPerSample: number; warmupNsPerSample: number } {
  const args = [...ENGINE_V8_FLAGS, '--import', 'tsx', join(__dirname, 'kernelProcess.ts'), kernel, String(steps), String(runs), String(d)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: join(__dirname, '..') });
  if (r.status !== 0) throw new Error(`kernel process failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

/** Median and worst ns per sample over `processes` fresh processes per kernel (d = 100 unless given). */
export function benchFreshKernel(kernels: readonly string[], processes: number, steps = 300, runs = 6, d = 100): FreshKernelResult[] {
  const ns = kernels.map((): number[] => []);
  const cpu = kernels.map((): number[] => []);
  const warm = kernels.map((): number[] => []);
  for (let p = 0; p < processes; p++) {
    kernels.forEach((k, i) => {
      const r = oneProcess(k, steps, runs, d);
      if (r.kernel !== k) throw new Error(`asked for the ${k} kernel, the process ran ${r.kernel}`);
      ns[i].push(r.nsPerSample);
      cpu[i].push(r.cpuNsPerSample);
      warm[i].push(r.warmupNsPerSample);
    });
  }
  return kernels.map((kernel, i) => ({
    kernel,
    processes,
    nsPerSample: ns[i],
    median: median(ns[i]),
    worst: Math.max(...ns[i]),
    cpuNsPerSample: cpu[i],
    cpuMedian: median(cpu[i]),
    cpuWorst: Math.max(...cpu[i]),
    warmup: warm[i],
  }));
}

export function reportFreshKernel(results: readonly FreshKernelResult[]): void {
  const f = (x: number) => x.toFixed(2);
  for (const r of results) {
    const label = r.kernel === 'wasm' ? 'WebAssembly (the engine)' : 'TypeScript reference';
    console.log(`  ${label.padEnd(25)} median ${f(r.median)} ns, worst ${f(r.worst)} ns per sample per core over ${r.processes} fresh processes (targets ≤ 8 / ≤ 10)`);
    console.log(`  ${''.padEnd(25)} each: ${r.nsPerSample.map(f).join(' ')}; first 100-step run (warm-up): median ${f(median(r.warmup))} ns`);
    console.log(`  ${''.padEnd(25)} on-CPU time of the engine thread: median ${f(r.cpuMedian)}, worst ${f(r.cpuWorst)} (each: ${r.cpuNsPerSample.map(f).join(' ')})`);
  }
}
