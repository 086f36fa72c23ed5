/**
 * erf for the preview path's quadrature, given e^{−x²} (which the quadrature needs anyway for the
 * normal density φ(k) = e^{−k²/2}/√(2π), k = x√2), so a node costs no extra exponential.
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
/** 2^k for k in [−1100, 0]. */
const POW2 = Float64Array.from({ length: 1101 }, (_, i) => Math.pow(2, i - 1100));
// 1/j! for the Taylor polynomial of e^r, |r| ≤ ln2/2: the first omitted term is r^13/13! < 2e-16.
const INV_FACTORIAL = Array.from({ length: 13 }, (_, j) => {
  let f = 1;
  for (let i = 2; i <= j; i++) f *= i;
  return 1 / f;
});
const [E0, E1, E2, E3, E4, E5, E6, E7, E8, E9, E10, E11, E12] = INV_FACTORIAL;

/**
 * e^x for x ≤ 0, relative error ≤ ~4e-16 (test/e2e/preview.test.ts): x = k ln2 + r, e^x = 2^k e^r with
 * a degree-12 Taylor polynomial for e^r. Inlined by V8 where Math.exp is a call (~3× faster here),
 * which matters because a preview step evaluates ~2 exponentials per quadrature node.
 */
export function expNonPositive(x: number): number {
  if (!(x > -745)) return x === x ? 0 : NaN;
  const k = Math.floor(x * LOG2E + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  const p = E0 + r * (E1 + r * (E2 + r * (E3 + r * (E4 + r * (E5 + r * (E6 + r * (E7 + r * (E8 + r * (E9 + r * (E10 + r * (E11 + r * E12)))))))))));
  return k >= -1022 ? p * POW2[k + 1100] : p * POW2[k + 1100 + 100] * POW2[1000];
}

/** erf x for any real x (the moments' own tests use it; the quadrature calls erfScaled). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  const e = erfScaled(ax, Math.exp(-ax * ax));
  return x < 0 ? -e : e;
}
