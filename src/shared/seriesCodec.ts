/**
 * Series as bytes, one place for both ends of each:
 * - one run's block (shared/seriesBlock.ts, the layout of every series block): the first `count`
 *   points of each column in turn, little-endian Float64 (the store's series chunks, bundles and shards);
 * - getSeries' frame over HTTP: uint32 header length, JSON header, padding to 8 bytes, then the
 *   Float64 data (`w2s serve` writes it, the browser shell reads it), so that a Figure 1
 *   experiment's tens of MB of series travel without a JSON detour.
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
 * asciiJson's bytes as text, 32 KiB at a time: one spread of a large experiment's header (MBs)
 * would pass an argument per byte, past the engine's stack ("Maximum call stack size exceeded").
 */
function asciiText(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return text;
}

/** getSeries' frame: the header as JSON and `data` as raw doubles. */
export function encodeSeriesFrame(value: { readonly data: Float64Array } & Record<string, unknown>): Uint8Array {
  const { data, ...header } = value;
  const json = asciiJson(header);
  const start = Math.ceil((4 + json.length) / 8) * 8;
  const out = new Uint8Array(start + data.byteLength);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), start);
  return out;
}

/** Decode getSeries' frame into the contract's shape (the data is a view on `buffer`). */
export function decodeSeriesFrame(buffer: ArrayBuffer): Record<string, unknown> & { data: Float64Array } {
  const headerLength = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(asciiText(new Uint8Array(buffer, 4, headerLength))) as Record<string, unknown>;
  const start = Math.ceil((4 + headerLength) / 8) * 8;
  return { ...header, data: new Float64Array(buffer, start, (buffer.byteLength - start) / 8) };
}
