/**
 * The exact per-sample mean and covariance of (c g1, c g2, c²) that the preview path draws a
 * batch's sums from (docs/preview.md §2–§4).
 *
 * Frame as in the reduced kernel: g1 = <ŵ, x>, g2 = <u2, x> with u2 the unit part of ŵ_T ⊥ ŵ,
 * g1, g2 i.i.d. N(0, 1); the teacher's unit margin is m = p g1 + q g2 (p = cos(w, w_T)). With
 * h = β/2, γ = h‖w‖ and T(v) = h tanh(γ v), a sample's coefficient is c = β(σ(β‖w‖g1) − y) = T(g1) − h Y
 * with Y = 2y − 1: a (possibly flipped) sign of m for hard labels, tanh(λ m) for soft ones.
 * Conditioning on v = g1 leaves integrals over v alone (hard labels: closed forms in g2; soft
 * labels: one more integral, over g2). Every integrand is even in v, so a trapezoid rule in
 * v = a sinh(x) on the half-line converges geometrically (docs/preview.md §4).
 */
import { erfScaled as importedErf, expKernel as importedExp, expm1Kernel as importedExpm1 } from './previewErf';

// Module-level aliases: under a CommonJS transform (tsx) each use of an import is a getter call.
const erfScaled = importedErf;
const expKernel = importedExp;
const expm1Kernel = importedExpm1;

/**
 * Step of the trapezoid rule in x, v = a sinh(x) (docs/preview.md §4): the rule's error falls like
 * e^{−c/Δx}; with Δx = 0.2 every moment is within 2e-9 · β^k of its converged value on the states
 * of test/engine/previewMoments.test.ts.
 */
export const PREVIEW_STEP = 0.2;
/** The rule covers v ∈ [0, V_MAX]: the integrands are bounded by h^k (1 + v²), and φ(8) · 8⁴ ≈ 2e-11. */
const V_MAX = 8;
/** Scales a are rounded down to 2^(−j/4), j ≤ LEVELS − 1 (a ≥ 2^−40), so node tables can be reused. */
export const LEVELS = 161;

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * Nodes v_i = a sinh(iΔx), i = 0 … ⌈asinh(V_MAX/a)/Δx⌉, and weights 2Δx a cosh(x_i) φ(v_i) (½ at 0),
 * `count` of them; to an even length with a last node of weight 0, so that the nodes go in pairs,
 * one to each of the quadrature's two sets of sums (the lanes of the WebAssembly kernel).
 */
export interface NodeTable {
  readonly v: Float64Array;
  readonly w: Float64Array;
  readonly count: number;
}

const tables: (NodeTable | undefined)[] = new Array(LEVELS);

/** The node table of level j (a = 2^(−j/4)) for step dx; tables of PREVIEW_STEP are cached. */
export function nodeTable(level: number, dx: number = PREVIEW_STEP): NodeTable {
  const cached = dx === PREVIEW_STEP ? tables[level] : undefined;
  if (cached !== undefined) return cached;
  const a = Math.pow(2, -level / 4);
  const n = Math.ceil(Math.asinh(V_MAX / a) / dx) + 1;
  const v = new Float64Array(n + (n & 1));
  const w = new Float64Array(n + (n & 1));
  for (let i = 0; i < n; i++) {
    const x = i * dx;
    v[i] = a * Math.sinh(x);
    w[i] = 2 * dx * a * Math.cosh(x) * INV_SQRT_2PI * Math.exp(-0.5 * v[i] * v[i]) * (i === 0 ? 0.5 : 1);
  }
  if (n & 1) v[n] = v[n - 1]; // weight 0
  const table = { v, w, count: n };
  if (dx === PREVIEW_STEP) tables[level] = table;
  return table;
}

/**
 * The level whose scale 2^(−j/4) is the largest not above a = min(1, 1/γ, q/|p|) (docs/preview.md §4),
 * i.e. ⌈−4 log2 a − 10⁻⁹⌉ clamped to [0, LEVELS − 1], computed from a's binary exponent e and
 * mantissa m = a 2^−e ∈ [1, 2) as −4e − #{i ≤ 4: m ≥ 2^((i − 10⁻⁹)/4)}, without a logarithm (the
 * WebAssembly step does the same, wasmPreviewText.ts).
 */
export function scaleLevel(gamma: number, p: number, q: number): number {
  let a = 1;
  if (gamma > 1) a = 1 / gamma;
  if (q < a * Math.abs(p)) a = q / Math.abs(p);
  if (!(a > SMALLEST_SCALE)) return LEVELS - 1;
  exponentView.setFloat64(0, a);
  const e = ((exponentView.getUint32(0) >>> 20) & 0x7ff) - 1023;
  const m = a * POW2_UP[-e];
  const level = -4 * e - (m >= QUARTERS[0] ? 1 : 0) - (m >= QUARTERS[1] ? 1 : 0) - (m >= QUARTERS[2] ? 1 : 0) - (m >= QUARTERS[3] ? 1 : 0);
  return level < 0 ? 0 : level > LEVELS - 1 ? LEVELS - 1 : level;
}

/** Below the last level's scale 2^−40, every a takes the last level. */
const SMALLEST_SCALE = Math.pow(2, -(LEVELS - 1) / 4);
/** 2^k for k in [0, 40]: a's mantissa is a 2^−e, exactly. */
const POW2_UP = Float64Array.from({ length: (LEVELS - 1) / 4 + 1 }, (_, k) => Math.pow(2, k));
/** The thresholds 2^((i − 10⁻⁹)/4), i = 1 … 4, of a mantissa's quarter levels (shared with the WebAssembly step). */
export const QUARTERS: readonly number[] = [1, 2, 3, 4].map((i) => Math.pow(2, (i - 1e-9) / 4));
const exponentView = new DataView(new ArrayBuffer(8));

/** How labels are made: hard (with flips) or soft with λ = β_T ‖w_T‖ / 2 (Y = tanh(λ m)). */
export interface PreviewLabels {
  readonly labelNoise: number;
  /** λ for soft labels, null for hard ones. */
  readonly softLambda: number | null;
}

/** The smallest q the moments use: below it the teacher is parallel to the student for any double. */
export const Q_MIN = 1e-12;

/**
 * Mean μ = E[(c g1, c g2, c²)] and covariance C (upper triangle C11, C12, C22, C13, C23, C33) of one
 * sample, into out[0..3) and out[3..9). Hard labels flipped with probability ε (docs/preview.md §3):
 *   μ1 = E[vT] − hε'p√(2/π),  μ2 = −hε'q√(2/π),  μ3 = E[T²] − 2hε'E[T S0] + h²,  ε' = 1 − 2ε,
 * with S0(v) = erf(pv/(q√2)) = E[sign m | v], and the second moments of §3. Soft labels: §5.
 */
export function sampleMoments(beta: number, weightNorm: number, p: number, q: number, labels: PreviewLabels, out: Float64Array, dx: number = PREVIEW_STEP): void {
  if (labels.softLambda !== null) {
    softMoments(beta, weightNorm, p, q, labels.softLambda, out, dx);
    return;
  }
  const h = beta / 2;
  const gamma = h * weightNorm;
  const qq = q > Q_MIN ? q : Q_MIN;
  const table = nodeTable(scaleLevel(gamma, p, qq), dx);
  const sums = hardSums;
  hardIntegrals(h, gamma, p / qq, table, sums);
  const [i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12] = sums;
  const f = 1 - 2 * labels.labelNoise;
  const hf = h * f;
  const h2 = h * h;
  const vSign = f * p * SQRT_2_OVER_PI; // E[v Y]
  const gSign = f * qq * SQRT_2_OVER_PI; // E[g2 Y]
  const m1 = i1 - h * vSign;
  const m2 = -h * gSign;
  const m3 = i2 - 2 * hf * i3 + h2;
  const m11 = i4 - 2 * hf * i5 + h2;
  const m12 = -4 * hf * i6;
  const m22 = i2 - 2 * hf * i7 + h2;
  const m13 = i8 - 3 * hf * i9 + 3 * h2 * i1 - h2 * h * vSign;
  const m23 = -6 * hf * i10 - h2 * h * gSign;
  const m33 = i11 - 4 * hf * i12 + 6 * h2 * i2 - 4 * h2 * hf * i3 + h2 * h2;
  writeMoments(out, m1, m2, m3, m11, m12, m22, m13, m23, m33);
}

const hardSums = new Float64Array(12);

/**
 * The twelve half-line integrals of docs/preview.md §3 for hard labels, into out[0..12):
 *   E[vT], E[T²], E[T S0], E[v²T²], E[v²T S0], E[vT φ(k)], E[T S2], E[vT³], E[vT² S0], E[T² φ(k)], E[T⁴], E[T³ S0]
 * (each over v ≥ 0, twice: the weights hold the 2), with k = slope·v. Nodes 0, 2, 4, … add to one
 * set of sums and 1, 3, 5, … to another, added last: the WebAssembly kernel (wasmPreview.ts) does
 * the same operations on the two nodes of a pair as its two SIMD lanes, so it gives the same bits.
 */
export function hardIntegrals(h: number, gamma: number, slope: number, table: NodeTable, out: Float64Array): void {
  const { v: nodes, w: weights } = table;
  const lanes = laneSums;
  lanes.fill(0);
  for (let i = 0; i < nodes.length; i++) hardNode(h, gamma, slope, nodes[i], weights[i], lanes, 12 * (i & 1));
  for (let j = 0; j < 12; j++) out[j] = lanes[j] + lanes[12 + j];
}

const laneSums = new Float64Array(24);

/** One node's terms of the twelve integrals, added to lanes[at … at + 12). */
function hardNode(h: number, gamma: number, slope: number, v: number, w: number, lanes: Float64Array, at: number): void {
  // tanh(γv) = −e/(2 + e) with e = e^{−2γv} − 1, exact near 0; it is 1 in doubles beyond γv = 19.
  const gv = gamma * v;
  const e = gv < 19 ? expm1Kernel(-2 * gv) : -1;
  const t = (-h * e) / (2 + e);
  const k = slope * v;
  const x = Math.abs(k) * Math.SQRT1_2;
  // e^{−k²/2}, shared by φ(k) and erf; beyond x = 6, erf = 1 in doubles and φ(k) < 1e-16.
  const gauss = x < 6 ? expKernel(-x * x) : 0;
  const erfX = x < 6 ? erfScaled(x, gauss) : 1;
  const s0 = k < 0 ? -erfX : erfX;
  const phiK = INV_SQRT_2PI * gauss;
  const s2 = s0 - 2 * k * phiK;
  const wt = w * t;
  const wtt = wt * t;
  const wttt = wtt * t;
  const vv = v * v;
  const wtv = wt * v;
  lanes[at] += wtv;
  lanes[at + 1] += wtt;
  lanes[at + 2] += wt * s0;
  lanes[at + 3] += wtt * vv;
  lanes[at + 4] += wt * vv * s0;
  lanes[at + 5] += wtv * phiK;
  lanes[at + 6] += wt * s2;
  lanes[at + 7] += wttt * v;
  lanes[at + 8] += wtt * v * s0;
  lanes[at + 9] += wtt * phiK;
  lanes[at + 10] += wttt * t;
  lanes[at + 11] += wttt * s0;
}

/** out ← (μ, C) from the mean and the raw second moments E[a_i a_j]. */
function writeMoments(out: Float64Array, m1: number, m2: number, m3: number, m11: number, m12: number, m22: number, m13: number, m23: number, m33: number): void {
  out[0] = m1;
  out[1] = m2;
  out[2] = m3;
  out[3] = m11 - m1 * m1;
  out[4] = m12 - m1 * m2;
  out[5] = m22 - m2 * m2;
  out[6] = m13 - m1 * m3;
  out[7] = m23 - m2 * m3;
  out[8] = m33 - m3 * m3;
}

/** Gauss–Hermite nodes and weights for N(0, 1) (probabilists'), by Golub–Welsch-free Newton iteration. */
export function gaussHermite(n: number): { x: Float64Array; w: Float64Array } {
  // Physicists' Hermite H_n roots by Newton from the standard asymptotic guesses, then x = √2·root.
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const m = (n + 1) >> 1;
  let z = 0;
  for (let i = 0; i < m; i++) {
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * Math.pow(2 * n + 1, -1 / 6);
    else if (i === 1) z -= (1.14 * Math.pow(n, 0.426)) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * x[0] / Math.SQRT2;
    else if (i === 3) z = 1.91 * z - 0.91 * x[1] / Math.SQRT2;
    else z = 2 * z - x[i - 2] / Math.SQRT2;
    let pp = 0;
    for (let iter = 0; iter < 100; iter++) {
      // Orthonormal recurrence p_j = z√(2/j) p_{j−1} − √((j−1)/j) p_{j−2}, p_0 = π^{−1/4}.
      let p1 = Math.pow(Math.PI, -0.25);
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const dz = p1 / pp;
      z -= dz;
      if (Math.abs(dz) <= 1e-15 * Math.max(1, Math.abs(z))) break;
    }
    // Weights for e^{−z²}: 2/pp²; for N(0, 1) divide by √π.
    const weight = 2 / (pp * pp) / Math.sqrt(Math.PI);
    x[i] = Math.SQRT2 * z;
    x[n - 1 - i] = -Math.SQRT2 * z;
    w[i] = weight;
    w[n - 1 - i] = weight;
  }
  return { x, w };
}

/** Gauss–Hermite nodes over g2 for a soft label that turns over slowly (docs/preview.md §5). */
export const SOFT_INNER_NODES = 48;
/** Up to this λq the label's poles lie ≥ π/2 from the real axis: Gauss–Hermite converges to ~1e-13. */
const SMOOTH = 1;
/** Beyond ±SPAN/(λq) of its turn the label is ±1 to 2e^{−2·SPAN} ≈ 8e-11. */
const SPAN = 12;
/** Gaussian moments beyond |g2| = 9.5 are below 1e-19. */
const G_MAX = 9.5;
let hermite: { x: Float64Array; w: Float64Array } | null = null;
let panel: { x: Float64Array; w: Float64Array } | null = null;

/**
 * The conditional moments given v of a soft label Y = tanh(λ (p v + q g2)), g2 ~ N(0, 1), into
 * out = [A1, A2, A3, A4, B1, B2, B3, C1, C2] with A_j = E[Y^j], B_j = E[Y^j g2], C_j = E[Y^j g2²]
 * (docs/preview.md §5). Gauss–Hermite when the label turns over slowly (λq ≤ 1). Otherwise the
 * label turns at g* = −pv/q over a width a = 1/(λq) < 1: composite 8-point Gauss–Legendre on
 * panels of widths a, 2a, 4a, … (at most 2) on either side of g*, out to 12a, and Y = ±1 beyond,
 * where the Gaussian moments are closed forms.
 */
export function softConditional(v: number, p: number, q: number, lambda: number, out: Float64Array): void {
  let a1 = 0, a2 = 0, a3 = 0, a4 = 0, b1 = 0, b2 = 0, b3 = 0, c1 = 0, c2 = 0;
  const add = (g: number, weight: number) => {
    const y = Math.tanh(lambda * (p * v + q * g));
    const wy = weight * y;
    const wy2 = wy * y;
    a1 += wy;
    a2 += wy2;
    a3 += wy2 * y;
    a4 += wy2 * y * y;
    b1 += wy * g;
    b2 += wy2 * g;
    b3 += wy2 * y * g;
    c1 += wy * g * g;
    c2 += wy2 * g * g;
  };
  if (lambda * q <= SMOOTH) {
    hermite ??= gaussHermite(SOFT_INNER_NODES);
    for (let l = 0; l < SOFT_INNER_NODES; l++) add(hermite.x[l], hermite.w[l]);
  } else {
    panel ??= gaussLegendre(8);
    const { x: px, w: pw } = panel;
    const centre = (-p * v) / q;
    const a = 1 / (lambda * q);
    for (const side of [-1, 1]) {
      let from = 0;
      let width = a;
      while (from < SPAN * a) {
        const to = Math.min(from + width, SPAN * a);
        // The panel [centre + side·from, centre + side·to], clipped to |g2| ≤ G_MAX.
        const lo = Math.max(-G_MAX, Math.min(centre + side * from, centre + side * to));
        const hi = Math.min(G_MAX, Math.max(centre + side * from, centre + side * to));
        if (hi > lo) {
          const mid = 0.5 * (lo + hi);
          const half = 0.5 * (hi - lo);
          for (let l = 0; l < px.length; l++) {
            const g = mid + half * px[l];
            add(g, half * pw[l] * INV_SQRT_2PI * Math.exp(-0.5 * g * g));
          }
        }
        from = to;
        width = Math.min(2 * width, 2);
      }
    }
    // Y = −1 below L = g* − 12a, +1 above U = g* + 12a: ∫ g^m φ over the two tails.
    const lower = centre - SPAN * a;
    const upper = centre + SPAN * a;
    const belowMass = normalCdf(lower);
    const aboveMass = normalCdf(-upper);
    const phiL = INV_SQRT_2PI * Math.exp(-0.5 * lower * lower);
    const phiU = INV_SQRT_2PI * Math.exp(-0.5 * upper * upper);
    const below = [belowMass, -phiL, belowMass - lower * phiL]; // ∫_{−∞}^{L} g^m φ, m = 0, 1, 2
    const above = [aboveMass, phiU, aboveMass + upper * phiU]; // ∫_{U}^{∞} g^m φ
    a1 += above[0] - below[0];
    a2 += above[0] + below[0];
    a3 += above[0] - below[0];
    a4 += above[0] + below[0];
    b1 += above[1] - below[1];
    b2 += above[1] + below[1];
    b3 += above[1] - below[1];
    c1 += above[2] - below[2];
    c2 += above[2] + below[2];
  }
  out[0] = a1;
  out[1] = a2;
  out[2] = a3;
  out[3] = a4;
  out[4] = b1;
  out[5] = b2;
  out[6] = b3;
  out[7] = c1;
  out[8] = c2;
}

/** Gauss–Legendre nodes and weights on [−1, 1], by Newton's method on P_n (three-term recurrence). */
export function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < (n + 1) >> 1; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 1;
    for (let iter = 0; iter < 100; iter++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      derivative = (n * (z * p1 - p2)) / (z * z - 1);
      const dz = p1 / derivative;
      z -= dz;
      if (Math.abs(dz) <= 1e-16) break;
    }
    x[i] = -z;
    x[n - 1 - i] = z;
    w[i] = w[n - 1 - i] = 2 / ((1 - z * z) * derivative * derivative);
  }
  return { x, w };
}

/** Φ(x) = (1 + erf(x/√2))/2, and its lower tail without cancellation. */
function normalCdf(x: number): number {
  const z = Math.abs(x) * Math.SQRT1_2;
  const e = erfScaled(z, Math.exp(-z * z));
  return x < 0 ? 0.5 * (1 - e) : 0.5 * (1 + e);
}

/**
 * Soft labels Y = tanh(λ m), m = p v + q g2 (docs/preview.md §5): with the conditional moments of
 * softConditional at each node in v,
 *   E[c v] = E[vT] − h E[v A1],   E[c g2] = −h E[B1],   E[c²] = E[T²] − 2h E[T A1] + h² E[A2], …
 */
function softMoments(beta: number, weightNorm: number, p: number, q: number, lambda: number, out: Float64Array, dx: number): void {
  const h = beta / 2;
  const gamma = h * weightNorm;
  // In v, the label's mean E[Y | v] turns over a width ~max(q, 1/λ)/|p|: the scale resolves it.
  const { v: nodes, w: weights, count: n } = nodeTable(scaleLevel(gamma, p, Math.max(q, 0.1 / lambda, Q_MIN)), dx);
  const s = new Float64Array(25);
  const y = new Float64Array(9);
  for (let i = 0; i < n; i++) {
    const v = nodes[i];
    const w = weights[i];
    const e = Math.expm1(-2 * gamma * v);
    const t = (-h * e) / (2 + e);
    softConditional(v, p, q, lambda, y);
    const [a1, a2, a3, a4, b1, b2, b3, c1, c2] = y;
    const tt = t * t;
    const vv = v * v;
    s[0] += w * v * t;
    s[1] += w * tt;
    s[2] += w * t * a1;
    s[3] += w * a2;
    s[4] += w * v * a1;
    s[5] += w * b1;
    s[6] += w * vv * tt;
    s[7] += w * vv * t * a1;
    s[8] += w * vv * a2;
    s[9] += w * v * t * b1;
    s[10] += w * v * b2;
    s[11] += w * t * c1;
    s[12] += w * c2;
    s[13] += w * v * tt * t;
    s[14] += w * v * tt * a1;
    s[15] += w * v * t * a2;
    s[16] += w * v * a3;
    s[17] += w * tt * b1;
    s[18] += w * t * b2;
    s[19] += w * b3;
    s[20] += w * tt * tt;
    s[21] += w * tt * t * a1;
    s[22] += w * tt * a2;
    s[23] += w * t * a3;
    s[24] += w * a4;
  }
  const h2 = h * h;
  const h3 = h2 * h;
  const m1 = s[0] - h * s[4];
  const m2 = -h * s[5];
  const m3 = s[1] - 2 * h * s[2] + h2 * s[3];
  const m11 = s[6] - 2 * h * s[7] + h2 * s[8];
  const m12 = -2 * h * s[9] + h2 * s[10];
  const m22 = s[1] - 2 * h * s[11] + h2 * s[12];
  const m13 = s[13] - 3 * h * s[14] + 3 * h2 * s[15] - h3 * s[16];
  const m23 = -3 * h * s[17] + 3 * h2 * s[18] - h3 * s[19];
  const m33 = s[20] - 4 * h * s[21] + 6 * h2 * s[22] - 4 * h3 * s[23] + h2 * h2 * s[24];
  writeMoments(out, m1, m2, m3, m11, m12, m22, m13, m23, m33);
}
