/**
 * A preset end to end through `w2s run`, this tree (B) against another checkout (A, `--baseline
 * DIR`), interleaved A, B, A, B… in one run so that both see the same load. For each: wall seconds
 * from start to exit, and on-CPU seconds of the whole process tree (the coordinator and its engine
 * processes, from /proc/PID/stat polled every 20 ms; Linux only), with the load average at the
 * start. Medians of `--repeats` (5).
 *
 *   node --import tsx bench/presetsAB.ts --baseline /tmp/base [--preset figure1|figure2] [--repeats 5] [--workers 2]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { presetSpec } from './preview';

const TICK_S = 0.01; // USER_HZ = 100 on Linux

/** utime + stime of a process (s), or NaN when it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_S;
  } catch {
    return NaN;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export interface CliMeasure {
  readonly wallSeconds: number;
  /** Coordinator and engine processes together. */
  readonly cpuSeconds: number;
  readonly coordinatorCpuSeconds: number;
  readonly fractionImproved: number;
}

/** `ROOT/bin/w2s.cjs run SPEC --workers N` on a fresh history. */
export function measureCli(root: string, spec: unknown, workers: number): Promise<CliMeasure> {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-ab-'));
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, [join(root, 'bin', 'w2s.cjs'), 'run', join(dir, 'spec.json'), '--db', join(dir, 'lab.sqlite'), '--workers', String(workers), '--out', join(dir, 'summary.json')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const seen = new Map<number, number>();
  const poll = setInterval(() => {
    const pid = child.pid as number;
    for (const p of [pid, ...childrenOf(pid)]) {
      const s = cpuSeconds(p);
      if (Number.isFinite(s)) seen.set(p, Math.max(seen.get(p) ?? 0, s));
    }
  }, 20);
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      clearInterval(poll);
      const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
      try {
        if (code !== 0) throw new Error(`w2s run (${root}) failed: ${stderr}`);
        const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { fractionImproved: number };
        const cpu = [...seen.values()].reduce((a, b) => a + b, 0);
        resolve({ wallSeconds, cpuSeconds: cpu, coordinatorCpuSeconds: seen.get(child.pid as number) ?? NaN, fractionImproved: summary.fractionImproved });
      } catch (error) {
        reject(error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { baseline: { type: 'string' }, preset: { type: 'string', default: 'figure1' }, repeats: { type: 'string', default: '5' }, workers: { type: 'string', default: '2' } } });
  if (values.baseline === undefined) throw new Error('--baseline DIR (a checkout to compare against) is required');
  const preset = values.preset as 'figure1' | 'figure2';
  const spec = presetSpec(preset, 'preview');
  const roots = { A: values.baseline, B: join(__dirname, '..') };
  const results: Record<'A' | 'B', CliMeasure[]> = { A: [], B: [] };
  const loads: number[] = [];
  for (let r = 0; r < Number(values.repeats); r++) {
    for (const side of ['A', 'B'] as const) {
      loads.push(loadavg()[0]);
      const m = await measureCli(roots[side], spec, Number(values.workers));
      results[side].push(m);
      console.log(`${side} ${preset}: wall ${m.wallSeconds.toFixed(2)} s, on-CPU ${m.cpuSeconds.toFixed(2)} s (coordinator ${m.coordinatorCpuSeconds.toFixed(2)} s), ${(100 * m.fractionImproved).toFixed(1)} % improved`);
    }
  }
  console.log(`load average (1 min) at the starts: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
  for (const side of ['A', 'B'] as const) {
    const ms = results[side];
    const f = (k: keyof CliMeasure) => `${median(ms.map((m) => m[k])).toFixed(2)} (${Math.min(...ms.map((m) => m[k])).toFixed(2)}–${Math.max(...ms.map((m) => m[k])).toFixed(2)})`;
    console.log(`${side} (${roots[side]}), median of ${ms.length}: wall ${f('wallSeconds')} s, on-CPU ${f('cpuSeconds')} s, coordinator on-CPU ${f('coordinatorCpuSeconds')} s`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
