/**
 * The auxiliary-confidence batch (docs/spec.md §11) in its common case, hard labels on Gaussian data
 * without label noise, fast: the draws of batch.ts's fused loop (accumulateHardGaussian: the
 * generator and the ziggurat's fast path inlined, pairs of samples, the rare slow draws deferred
 * and finished after the loop), summed in one pass.
 *
 * With y = 1{p g1 + q g2 > 0} and the student's own label 1{g1 > τ} (ranking by g1 ranks by
 * ⟨w, x⟩ = ‖w‖ g1), c/β = σ(β‖w‖ g1) − (1 − α_t) y − α_t 1{g1 > τ}, and
 * [S1, S2, Q] = [β Σ (c/β) g1, β Σ (c/β) g2, β² Σ (c/β)²].
 *
 * The pass sums every sample with τ = 0 (the `fixed` threshold: done). The adaptive τ is the
 * (B − k)-th smallest g1, k = Σ y, so that exactly k samples have own label 1; with k₀ = #{g1 > 0}
 * counted in the pass, only the |k₀ − k| samples between 0 and τ change label: if k₀ > k the
 * k₀ − k smallest positive g1, if k₀ < k the k − k₀ largest non-positive ones. k₀ and k are both
 * about B/2 ± √B/2, and |k₀ − k| has standard deviation √(B P(y ≠ own)), so τ lies within a few
 * 1.8/√B of 0 (P(y ≠ own) = ½ at p = 0; 2.5/√B at worst, p = −1): the pass keeps (g1, g2, c/β) of
 * the samples in the band |g1| < 6/√B (3.4 of those standard deviations; ~5 % of the batch), a
 * quickselect among the band's samples on the right side finds the ones to relabel, and their
 * terms are corrected, c/β → c/β ∓ α_t. Exact: τ is the order statistic itself. When the band's
 * side holds fewer than |k₀ − k| samples (< 10⁻³ of batches at p = 0), the generator is put back and
 * the same batch drawn again keeping every sample. The band sets only how often that happens, not
 * the numbers: the samples relabelled, and the order their corrections are summed in (the batch's),
 * are the same whatever band holds them (test/engine/auxConfidence.test.ts). 6/√B rather than a wider
 * band: each kept sample costs its stores and a share of the selection (measured in BENCHMARKS.md,
 * issue #15's second section), a second draw costs one batch. The samples are i.i.d., so the order
 * they are stored and summed in does not change the law.
 *
 * This is the reference of the WebAssembly translation (`auxBatch` of wasmBatch.ts), which the
 * engine runs when the host has WebAssembly and which shares `relabel` below; test/engine/wasmBatch.test.ts
 * holds the two to the same bits.
 */
import { normalSlowPath, ZIG_K, ZIG_W } from '../distributions';
import type { Rng } from '../rng';
import { SIGMOID_TABLE, SIGMOID_TABLE_DENSITY, SIGMOID_TABLE_RANGE, sigmoidTable } from '../sigmoid';
import { selectKth } from './auxConfidence';

// Module-level aliases: under a CommonJS transform an imported binding is a getter call per access.
const TABLE = SIGMOID_TABLE;
const ZK = ZIG_K;
const ZW = ZIG_W;
const slowNormal = normalSlowPath;
const select = selectKth;
const sigmoidAt = sigmoidTable;
const TABLE_TOP = 2 * SIGMOID_TABLE_RANGE * SIGMOID_TABLE_DENSITY;
const TABLE_OFFSET = SIGMOID_TABLE_RANGE * SIGMOID_TABLE_DENSITY;

/** Scratch of the fast auxiliary batch. */
export class AuxHardBuffers {
  /** g1, g2 and c/β (own label taken at τ = 0) of the samples kept (those in the band). */
  readonly g1: Float64Array;
  readonly g2: Float64Array;
  readonly c: Float64Array;
  /** Ziggurat draws set aside (4 per deferred pair, so up to 2B + 2), then the g1 values to select in. */
  readonly scratch: Float64Array;
  /** Indices (into the kept samples) of the values in scratch. */
  readonly held: Int32Array;
  /** The generator's state at the batch's start, to draw it again. */
  readonly saved = new Int32Array(4);
  /** The band's half-width (default 6/√B; tests narrow it to exercise the second draw). */
  band: number;

  constructor(batchSize: number) {
    this.g1 = new Float64Array(batchSize);
    this.g2 = new Float64Array(batchSize);
    this.c = new Float64Array(batchSize);
    this.scratch = new Float64Array(2 * batchSize + 2);
    this.held = new Int32Array(batchSize);
    this.band = 6 / Math.sqrt(batchSize);
  }
}

/**
 * [S1, S2, Q] = [β Σ (c/β) g1, β Σ (c/β) g2, β² Σ (c/β)²] of a batch under the auxiliary-confidence
 * loss with weight α_t, c/β = σ(β‖w‖ g1) − (1 − α_t) y − α_t 1{g1 > τ}, y = 1{p g1 + q g2 > 0}; hard
 * labels, Gaussian data, no label noise (the module comment gives the method and τ).
 */
export function accumulateAuxHardGaussian(
  rng: Rng,
  buffers: AuxHardBuffers,
  batchSize: number,
  beta: number,
  weightNorm: number,
  p: number,
  q: number,
  alphaT: number,
  threshold: 'fixed' | 'adaptive',
  out: Float64Array,
): void {
  const adaptive = threshold === 'adaptive';
  const saved = buffers.saved;
  saved[0] = rng.s0;
  saved[1] = rng.s1;
  saved[2] = rng.s2;
  saved[3] = rng.s3;
  if (onePass(rng, buffers, batchSize, beta, weightNorm, p, q, alphaT, adaptive ? buffers.band : 0, adaptive, out)) return;
  // The band's side held too few samples: the same batch again, every sample kept.
  rng.s0 = saved[0];
  rng.s1 = saved[1];
  rng.s2 = saved[2];
  rng.s3 = saved[3];
  onePass(rng, buffers, batchSize, beta, weightNorm, p, q, alphaT, Infinity, adaptive, out);
}

/**
 * The pass: sums with own labels at τ = 0, the samples with |g1| < band kept, and for the adaptive
 * threshold the correction of the relabelled ones. False when the band holds too few of them.
 */
function onePass(
  rng: Rng,
  buffers: AuxHardBuffers,
  batchSize: number,
  beta: number,
  weightNorm: number,
  p: number,
  q: number,
  alphaT: number,
  band: number,
  adaptive: boolean,
  out: Float64Array,
): boolean {
  const { g1: g1s, g2: g2s, c: cs, scratch: deferred } = buffers;
  let s0 = rng.s0;
  let s1 = rng.s1;
  let s2 = rng.s2;
  let s3 = rng.s3;
  const scale = beta * weightNorm * SIGMOID_TABLE_DENSITY;
  const table = TABLE;
  const keep = 1 - alphaT;
  let a1 = 0;
  let a2 = 0;
  let aq = 0;
  let b1 = 0;
  let b2 = 0;
  let bq = 0;
  let n = 0;
  let pending = 0;
  let positives = 0;
  let labelSum = 0;
  const pairs = batchSize >> 1;
  for (let i = 0; i < pairs; i++) {
    // Four xoshiro128** outputs (rng.ts), inlined as in batch.ts.
    let m5 = Math.imul(s1, 5);
    const h1 = Math.imul((m5 << 7) | (m5 >>> 25), 9);
    let t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    m5 = Math.imul(s1, 5);
    const h2 = Math.imul((m5 << 7) | (m5 >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    m5 = Math.imul(s1, 5);
    const h3 = Math.imul((m5 << 7) | (m5 >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    m5 = Math.imul(s1, 5);
    const h4 = Math.imul((m5 << 7) | (m5 >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    // Ziggurat fast path (distributions.ts) for all four: all inside ⇔ all differences negative.
    const i1 = h1 & 255;
    const i2 = h2 & 255;
    const i3 = h3 & 255;
    const i4 = h4 & 255;
    const n1 = h1 >> 8;
    const n2 = h2 >> 8;
    const n3 = h3 >> 8;
    const n4 = h4 >> 8;
    const x1 = (n1 ^ (n1 >> 31)) - (n1 >> 31);
    const x2 = (n2 ^ (n2 >> 31)) - (n2 >> 31);
    const x3 = (n3 ^ (n3 >> 31)) - (n3 >> 31);
    const x4 = (n4 ^ (n4 >> 31)) - (n4 >> 31);
    if (((x1 - ZK[i1]) & (x2 - ZK[i2]) & (x3 - ZK[i3]) & (x4 - ZK[i4])) < 0) {
      const ga1 = n1 * ZW[i1];
      const ga2 = n2 * ZW[i2];
      const gb1 = n3 * ZW[i3];
      const gb2 = n4 * ZW[i4];
      const pa = Math.min(Math.max(ga1 * scale + TABLE_OFFSET, 0), TABLE_TOP);
      const pb = Math.min(Math.max(gb1 * scale + TABLE_OFFSET, 0), TABLE_TOP);
      const ka = pa | 0;
      const kb = pb | 0;
      const ua = pa - ka;
      const ub = pb - kb;
      const oa = ka << 2;
      const ob = kb << 2;
      const sigmaA = table[oa] + ua * (table[oa + 1] + ua * (table[oa + 2] + ua * table[oa + 3]));
      const sigmaB = table[ob] + ub * (table[ob + 1] + ub * (table[ob + 2] + ub * table[ob + 3]));
      // The teacher's labels 1{margin > 0} = ½ + ½ margin/|margin| without a branch (margin = 0,
      // probability 0, gives ½), as batch.ts. The own labels 1{g1 > 0} exactly (g1 = 0 does occur,
      // with probability 2⁻²⁴): g1 has the sign of the ziggurat's integer n, and 1{n > 0} = (−n) >>> 31.
      const marginA = p * ga1 + q * ga2;
      const marginB = p * gb1 + q * gb2;
      const ya = 0.5 + (0.5 * marginA) / (Math.abs(marginA) + 1e-300);
      const yb = 0.5 + (0.5 * marginB) / (Math.abs(marginB) + 1e-300);
      const ownA = -n1 >>> 31;
      const ownB = -n3 >>> 31;
      const ca = sigmaA - keep * ya - alphaT * ownA;
      const cb = sigmaB - keep * yb - alphaT * ownB;
      if (Math.abs(ga1) < band) {
        g1s[n] = ga1;
        g2s[n] = ga2;
        cs[n++] = ca;
      }
      if (Math.abs(gb1) < band) {
        g1s[n] = gb1;
        g2s[n] = gb2;
        cs[n++] = cb;
      }
      positives += ownA + ownB;
      labelSum += ya + yb;
      a1 += ca * ga1;
      a2 += ca * ga2;
      aq += ca * ca;
      b1 += cb * gb1;
      b2 += cb * gb2;
      bq += cb * cb;
    } else {
      deferred[pending++] = h1;
      deferred[pending++] = h2;
      deferred[pending++] = h3;
      deferred[pending++] = h4;
    }
  }
  rng.s0 = s0;
  rng.s1 = s1;
  rng.s2 = s2;
  rng.s3 = s3;
  if (batchSize % 2 === 1) {
    // The odd last sample: two plain draws, finished below like the deferred ones.
    deferred[pending++] = rng.nextInt32();
    deferred[pending++] = rng.nextInt32();
  }
  for (let j = 0; j < pending; j += 2) {
    const g1 = finishNormal(rng, deferred[j]);
    const g2 = finishNormal(rng, deferred[j + 1]);
    const y = p * g1 + q * g2 > 0 ? 1 : 0;
    const own = g1 > 0 ? 1 : 0;
    const c = sigmoidAt(beta * weightNorm * g1) - keep * y - alphaT * own;
    if (Math.abs(g1) < band) {
      g1s[n] = g1;
      g2s[n] = g2;
      cs[n++] = c;
    }
    positives += own;
    labelSum += y;
    a1 += c * g1;
    a2 += c * g2;
    aq += c * c;
  }
  if (adaptive) {
    const change = positives - Math.round(labelSum);
    if (change !== 0) {
      const d = relabel(buffers, n, change, alphaT);
      if (d === null) return false;
      b1 += d[0];
      b2 += d[1];
      bq += d[2];
    }
  }
  out[0] = beta * (a1 + b1);
  out[1] = beta * (a2 + b2);
  out[2] = beta * beta * (aq + bq);
  return true;
}

const delta = new Float64Array(3);

/** What the relabelling reads: the kept samples' g1, g2, c/β, and scratch to select in. */
export type RelabelSamples = Pick<AuxHardBuffers, 'g1' | 'g2' | 'c' | 'scratch' | 'held'>;

/**
 * The change of the sums when the own labels move from τ = 0 to the adaptive τ, among the `kept`
 * samples of the band: `change` = k₀ − k > 0 turns the k₀ − k smallest positive g1 to label 0
 * (c/β + α_t), `change` < 0 the k − k₀ largest non-positive g1 to label 1 (c/β − α_t). Null when
 * the band's side holds fewer than |change| samples (the ones to relabel may lie outside it).
 */
export function relabel(buffers: RelabelSamples, kept: number, change: number, alphaT: number): Float64Array | null {
  const { g1: g1s, g2: g2s, c: cs, scratch, held } = buffers;
  const count = Math.abs(change);
  const up = change < 0;
  let m = 0;
  for (let i = 0; i < kept; i++) {
    const g1 = g1s[i];
    if (up ? g1 <= 0 : g1 > 0) {
      held[m] = i;
      scratch[m++] = g1;
    }
  }
  if (m < count) return null;
  // The boundary value: the count-th smallest positive, or the count-th largest non-positive.
  const boundary = select(scratch, m, up ? m - count : count - 1);
  const sign = up ? -1 : 1;
  let d1 = 0;
  let d2 = 0;
  let dq = 0;
  for (let j = 0; j < m; j++) {
    const i = held[j];
    const g1 = g1s[i];
    if (up ? g1 >= boundary : g1 <= boundary) {
      // c/β → c/β + sign·α_t: Σ c g changes by sign·α_t g, Σ c² by 2 sign α_t c + α_t².
      d1 += sign * alphaT * g1;
      d2 += sign * alphaT * g2s[i];
      dq += alphaT * (2 * sign * cs[i] + alphaT);
    }
  }
  delta[0] = d1;
  delta[1] = d2;
  delta[2] = dq;
  return delta;
}

/** The normal a ziggurat draw `hz` gives: its rectangle's point, or the exact slow path (batch.ts). */
function finishNormal(rng: Rng, hz: number): number {
  const iz = hz & 255;
  const m = hz >> 8;
  return (m ^ (m >> 31)) - (m >> 31) < ZK[iz] ? m * ZW[iz] : slowNormal(rng, hz);
}
