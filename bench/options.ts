/**
 * `npm run bench -- --only options`: what each option of issue 15 costs per sample against plain SFT
 * on the reduced path (docs/spec.md §10–11), in fresh engine processes as the pool forks them
 * (bench/optionsProcess.ts), variants interleaved process by process so that the machine's load
 * hits them alike. Medians over the processes, wall and on-CPU, and each variant's ratio to plain
 * SFT's median (the noisy variants to plain SFT with the same label noise). The hard-label loops,
 * plain and auxiliary, run as WebAssembly (wasmBatch.ts); their TypeScript references are measured
 * beside them (the `…Ts` variants), each against plain SFT in its own language too.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ENGINE_V8_FLAGS } from '../src/backend/pool';
import { OPTION_VARIANTS } from './optionsProcess';

export interface OptionCost {
  readonly variant: string;
  readonly nsPerSample: number[];
  readonly cpuNsPerSample: number[];
  readonly median: number;
  readonly cpuMedian: number;
  /** Against plain SFT (or plain SFT with the same label noise), medians over medians. */
  readonly ratio: number;
  readonly cpuRatio: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function benchOptions(processes: number, steps = 200, runs = 4): OptionCost[] {
  const variants = Object.keys(OPTION_VARIANTS);
  const wall = new Map(variants.map((v) => [v, [] as number[]]));
  const cpu = new Map(variants.map((v) => [v, [] as number[]]));
  for (let p = 0; p < processes; p++) {
    for (const variant of variants) {
      const args = [...ENGINE_V8_FLAGS, '--import', 'tsx', join(__dirname, 'optionsProcess.ts'), variant, String(steps), String(runs)];
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: join(__dirname, '..') });
      if (r.status !== 0) throw new Error(`options process (${variant}) failed: ${r.stderr}`);
      const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { nsPerSample: number; cpuNsPerSample: number };
      wall.get(variant)?.push(out.nsPerSample);
      cpu.get(variant)?.push(out.cpuNsPerSample);
    }
  }
  const base = (v: string) => (v.endsWith('Noisy') ? 'plainNoisy' : 'plain');
  return variants.map((variant) => {
    const w = wall.get(variant) as number[];
    const c = cpu.get(variant) as number[];
    return {
      variant,
      nsPerSample: w,
      cpuNsPerSample: c,
      median: median(w),
      cpuMedian: median(c),
      ratio: median(w) / median(wall.get(base(variant)) as number[]),
      cpuRatio: median(c) / median(cpu.get(base(variant)) as number[]),
    };
  });
}

const LABELS: Record<string, string> = {
  plain: 'plain SFT (the WebAssembly kernel)',
  plainTs: 'plain SFT, TypeScript reference loop',
  kappa: 'teachers.kappa = 0.3',
  auxFixed: 'aux-confidence, τ = 0',
  auxAdaptive: 'aux-confidence, adaptive τ',
  auxFixedTs: 'aux τ = 0, TypeScript reference loop',
  auxAdaptiveTs: 'aux adaptive τ, TypeScript reference',
  plainNoisy: 'plain SFT, label noise 0.1',
  auxAdaptiveNoisy: 'aux, adaptive τ, noise 0.1',
};

export function reportOptions(costs: readonly OptionCost[]): void {
  const f = (x: number) => x.toFixed(2);
  for (const c of costs) {
    const target = c.variant === 'auxAdaptive' ? ' (target ≤ 1.5×)' : c.variant === 'kappa' ? ' (target: no cost)' : '';
    const ts = c.variant.startsWith('aux') && c.variant.endsWith('Ts') ? `; ×${f(c.cpuMedian / (costs.find((x) => x.variant === 'plainTs')?.cpuMedian ?? NaN))} on-CPU against plain SFT's TypeScript loop` : '';
    console.log(`  ${(LABELS[c.variant] ?? c.variant).padEnd(36)} wall ${f(c.median)} ns (×${f(c.ratio)}), on-CPU ${f(c.cpuMedian)} ns (×${f(c.cpuRatio)})${target}${ts}; each on-CPU: ${c.cpuNsPerSample.map(f).join(' ')}`);
  }
}
