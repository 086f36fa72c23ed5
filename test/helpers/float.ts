/** Neighbouring doubles, by stepping the IEEE 754 bit pattern (finite, non-zero inputs). */

const view = new DataView(new ArrayBuffer(8));

function step(x: number, towardsLarger: boolean): number {
  if (!Number.isFinite(x)) throw new RangeError(`no finite neighbour of ${x}`);
  if (x === 0) return towardsLarger ? Number.MIN_VALUE : -Number.MIN_VALUE;
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  // For positive x a larger bit pattern is a larger double; for negative x it is a smaller one.
  view.setBigUint64(0, towardsLarger === x > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

/** The smallest double greater than x. */
export function nextUp(x: number): number {
  return step(x, true);
}

/** The largest double less than x. */
export function nextDown(x: number): number {
  return step(x, false);
}
