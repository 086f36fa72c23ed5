/**
 * `npm run bench -- --only cluster`: what running a sweep through Slurm costs over running it here.
 * On the test's single-node cluster (test/helpers/slurm.ts, this machine's CPUs), the same grid is
 * run with `w2s run --workers C` and with `w2s sweep --slurm` in tasks of one CPU each, C at a time;
 * measured: the submit (`w2s sweep`), the time until the last shard is written, the collect
 * (`w2s collect`, importing every shard), the shard files, and the plan's balance (slowest task ÷
 * mean, predicted from the plan and measured from the tasks' engine time and wall time).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runKeys } from '../src/engine/grid';
import { validateSpec } from '../src/engine/spec';
import { jobFiles } from '../src/backend/cluster/jobDir';
import { balance, planTasks } from '../src/backend/cluster/plan';
import { readBundle } from '../src/backend/exchange';
import { removeCluster, startSlurm } from '../test/helpers/slurm';

const W2S = join(__dirname, '..', 'bin', 'w2s.cjs');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** 4 cells × (10 teachers + ceiling) × 3 learning rates = 132 runs of 500 steps, B = 10 000. */
const SPEC = { name: 'cluster bench', seed: 5, student: { norm: [1, 3] }, teachers: { count: 10, accuracy: [0.6, 0.7] }, sft: { steps: 500, batchSize: 10_000, learningRates: [0.1, 0.3, 1] } };
const TASKS = 6;

export interface ClusterBench {
  runs: number;
  tasks: number;
  cpus: number;
  reps: number;
  /** Wall seconds per repetition. */
  local: number[];
  submit: number[];
  untilShards: number[];
  collect: number[];
  total: number[];
  /** `w2s --version`: node + tsx start-up, part of every command above. */
  startup: number[];
  shardBytes: number[];
  balanceEngine: number[];
  balanceWall: number[];
  balancePlanned: number;
  /** Predicted balance of the Figure 2 preset (14 140 runs) for some task counts. */
  figure2: { tasks: number; balance: number }[];
}

function timed(args: string[], env: NodeJS.ProcessEnv, cwd: string): { seconds: number; stdout: string } {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [W2S, ...args], { env, cwd, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`w2s ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting for the shards');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function benchCluster(reps: number): Promise<ClusterBench> {
  const cluster = await startSlurm();
  try {
    const dir = mkdtempSync(join(cluster.root, 'bench-'));
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify(SPEC));
    const runs = runKeys(validateSpec(SPEC)).length;
    const out: ClusterBench = {
      runs, tasks: TASKS, cpus: cluster.cpus, reps,
      local: [], submit: [], untilShards: [], collect: [], total: [], startup: [], shardBytes: [], balanceEngine: [], balanceWall: [],
      balancePlanned: balance(planTasks(runs, TASKS).map((t) => t.length)),
      figure2: [10, 100, 1000].map((tasks) => ({ tasks, balance: balance(planTasks(14_140, tasks).map((t) => t.length)) })),
    };
    for (let rep = 0; rep < reps; rep++) {
      out.startup.push(timed(['--version'], cluster.env, dir).seconds);
      out.local.push(timed(['run', spec, '--workers', String(cluster.cpus), '--db', join(dir, `local-${rep}.sqlite`)], cluster.env, dir).seconds);

      const db = join(dir, `cluster-${rep}.sqlite`);
      const jobs = join(dir, `sweep-${rep}`);
      const start = process.hrtime.bigint();
      const sent = timed(['sweep', spec, '--slurm', '--tasks', String(TASKS), '--cpus-per-task', '1', '--dir', jobs, '--db', db], cluster.env, dir);
      const id = sent.stdout.trim().split(' ')[0];
      const files = jobFiles(jobs);
      await until(() => Array.from({ length: TASKS }, (_, t) => existsSync(files.shard(t))).every(Boolean), 600_000);
      const shardsAt = Number(process.hrtime.bigint() - start) / 1e9;
      const collected = timed(['collect', id, '--db', db], cluster.env, dir);
      if (!collected.stdout.includes(`experiment ${id} (done)`)) throw new Error(`collect did not finish the experiment: ${collected.stdout}`);
      out.submit.push(sent.seconds);
      out.untilShards.push(shardsAt - sent.seconds);
      out.collect.push(collected.seconds);
      out.total.push(shardsAt + collected.seconds);
      const headers = await Promise.all(Array.from({ length: TASKS }, async (_, t) => (await readBundle(readFileSync(files.shard(t)))).payload.shard as { engineMs: number; wallMs: number }));
      out.shardBytes.push(Array.from({ length: TASKS }, (_, t) => statSync(files.shard(t)).size).reduce((a, b) => a + b, 0));
      out.balanceEngine.push(balance(headers.map((h) => h.engineMs)));
      out.balanceWall.push(balance(headers.map((h) => h.wallMs)));
    }
    return out;
  } finally {
    await cluster.stop();
    removeCluster(cluster);
  }
}

export function reportCluster(r: ClusterBench): void {
  const s = (xs: number[]) => `${median(xs).toFixed(2)} s (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
  console.log(`Slurm sweep on the single-node cluster (${r.runs} runs, ${r.tasks} tasks × 1 CPU, ${r.cpus} CPUs; medians of ${r.reps}, CPU shared with other work):`);
  console.log(`  local w2s run --workers ${r.cpus}:        ${s(r.local)}`);
  console.log(`  w2s sweep --slurm (submit):        ${s(r.submit)}`);
  console.log(`  submit → last shard written:       ${s(r.untilShards)}`);
  console.log(`  w2s collect (imports ${r.tasks} shards): ${s(r.collect)}`);
  const ratios = r.total.map((t, i) => t / r.local[i]);
  const extra = r.total.map((t, i) => t - r.local[i]);
  console.log(`  sweep end to end:                  ${s(r.total)}; per repetition ${median(ratios).toFixed(2)}× the local run (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}), ${median(extra).toFixed(1)} s more`);
  console.log(`  node + tsx start-up (w2s --version): ${s(r.startup)}, paid by every command and every task`);
  console.log(`  shard files: ${(median(r.shardBytes) / 2 ** 20).toFixed(2)} MB in all (gzipped bundles)`);
  console.log(`  balance, slowest ÷ mean: planned ${r.balancePlanned.toFixed(3)}; measured engine time ${median(r.balanceEngine).toFixed(3)}, task wall time ${median(r.balanceWall).toFixed(3)}`);
  console.log(`  planned balance of the Figure 2 preset (14 140 runs): ${r.figure2.map((f) => `${f.tasks} tasks ${f.balance.toFixed(4)}`).join(', ')}`);
}
