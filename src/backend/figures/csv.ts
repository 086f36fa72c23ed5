/**
 * The plotted data of a figure as CSV: exactly the series the figure draws, at full resolution,
 * one row per point ("long" format), so a reader can redraw or re-analyse the figure.
 *
 *   experiment_id,series,x_label,x,y_label,y
 *   12,teacher acc 0.7,step,0,cos_mean,0.1000000000000000055511151231257827
 *
 * Numbers: the shortest decimal that round-trips bit-exactly (JS `String(x)`, which Python's
 * `float()` and C's strtod read back to the same double), except: -0 is written `-0`, NaN `nan`,
 * +∞ `inf`, -∞ `-inf` (all of which Python's float() accepts). Text fields are quoted per
 * RFC 4180 when they hold a comma, quote, CR/LF or edge whitespace. Lines end in \n.
 *
 * Series naming conventions (chart builders follow these; the matplotlib script relies on them):
 *  - Bands: a shaded band around series `<name>` is written as two series `<name> lower` and
 *    `<name> upper` (suffix after one space), on the same x as each other, holding the actual
 *    bounds (not a stacked difference). The script draws them with fill_between, in `<name>`'s
 *    colour when `<name>` is plotted too.
 *  - Heatmaps: in a figure whose option has a heatmap series, every plotted series is one row
 *    of cells, in the order of the option's y categories (bottom to top); the series name is the
 *    row's label (e.g. `‖w₀‖ = 0.5`), x = the column coordinate (one per x category, in order),
 *    y = the cell value (yLabel names the value, e.g. `gainMean`). Empty cells are `nan`.
 *  - Everything else is a line or scatter series, drawn as the option's series of the same name
 *    is (type 'line' or 'scatter'); series names are unique within a figure.
 */
import type { Figure, PlottedSeries } from '../../charts/types';
import { errorMessage } from '../../shared/errorMessage';

export const CSV_COLUMNS = ['experiment_id', 'series', 'x_label', 'x', 'y_label', 'y'] as const;

export const BAND_LOWER_SUFFIX = ' lower';
export const BAND_UPPER_SUFFIX = ' upper';

/** Shortest round-trip decimal; -0, NaN and infinities spelled as documented above. */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

/** Inverse of formatNumber; throws on anything that is not a number. */
export function parseNumber(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === 'nan') return NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) throw new Error(`not a number: "${s}"`);
  return Number(t);
}

function quote(field: string): string {
  return /[",\r\n]|^\s|\s$/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** The figure's plotted series as long-format CSV (header + one row per point). */
export function plottedCsv(figure: Pick<Figure, 'series'>): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const s of figure.series) {
    if (s.x.length !== s.y.length) throw new Error(`series "${s.name}": x has ${s.x.length} points, y has ${s.y.length}`);
    const prefix = `${s.experimentId},${quote(s.name)},${quote(s.xLabel)},`;
    const yLabel = `,${quote(s.yLabel)},`;
    for (let i = 0; i < s.x.length; i++) lines.push(prefix + formatNumber(s.x[i]) + yLabel + formatNumber(s.y[i]));
  }
  return lines.join('\n') + '\n';
}

/** RFC 4180 records (quoted fields may hold commas, quotes and newlines). */
function parseRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
    i++;
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

export interface ParsedSeries extends PlottedSeries {
  readonly x: number[];
  readonly y: number[];
}

/** Read plottedCsv's output back into series (in order of first appearance). */
export function parsePlottedCsv(text: string): ParsedSeries[] {
  const records = parseRecords(text.replace(/^\uFEFF/, ''));
  if (records.length === 0 || records[0].join(',') !== CSV_COLUMNS.join(',')) {
    throw new Error(`plotted CSV must start with the header ${CSV_COLUMNS.join(',')}`);
  }
  const byKey = new Map<string, { name: string; experimentId: number; xLabel: string; yLabel: string; x: number[]; y: number[] }>();
  for (let r = 1; r < records.length; r++) {
    const rec = records[r];
    if (rec.length === 1 && rec[0] === '') continue;
    if (rec.length !== CSV_COLUMNS.length) throw new Error(`CSV record ${r + 1}: ${rec.length} fields, expected ${CSV_COLUMNS.length}`);
    const [id, name, xLabel, x, yLabel, y] = rec;
    const experimentId = Number(id);
    if (!Number.isInteger(experimentId)) throw new Error(`CSV record ${r + 1}: experiment_id "${id}" is not an integer`);
    const key = `${experimentId}\u0000${name}`;
    let s = byKey.get(key);
    if (!s) {
      s = { name, experimentId, xLabel, yLabel, x: [], y: [] };
      byKey.set(key, s);
    }
    try {
      s.x.push(parseNumber(x));
      s.y.push(parseNumber(y));
    } catch (e) {
      throw new Error(`CSV record ${r + 1}: ${errorMessage(e)}`);
    }
  }
  return [...byKey.values()];
}
