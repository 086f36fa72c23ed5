/**
 * The stored encoding of a series chunk (schema 10): lossless, and about a third of the raw doubles.
 *
 *   byte 0      format (CHUNK_FORMAT = 1)
 *   byte 1      derived mask: bit c set when column c of the run's columns is not stored but
 *               derived on reading ('step', 'cos', 'accuracy', 'agreement', only where exact:
 *               below)
 *   then        the stored columns, in the run's column order: each column's doubles as 64-bit
 *               patterns, second differences (u[i] − 2u[i−1] + u[i−2], modulo 2⁶⁴), zig-zagged,
 *               cut into 8 byte planes (most significant first). Per plane 2 bits (4 planes a
 *               byte): 0 all zero, left out; 1 compressed; 2 stored as it is (its bytes near
 *               uniform: the low planes of noisy values). Then each plane's first two bytes
 *               (the first value and step have no second difference: they are left out of the
 *               planes' classes), the compressed planes' length (uint32 LE), brotli of them one
 *               after the other, the raw planes, and, when step is derived, its schedule (first
 *               step, increment, last step: three doubles).
 *
 * The derived columns are those the engine computes from others with one expression on every SFT
 * path (engine/sft/reduced.ts, projected.ts, dense.ts `metrics`): cos = inner / norm (0 when
 * norm ≤ 0), and on elliptical laws accuracy = accuracyFromCos(cos); and a teacher along w* (the
 * ceiling run, teacher cosine 1) agrees with the truth: agreement = accuracy. A chunk drops such a column
 * only when the expression gives back every one of its values bit for bit, checked when it is
 * written; a column that is measured (accuracy on a non-elliptical law, held-out samples) or that
 * an older engine computed otherwise is stored as it is. Reading therefore gives exactly the doubles
 * that were written. The step column is implicit in the recording schedule (a record every
 * recordEvery steps, and the last step): first + i · increment but for the last point, checked
 * the same way, else stored.
 *
 * Smooth columns (a run's inner, norm, agreement) have second differences far smaller than the
 * values, so their high byte planes are zero and their low ones noise. Measured on the Figure 1
 * preset in preview (2 828 runs × 1 001 points, 136 MB of raw doubles in six columns): the three
 * columns left 68 MB raw; 45 MB with XOR of neighbours and deflate, 42 MB with second differences
 * and deflate, 40.8 MB with brotli, 40.1 MB with the noise planes stored raw (brotli then sees
 * only the few planes it can shrink, and spends less time). What is left is the runs' noise:
 * ~4 bytes a value at η = 10⁻⁵, ~6 at η = 10.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { accuracyFromCos } from '../../engine/accuracy';

export const CHUNK_FORMAT = 1;
const HEADER = 2;
/** Points at a chunk's start whose residuals are stored as they are (below). */
const HEAD_POINTS = 2;
/** A derived step column's schedule at the chunk's end: first step, increment, last step (doubles). */
const STEP_BYTES = 24;
/** Brotli quality: on Figure 1's compressible planes 2 takes half the time of 4 for 0.6 % more bytes. */
const QUALITY = 2;
/** Brotli's window: 256 KiB (its default, 4 MiB, is allocated per call: most of a small chunk's time). */
const WINDOW_BITS = 18;

/** Byte planes of the chunk being encoded or decoded, reused (one chunk at a time: all of this is synchronous). */
let planeBuffer = new Uint8Array(0);

function scratch(bytes: number): Uint8Array {
  if (planeBuffer.length < bytes) planeBuffer = new Uint8Array(Math.max(bytes, 2 * planeBuffer.length));
  return planeBuffer.subarray(0, bytes);
}

/**
 * decodeChunk's output when its caller copies it before the next call (`reuse`): a block of many
 * runs then allocates one chunk's doubles, not one per run (2 000 × 48 KB for a Figure 2 dashboard).
 */
let outBuffer = new Float64Array(0);

function outScratch(doubles: number): Float64Array {
  if (outBuffer.length < doubles) outBuffer = new Float64Array(Math.max(doubles, 2 * outBuffer.length));
  const out = outBuffer.subarray(0, doubles);
  // Columns a reader does not want are left zero, as in a fresh block.
  out.fill(0);
  return out;
}

/** The compressed planes of the chunk being encoded, side by side for brotli. */
let packedBuffer = new Uint8Array(0);

function packedScratch(bytes: number): Uint8Array {
  if (packedBuffer.length < bytes) packedBuffer = new Uint8Array(Math.max(bytes, 2 * packedBuffer.length));
  return packedBuffer.subarray(0, bytes);
}

/** A byte plane: all zero (not stored), compressed with the others, or stored as it is. */
const ZERO = 0;
const PACKED = 1;
const RAW = 2;

/**
 * Planes of so many points whose bytes are this close to uniform (bits of empirical entropy a
 * byte) are stored as they are: brotli would spend most of a chunk's time on them and save nothing.
 */
const RAW_MIN_POINTS = 512;
const RAW_ENTROPY = 7.5;
const histogram = new Uint32Array(256);
/** c·log2(c) for the counts a plane's bytes can have (a chunk has at most SERIES_CHUNK_POINTS points), made as needed. */
let cLogC = new Float64Array(0);

function planeClass(plane: Uint8Array): number {
  const n = plane.length;
  histogram.fill(0);
  for (let i = 0; i < n; i++) histogram[plane[i]]++;
  if (histogram[0] === n) return ZERO;
  if (n < RAW_MIN_POINTS) return PACKED;
  if (cLogC.length <= n) cLogC = Float64Array.from({ length: n + 1 }, (_, c) => (c === 0 ? 0 : c * Math.log2(c)));
  // H = log2 n − Σ c·log2 c / n.
  let sum = 0;
  for (let b = 0; b < 256; b++) sum += cLogC[histogram[b]];
  return Math.log2(n) - sum / n >= RAW_ENTROPY ? RAW : PACKED;
}

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
  const step = columns.indexOf('step');
  if (step >= 0 && count >= 2) {
    const s = values(step);
    const delta = s[1] - s[0];
    let exact = true;
    for (let k = 0; k < count - 1 && exact; k++) exact = sameBits(s[0] + k * delta, s[k]);
    if (exact) mask |= 1 << step;
  }
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
  const planes = scratch(stored.length * count * 8);
  let base = 0;
  for (const column of stored) {
    // Doubles as (lo, hi) 32-bit words: a Float64Array view is 8-byte aligned.
    const words = new Int32Array(column.buffer, column.byteOffset, 2 * count);
    // u1: the previous pattern; d: its first difference u1 − u2; all modulo 2⁶⁴ in int32 halves.
    let ulo = 0;
    let uhi = 0;
    let dlo = 0;
    let dhi = 0;
    for (let i = 0; i < count; i++) {
      const lo = words[2 * i];
      const hi = words[2 * i + 1];
      // e = u − u1, then r = e − d (= u − 2·u1 + u2).
      const elo = (lo - ulo) | 0;
      const ehi = (hi - uhi - ((lo >>> 0) < (ulo >>> 0) ? 1 : 0)) | 0;
      const rlo = (elo - dlo) | 0;
      const rhi = (ehi - dhi - ((elo >>> 0) < (dlo >>> 0) ? 1 : 0)) | 0;
      // Zig-zag: (r << 1) ^ (r >> 63).
      const sign = rhi >> 31;
      const zhi = ((rhi << 1) | (rlo >>> 31)) ^ sign;
      const zlo = (rlo << 1) ^ sign;
      planes[base + i] = zhi >>> 24;
      planes[base + count + i] = zhi >>> 16;
      planes[base + 2 * count + i] = zhi >>> 8;
      planes[base + 3 * count + i] = zhi;
      planes[base + 4 * count + i] = zlo >>> 24;
      planes[base + 5 * count + i] = zlo >>> 16;
      planes[base + 6 * count + i] = zlo >>> 8;
      planes[base + 7 * count + i] = zlo;
      ulo = lo;
      uhi = hi;
      dlo = elo;
      dhi = ehi;
    }
    base += 8 * count;
  }
  // The first two residuals are the first value and its step (no second difference yet): stored
  // as they are, so that the high planes of a smooth column are zero over the rest.
  const head = Math.min(HEAD_POINTS, count);
  const rest = count - head;
  const planeCount = stored.length * 8;
  const classes = new Uint8Array(planeCount);
  let packedBytes = 0;
  let rawBytes = 0;
  for (let p = 0; p < planeCount; p++) {
    classes[p] = planeClass(planes.subarray(p * count + head, (p + 1) * count));
    if (classes[p] === PACKED) packedBytes += rest;
    else if (classes[p] === RAW) rawBytes += rest;
  }
  const packedPlanes = packedScratch(packedBytes);
  let atPacked = 0;
  for (let p = 0; p < planeCount; p++) {
    if (classes[p] === PACKED) packedPlanes.set(planes.subarray(p * count + head, (p + 1) * count), (atPacked += rest) - rest);
  }
  const packed = packedBytes === 0 ? Buffer.alloc(0) : brotliCompressSync(packedPlanes, { params: { [constants.BROTLI_PARAM_QUALITY]: QUALITY, [constants.BROTLI_PARAM_LGWIN]: WINDOW_BITS, [constants.BROTLI_PARAM_SIZE_HINT]: packedBytes } });
  const classBytes = Math.ceil(planeCount / 4);
  const at = HEADER + classBytes + planeCount * head;
  const stepColumn = columns.indexOf('step');
  const stepDerived = stepColumn >= 0 && (mask & (1 << stepColumn)) !== 0;
  const out = Buffer.allocUnsafe(at + 4 + packed.length + rawBytes + (stepDerived ? STEP_BYTES : 0));
  out[0] = CHUNK_FORMAT;
  out[1] = mask;
  out.fill(0, HEADER, HEADER + classBytes);
  for (let p = 0; p < planeCount; p++) out[HEADER + (p >> 2)] |= classes[p] << (2 * (p & 3));
  for (let p = 0; p < planeCount; p++) out.set(planes.subarray(p * count, p * count + head), HEADER + classBytes + p * head);
  out.writeUInt32LE(packed.length, at);
  packed.copy(out, at + 4);
  let atRaw = at + 4 + packed.length;
  for (let p = 0; p < planeCount; p++) {
    if (classes[p] === RAW) out.set(planes.subarray(p * count + head, (p + 1) * count), (atRaw += rest) - rest);
  }
  if (stepDerived) {
    // The schedule: first step, its increment, and the last step (a run's last record may fall between).
    const steps = values(stepColumn);
    const end = at + 4 + packed.length + rawBytes;
    out.writeDoubleLE(steps[0], end);
    out.writeDoubleLE(steps[1] - steps[0], end + 8);
    out.writeDoubleLE(steps[count - 1], end + 16);
  }
  return out;
}

/** A metric-major block of doubles (column c is block[c·count …]) as a stored chunk. */
export function encodeBlock(columns: readonly string[], block: Float64Array, count: number): Buffer {
  return encodeChunk(columns, (c) => block.subarray(c * count, (c + 1) * count), count);
}

/**
 * The columns a reader of `wanted` needs decoded: those, and what each derived one is derived from
 * (cos from inner and norm, accuracy from cos, agreement from accuracy).
 */
function neededColumns(columns: readonly string[], mask: number, wanted: readonly string[]): Set<string> {
  const needed = new Set(wanted);
  const derived = (name: string) => columns.includes(name) && (mask & (1 << columns.indexOf(name))) !== 0;
  if (needed.has('agreement') && derived('agreement')) needed.add('accuracy');
  if (needed.has('accuracy') && derived('accuracy')) needed.add('cos');
  if (needed.has('cos') && derived('cos')) {
    needed.add('inner');
    needed.add('norm');
  }
  return needed;
}

/**
 * A stored chunk's `count` points of `columns`, metric-major (column c is out[c·count …]). With
 * `wanted`, only those columns are decoded (and what they are derived from); the others are left
 * zero: a reader that draws two columns does not undo the others' differences or derive their
 * values (accuracy's arccos at every point). With `reuse`, the result is a view on a buffer the
 * next call overwrites (for a caller that copies it at once).
 */
export function decodeChunk(data: Uint8Array, columns: readonly string[], count: number, wanted?: readonly string[], reuse = false): Float64Array {
  const width = columns.length;
  const out = reuse ? outScratch(width * count) : new Float64Array(width * count);
  if (count === 0) return out;
  if (data[0] !== CHUNK_FORMAT) throw new Error(`a series chunk of unknown format ${data[0]}`);
  const mask = data[1];
  const storedCount = columns.filter((_, c) => (mask & (1 << c)) === 0).length;
  const planeCount = storedCount * 8;
  const classBytes = Math.ceil(planeCount / 4);
  const head = Math.min(HEAD_POINTS, count);
  const rest = count - head;
  const headsAt = HEADER + classBytes;
  const lengthAt = headsAt + planeCount * head;
  const packedLength = new DataView(data.buffer, data.byteOffset + lengthAt, 4).getUint32(0, true);
  const packedAt = lengthAt + 4;
  const packed = packedLength === 0 ? new Uint8Array(0) : brotliDecompressSync(data.subarray(packedAt, packedAt + packedLength));
  const stepColumn = columns.indexOf('step');
  const stepDerived = stepColumn >= 0 && (mask & (1 << stepColumn)) !== 0;
  const raw = data.subarray(packedAt + packedLength, data.length - (stepDerived ? STEP_BYTES : 0));
  const planes = scratch(planeCount * count);
  const needed = wanted === undefined ? null : neededColumns(columns, mask, wanted);
  // Stored column of each plane (p >> 3): the planes of a column no reader needs are skipped, not copied.
  const storedNames = columns.filter((_, c) => (mask & (1 << c)) === 0);
  let atPacked = 0;
  let atRaw = 0;
  for (let p = 0; p < planeCount; p++) {
    const kind = (data[HEADER + (p >> 2)] >> (2 * (p & 3))) & 3;
    const skip = needed !== null && !needed.has(storedNames[p >> 3]);
    if (!skip) planes.set(data.subarray(headsAt + p * head, headsAt + (p + 1) * head), p * count);
    if (kind === PACKED) {
      if (!skip) planes.set(packed.subarray(atPacked, atPacked + rest), p * count + head);
      atPacked += rest;
    } else if (kind === RAW) {
      if (!skip) planes.set(raw.subarray(atRaw, atRaw + rest), p * count + head);
      atRaw += rest;
    } else if (!skip) planes.fill(0, p * count + head, (p + 1) * count);
  }
  if (atPacked !== packed.length || atRaw !== raw.length) throw new Error(`a series chunk of ${data.length} bytes does not hold ${storedCount} columns × ${count} points`);
  const words = new Int32Array(out.buffer, out.byteOffset, out.length * 2);
  let base = 0;
  for (let c = 0; c < width; c++) {
    if ((mask & (1 << c)) !== 0) continue;
    if (needed !== null && !needed.has(columns[c])) {
      base += 8 * count;
      continue;
    }
    const at = 2 * c * count;
    let ulo = 0;
    let uhi = 0;
    let dlo = 0;
    let dhi = 0;
    for (let i = 0; i < count; i++) {
      const zhi = (planes[base + i] << 24) | (planes[base + count + i] << 16) | (planes[base + 2 * count + i] << 8) | planes[base + 3 * count + i];
      const zlo = (planes[base + 4 * count + i] << 24) | (planes[base + 5 * count + i] << 16) | (planes[base + 6 * count + i] << 8) | planes[base + 7 * count + i];
      // Un-zig-zag: r = (z >>> 1) ^ −(z & 1).
      const sign = -(zlo & 1);
      const rlo = ((zlo >>> 1) | (zhi << 31)) ^ sign;
      const rhi = (zhi >>> 1) ^ sign;
      // e = r + d, then u = u1 + e (modulo 2⁶⁴, with carries).
      const elo = (rlo + dlo) | 0;
      const ehi = (rhi + dhi + ((elo >>> 0) < (rlo >>> 0) ? 1 : 0)) | 0;
      const lo = (ulo + elo) | 0;
      const hi = (uhi + ehi + ((lo >>> 0) < (ulo >>> 0) ? 1 : 0)) | 0;
      words[at + 2 * i] = lo;
      words[at + 2 * i + 1] = hi;
      ulo = lo;
      uhi = hi;
      dlo = elo;
      dhi = ehi;
    }
    base += 8 * count;
  }
  const column = (name: string) => {
    const c = columns.indexOf(name);
    return out.subarray(c * count, (c + 1) * count);
  };
  // In dependence order: cos from inner and norm, accuracy from cos, agreement from accuracy.
  if (stepDerived && (needed === null || needed.has('step'))) {
    const view = new DataView(data.buffer, data.byteOffset + data.length - STEP_BYTES, STEP_BYTES);
    const [first, delta, last] = [view.getFloat64(0, true), view.getFloat64(8, true), view.getFloat64(16, true)];
    const steps = column('step');
    for (let i = 0; i < count - 1; i++) steps[i] = first + i * delta;
    steps[count - 1] = last;
  }
  for (const name of DERIVABLE) {
    const c = columns.indexOf(name);
    if (c < 0 || (mask & (1 << c)) === 0 || (needed !== null && !needed.has(name))) continue;
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
