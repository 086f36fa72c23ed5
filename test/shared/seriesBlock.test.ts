/**
 * The one series layout (src/shared/seriesBlock.ts): packing runs' columns, then viewing or
 * selecting them by run key, gives the same columns back bit for bit; the offsets obey their laws;
 * every value sits where an independent reference (one index formula, no shared code) puts it; a
 * block built piece by piece (as the store appends chunks) equals one packed whole; and the store's
 * block and one run's stored bytes (shared/seriesCodec.ts) have this layout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExperimentContext } from '../../src/engine/experiment';
import { runKeys, type RunKey } from '../../src/engine/grid';
import { Rng, StreamKind } from '../../src/engine/rng';
import { SftRun } from '../../src/engine/run';
import { validateSpec } from '../../src/engine/spec';
import { RunStore } from '../../src/backend/store/store';
import {
  blockFromPieces,
  blockOffsets,
  blockViews,
  chosenKeys,
  columnOf,
  columnRange,
  columnsFromPieces,
  copyRange,
  emptyBlock,
  packBlock,
  pointCount,
  runKeyId,
  runSeriesOf,
  selectBlock,
  selectByKey,
  writeColumns,
} from '../../src/shared/seriesBlock';
import { packColumns, viewColumns } from '../../src/shared/seriesCodec';

const bits = (x: ArrayLike<number>): string => Buffer.from(Float64Array.from(x).buffer).toString('hex');

const COLUMNS = ['step', 'inner', 'norm', 'cos'];

/** Runs of unequal lengths (one with no point) and their columns, random doubles with awkward ones mixed in. */
function sample(seed: number, lengths: readonly number[]): { runs: { key: RunKey; recorded: number }[]; series: Record<string, Float64Array>[] } {
  const rng = Rng.stream(seed, StreamKind.sft);
  const awkward = [-0, Infinity, -Infinity, Number.NaN, Number.MIN_VALUE, -Number.MAX_VALUE];
  const runs = lengths.map((recorded, i) => ({ key: { cell: i % 2, teacher: i >> 1, lr: i % 3 }, recorded }));
  const series = lengths.map((n) =>
    Object.fromEntries(COLUMNS.map((name, c) => [name, Float64Array.from({ length: n }, (_, p) => (c === 2 && p < awkward.length ? awkward[p] : (rng.uniform() - 0.5) * 10 ** c))])),
  );
  return { runs, series };
}

/** The reference: where (run, column, point) sits, summing the runs before it point by point. */
function referenceIndex(lengths: readonly number[], width: number, run: number, column: number, point: number): number {
  let before = 0;
  for (let r = 0; r < run; r++) for (let p = 0; p < lengths[r]; p++) before += width;
  return before + column * lengths[run] + point;
}

describe('the series block layout', () => {
  const lengths = [5, 0, 3, 8, 1];
  const { runs, series } = sample(3, lengths);

  it('offsets: 0 first, each run width·recorded after the last, the block as long as the last', () => {
    const offsets = blockOffsets(runs, COLUMNS.length);
    expect(offsets).toHaveLength(runs.length + 1);
    expect(offsets[0]).toBe(0);
    runs.forEach((run, i) => expect(offsets[i + 1] - offsets[i]).toBe(COLUMNS.length * run.recorded));
    expect(packBlock(runs, series, COLUMNS).data.length).toBe(offsets[runs.length]);
    expect(blockOffsets([], 7)).toEqual([0]);
  });

  it('packing puts every value where the reference says, and the views give the same columns back bit for bit', () => {
    const block = packBlock(runs, series, COLUMNS);
    lengths.forEach((n, r) => COLUMNS.forEach((name, c) => {
      for (let p = 0; p < n; p++) expect(Object.is(block.data[referenceIndex(lengths, COLUMNS.length, r, c, p)], series[r][name][p])).toBe(true);
    }));
    const views = blockViews(block);
    expect(views).toHaveLength(runs.length);
    views.forEach((v, r) => {
      expect(Object.keys(v)).toEqual(COLUMNS);
      for (const name of COLUMNS) expect(bits(v[name])).toBe(bits(series[r][name]));
      // Views, not copies.
      if (lengths[r] > 0) expect(v.step.buffer).toBe(block.data.buffer);
    });
  });

  it('selection by run key keeps those runs in block order and those columns in block order, bit for bit', () => {
    const block = packBlock(runs, series, COLUMNS);
    const wanted = [runs[3].key, runs[0].key, runs[1].key];
    const selected = selectByKey(block, new Set(wanted.map(runKeyId)), ['cos', 'step']);
    expect(selected.runs).toEqual([runs[0], runs[1], runs[3]]);
    expect(selected.columns).toEqual(['step', 'cos']);
    const views = blockViews(selected);
    [0, 1, 3].forEach((r, k) => {
      expect(bits(views[k].step)).toBe(bits(series[r].step));
      expect(bits(views[k].cos)).toBe(bits(series[r].cos));
      expect(views[k].inner).toBeUndefined();
    });
    expect(selected.data.length).toBe(2 * (lengths[0] + lengths[1] + lengths[3]));
    // Everything kept: the very block, nothing copied; nothing kept: an empty one.
    expect(selectBlock(block, () => true)).toBe(block);
    expect(selectBlock(block, () => true, [...COLUMNS].reverse())).toBe(block);
    expect(selectBlock(block, () => false).data.length).toBe(0);
  });

  it('a block written piece by piece (as stored chunks arrive, in any order) equals the block packed whole', () => {
    const whole = packBlock(runs, series, COLUMNS);
    const pieces = emptyBlock(runs, COLUMNS);
    const offsets = blockOffsets(runs, COLUMNS.length);
    for (const [r, from, to] of [[3, 5, 8], [0, 0, 2], [3, 0, 5], [2, 0, 3], [0, 2, 5], [4, 0, 1]] as const) writeColumns(pieces, r, from, columnRange(series[r], from, to), offsets);
    expect(bits(pieces.data)).toBe(bits(whole.data));
    expect(() => writeColumns(pieces, 2, 2, columnRange(series[2], 0, 2))).toThrow(/past run 2's 3/);
    expect(() => writeColumns(pieces, 0, 0, { step: series[0].step })).toThrow(/'inner' has fewer than 5 points/);
  });

  it('a block from stored chunks (bytes of one run each, decoded to views, in any order) equals the block packed whole', () => {
    const whole = packBlock(runs, series, COLUMNS);
    const chunks = [[3, 4, 8], [0, 0, 5], [3, 0, 4], [4, 0, 1], [2, 0, 3]].map(([run, from, to]) => ({ run, start: from, bytes: packColumns(columnRange(series[run], from, to), COLUMNS, to - from), count: to - from }));
    const block = blockFromPieces(runs, COLUMNS, chunks.map((c) => ({ run: c.run, start: c.start, columns: viewColumns(c.bytes, COLUMNS, c.count) })));
    expect(bits(block.data)).toBe(bits(whole.data));
    expect(block.runs).toEqual(runs);
    // Only the block's columns are read from a piece: a block of fewer columns is the selection of them.
    const two = blockFromPieces(runs, ['cos', 'step'], chunks.map((c) => ({ run: c.run, start: c.start, columns: viewColumns(c.bytes, COLUMNS, c.count) })));
    expect(bits(two.data)).toBe(bits(packBlock(runs, series, ['cos', 'step']).data));
  });

  it("one run's columns from its chunks, in any order: the run's series back, each column an array of its own", () => {
    const chunks = [[4, 8], [0, 4]].map(([from, to]) => ({ start: from, columns: viewColumns(packColumns(columnRange(series[3], from, to), COLUMNS, to - from), COLUMNS, to - from) }));
    const back = columnsFromPieces(COLUMNS, 8, chunks);
    for (const name of COLUMNS) {
      expect(bits(back[name])).toBe(bits(series[3][name]));
      expect(back[name].buffer.byteLength).toBe(8 * 8);
    }
    expect(() => columnsFromPieces(COLUMNS, 7, chunks)).toThrow(/points 4–8 past the run's 7/);
  });

  it("runSeriesOf gives a stored run's columns as the engine's RunSeries, and refuses one without a metric", () => {
    const full: Record<string, Float64Array> = { ...series[0], accuracy: series[0].cos, agreement: series[0].norm, validation: series[0].inner };
    const s = runSeriesOf(full);
    expect(s.step).toBe(full.step);
    expect(s.validation).toBe(full.validation);
    expect(() => runSeriesOf(series[0])).toThrow(/got step, inner, norm, cos/);
  });

  it('packs plain arrays as typed ones, and refuses a short or missing column and a block too short for its runs', () => {
    const plain = series.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Array.from(v)])));
    expect(bits(packBlock(runs, plain, COLUMNS).data)).toBe(bits(packBlock(runs, series, COLUMNS).data));
    expect(() => packBlock([{ recorded: 6 }], [series[0]], COLUMNS)).toThrow(/'step' has fewer than 6 points/);
    expect(() => packBlock([{ recorded: 1 }], [{ step: series[0].step }], COLUMNS)).toThrow(/'inner'/);
    const block = packBlock(runs, series, COLUMNS);
    expect(() => blockViews({ ...block, data: block.data.subarray(1) })).toThrow(/holds 67 values, runs need 68/);
  });

  it("one run's block is the stored chunk's bytes (seriesCodec packColumns)", () => {
    const one = packBlock([runs[3]], [series[3]], COLUMNS);
    expect(Buffer.from(packColumns(series[3], COLUMNS, 8)).equals(Buffer.from(one.data.buffer))).toBe(true);
  });

  it('ranges: columnRange views the same memory, copyRange copies it; pointCount and columnOf', () => {
    const source = series[3];
    const view = columnRange(source, 2, 6);
    const copy = copyRange(source, 2, 6);
    expect(bits(copy.cos)).toBe(bits(source.cos.subarray(2, 6)));
    expect(view.cos.buffer).toBe(source.cos.buffer);
    expect(copy.cos.buffer).not.toBe(source.cos.buffer);
    expect(copy.cos.buffer.byteLength).toBe(4 * 8);
    expect(pointCount(copy)).toBe(4);
    expect(pointCount({ cos: source.cos })).toBe(8);
    expect(pointCount({})).toBe(0);
    expect(columnOf(source, 'norm')).toBe(source.norm);
    expect(() => columnOf(source, 'validation')).toThrow(/no column 'validation'/);
  });

  it("a summary's chosen keys: by bestLrIndex, else by the rate's index; none for a teacher with no rate", () => {
    const keys = chosenKeys([0.1, 1, 10], [
      { cell: 0, teacher: 2, bestLearningRate: 10, bestLrIndex: 2 },
      { cell: 1, teacher: 0, bestLearningRate: 1 },
      { cell: 1, teacher: 1, bestLearningRate: null, bestLrIndex: null },
    ]);
    expect([...keys].sort()).toEqual(['0/2/2', '1/0/1']);
    expect(runKeyId({ cell: 3, teacher: -1, lr: 0 })).toBe('3/-1/0');
  });
});

describe("the store's block", () => {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-series-block-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("has the layout: its views are each run's stored series, and a selection of it the selected runs' series", () => {
    const spec = validateSpec({ seed: 4, teachers: { count: 2 }, sft: { steps: 30, batchSize: 300, learningRates: [0.1, 1] } });
    const store = RunStore.open(join(dir, 'lab.sqlite'), '0.0.1');
    try {
      const id = store.createExperiment(spec, runKeys(spec));
      const context = new ExperimentContext(spec);
      // Runs of unequal stored lengths, in chunks: every other run stops early, one has nothing stored.
      store.listRuns(id).forEach((run, i) => {
        if (i === 1) return;
        const recorded = SftRun.start(context, run.key).complete().recordedSeries();
        const to = i % 2 === 0 ? 31 : 12;
        for (const [from, end] of [[0, 5], [5, to]]) store.appendSeries(run.id, columnRange(recorded, from, end), from, { stepsDone: recorded.step[end - 1], checkpoint: null });
      });
      const block = store.loadSeriesBlock(id);
      const views = blockViews(block);
      block.runs.forEach((run, i) => {
        const stored = store.loadSeries(run.id);
        for (const name of block.columns) expect(bits(views[i][name]), `${runKeyId(run.key)} ${name}`).toBe(bits(columnOf(stored, name)));
      });
      const keep = new Set([block.runs[0], block.runs[3]].map((r) => runKeyId(r.key)));
      const selected = blockViews(selectByKey(block, keep, ['cos']));
      expect(selected).toHaveLength(2);
      expect(bits(selected[1].cos)).toBe(bits(columnOf(store.loadSeries(block.runs[3].id), 'cos')));
    } finally {
      store.close();
    }
  });
});
