/**
 * A run's recorded series as a record of columns: equal-length Float64Arrays by name (`step` and the
 * metrics of docs/spec.md §2, or a setup's own). Every series type of the engine is one of these, so
 * code that goes through the columns by name (the worker, the store, the exporters) needs no cast.
 * The layout of several runs' columns in one block is src/shared/seriesBlock.ts.
 */

/** Columns by name; a column a run does not record is absent. */
export type SeriesColumns = { readonly [name: string]: Float64Array | undefined };

/** Points [from, to) of every column as views on the same memory (to: each column's end). */
export function columnRange<S extends SeriesColumns>(series: S, from: number, to?: number): S {
  const out: Record<string, Float64Array> = {};
  for (const [name, values] of Object.entries(series)) if (values !== undefined) out[name] = values.subarray(from, to);
  return out as S;
}
