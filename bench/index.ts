/**
 * `npm run bench`: the speed figures of the engine and the backend, printed and saved to
 * bench/results/latest.json. It runs with the engine processes' V8 flags (ENGINE_V8_FLAGS), so that
 * the in-process figures are those of the engine processes. The exact kernel is measured in fresh
 * engine processes (bench/freshKernel.ts), as the CLI and the app run it. Medians of several
 * repetitions; ratios measured side by side in the same run. `--quick` scales the Figure 1 workload
 * down to 10 teachers and the fresh processes to 4 (and says so).
 *
 * Sections (`--only a,b`): reduced, dense, peer, figure1, store, dashboard, explore, explore-exact
 * (explore while the Figure 1 preset runs exactly on the same server, against idle; dashboard takes
 * `--base DIR`, a checkout of the base commit measured beside this one, and `--history FILE`), cluster,
 * preview-step, figure1-preview, figure2-preview, options (the cost of teachers.kappa and the
 * auxiliary-confidence loss against plain SFT), storage (the history the Figure 1 and Figure 2
 * presets leave in preview, bench/storage.ts; the default: all of these), and figure1-exact (the
 * Figure 1 preset on the exact path, ~5 minutes: only when asked for) and random-features (the
 * random-features engine, bench/randomFeatures.ts, ~1 minute: only when asked for).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { ExperimentContext } from '../src/engine/experiment';
import { runKeys } from '../src/engine/grid';
import { SftRun } from '../src/engine/run';
import { validateSpec } from '../src/engine/spec';
import { Lab } from '../src/backend/lab';
import { LabApiService } from '../src/backend/labApi';
import { EnginePool, forkSpawner } from '../src/backend/pool';
import { RunStore } from '../src/backend/store/store';
import { slurmUnavailable } from '../test/helpers/slurm';
import { benchCluster, reportCluster } from './cluster';
import { benchDashboard, reportDashboard } from './dashboard';
import { benchExplore, benchExploreUnderExact, reportExplore, reportExploreUnderExact } from './explore';
import { benchFreshKernel, reportFreshKernel } from './freshKernel';
import { benchHistory, reportHistory } from './history';
import { benchOptions, reportOptions } from './options';
import { benchPresetCli, benchPresetPool, benchPreviewStep, presetSpec } from './preview';
import { benchRandomFeatures, reportRandomFeatures } from './randomFeatures';
import { benchStorage, reportStorage } from './storage';
import { connectionOf } from '../src/backend/store/connection';

const quick = process.argv.includes('--quick');
/** `--only reduced,dense,peer,figure1,store,dashboard,explore,cluster,history,…`: run some sections (all by default). */
const onlyIndex = process.argv.indexOf('--only');
const sections = new Set(
  onlyIndex >= 0
    ? (process.argv[onlyIndex + 1] ?? '').split(',')
    : ['reduced', 'dense', 'peer', 'figure1', 'store', 'dashboard', 'history', 'explore', 'explore-exact', 'cluster', 'preview-step', 'figure1-preview', 'figure2-preview', 'options', 'storage'],
);
const BATCH = 10_000;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function spread(values: number[]): string {
  return `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
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
    connectionOf(store).pragma('wal_checkpoint(TRUNCATE)');
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
    const processes = quick ? 4 : 10;
    console.log(`reduced path, ns per sample per core in fresh engine processes (B = ${BATCH}, d = 100; each: a warm-up run, then 6 runs × 300 steps; kernels interleaved process by process):`);
    const [wasm, ts] = benchFreshKernel(['wasm', 'ts'], processes);
    reportFreshKernel([wasm, ts]);
    const [wide] = benchFreshKernel(['wasm'], quick ? 2 : 4, 300, 6, 100_000);
    r100 = wasm.median;
    r1e5 = wide.median;
    results.reducedNsPerSample = { d100: wasm.nsPerSample, d100000: wide.nsPerSample, median100: r100, worst100: wasm.worst, median100000: r1e5, typescript: ts, warmup: wasm.warmup };
    console.log(`  d = 100 000 (${wide.processes} processes): median ${r1e5.toFixed(2)} ns, ratio to d = 100: ${(r1e5 / r100).toFixed(3)} (target within 10 %)`);
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

  if (sections.has('preview-step')) {
    const r = benchPreviewStep(quick ? 2 : 10, 5);
    results.previewStep = r;
    const ratio = median(r.stepCpuNs) / median(r.referenceStepCpuNs);
    console.log(`preview path, one step (Figure 1 preset's norms and learning rates, ${r.steps} steps, kernel and reference interleaved, medians of 5):`);
    console.log(`  WebAssembly kernel ${median(r.stepCpuNs).toFixed(0)} ns on-CPU (${median(r.stepNs).toFixed(0)} wall, range ${Math.min(...r.stepNs).toFixed(0)}–${Math.max(...r.stepNs).toFixed(0)}); TypeScript reference ${median(r.referenceStepCpuNs).toFixed(0)} ns on-CPU (${median(r.referenceStepNs).toFixed(0)} wall): ×${ratio.toFixed(2)}`);
    console.log(`  the moments alone, on-CPU: kernel ${r.momentsCpuNs.toFixed(0)} ns, reference ${r.referenceMomentsCpuNs.toFixed(0)} ns: ×${(r.momentsCpuNs / r.referenceMomentsCpuNs).toFixed(2)}`);
  }
  for (const [section, name, path, target] of [
    ['figure1-preview', 'figure1', 'preview', 3],
    ['figure2-preview', 'figure2', 'preview', 15],
    ['figure1-exact', 'figure1', 'reduced', 70],
  ] as const) {
    if (!sections.has(section)) continue;
    const spec = presetSpec(name, path, quick ? 10 : undefined);
    const pool = await benchPresetPool(spec, 2);
    const cli = benchPresetCli(spec, 2);
    results[section] = { runs: pool.runs, poolSeconds: pool.seconds, poolComputeSeconds: pool.computeSeconds, cliSeconds: cli.seconds, fractionImproved: cli.fractionImproved };
    console.log(`${name} preset${quick ? ', QUICK (10 teachers)' : ''}, ${path} path, ${pool.runs} runs on 2 engine processes: engine (pool, nothing stored) ${pool.seconds.toFixed(1)} s, of which the jobs themselves ${(pool.computeSeconds / 2).toFixed(1)} s per process; \`w2s run\` (store, checkpoints, summary) ${cli.seconds.toFixed(1)} s   target ≤ ${target} s; ${(100 * cli.fractionImproved).toFixed(0)} % improved, summary path '${cli.path}'`);
  }

  if (sections.has('storage')) {
    const storage = [benchStorage('figure1'), benchStorage('figure2')];
    results.storage = storage;
    reportStorage(storage);
  }

  if (sections.has('options')) {
    const processes = quick ? 3 : 8;
    console.log(`options of issue 15 on the reduced path, ns per sample in fresh engine processes (B = ${BATCH}, d = 100; each: a warm-up run, then 4 runs × 200 steps; variants interleaved, ${processes} processes each; medians):`);
    const costs = benchOptions(processes);
    results.options = costs;
    reportOptions(costs);
  }

  if (sections.has('dashboard')) {
    // `--base DIR`: the base commit's checkout measured beside this one; `--history FILE`: reuse a history.
    const flag = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
    const dashboard = await benchDashboard(quick ? 3 : 5, { base: flag('--base'), history: flag('--history') });
    results.dashboard = dashboard;
    reportDashboard(dashboard);
  }

  if (sections.has('explore')) {
    const explore = await benchExplore(quick ? 5 : 9);
    results.explore = explore;
    reportExplore(explore);
  }

  if (sections.has('explore-exact')) {
    const underExact = await benchExploreUnderExact(quick ? 3 : 7);
    results.exploreUnderExact = underExact;
    reportExploreUnderExact(underExact);
  }

  if (sections.has('cluster')) {
    // A real single-node Slurm (root, slurm-wlm, munge): skipped with the reason where there is none.
    const why = slurmUnavailable();
    if (why === null) {
      const cluster = await benchCluster(quick ? 1 : 3);
      results.cluster = cluster;
      reportCluster(cluster);
    } else {
      console.log(`cluster: skipped (${why})`);
    }
  }

  if (sections.has('history')) {
    const history = await benchHistory(quick ? 3 : 5);
    results.history = history;
    reportHistory(history);
  }

  if (sections.has('random-features')) {
    const randomFeatures = benchRandomFeatures(quick ? 3 : 5);
    results.randomFeatures = randomFeatures;
    reportRandomFeatures(randomFeatures);
  }

  results.benchProcessPeakMB = process.resourceUsage().maxRSS / 1024;
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 1)}\n`);
  console.log(`\nbench process peak memory ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; results in bench/results/latest.json`);
}

void main();
