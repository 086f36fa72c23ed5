/**
 * `npm run bench`: the speed figures of the engine and the backend, printed and saved to
 * bench/results/latest.json. It runs with the engine processes' V8 flags (ENGINE_V8_FLAGS), so that
 * the in-process figures are those of the engine processes. Medians of several repetitions; ratios measured side by side in the
 * same run. `--quick` scales the Figure 1 workload down to 10 teachers (and says so).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { ExperimentContext, runKeys } from '../src/engine/experiment';
import { SftRun } from '../src/engine/run';
import { Rng } from '../src/engine/rng';
import { ReducedKernel } from '../src/engine/sft/reduced';
import { validateSpec } from '../src/engine/spec';
import { Lab } from '../src/main/core/lab';
import { LabApiService } from '../src/main/core/labApi';
import { EnginePool, forkSpawner } from '../src/main/core/pool';
import { RunStore } from '../src/main/core/store/store';
import { benchDashboard, reportDashboard } from './dashboard';
import { benchHistory, reportHistory } from './history';

const quick = process.argv.includes('--quick');
/** `--only reduced,dense,peer,figure1,store,dashboard,history`: run some sections (all by default). */
const onlyIndex = process.argv.indexOf('--only');
const sections = new Set(onlyIndex >= 0 ? (process.argv[onlyIndex + 1] ?? '').split(',') : ['reduced', 'dense', 'peer', 'figure1', 'store', 'dashboard', 'history']);
const BATCH = 10_000;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function spread(values: number[]): string {
  return `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
}

function reducedKernel(d: number, seed: number): ReducedKernel {
  return new ReducedKernel(
    d,
    { beta: 1, learningRate: 0.1, batchSize: BATCH },
    { cT: Math.cos(0.3 * Math.PI), sT: Math.sin(0.3 * Math.PI) },
    { softBeta: null, teacherNorm: 1, labelNoise: 0 },
    null,
    { alpha: 0.809, b: 0.3, rho: 0.5 },
    new Rng([seed, 2, 3, 4]),
  );
}

/** ns per sample on the reduced path, for each d, interleaved repetition by repetition. */
function benchReduced(dims: number[], repeats: number, steps: number): Map<number, number[]> {
  const out = new Map<number, number[]>(dims.map((d) => [d, []]));
  // Warm-up: V8 reaches its best code for the kernel only after several hundred calls (steps);
  // an experiment's runs are thousands of steps, so the steady state is what they see.
  for (const d of dims) {
    const k = reducedKernel(d, 1);
    for (let i = 0; i < 1000; i++) k.advance();
  }
  for (let r = 0; r < repeats; r++) {
    for (const d of dims) {
      const k = reducedKernel(d, r + 2);
      const start = process.hrtime.bigint();
      for (let i = 0; i < steps; i++) k.advance();
      const ns = Number(process.hrtime.bigint() - start);
      out.get(d)?.push(ns / (steps * BATCH));
    }
  }
  return out;
}

/** ms per step on the dense path. */
function benchDense(d: number, repeats: number, steps: number): number[] {
  const spec = validateSpec({ seed: 1, data: { d }, teachers: { count: 1 }, sft: { batchSize: BATCH, steps: 1_000_000, learningRates: [0.1], ceiling: false }, engine: { path: 'dense' } });
  const { kernel } = new ExperimentContext(spec).buildRun({ cell: 0, teacher: 0, lr: 0 });
  for (let i = 0; i < 3; i++) kernel.advance();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) kernel.advance();
    times.push(Number(process.hrtime.bigint() - start) / 1e6 / steps);
  }
  return times;
}

interface PeerResult {
  numpy: string;
  results: { d: number; median: number; msPerStep: number[] }[];
}

function runPeer(dims: number[]): PeerResult | string {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const probe = spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return `numpy peer: not run: ${python} has no numpy (apt-get install python3-numpy)`;
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const r = spawnSync(python, [join(__dirname, 'peer', 'sft_numpy.py'), ...dims.map(String), '--steps', '10', '--repeats', '5'], { encoding: 'utf8', env });
  if (r.status !== 0) return `numpy peer: failed: ${r.stderr.trim().split('\n').pop()}`;
  return JSON.parse(r.stdout) as PeerResult;
}

/** Peak resident memory of a process in MB (VmHWM), or NaN. */
function peakMemoryMB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? NaN : Number(m[1]) / 1024;
  } catch {
    return NaN;
  }
}

function figure1Spec(teachers: number, batchSize = BATCH) {
  const preset = JSON.parse(readFileSync(join(__dirname, '..', 'resources', 'presets', 'figure1.json'), 'utf8'));
  return validateSpec({
    ...preset,
    student: { ...preset.student, norm: 1 },
    teachers: { ...preset.teachers, count: teachers },
    sft: { ...preset.sft, batchSize, ceiling: false },
  });
}

/** The Figure 1 workload on the bare engine: every run in this process, one after another. */
function benchFigure1Bare(teachers: number): number {
  const spec = figure1Spec(teachers);
  const context = new ExperimentContext(spec);
  const start = process.hrtime.bigint();
  for (const key of runKeys(spec)) SftRun.start(context, key).complete();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** The same workload as the app runs it: the lab on a pool of engine processes, checkpoints into a store. */
async function benchFigure1Lab(teachers: number, workers: number): Promise<{ seconds: number; computeSeconds: number; peakMB: number; runs: number; fractionImproved: number }> {
  const spec = figure1Spec(teachers);
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-'));
  const store = RunStore.open(join(dir, 'lab.sqlite'), 'bench');
  const pool = new EnginePool(forkSpawner(), workers);
  try {
    const lab = new Lab(store, pool);
    let computeMs = 0;
    lab.on((event) => {
      if (event.type === 'run') computeMs += event.computeMs ?? 0;
    });
    const start = process.hrtime.bigint();
    const record = await lab.finished(lab.submit(spec));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const workerPeak = pool.pids.map(peakMemoryMB).reduce((a, b) => a + b, 0);
    const peakMB = workerPeak + process.resourceUsage().maxRSS / 1024;
    return { seconds, computeSeconds: computeMs / 1000, peakMB, runs: runKeys(spec).length, fractionImproved: record.summary?.fractionImproved ?? NaN };
  } finally {
    pool.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A stored Figure 1 experiment (700 series × 1001 points): real series from the engine with a
 * small batch (the store does not care how they were made), written in checkpoint-sized chunks.
 */
async function benchStore(): Promise<Record<string, number>> {
  const spec = figure1Spec(100, 100);
  const context = new ExperimentContext(spec);
  const keys = runKeys(spec);
  const series = keys.map((key) => SftRun.start(context, key).complete().recordedSeries());
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-store-'));
  const file = join(dir, 'lab.sqlite');
  try {
    const store = RunStore.open(file, 'bench');
    const id = store.createExperiment(spec, keys);
    const runs = store.listRuns(id);
    const chunk = 200; // points per checkpoint: about every 3 s of a run
    const start = process.hrtime.bigint();
    runs.forEach((run, i) => {
      const s = series[i];
      for (let from = 0; from < s.step.length; from += chunk) {
        const to = Math.min(s.step.length, from + chunk);
        const part = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, (v as Float64Array).subarray(from, to)]));
        store.appendSeries(run.id, part, from, { stepsDone: to - 1, checkpoint: null });
      }
    });
    const writeSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const points = series.reduce((a, s) => a + s.step.length, 0);
    const bytes = statSync(file).size;
    store.close();
    // Load for drawing as the UI does (getSeries), from a freshly opened file: median of 5.
    const loads: number[] = [];
    const pool = new EnginePool(forkSpawner(), 1);
    for (let r = 0; r < 5; r++) {
      const reader = RunStore.open(file, 'bench');
      const api = new LabApiService(new Lab(reader, pool));
      const t0 = process.hrtime.bigint();
      await api.handle('getSeries', { id });
      loads.push(Number(process.hrtime.bigint() - t0) / 1e6);
      reader.close();
    }
    pool.close();
    const payloadMB = (points * 6 * 8) / 2 ** 20;
    return { series: keys.length, points, writeSeconds, writeMBps: payloadMB / writeSeconds, fileMB: bytes / 2 ** 20, loadMs: median(loads), loadMsMax: Math.max(...loads) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const date = new Date().toISOString();
  console.log(`W2S Lab benchmarks — ${date}\n${machine}\n`);
  const results: Record<string, unknown> = { date, machine, quick, sections: [...sections] };

  // Reduced and dense paths; the peer needs both.
  let r100 = NaN;
  let r1e5 = NaN;
  if (sections.has('reduced') || sections.has('peer')) {
    const reduced = benchReduced([100, 100_000], 7, quick ? 30 : 100);
    r100 = median(reduced.get(100) ?? []);
    r1e5 = median(reduced.get(100_000) ?? []);
    results.reducedNsPerSample = { d100: reduced.get(100), d100000: reduced.get(100_000), median100: r100, median100000: r1e5 };
    console.log(`reduced path, ns per sample per core (B = ${BATCH}, median of 7, interleaved):`);
    console.log(`  d = 100:      ${r100.toFixed(2)} ns  (range ${spread(reduced.get(100) ?? [])})   target ≤ 15`);
    console.log(`  d = 100 000:  ${r1e5.toFixed(2)} ns  (range ${spread(reduced.get(100_000) ?? [])})   ratio to d = 100: ${(r1e5 / r100).toFixed(3)} (target within 10 %)`);
  }
  let dense100: number[] = [];
  let dense1000: number[] = [];
  if (sections.has('dense') || sections.has('peer')) {
    dense100 = benchDense(100, 5, 10);
    dense1000 = benchDense(1000, 5, 2);
    results.denseMsPerStep = { d100: dense100, d1000: dense1000 };
    console.log(`dense path, ms per step (B = ${BATCH}, median of 5):`);
    console.log(`  d = 100:   ${median(dense100).toFixed(2)} ms   (range ${spread(dense100)})`);
    console.log(`  d = 1000:  ${median(dense1000).toFixed(2)} ms   (range ${spread(dense1000)})`);
  }
  if (sections.has('peer')) {
    const peer = runPeer([100, 1000]);
    results.peer = peer;
    if (typeof peer === 'string') {
      console.log(peer);
    } else {
      console.log(`numpy peer (bench/peer/sft_numpy.py, numpy ${peer.numpy}, one thread), ms per step, median of 5:`);
      for (const row of peer.results) {
        const ours = ((row.d === 100 ? r100 : r1e5) * BATCH) / 1e6; // the reduced path's cost does not depend on d
        const target = row.d === 100 ? 80 : 500;
        const dense = median(row.d === 100 ? dense100 : dense1000);
        console.log(`  d = ${row.d}: numpy ${row.median.toFixed(2)} ms; W2S Lab (auto = reduced) ${ours.toFixed(3)} ms → ${(row.median / ours).toFixed(0)}× faster (target ≥ ${target}×); dense path ${(row.median / dense).toFixed(2)}×`);
      }
    }
  }

  if (sections.has('figure1')) {
    const teachers = quick ? 10 : 100;
    console.log(`Figure 1 workload${quick ? ', QUICK' : ''} (${teachers} teachers × 7 LRs × 1000 steps, B = 10 000, d = 100):`);
    const bare = benchFigure1Bare(teachers);
    console.log(`  bare engine, this process: ${bare.toFixed(1)} s`);
    const figure1: Record<string, unknown> = { bareSeconds: bare };
    for (const workers of [1, 2]) {
      const r = await benchFigure1Lab(teachers, workers);
      figure1[`workers${workers}`] = r;
      // What the pool and store add: wall time × processes over the engine's own time in them.
      const overhead = (100 * ((r.seconds * workers) / r.computeSeconds - 1)).toFixed(1);
      const note = `; engine time in the workers ${r.computeSeconds.toFixed(1)} s → pool + store overhead ${overhead} % (target ≤ 5 %)${workers === 2 ? '; target ≤ 60 s, ≤ 500 MB' : ''}`;
      console.log(`  lab, ${workers} worker${workers > 1 ? 's' : ' '}: ${r.seconds.toFixed(1)} s wall, peak memory ${r.peakMB.toFixed(0)} MB (coordinator + workers), ${r.runs} runs, ${(100 * r.fractionImproved).toFixed(0)} % improved${note}`);
    }
    results.figure1 = figure1;
  }

  if (sections.has('store')) {
    const stored = await benchStore();
    results.store = stored;
    console.log(`store, a Figure 1 experiment (${stored.series} series × ${stored.points / stored.series} points × 6 columns):`);
    console.log(`  write ${stored.writeSeconds.toFixed(2)} s (${stored.writeMBps.toFixed(0)} MB/s of Float64 data, 200-point chunks), file ${stored.fileMB.toFixed(1)} MB`);
    console.log(`  load for drawing (getSeries, fresh open): ${stored.loadMs.toFixed(0)} ms median of 5 (max ${stored.loadMsMax.toFixed(0)})   target ≤ 200 ms`);
  }

  if (sections.has('dashboard')) {
    const dashboard = await benchDashboard(quick ? 3 : 5);
    results.dashboard = dashboard;
    reportDashboard(dashboard);
  }

  if (sections.has('history')) {
    const history = await benchHistory(quick ? 3 : 5);
    results.history = history;
    reportHistory(history);
  }

  results.benchProcessPeakMB = process.resourceUsage().maxRSS / 1024;
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 1)}\n`);
  console.log(`\nbench process peak memory ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; results in bench/results/latest.json`);
}

void main();
