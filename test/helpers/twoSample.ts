/**
 * Two-sample Kolmogorov–Smirnov test: D = sup |F_n − G_m| and its asymptotic p-value
 * Q_KS((√n_e + 0.12 + 0.11/√n_e) D) with n_e = nm/(n + m) (Stephens 1970; Numerical Recipes §14.3).
 */

/** Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} exp(−2 j² λ²). */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let j = 1; j <= 200; j++) {
    const term = 2 * (j % 2 === 1 ? 1 : -1) * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-16) break;
  }
  return Math.min(1, Math.max(0, sum));
}

export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): { d: number; p: number } {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  const n = x.length;
  const m = y.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(x[i], y[j]);
    while (i < n && x[i] <= v) i++;
    while (j < m && y[j] <= v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const ne = (n * m) / (n + m);
  const root = Math.sqrt(ne);
  return { d, p: kolmogorovQ((root + 0.12 + 0.11 / root) * d) };
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

export function standardDeviation(values: ArrayLike<number>): number {
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] - m) * (values[i] - m);
  return Math.sqrt(s / (values.length - 1));
}
