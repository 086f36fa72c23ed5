/**
 * The logistic function σ(t) = 1 / (1 + e^{-t}), exact and tabulated, and its stable softplus.
 *
 * `Math.exp` costs ~16 ns a call here, more than everything else in a reduced-path sample, so the
 * hot kernels use a table: σ on [-L, L] as one cubic polynomial per interval of width 1/N
 * (Hermite interpolation of σ and σ'), clamped outside. Interpolation error ≤ h⁴/384 · max|σ⁽⁴⁾|
 * ≈ 3e-10 for h = 1/32, and the clamp error is σ(-L) ≈ 4.1e-8 < 1e-7 (test/engine/sigmoid.test.ts).
 */

/** Half-width of the tabulated range: σ(-17) ≈ 4.14e-8. */
export const SIGMOID_TABLE_RANGE = 17;
/** Intervals per unit of t. */
export const SIGMOID_TABLE_DENSITY = 32;
const INTERVALS = 2 * SIGMOID_TABLE_RANGE * SIGMOID_TABLE_DENSITY;

/** Exact logistic function, stable for large |t|. */
export function sigmoid(t: number): number {
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}

/** softplus(t) = log(1 + e^t), stable: t + log1p(e^{-t}) for t > 0. */
export function softplus(t: number): number {
  return t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
}

/**
 * Cubic coefficients per interval: σ(t) ≈ c0 + u(c1 + u(c2 + u c3)), u ∈ [0, 1) the position
 * inside interval i = floor((t + L)·N). Laid out as [c0, c1, c2, c3] per interval, plus one extra
 * interval at the top so that t = L (after clamping) still indexes a valid entry.
 */
export const SIGMOID_TABLE = new Float64Array(4 * (INTERVALS + 1));

(function buildSigmoidTable(): void {
  const h = 1 / SIGMOID_TABLE_DENSITY;
  for (let i = 0; i <= INTERVALS; i++) {
    const t0 = -SIGMOID_TABLE_RANGE + i * h;
    const y0 = sigmoid(t0);
    const y1 = sigmoid(t0 + h);
    // Derivatives in units of u (dt = h du).
    const d0 = y0 * (1 - y0) * h;
    const d1 = y1 * (1 - y1) * h;
    const o = 4 * i;
    SIGMOID_TABLE[o] = y0;
    SIGMOID_TABLE[o + 1] = d0;
    SIGMOID_TABLE[o + 2] = 3 * (y1 - y0) - 2 * d0 - d1;
    SIGMOID_TABLE[o + 3] = 2 * (y0 - y1) + d0 + d1;
  }
})();

const TABLE_MAX_POSITION = INTERVALS; // clamp target: u = 0 of the extra top interval

/**
 * Tabulated σ(t) with absolute error ≤ 1e-7 for every t (NaN maps to σ(-L)). Kernels inline this
 * body; keep them in sync (test/engine/sigmoid.test.ts checks both against `sigmoid`).
 */
export function sigmoidTable(t: number): number {
  let s = (t + SIGMOID_TABLE_RANGE) * SIGMOID_TABLE_DENSITY;
  s = s > 0 ? (s < TABLE_MAX_POSITION ? s : TABLE_MAX_POSITION) : 0;
  const i = s | 0;
  const u = s - i;
  const o = i << 2;
  return SIGMOID_TABLE[o] + u * (SIGMOID_TABLE[o + 1] + u * (SIGMOID_TABLE[o + 2] + u * SIGMOID_TABLE[o + 3]));
}
