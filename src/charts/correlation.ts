/**
 * Correlation of a sweep axis with a target, for the sweep dashboard's parameter-importance table:
 * Pearson's r (linear association) and Spearman's ρ (Pearson's r of the ranks: any monotone
 * association, and unchanged by a log axis). Pure; NaN where a statistic is undefined (fewer than
 * two pairs, or a variable that does not vary).
 */

/**
 * Pearson's r = Σ (x − x̄)(y − ȳ) / √(Σ (x − x̄)² · Σ (y − ȳ)²), over the pairs where both are finite.
 */
export function pearson(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`pearson: x and y must have the same length (got ${x.length} and ${y.length})`);
  const keep = x.map((_, i) => i).filter((i) => Number.isFinite(x[i]) && Number.isFinite(y[i]));
  const n = keep.length;
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (const i of keep) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const i of keep) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!(sxx > 0) || !(syy > 0)) return NaN;
  // Rounding can carry |r| a few ulps past 1 for exactly linear data.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Ranks 1…n, ties given the mean of the ranks they span (scipy.stats.rankdata's 'average'). */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].v === order[start].v) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) out[order[k].i] = rank;
    start = end + 1;
  }
  return out;
}

/** Spearman's ρ: Pearson's r of the average ranks of x and of y, over the pairs where both are finite. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`spearman: x and y must have the same length (got ${x.length} and ${y.length})`);
  const keep = x.map((_, i) => i).filter((i) => Number.isFinite(x[i]) && Number.isFinite(y[i]));
  return pearson(ranks(keep.map((i) => x[i])), ranks(keep.map((i) => y[i])));
}
