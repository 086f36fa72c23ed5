/** Small dense-vector helpers of the explicit (d-dimensional) initial states. */
import { uniformUnitVector } from './distributions';
import type { Rng } from './rng';

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

/** v / ‖v‖. */
export function unit(v: Float64Array): Float64Array {
  const n = Math.sqrt(dot(v, v));
  return v.map((x) => x / n);
}

/** A uniform unit vector orthogonal to the unit vector `axis`: a uniform direction with its axis part removed. */
export function uniformOrthogonal(rng: Rng, axis: Float64Array): Float64Array {
  const z = new Float64Array(axis.length);
  for (;;) {
    uniformUnitVector(rng, z);
    const a = dot(z, axis);
    for (let j = 0; j < z.length; j++) z[j] -= a * axis[j];
    if (dot(z, z) > 1e-20) return unit(z);
  }
}
