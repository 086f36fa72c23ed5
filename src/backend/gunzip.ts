/**
 * Gzip decompression with a bound, for every file that comes from elsewhere (an imported bundle,
 * a bundle uploaded to `w2s serve`, a Slurm task's shard). A first pass inflates the file as a
 * stream, counting and dropping the bytes, and stops past the cap: a gzip bomb costs a few
 * kilobytes of memory and is refused; only a file within the cap is inflated into memory, at its
 * exact size. The cap: what a bundle's JSON can be as one string (V8 holds 536 870 888
 * characters), and at most MAX_RATIO times the compressed size (above a floor, since a small
 * bundle of runs never started is repetitive JSON, measured at 78 : 1).
 */
import { createGunzip, gunzipSync } from 'node:zlib';
import { errorMessage } from '../shared/errorMessage';

/** A bundle's text at most (500 MiB): below the longest string V8 makes. */
export const MAX_INFLATED_BYTES = 500 * 1024 * 1024;
/** Inflated ÷ compressed at most, past RATIO_FLOOR: real bundles measure 1.8 (series) to 78 (runs never started). */
export const MAX_RATIO = 100;
/** Below this many inflated bytes the ratio is not held against a file. */
export const RATIO_FLOOR = 16 * 1024 * 1024;

/** The most a file of `compressed` bytes may inflate to. */
export function inflateCap(compressed: number): number {
  return Math.min(MAX_INFLATED_BYTES, Math.max(RATIO_FLOOR, MAX_RATIO * compressed));
}

/** Why a file was refused: it inflates past its cap (`bomb`), or it is not gzip (`corrupt`). */
export class InflateError extends Error {
  constructor(
    readonly kind: 'bomb' | 'corrupt',
    message: string,
  ) {
    super(message);
  }
}

/** The inflated size of `bytes`, counted as a stream; rejects past `cap` without holding the output. */
function inflatedSize(bytes: Uint8Array, cap: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip();
    let size = 0;
    let over = false;
    gunzip.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap && !over) {
        over = true;
        gunzip.destroy();
        reject(
          new InflateError(
            'bomb',
            `it inflates past ${cap} bytes from ${bytes.length} (at most ${MAX_INFLATED_BYTES} bytes, and at most ${MAX_RATIO} times the file above ${RATIO_FLOOR}): refused unread, as a gzip bomb would be`,
          ),
        );
      }
    });
    gunzip.on('end', () => resolve(size));
    gunzip.on('error', (error) => {
      if (!over) reject(new InflateError('corrupt', error.message));
    });
    gunzip.end(bytes);
  });
}

/** Inflate a gzip file within its cap (inflateCap), or reject with an InflateError saying why. */
export async function gunzipBounded(bytes: Uint8Array): Promise<Buffer> {
  const size = await inflatedSize(bytes, inflateCap(bytes.length));
  try {
    return gunzipSync(bytes, { maxOutputLength: Math.max(1, size) });
  } catch (error) {
    throw new InflateError('corrupt', errorMessage(error));
  }
}
