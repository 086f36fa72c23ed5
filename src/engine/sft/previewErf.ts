/**
 * The preview kernel's special functions: erf for its quadrature, given e^{−x²} (which the
 * quadrature needs anyway for the normal density φ(k) = e^{−k²/2}/√(2π), k = x√2), so a node costs
 * no extra exponential; and its own e^x and e^x − 1 on the arguments it needs, which the
 * WebAssembly kernel (wasmPreview.ts) computes with the same operations: Math.exp and Math.expm1
 * are a host's choice (a call, and not the same bits on every engine), these are ours, and inline.
 *
 * W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969)
 * 631–637; the coefficients of his CALERF (netlib specfun, 1985), near-minimax rational functions
 * with relative error below 1e-17 on each interval (written here as the nearest doubles):
 *   |x| ≤ 0.46875: erf x = x R1(x²);   0.46875 < x ≤ 4: erfc x = e^{−x²} R2(x);
 *   x > 4: erfc x = e^{−x²}/x (1/√π − R3(1/x²)/x²).
 * (CALERF also splits e^{−x²} to keep erfc's relative accuracy in the far tail; erf needs only
 * 1 − erfc, whose absolute error is then ~x²·2^−53 e^{−x²}, far below what the quadrature resolves.)
 */

const A = [3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.18577770618460315];
const B = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171];
const C = [
  0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769,
  1712.0476126340707, 2051.0783778260716, 1230.3393547979972, 2.1531153547440383e-08,
];
const D = [
  15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597,
  4362.619090143247, 3439.3676741437216, 1230.3393548037495,
];
const P = [0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 0.0006587491615298378, 0.016315387137302097];
const Q = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918];
const INV_SQRT_PI = 0.5641895835477563;
/** The coefficients, for the WebAssembly kernel's text (wasmPreviewText.ts). */
export const ERF_COEFFICIENTS = { A, B, C, D, P, Q, INV_SQRT_PI } as const;

/** erf x for x ≥ 0, with `gauss` = e^{−x²}. */
export function erfScaled(x: number, gauss: number): number {
  if (x <= 0.46875) {
    const y = x * x;
    let num = A[4] * y;
    let den = y;
    for (let i = 0; i < 3; i++) {
      num = (num + A[i]) * y;
      den = (den + B[i]) * y;
    }
    return (x * (num + A[3])) / (den + B[3]);
  }
  let erfc: number;
  if (x <= 4) {
    let num = C[8] * x;
    let den = x;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]) * x;
      den = (den + D[i]) * x;
    }
    erfc = (gauss * (num + C[7])) / (den + D[7]);
  } else {
    const z = 1 / (x * x);
    let num = P[5] * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + P[i]) * z;
      den = (den + Q[i]) * z;
    }
    erfc = (gauss * (INV_SQRT_PI - (z * (num + P[4])) / (den + Q[4]))) / x;
  }
  return 1 - erfc;
}

const LOG2E = 1.4426950408889634;
// ln 2 split so that k · LN2_HI is exact for |k| < 2^11 (Cody & Waite).
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
/** 2^−j for j in [0, 63]: the scales of the kernel's arguments, which lie in [−40, 0]. */
const POW2 = Float64Array.from({ length: 64 }, (_, j) => Math.pow(2, -j));
// 1/(j + 1)! for e^r − 1 = r Σ_j r^j/(j + 1)!, |r| ≤ ln2/2: the first term left out, r^14/14!, is
// below 1.3e-17 · |r|.
const [F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12, F13] = Array.from({ length: 13 }, (_, j) => {
  let f = 1;
  for (let i = 2; i <= j + 1; i++) f *= i;
  return 1 / f;
});

/** The constants of expm1Kernel and expKernel, for the WebAssembly kernel's text. */
export const EXP_CONSTANTS = { LOG2E, LN2_HI, LN2_LO, F: [F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12, F13] } as const;

/**
 * e^r − 1 for |r| ≤ ln2/2, as r times a degree-12 polynomial evaluated by Estrin's scheme (pairs,
 * then r², r⁴, r⁸: a short dependency chain, which matters more here than the three extra products).
 */
function expm1Reduced(r: number): number {
  const r2 = r * r;
  const r4 = r2 * r2;
  const r8 = r4 * r4;
  const a0 = F1 + F2 * r;
  const a1 = F3 + F4 * r;
  const a2 = F5 + F6 * r;
  const a3 = F7 + F8 * r;
  const a4 = F9 + F10 * r;
  const a5 = F11 + F12 * r;
  const b0 = a0 + a1 * r2;
  const b1 = a2 + a3 * r2;
  const b2 = a4 + a5 * r2;
  const c0 = b0 + b1 * r4;
  const c1 = b2 + F13 * r4;
  return r * (c0 + c1 * r8);
}

/**
 * e^x − 1 for x in [−40, 0], the preview kernel's own (src/engine/sft/wasmPreview.ts computes it
 * with the same operations, so that both give the same bits on every host, which Math.expm1 does
 * not promise): x = k ln2 + r, e^x − 1 = 2^k (e^r − 1) + (2^k − 1). Relative error below 4e-16
 * (test/engine/wasmPreview.test.ts).
 */
export function expm1Kernel(x: number): number {
  const k = Math.floor(x * LOG2E + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  const scale = POW2[-k];
  return scale * expm1Reduced(r) + (scale - 1);
}

/** e^x for x in [−40, 0], the kernel's own: 2^k (1 + (e^r − 1)), as expm1Kernel. */
export function expKernel(x: number): number {
  const k = Math.floor(x * LOG2E + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  return POW2[-k] * (1 + expm1Reduced(r));
}

/** erf x for any real x (the moments' own tests use it; the quadrature calls erfScaled). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  const e = erfScaled(ax, Math.exp(-ax * ax));
  return x < 0 ? -e : e;
}
