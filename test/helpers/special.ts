/**
 * Special functions for the statistical tests, written independently of src/engine.
 *
 * Accuracy is checked against mpmath values in test/fixtures/special-functions.json
 * (test/engine/distributions.test.ts, "reference special functions"). The algorithms:
 * - erf: the everywhere-positive Maclaurin series erf x = 2/√π · e^{-x²} Σ 2ⁿ x^{2n+1}/(2n+1)!!
 *   (A&S 7.1.6; no cancellation) for |x| < 2; erfc: Laplace's continued fraction
 *   erfc x = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))) (A&S 7.1.14) for x ≥ 2,
 *   evaluated by the modified Lentz method.
 * - lnΓ: Lanczos approximation (g = 7, 9 terms) with the reflection formula below 1/2.
 * - P(a, x), Q(a, x): series and Legendre continued fraction (Numerical Recipes §6.2).
 * - I_x(a, b): continued fraction with the symmetry switch (Numerical Recipes §6.4).
 * - Kolmogorov distribution: its two theta-function series (Feller 1948).
 */

const EPS = Number.EPSILON;
const TINY = 1e-300;
const MAX_ITERATIONS = 10_000;
const SQRT_PI = Math.sqrt(Math.PI);

function notConverged(name: string, ...args: number[]): never {
  throw new Error(`${name}(${args.join(', ')}) did not converge`);
}

/** erf x by A&S 7.1.6; accurate to a few ulps for |x| < 2 (the only range it is used on). */
function erfSeries(x: number): number {
  const twoX2 = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= twoX2 / (2 * n + 1);
    sum += term;
    if (term <= EPS * 0.25 * sum) return ((2 / SQRT_PI) * Math.exp(-x * x)) * sum;
  }
  return notConverged('erfSeries', x);
}

/** erfc x for x ≥ 2 by A&S 7.1.14, the continued fraction 1/(x + (1/2)/(x + (2/2)/(x + …))). */
function erfcContinuedFraction(x: number): number {
  // f = b0 + a1/(b1 + a2/(b2 + …)) with b_j = x, a_j = j/2 (modified Lentz).
  let f = x;
  let c = x;
  let d = 0;
  for (let j = 1; j < MAX_ITERATIONS; j++) {
    const a = j / 2;
    d = x + a * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = x + a / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < EPS * 0.5) return Math.exp(-x * x) / (SQRT_PI * f);
  }
  return notConverged('erfcContinuedFraction', x);
}

const ERF_SPLIT = 2;

/** Error function erf x = 2/√π ∫₀ˣ e^{-u²} du. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return -erf(-x);
  if (x < ERF_SPLIT) return erfSeries(x);
  return 1 - erfcContinuedFraction(x);
}

/** Complementary error function erfc x = 1 − erf x, accurate in relative terms for large x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 0;
  if (x < 0) return 2 - erfc(-x);
  if (x < ERF_SPLIT) return 1 - erfSeries(x);
  return erfcContinuedFraction(x);
}

/** Standard normal CDF Φ(x) = erfc(−x/√2)/2. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Standard normal upper tail 1 − Φ(x) = erfc(x/√2)/2, accurate in relative terms for large x. */
export function normalSurvival(x: number): number {
  return 0.5 * erfc(x / Math.SQRT2);
}

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0: Lanczos, Γ(z+1) = √(2π) t^{z+1/2} e^{-t} A_g(z), t = z + g + 1/2. */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lnGamma needs x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** e^{-x} x^a / Γ(a), the common prefactor of the incomplete gamma expansions. */
function gammaPrefactor(a: number, x: number): number {
  return Math.exp(-x + a * Math.log(x) - lnGamma(a));
}

/** Σ_{n≥0} x^n / (a(a+1)…(a+n)), so that P(a, x) = prefactor · series (NR gser). */
function gammaSeries(a: number, x: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS * 0.5) return sum;
  }
  return notConverged('gammaSeries', a, x);
}

/** Legendre's continued fraction for Q(a, x)/prefactor (NR gcf, modified Lentz). */
function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS * 0.5) return h;
  }
  return notConverged('gammaContinuedFraction', a, x);
}

/** Regularised lower incomplete gamma P(a, x) = γ(a, x)/Γ(a). */
export function gammaP(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) throw new RangeError(`gammaP(${a}, ${x})`);
  if (x <= 0) return 0;
  if (x === Infinity) return 1;
  if (x < a + 1) return gammaPrefactor(a, x) * gammaSeries(a, x);
  return 1 - gammaPrefactor(a, x) * gammaContinuedFraction(a, x);
}

/** Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x), accurate in relative terms. */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) throw new RangeError(`gammaQ(${a}, ${x})`);
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  if (x < a + 1) return 1 - gammaPrefactor(a, x) * gammaSeries(a, x);
  return gammaPrefactor(a, x) * gammaContinuedFraction(a, x);
}

/** Chi-square CDF with k degrees of freedom: P(k/2, x/2). */
export function chiSquareCdf(k: number, x: number): number {
  return gammaP(k / 2, x / 2);
}

/** Chi-square upper tail: Q(k/2, x/2), the p-value of a statistic x. */
export function chiSquareSurvival(k: number, x: number): number {
  return gammaQ(k / 2, x / 2);
}

/** Continued fraction for I_x(a, b) (NR betacf, modified Lentz); converges for x < (a+1)/(a+b+2). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS * 0.5) return h;
  }
  return notConverged('betaContinuedFraction', a, b, x);
}

/** Regularised incomplete beta I_x(a, b) = B(x; a, b)/B(a, b). */
export function betaI(a: number, b: number, x: number): number {
  if (!(a > 0 && b > 0) || !(x >= 0 && x <= 1)) throw new RangeError(`betaI(${a}, ${b}, ${x})`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  // x^a (1-x)^b / B(a, b)
  const front = Math.exp(
    lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x),
  );
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Student-t CDF with ν degrees of freedom: the tail is I_{ν/(ν+t²)}(ν/2, 1/2)/2. */
export function studentTCdf(nu: number, t: number): number {
  const tail = 0.5 * betaI(nu / 2, 0.5, nu / (nu + t * t));
  return t < 0 ? tail : 1 - tail;
}

/**
 * CDF of one coordinate t of a uniform point on S^{m-1} ⊂ R^m: t² ~ Beta(1/2, (m−1)/2) and t is
 * symmetric, so F(t) = 1/2 + sign(t) · I_{t²}(1/2, (m−1)/2)/2.
 */
export function sphereCoordinateCdf(m: number, t: number): number {
  if (t <= -1) return 0;
  if (t >= 1) return 1;
  const half = 0.5 * betaI(0.5, (m - 1) / 2, t * t);
  return t < 0 ? 0.5 - half : 0.5 + half;
}

/**
 * Kolmogorov distribution upper tail Q_KS(λ) = P(K > λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²};
 * for small λ the equivalent P(K ≤ λ) = √(2π)/λ Σ_{j≥1} e^{−(2j−1)²π²/(8λ²)} converges faster.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (!(lambda >= 0)) throw new RangeError(`kolmogorovSurvival(${lambda})`);
  if (lambda < 1.18) {
    if (lambda < 0.05) return 1;
    let sum = 0;
    for (let j = 1; j < 100; j++) {
      const term = Math.exp(-((2 * j - 1) ** 2) * Math.PI * Math.PI / (8 * lambda * lambda));
      sum += term;
      if (term < EPS * sum) break;
    }
    return 1 - (Math.sqrt(2 * Math.PI) / lambda) * sum;
  }
  let sum = 0;
  for (let j = 1; j < 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda);
    sum += j % 2 === 1 ? term : -term;
    if (term < EPS * sum) break;
  }
  return 2 * sum;
}
