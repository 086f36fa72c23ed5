/**
 * Series as bytes, one place for both ends of each:
 * - one run's block (shared/seriesBlock.ts, the layout of every series block): the first `count`
 *   points of each column in turn, little-endian Float64 (the store's series chunks, bundles and shards);
 * - getSeries' frame over HTTP: uint32 header length, JSON header, padding to 8 bytes, then the
 *   Float64 data (`w2s serve` writes it, the browser shell reads it), so that a Figure 1
 *   experiment's tens of MB of series travel without a JSON detour; a step column on the recording
 *   schedule travels as three numbers a run in the header.
 * Plain Uint8Array and DataView: this runs in Node, the renderer and the engine's hosts alike.
 */
import { blockViews, type ColumnsLike, packBlock } from './seriesBlock';

/** Column names in stored order: the step, the metrics, and validation when it is recorded. */
export function seriesColumnNames(validationRecorded: boolean): string[] {
  const columns = ['step', 'inner', 'norm', 'cos', 'accuracy', 'agreement'];
  if (validationRecorded) columns.push('validation');
  return columns;
}

/** Pack the first `count` points of each named column of `series`, metric-major, into one block of bytes. */
export function packColumns(series: ColumnsLike, columns: readonly string[], count: number): Uint8Array {
  return new Uint8Array(packBlock([{ recorded: count }], [series], columns).data.buffer);
}

/** The doubles in a block of bytes: a view when it is 8-byte aligned, else an aligned copy. */
export function float64Block(bytes: Uint8Array, length: number): Float64Array {
  if (bytes.byteLength < length * 8) throw new RangeError(`a series block of ${bytes.byteLength} bytes cannot hold ${length} doubles`);
  if (bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, length);
  const copy = new Float64Array(length);
  new Uint8Array(copy.buffer).set(bytes.subarray(0, length * 8));
  return copy;
}

/** The columns of one run's block of bytes, `count` points each: views on the bytes when they are 8-byte aligned. */
export function viewColumns(bytes: Uint8Array, columns: readonly string[], count: number): Record<string, Float64Array> {
  return blockViews({ runs: [{ recorded: count }], columns, data: float64Block(bytes, count * columns.length) })[0];
}

/** Unpack one run's block of bytes, `count` points per column, into arrays of their own. */
export function unpackColumns(bytes: Uint8Array, columns: readonly string[], count: number): Record<string, Float64Array> {
  return Object.fromEntries(Object.entries(viewColumns(bytes, columns, count)).map(([name, values]) => [name, values.slice()]));
}

/**
 * JSON with every character beyond ASCII escaped (\uXXXX): one byte per character, so the frame
 * needs no text codec (the engine's and the shared layer's TypeScript library has none).
 */
function asciiJson(value: unknown): Uint8Array {
  const text = JSON.stringify(value).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * asciiJson's bytes as text, by the host's TextDecoder (Node, every browser and Electron have one;
 * the shared layer's TypeScript library does not declare it): one call for a header of MBs, where
 * String.fromCharCode would need it cut into pieces below the engine's limit on arguments.
 */
function asciiText(bytes: Uint8Array): string {
  const { TextDecoder } = globalThis as typeof globalThis & { TextDecoder: new () => { decode(b: Uint8Array): string } };
  return new TextDecoder().decode(bytes);
}

/** The frame header's key for the step schedules of a block sent without its step column. */
const SCHEDULE = 'stepSchedule';

/**
 * Each run's step column as (first, increment, last), flat, when every run's steps are
 * first + i·increment but for the last (the recording schedule: every recordEvery steps, and the
 * last step): then the frame leaves the column out, half of a dashboard's two-column block. Null
 * when the block is not laid out as runs × columns or a run's steps are irregular.
 */
function stepSchedules(header: Record<string, unknown>, data: Float64Array): Float64Array | null {
  const { columns, runs } = header as { columns?: unknown; runs?: unknown };
  if (!Array.isArray(columns) || !Array.isArray(runs) || runs.length === 0) return null;
  const step = columns.indexOf('step');
  if (step < 0) return null;
  const width = columns.length;
  const schedule = new Float64Array(3 * runs.length);
  let offset = 0;
  for (let r = 0; r < runs.length; r++) {
    const n = (runs[r] as { recorded?: unknown } | null)?.recorded;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || offset + n * width > data.length) return null;
    const steps = data.subarray(offset + step * n, offset + (step + 1) * n);
    const first = n > 0 ? steps[0] : 0;
    const delta = n > 1 ? steps[1] - steps[0] : 0;
    for (let i = 0; i < n - 1; i++) if (!Object.is(first + i * delta, steps[i])) return null;
    schedule.set([first, delta, n > 0 ? steps[n - 1] : 0], 3 * r);
    offset += n * width;
  }
  return offset === data.length ? schedule : null;
}

/** getSeries' frame: the header as JSON and `data` as raw doubles (the step column as its schedule when it has one). */
export function encodeSeriesFrame(value: { readonly data: Float64Array } & Record<string, unknown>): Uint8Array {
  const { data, ...header } = value;
  const schedule = stepSchedules(header, data);
  const json = asciiJson(schedule === null ? header : { ...header, [SCHEDULE]: Array.from(schedule) });
  const start = Math.ceil((4 + json.length) / 8) * 8;
  const doubles = schedule === null ? data.length : data.length - (header.runs as { recorded: number }[]).reduce((n, r) => n + r.recorded, 0);
  const out = new Uint8Array(start + doubles * 8);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  if (schedule === null) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), start);
    return out;
  }
  // Each run's columns but the step, in order.
  const columns = header.columns as string[];
  const step = columns.indexOf('step');
  const body = new Float64Array(out.buffer, start, doubles);
  let from = 0;
  let to = 0;
  for (const { recorded: n } of header.runs as { recorded: number }[]) {
    body.set(data.subarray(from, from + step * n), to);
    body.set(data.subarray(from + (step + 1) * n, from + columns.length * n), to + step * n);
    from += columns.length * n;
    to += (columns.length - 1) * n;
  }
  return out;
}

/** Decode getSeries' frame into the contract's shape (the data is a view on `buffer`, or, when the steps came as schedules, a block of its own). */
export function decodeSeriesFrame(buffer: ArrayBuffer): Record<string, unknown> & { data: Float64Array } {
  const headerLength = new DataView(buffer).getUint32(0, true);
  const { [SCHEDULE]: schedule, ...header } = JSON.parse(asciiText(new Uint8Array(buffer, 4, headerLength))) as Record<string, unknown>;
  const start = Math.ceil((4 + headerLength) / 8) * 8;
  const body = new Float64Array(buffer, start, (buffer.byteLength - start) / 8);
  if (schedule === undefined) return { ...header, data: body };
  const columns = header.columns as string[];
  const runs = header.runs as { recorded: number }[];
  const steps = schedule as number[];
  const step = columns.indexOf('step');
  const data = new Float64Array(body.length + runs.reduce((n, r) => n + r.recorded, 0));
  let from = 0;
  let to = 0;
  runs.forEach(({ recorded: n }, r) => {
    data.set(body.subarray(from, from + step * n), to);
    const [first, delta, last] = [steps[3 * r], steps[3 * r + 1], steps[3 * r + 2]];
    const column = data.subarray(to + step * n, to + (step + 1) * n);
    for (let i = 0; i < n - 1; i++) column[i] = first + i * delta;
    if (n > 0) column[n - 1] = last;
    data.set(body.subarray(from + step * n, from + (columns.length - 1) * n), to + (step + 1) * n);
    from += (columns.length - 1) * n;
    to += columns.length * n;
  });
  return { ...header, data };
}
