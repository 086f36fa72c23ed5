/**
 * The series codecs (src/shared/seriesCodec.ts) round-trip bit for bit: the metric-major block of
 * the store, bundles and shards, and getSeries' frame of `w2s serve`.
 */
import { describe, expect, it } from 'vitest';
import { Rng, StreamKind } from '../../src/engine/rng';
import { decodeSeriesFrame, encodeSeriesFrame, float64Block, packColumns, seriesColumnNames, unpackColumns } from '../../src/shared/seriesCodec';

/** Doubles that a careless codec loses: NaN payloads aside, −0, ±∞, subnormals, the extremes. */
const AWKWARD = [-0, 0, Infinity, -Infinity, Number.NaN, Number.MIN_VALUE, -Number.MAX_VALUE, 2 ** -1074 * 3, 1 / 3];

function bits(x: Float64Array): string {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex');
}

function randomSeries(columns: readonly string[], n: number, seed: number): Record<string, Float64Array> {
  const rng = Rng.stream(seed, StreamKind.sft);
  return Object.fromEntries(
    columns.map((c, k) => {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = i < AWKWARD.length && k === 1 ? AWKWARD[i] : (rng.uniform() - 0.5) * 10 ** (k - 3);
      return [c, values];
    }),
  );
}

describe('metric-major blocks', () => {
  it('pack then unpack gives every column back bit for bit, also from an unaligned copy of the bytes', () => {
    const columns = seriesColumnNames(true);
    expect(columns).toEqual(['step', 'inner', 'norm', 'cos', 'accuracy', 'agreement', 'validation']);
    const series = randomSeries(columns, 37, 5);
    const bytes = packColumns(series, columns, 37);
    expect(bytes.byteLength).toBe(37 * columns.length * 8);
    // Column c's point i sits at double c·count + i.
    expect(float64Block(bytes, 37 * columns.length)[2 * 37 + 5]).toBe(series.norm[5]);
    const unaligned = new Uint8Array(bytes.byteLength + 3).subarray(3);
    unaligned.set(bytes);
    for (const source of [bytes, unaligned]) {
      const back = unpackColumns(source, columns, 37);
      for (const c of columns) expect(bits(back[c])).toBe(bits(series[c]));
    }
  });

  it('packs only the first count points, and refuses a column that is short or missing', () => {
    const columns = seriesColumnNames(false);
    const series = randomSeries(columns, 10, 7);
    const back = unpackColumns(packColumns(series, columns, 4), columns, 4);
    expect(bits(back.cos)).toBe(bits(series.cos.subarray(0, 4)));
    expect(() => packColumns(series, columns, 11)).toThrow(/'step' has fewer than 11 points/);
    expect(() => packColumns({ step: series.step }, ['step', 'inner'], 3)).toThrow(/'inner'/);
    expect(() => float64Block(new Uint8Array(15), 2)).toThrow(/15 bytes cannot hold 2 doubles/);
  });
});

describe("getSeries' frame", () => {
  it('decode(encode(x)) is x: the header (non-ASCII names too) and the doubles bit for bit, the data 8-byte aligned', () => {
    const data = new Float64Array([...AWKWARD, ...randomSeries(['x'], 50, 9).x]);
    const header = { columns: ['step', 'cos'], runs: [{ runId: 3, key: { cell: 0, teacher: 1, lr: 2 } }], name: 'κ = 0.5, ‖w₀‖ 😀' };
    const frame = encodeSeriesFrame({ ...header, data });
    // One byte per character: the header is ASCII, whatever the names hold.
    const headerLength = new DataView(frame.buffer).getUint32(0, true);
    expect([...frame.subarray(4, 4 + headerLength)].every((b) => b < 0x80)).toBe(true);
    const copy = frame.slice().buffer;
    const back = decodeSeriesFrame(copy);
    expect(back.data.byteOffset % 8).toBe(0);
    expect(bits(back.data)).toBe(bits(data));
    const { data: _data, ...rest } = back;
    expect(rest).toEqual(header);
  });

  it("a large experiment's header (several MB: a run record per teacher) decodes whole", () => {
    // 20 000 runs with their descriptors: a header far over any engine's limit on a call's arguments.
    const runs = Array.from({ length: 20_000 }, (_, i) => ({ runId: i, key: { cell: i % 7, teacher: i, lr: i % 3 }, descriptor: { studentCos: 0.8090169943749475, teacherCos: 0.5877852522924731, kappa: 0.01 * (i % 100) - 0.505 } }));
    const frame = encodeSeriesFrame({ columns: ['step', 'cos'], runs, data: new Float64Array([1, 2]) });
    expect(new DataView(frame.buffer).getUint32(0, true)).toBeGreaterThan(2_000_000);
    const back = decodeSeriesFrame(frame.slice().buffer);
    expect(back.runs).toEqual(runs);
    expect(Array.from(back.data)).toEqual([1, 2]);
  });

  it('a block whose steps follow the recording schedule travels without its step column, and decodes to the same doubles', () => {
    // Three runs of (step, cos): every 10th step and the last (1 000 of 1 001 points), a run ended early, a run of one point.
    const lengths = [102, 37, 1];
    const runs = lengths.map((recorded, i) => ({ runId: i + 1, recorded }));
    const parts = lengths.map((n, r) => {
      const cos = randomSeries(['cos'], n, 20 + r).cos;
      const step = Float64Array.from({ length: n }, (_, i) => (i === n - 1 && r === 0 ? 1013 : 10 * i));
      return [...step, ...cos];
    });
    const data = new Float64Array(parts.flat());
    const frame = encodeSeriesFrame({ columns: ['step', 'cos'], runs, data });
    const bodyBytes = (f: Uint8Array) => f.length - Math.ceil((4 + new DataView(f.buffer).getUint32(0, true)) / 8) * 8;
    // The doubles sent are the cos columns alone.
    expect(bodyBytes(frame)).toBe(8 * (102 + 37 + 1));
    const back = decodeSeriesFrame(frame.slice().buffer);
    expect(bits(back.data)).toBe(bits(data));
    const { data: _data, ...rest } = back;
    expect(rest).toEqual({ columns: ['step', 'cos'], runs });
    // One irregular step (a point recorded off the schedule): the column is sent as it is.
    const irregular = data.slice();
    irregular[5] = 51;
    const whole = encodeSeriesFrame({ columns: ['step', 'cos'], runs, data: irregular });
    expect(bodyBytes(whole)).toBe(8 * 2 * (102 + 37 + 1));
    expect(bits(decodeSeriesFrame(whole.slice().buffer).data)).toBe(bits(irregular));
    // The step column in the middle of the columns (a block ordered otherwise) too.
    const middle = new Float64Array(lengths.flatMap((n, r) => [...parts[r].slice(n), ...parts[r].slice(0, n), ...parts[r].slice(n)]));
    const three = decodeSeriesFrame(encodeSeriesFrame({ columns: ['cos', 'step', 'inner'], runs, data: middle }).slice().buffer);
    expect(bits(three.data)).toBe(bits(middle));
  });

  it('an empty series is a frame of its header alone', () => {
    const back = decodeSeriesFrame(encodeSeriesFrame({ columns: [], data: new Float64Array(0) }).slice().buffer);
    expect(back.data.length).toBe(0);
    expect(back.columns).toEqual([]);
  });
});
