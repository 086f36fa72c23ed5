/**
 * The summary file written in pieces (src/cli/readableJson.ts) is the text stringifyReadable makes
 * of the same value, character for character: for an engine summary (NaN as null, lists of numbers
 * on one line, nested lists and objects, empty ones) and for values JSON.stringify treats apart.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringifyReadable } from '../../src/cli/args';
import { readableJsonPieces, writeReadableJson } from '../../src/cli/readableJson';
import { makeSpec, summaryOf, syntheticInput } from '../helpers/synthetic';

const dir = mkdtempSync(join(tmpdir(), 'w2s-readable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the summary file in pieces', () => {
  it('is stringifyReadable of an engine summary, character for character', () => {
    const spec = makeSpec();
    const summary = { ...summaryOf(spec, syntheticInput(spec, 40).runs), gainStd: NaN };
    const document = { app: { name: 'w2s-lab', version: '0' }, experimentId: 3, ...summary, failures: [] };
    expect([...readableJsonPieces(document)].join('')).toBe(`${stringifyReadable(document)}\n`);
    const file = join(dir, 'summary.json');
    writeReadableJson(file, document);
    expect(readFileSync(file, 'utf8')).toBe(`${stringifyReadable(document)}\n`);
  });

  it('treats what JSON.stringify treats apart the same way', () => {
    const odd = {
      nan: NaN,
      inf: [-Infinity, 1e-300, -0, 2.5e21],
      holes: [1, undefined, null, 3],
      mixed: [1, 'two', [3, 4], [], {}, { a: [] }, true],
      gone: undefined,
      fn: () => 1,
      date: new Date(0),
      nested: [[[1]], [[]]],
      text: 'quote " and \n newline and ünïcode',
    };
    expect([...readableJsonPieces(odd)].join('')).toBe(`${stringifyReadable(odd)}\n`);
  });
});
