/**
 * The builder's time estimate: samples to draw (runs × steps × batch) × the benchmarked cost per
 * sample, over the engine processes; read from a bench results file; absent when there is none.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateSpec } from '../src/engine/spec';
import { expectedSeconds, readCalibration } from '../src/main/core/calibration';

const dir = mkdtempSync(join(tmpdir(), 'w2s-calibration-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('calibration', () => {
  it('reads the reduced-path median and the dense median from bench results', () => {
    const file = write('latest.json', { date: '2026-11-28T17:00:00Z', machine: 'test box', reducedNsPerSample: { median100: 20 }, denseMsPerStep: { d100: [15, 13, 14] } });
    expect(readCalibration(file)).toEqual({ reducedNsPerSample: 20, denseMsPerStep: 14, date: '2026-11-28T17:00:00Z', machine: 'test box' });
  });

  it('is null for a missing file, malformed JSON or results without the reduced figure', () => {
    expect(readCalibration(join(dir, 'absent.json'))).toBeNull();
    expect(readCalibration(write('bad.json', '{ not json'))).toBeNull();
    expect(readCalibration(write('partial.json', { date: 'x', reducedNsPerSample: { median100: 'fast' } }))).toBeNull();
  });

  it('expects samples × ns per sample / workers on the reduced path, and scales the dense cost with d', () => {
    const calibration = { reducedNsPerSample: 20, denseMsPerStep: 14, date: 'd', machine: 'm' };
    // 3 teachers + ceiling, 2 learning rates, 1 cell: 8 runs × 100 steps × 1 000 samples.
    const spec = validateSpec({ teachers: { count: 3 }, sft: { steps: 100, batchSize: 1000, learningRates: [0.1, 1] } });
    expect(expectedSeconds(spec, calibration, 2)).toBeCloseTo((8 * 100 * 1000 * 20) / 1e9 / 2, 12);
    const dense = validateSpec({ data: { d: 300 }, teachers: { count: 3 }, sft: { steps: 100, batchSize: 1000, learningRates: [0.1, 1] }, engine: { path: 'dense' } });
    // 14 ms per step at B = 10 000, d = 100 → 1.4 µs per sample at d = 100, 4.2 µs at d = 300.
    expect(expectedSeconds(dense, calibration, 1)).toBeCloseTo((8 * 100 * 1000 * 4200) / 1e9, 9);
    expect(expectedSeconds(spec, null, 2)).toBeNull();
  });
});
