/**
 * The stored encoding of a series chunk (schema 10): lossless, and about a third of the raw doubles.
 *
 *   byte 0      format (CHUNK_FORMAT = 1)
 *   byte 1      derived mask: bit c set when column c of the run's columns is not stored but
 *               derived on reading ('cos', 'accuracy', 'agreement', only where exact: below)
 *   bytes 2 …   brotli of the stored columns, in the run's column order: each column's doubles as
 *               64-bit patterns, second differences (u[i] − 2u[i−1] + u[i−2], modulo 2⁶⁴),
 *               zig-zagged, written byte plane by byte plane (most significant first).
 *
 * The derived columns are those the engine computes from others with one expression on every SFT
 * path (engine/sft/reduced.ts, projected.ts, dense.ts `metrics`): cos = inner / norm (0 when
 * norm ≤ 0), and on elliptical laws accuracy = accuracyFromCos(cos); and a teacher along w* (the
 * ceiling run, teacher cosine 1) agrees with the truth: agreement = accuracy. A chunk drops such a column
 * only when the expression gives back every one of its values bit for bit, checked when it is
 * written; a column that is measured (accuracy on a non-elliptical law, held-out samples) or that
 * an older engine computed otherwise is stored as it is. Reading therefore gives exactly the doubles
 * that were written. The step column is stored too: its second differences are zero (one recorded
 * point every recordEvery steps), a few bytes after brotli.
 *
 * Smooth columns (a run's inner, norm, agreement) have second differences far smaller than the
 * values, so the high byte planes are mostly zero; measured on the Figure 1 preset in preview
 * (2 828 runs × 1 001 points): 45 MB with XOR of neighbours, 42 MB with second differences and
 * deflate, 40.8 MB with brotli (quality 4), against 136 MB of raw doubles in six columns.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { accuracyFromCos } from '../../engine/accuracy';

export const CHUNK_FORMAT = 1;
const HEADER = 2;
/** Brotli quality: 4 is within 0.1 % of 9 on series at a fortieth of its time. */
const QUALITY = 4;

/** The columns a chunk may derive, each from columns it stores. */
const DERIVABLE = ['cos', 'accuracy', 'agreement'] as const;

const bits = new Float64Array(1);
const bitsWords = new Uint32Array(bits.buffer);

function sameBits(a: number, b: number): boolean {
  bits[0] = a;
  const lo = bitsWords[0];
  const hi = bitsWords[1];
  bits[0] = b;
  return lo === bitsWords[0] && hi === bitsWords[1];
}

function deriveCos(inner: number, norm: number): number {
  return norm > 0 ? inner / norm : 0;
}

/** Which of `columns` this chunk can leave out: bit c for column c. `values(c)` is column c's `count` doubles. */
function derivedMask(columns: readonly string[], values: (c: number) => Float64Array, count: number): number {
  let mask = 0;
  const inner = columns.indexOf('inner');
  const norm = columns.indexOf('norm');
  const cos = columns.indexOf('cos');
  const accuracy = columns.indexOf('accuracy');
  if (cos >= 0 && inner >= 0 && norm >= 0) {
    const [i, n, c] = [values(inner), values(norm), values(cos)];
    let exact = true;
    for (let k = 0; k < count && exact; k++) exact = sameBits(deriveCos(i[k], n[k]), c[k]);
    if (exact) mask |= 1 << cos;
  }
  if (accuracy >= 0 && cos >= 0) {
    const [c, a] = [values(cos), values(accuracy)];
    let exact = true;
    for (let k = 0; k < count && exact; k++) exact = sameBits(accuracyFromCos(c[k]), a[k]);
    if (exact) mask |= 1 << accuracy;
  }
  const agreement = columns.indexOf('agreement');
  if (agreement >= 0 && accuracy >= 0) {
    const [a, g] = [values(accuracy), values(agreement)];
    let exact = true;
    for (let k = 0; k < count && exact; k++) exact = sameBits(a[k], g[k]);
    if (exact) mask |= 1 << agreement;
  }
  return mask;
}

/**
 * Encode a chunk of `count` points of `columns`: `values(c)` gives column c's doubles (a view; it
 * is only read).
 */
export function encodeChunk(columns: readonly string[], values: (c: number) => Float64Array, count: number): Buffer {
  if (columns.length > 8) throw new RangeError(`a chunk holds at most 8 columns, got ${columns.length}`);
  const mask = derivedMask(columns, values, count);
  const stored: Float64Array[] = [];
  columns.forEach((_, c) => {
    if ((mask & (1 << c)) === 0) stored.push(values(c));
  });
  const planes = new Uint8Array(stored.length * count * 8);
  let base = 0;
  for (const column of stored) {
    // Doubles as (lo, hi) 32-bit words; a copy keeps a view of odd alignment readable.
    const words = new Uint32Array(Float64Array.from(column.subarray(0, count)).buffer);
    let lo1 = 0;
    let hi1 = 0;
    let lo2 = 0;
    let hi2 = 0;
    for (let i = 0; i < count; i++) {
      const lo = words[2 * i];
      const hi = words[2 * i + 1];
      // r = u − 2·u1 + u2 (mod 2⁶⁴), in 32-bit halves with carries.
      let rlo = lo - 2 * lo1 + lo2;
      const carry = Math.floor(rlo / 0x1_0000_0000);
      rlo -= carry * 0x1_0000_0000;
      const rhi = (hi - 2 * hi1 + hi2 + carry) >>> 0;
      // Zig-zag: (r << 1) ^ (r >> 63).
      const sign = rhi >>> 31 === 1 ? 0xffff_ffff : 0;
      const zlo = ((rlo << 1) ^ sign) >>> 0;
      const zhi = (((rhi << 1) | (rlo >>> 31)) ^ sign) >>> 0;
      planes[base + i] = zhi >>> 24;
      planes[base + count + i] = (zhi >>> 16) & 0xff;
      planes[base + 2 * count + i] = (zhi >>> 8) & 0xff;
      planes[base + 3 * count + i] = zhi & 0xff;
      planes[base + 4 * count + i] = zlo >>> 24;
      planes[base + 5 * count + i] = (zlo >>> 16) & 0xff;
      planes[base + 6 * count + i] = (zlo >>> 8) & 0xff;
      planes[base + 7 * count + i] = zlo & 0xff;
      lo2 = lo1;
      hi2 = hi1;
      lo1 = lo;
      hi1 = hi;
    }
    base += 8 * count;
  }
  const packed = brotliCompressSync(planes, { params: { [constants.BROTLI_PARAM_QUALITY]: QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: planes.length } });
  const out = Buffer.allocUnsafe(HEADER + packed.length);
  out[0] = CHUNK_FORMAT;
  out[1] = mask;
  packed.copy(out, HEADER);
  return out;
}

/** A metric-major block of doubles (column c is block[c·count …]) as a stored chunk. */
export function encodeBlock(columns: readonly string[], block: Float64Array, count: number): Buffer {
  return encodeChunk(columns, (c) => block.subarray(c * count, (c + 1) * count), count);
}

/** A stored chunk's `count` points of `columns`, metric-major (column c is out[c·count …]). */
export function decodeChunk(data: Uint8Array, columns: readonly string[], count: number): Float64Array {
  const width = columns.length;
  const out = new Float64Array(width * count);
  if (count === 0) return out;
  if (data[0] !== CHUNK_FORMAT) throw new Error(`a series chunk of unknown format ${data[0]}`);
  const mask = data[1];
  const planes = brotliDecompressSync(data.subarray(HEADER));
  const storedCount = columns.filter((_, c) => (mask & (1 << c)) === 0).length;
  if (planes.length !== storedCount * count * 8) throw new Error(`a series chunk of ${planes.length} bytes for ${storedCount} columns × ${count} points`);
  const words = new Uint32Array(out.buffer);
  let base = 0;
  for (let c = 0; c < width; c++) {
    if ((mask & (1 << c)) !== 0) continue;
    const at = 2 * c * count;
    let lo1 = 0;
    let hi1 = 0;
    let lo2 = 0;
    let hi2 = 0;
    for (let i = 0; i < count; i++) {
      const zhi = ((planes[base + i] << 24) | (planes[base + count + i] << 16) | (planes[base + 2 * count + i] << 8) | planes[base + 3 * count + i]) >>> 0;
      const zlo = ((planes[base + 4 * count + i] << 24) | (planes[base + 5 * count + i] << 16) | (planes[base + 6 * count + i] << 8) | planes[base + 7 * count + i]) >>> 0;
      // Un-zig-zag: r = (z >>> 1) ^ −(z & 1).
      const sign = (zlo & 1) === 1 ? 0xffff_ffff : 0;
      const rlo = (((zlo >>> 1) | (zhi << 31)) ^ sign) >>> 0;
      const rhi = ((zhi >>> 1) ^ sign) >>> 0;
      // u = r + 2·u1 − u2 (mod 2⁶⁴).
      let lo = rlo + 2 * lo1 - lo2;
      const carry = Math.floor(lo / 0x1_0000_0000);
      lo -= carry * 0x1_0000_0000;
      const hi = (rhi + 2 * hi1 - hi2 + carry) >>> 0;
      words[at + 2 * i] = lo;
      words[at + 2 * i + 1] = hi;
      lo2 = lo1;
      hi2 = hi1;
      lo1 = lo;
      hi1 = hi;
    }
    base += 8 * count;
  }
  const column = (name: string) => {
    const c = columns.indexOf(name);
    return out.subarray(c * count, (c + 1) * count);
  };
  // In dependence order: cos from inner and norm, accuracy from cos, agreement from accuracy.
  for (const name of DERIVABLE) {
    const c = columns.indexOf(name);
    if (c < 0 || (mask & (1 << c)) === 0) continue;
    const target = column(name);
    if (name === 'cos') {
      const [inner, norm] = [column('inner'), column('norm')];
      for (let i = 0; i < count; i++) target[i] = deriveCos(inner[i], norm[i]);
    } else if (name === 'agreement') {
      target.set(column('accuracy'));
    } else {
      const cos = column('cos');
      for (let i = 0; i < count; i++) target[i] = accuracyFromCos(cos[i]);
    }
  }
  return out;
}
