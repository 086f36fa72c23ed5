/**
 * Micro-benchmark of the reduced path's per-sample cost (not a test):
 *   node --import tsx bench/reducedKernel.bench.ts
 * With the engine processes' V8 flags (ENGINE_V8_FLAGS in src/backend/pool.ts), as they run it:
 *   node --max-inlined-bytecode-size=3000 --max-inlined-bytecode-size-cumulative=6000 --import tsx bench/reducedKernel.bench.ts
 *
 * Times, side by side and interleaved repetition by repetition (so that load from other processes
 * hits all alike): accumulateBatch on hard labels and Gaussian data (B = 10 000, β = 1, ‖w‖ = 1,
 * p = 0.5, q = √0.75), the same batch computed the unfused way (fillNormal into a buffer, then the
 * tabulated-sigmoid loop over it), and fillNormal alone. Prints the median and the spread (min–max)
 * of the repetitions.
 */
import { fillNormal } from '../src/engine/distributions';
import { Rng } from '../src/engine/rng';
import { accumulateBatch } from '../src/engine/sft/batch';
import { SIGMOID_TABLE, SIGMOID_TABLE_DENSITY, SIGMOID_TABLE_RANGE } from '../src/engine/sigmoid';

const B = 10_000;
const BETA = 1;
const WEIGHT_NORM = 1;
const P = 0.5;
const Q = Math.sqrt(0.75);
const LABELS = { softBeta: null, teacherNorm: 1, labelNoise: 0 };
const REPEATS = 9;
const SECONDS = 0.3;

const normals = new Float64Array(2 * B);
const sums = new Float64Array(3);
const table = SIGMOID_TABLE;
const tableTop = 2 * SIGMOID_TABLE_RANGE * SIGMOID_TABLE_DENSITY;

/** The unfused reference (the kernel before fusion): a buffer of 2B normals, then one pass over it. */
function unfusedBatch(rng: Rng): void {
  fillNormal(rng, normals, 2 * B);
  const scale = BETA * WEIGHT_NORM * SIGMOID_TABLE_DENSITY;
  const offset = SIGMOID_TABLE_RANGE * SIGMOID_TABLE_DENSITY;
  let s1 = 0;
  let s2 = 0;
  let sq = 0;
  for (let i = 0; i < B; i++) {
    const g1 = normals[2 * i];
    const g2 = normals[2 * i + 1];
    let pos = g1 * scale + offset;
    pos = pos > 0 ? (pos < tableTop ? pos : tableTop) : 0;
    const k = pos | 0;
    const u = pos - k;
    const o = k << 2;
    const sigma = table[o] + u * (table[o + 1] + u * (table[o + 2] + u * table[o + 3]));
    const c = BETA * (sigma - +(P * g1 + Q * g2 > 0));
    s1 += c * g1;
    s2 += c * g2;
    sq += c * c;
  }
  sums[0] = s1;
  sums[1] = s2;
  sums[2] = sq;
}

interface Case {
  readonly name: string;
  readonly unit: string;
  /** Units of work (samples or normals) per call. */
  readonly perCall: number;
  readonly run: (rng: Rng) => void;
}

const cases: Case[] = [
  {
    name: 'accumulateBatch (fused)',
    unit: 'ns/sample',
    perCall: B,
    run: (rng) => accumulateBatch(rng, normals, B, BETA, WEIGHT_NORM, P, Q, LABELS, null, sums),
  },
  { name: 'fillNormal + loop (unfused)', unit: 'ns/sample', perCall: B, run: unfusedBatch },
  { name: 'fillNormal alone', unit: 'ns/normal', perCall: 2 * B, run: (rng) => fillNormal(rng, normals, 2 * B) },
];

/** Wall-clock ns per unit of work over at least `seconds`. */
function timeCase(c: Case, rng: Rng, seconds: number): number {
  const limit = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  let calls = 0;
  do {
    for (let j = 0; j < 10; j++) c.run(rng);
    calls += 10;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < limit);
  return Number(elapsed) / (calls * c.perCall);
}

function main(): void {
  const rng = new Rng([1, 2, 3, 4]);
  // Warm-up: V8 reaches its final code for the kernels only after some hundreds of calls.
  for (const c of cases) timeCase(c, rng, 1);
  const times = cases.map((): number[] => []);
  for (let r = 0; r < REPEATS; r++) cases.forEach((c, k) => times[k].push(timeCase(c, rng, SECONDS)));
  console.log(`node ${process.version}, flags: ${process.execArgv.filter((a) => a.startsWith('--max')).join(' ') || 'default'}`);
  cases.forEach((c, k) => {
    const s = [...times[k]].sort((a, b) => a - b);
    const median = s[s.length >> 1];
    console.log(`${c.name.padEnd(28)} ${median.toFixed(2).padStart(6)} ${c.unit}  (${s[0].toFixed(2)}–${s[s.length - 1].toFixed(2)}, ${REPEATS} × ≥ ${SECONDS} s)`);
  });
}

main();
