/**
 * The axes of a grid of cells, as data, and where each cell's panel sits in small multiples. An
 * axis is a spec field swept over values (its name, its values, how a value reads), not a
 * hard-coded norm or accuracy, so that a sweep over any field lays its panels out the same way.
 * Rows follow the first axis that varies, columns the second (and any further ones, combined);
 * with one varying axis the panels wrap in reading order.
 */
import { type Cell, cellsOf } from '../engine/grid';
import type { ExperimentSpec } from '../engine/spec';
import { axisName, REPLICATE } from '../engine/sweep';

/** One swept field of a grid. */
export interface GridAxis {
  /** The spec's field, e.g. 'student.norm'. */
  readonly field: string;
  /** What precedes a value in a header: '‖w₀‖ =' (→ '‖w₀‖ = 0.5'), 'teacher' (→ 'teacher 55 %'). */
  readonly label: string;
  readonly unit: 'value' | 'percent';
  /** Its distinct values, in the spec's order. */
  readonly values: readonly number[];
}

/** A cell as small multiples see it: its index and its value on each axis. */
export interface GridCell {
  readonly index: number;
  readonly values: readonly number[];
}

/** The text of one value of an axis ('‖w₀‖ = 0.5', 'teacher 55 %'). */
export function axisValueText(axis: GridAxis, value: number): string {
  const shown = axis.unit === 'percent' ? `${Number((value * 100).toPrecision(4))} %` : `${Number(value.toPrecision(4))}`;
  return `${axis.label} ${shown}`;
}

/** How a header reads a value of a field: '‖w₀‖ = 0.5', 'teacher 55 %', 'β = 2', 'rep. 1'. */
function axisOf(field: string, values: readonly number[]): GridAxis {
  if (field === 'teachers.accuracy') return { field, label: 'teacher', unit: 'percent', values };
  if (field === 'student.accuracy') return { field, label: 'student', unit: 'percent', values };
  if (field === REPLICATE) return { field, label: 'rep.', unit: 'value', values };
  return { field, label: `${axisName(field)} =`, unit: 'value', values };
}

/**
 * The axes of a grid and its cells on them: every coordinate the cells carry (Cell.axes: a sweep's
 * fields, then initial norm × teacher accuracy × κ, then the replicate), each with its distinct
 * values in the order the cells take them; a shared-pretraining experiment without a sweep has none.
 */
export function specAxes(spec: ExperimentSpec, cells: readonly Cell[]): { axes: GridAxis[]; cells: GridCell[] } {
  // The values from every cell of the spec, not only those given: a running experiment's panels keep their places.
  const all = cellsOf(spec);
  const fields = all.length === 0 ? [] : Object.keys(all[0].axes);
  const axes = fields.map((field) => axisOf(field, [...new Set(all.map((c) => c.axes[field]))]));
  return { axes, cells: cells.map((c) => ({ index: c.index, values: fields.map((f) => c.axes[f] ?? NaN) })) };
}

/** Where each cell's panel sits, and the headers of rows and columns (or, wrapped, of each panel). */
export interface GridLayout {
  readonly rows: number;
  readonly cols: number;
  /** Cell index → its row and column. */
  readonly place: ReadonlyMap<number, { readonly row: number; readonly col: number }>;
  /** A header per row (the first varying axis' value), or none when the panels wrap. */
  readonly rowHeaders: readonly string[] | null;
  /** A header per column, or none when the panels wrap. */
  readonly colHeaders: readonly string[] | null;
  /** Cell index → its own header (wrapped panels name their cell themselves). */
  readonly cellHeaders: ReadonlyMap<number, string>;
  /** The axes that vary, in layout order (rows first). */
  readonly varying: readonly GridAxis[];
}

/** Panels per row when a single axis wraps: four reads at a column's width and a page's. */
export const WRAP_COLUMNS = 4;

/**
 * Lay the cells out by the axes with more than one value: rows by the first, columns by the
 * second, further axes multiplied into the columns; one varying axis wraps in rows of `wrap`
 * panels. Only the cells given (those with data) take a place.
 */
export function layoutCells(axes: readonly GridAxis[], cells: readonly GridCell[], wrap = WRAP_COLUMNS): GridLayout {
  const varyingIdx = axes.map((a, i) => ({ a, i })).filter(({ a }) => a.values.length > 1);
  const varying = varyingIdx.map(({ a }) => a);
  const place = new Map<number, { row: number; col: number }>();
  const cellHeaders = new Map<number, string>();
  const textOf = (cell: GridCell, which: readonly { a: GridAxis; i: number }[]) => which.map(({ a, i }) => axisValueText(a, cell.values[i])).join(', ');
  if (varyingIdx.length <= 1) {
    const axis = varyingIdx[0];
    const ordered = axis === undefined ? [...cells] : [...cells].sort((p, q) => axis.a.values.indexOf(p.values[axis.i]) - axis.a.values.indexOf(q.values[axis.i]) || p.index - q.index);
    const cols = Math.max(1, Math.min(wrap, ordered.length));
    ordered.forEach((cell, k) => {
      place.set(cell.index, { row: Math.floor(k / cols), col: k % cols });
      cellHeaders.set(cell.index, axis === undefined ? '' : textOf(cell, [axis]));
    });
    return { rows: Math.max(1, Math.ceil(ordered.length / cols)), cols, place, rowHeaders: null, colHeaders: null, cellHeaders, varying };
  }
  const [rowAxis, ...colAxes] = varyingIdx;
  // Column keys: the combinations of the column axes' values that some cell has, in the axes' orders.
  const colKey = (cell: GridCell) => colAxes.map(({ a, i }) => a.values.indexOf(cell.values[i]));
  const keys = [...new Map(cells.map((c) => [colKey(c).join('|'), colKey(c)])).values()].sort((p, q) => {
    for (let k = 0; k < p.length; k++) if (p[k] !== q[k]) return p[k] - q[k];
    return 0;
  });
  const rowValues = rowAxis.a.values.filter((v) => cells.some((c) => c.values[rowAxis.i] === v));
  for (const cell of cells) {
    place.set(cell.index, { row: rowValues.indexOf(cell.values[rowAxis.i]), col: keys.findIndex((k) => k.join('|') === colKey(cell).join('|')) });
    cellHeaders.set(cell.index, textOf(cell, varyingIdx));
  }
  const colHeaders = keys.map((k) => colAxes.map(({ a }, j) => axisValueText(a, a.values[k[j]])).join(', '));
  return { rows: rowValues.length, cols: keys.length, place, rowHeaders: rowValues.map((v) => axisValueText(rowAxis.a, v)), colHeaders, cellHeaders, varying };
}
