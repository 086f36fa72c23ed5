/**
 * The random-features setup through the lab's spec entry points (engine/spec.ts parseSpec and
 * validateSpec, engine/randomFeatures/spec.ts): its defaults are the engine configuration's, a
 * parsed spec is a fixed point, the linear setups' fields are refused by name, every other error
 * names its field, and the run budget counts its grid and its five to seven columns.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { budgetOf, RUN_ROW_BYTES, SUMMARY_TEACHER_BYTES } from '../../src/engine/budget';
import { cellsOf, runCount, runKeys } from '../../src/engine/grid';
import { randomFeaturesRunKeys, validateRandomFeaturesConfig } from '../../src/engine/randomFeatures';
import { randomFeaturesColumns } from '../../src/engine/randomFeatures/spec';
import { randomFeaturesConfigOf } from '../../src/engine/randomFeatures/specConfig';
import { type ExperimentSpec, parseSpec, validateSpec } from '../../src/engine/spec';

function errorsOf(input: unknown): string[] {
  const r = parseSpec(input);
  return r.ok ? [] : r.errors;
}

const SMALL = { setup: 'random-features', seed: 5, data: { d: 10 }, features: { student: 50, teacher: 10 }, teachers: { count: 3 }, sft: { learningRates: [0.01, 1], steps: 30 } };

describe('a random-features spec', () => {
  it('takes every default from the engine configuration and keeps the linear setups as they were', () => {
    const spec = validateSpec({ setup: 'random-features' });
    expect(spec.setup).toBe('random-features');
    expect(spec.seed).toBe(0);
    expect(randomFeaturesConfigOf(spec)).toEqual(validateRandomFeaturesConfig({}));
    expect(spec.sft.batchSize).toBe(500);
    expect(spec.sft.learningRates).toEqual([0.001, 0.01, 0.1, 1, 10]);
    expect(spec.data.pool).toBeNull();
    // The linear setups' specs have none of the setup's own fields (their stored hashes stay).
    const linear = validateSpec({});
    expect('features' in linear || 'evaluation' in linear || 'pool' in linear.data).toBe(false);
  });

  it('carries every field of the configuration to the engine, and a parsed spec is a fixed point', () => {
    const doc = {
      ...SMALL,
      name: 'rf',
      beta: 2,
      data: { d: 12, law: 'student-t', nu: 5, pool: 600 },
      features: { activation: 'tanh', student: 40, teacher: 8, train: 'both', firstLayerRate: 3, rows: 'gaussian' },
      pretrain: { studentPoints: 400, studentSteps: 7, teacherPoints: 90, teacherSteps: 3, initStd: 0.2, learningRate: 0.05 },
      sft: { batchSize: 50, steps: 21, learningRates: [0.1], earlyStopping: 'validation', validationSize: 77, labelNoise: 0.1, ceiling: false, recordEvery: 4 },
      evaluation: { testPoints: 3000 },
    };
    const spec = validateSpec(doc);
    const { setup: _setup, name: _name, seed: _seed, ...config } = doc;
    expect(randomFeaturesConfigOf(spec)).toEqual(validateRandomFeaturesConfig(config));
    expect(spec.name).toBe('rf');
    expect(spec.seed).toBe(5);
    expect(validateSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    expect(randomFeaturesColumns(spec)).toEqual(['step', 'accuracy', 'agreement', 'headNorm', 'changed', 'validation', 'firstLayerShift']);
  });

  it("has one cell, and the grid's run keys are the engine's", () => {
    const spec = validateSpec(SMALL);
    expect(cellsOf(spec)).toHaveLength(1);
    expect(runCount(spec)).toBe(8); // (3 teachers + the ceiling) × 2 learning rates
    expect(runKeys(spec)).toEqual(randomFeaturesRunKeys(randomFeaturesConfigOf(spec)));
  });

  it("refuses each of the linear setups' fields, naming it", () => {
    const cases: [object, string][] = [
      [{ student: { norm: [1, 2] } }, 'student'],
      [{ student: { accuracy: 0.9 } }, 'student'],
      [{ teachers: { count: 3, accuracy: 0.8 } }, 'teachers.accuracy'],
      [{ teachers: { count: 3, norm: 2 } }, 'teachers.norm'],
      [{ teachers: { count: 3, kappa: [0.2] } }, 'teachers.kappa'],
      [{ engine: { path: 'preview' } }, 'engine.path'],
      [{ search: { field: 'beta' } }, 'search'],
      [{ data: { d: 10, spectrum: { powerLaw: 1 } } }, 'data.spectrum'],
      [{ data: { d: 10, groundTruth: [1, 0] } }, 'data.groundTruth'],
      [{ data: { d: 10, heldOutSize: 500 } }, 'data.heldOutSize'],
      [{ sft: { loss: { kind: 'auxConfidence' } } }, 'sft.loss'],
      [{ sft: { softLabels: { beta: 2 } } }, 'sft.softLabels'],
      [{ sft: { finiteSet: 100 } }, 'sft.finiteSet'],
    ];
    for (const [fields, name] of cases) {
      const errors = errorsOf({ ...SMALL, ...fields });
      expect(errors, name).toHaveLength(1);
      expect(errors[0], name).toMatch(new RegExp(`^${name.replace('.', '\\.')}: applies only to the linear setups`));
    }
  });

  it('refuses a sweep: grid axes, a grid, replicates, a list where one number goes', () => {
    expect(errorsOf({ ...SMALL, replicates: 3 })).toEqual([expect.stringMatching(/^replicates: a sweep of setup 'random-features' is not wired yet/)]);
    expect(errorsOf({ ...SMALL, grid: [{ beta: 1 }] })).toEqual([expect.stringMatching(/^grid: a sweep/)]);
    expect(errorsOf({ ...SMALL, beta: [1, 2] })).toEqual([expect.stringMatching(/^beta: a list here would be a grid axis/)]);
    expect(errorsOf({ ...SMALL, features: { student: [50, 100], teacher: 10 } })).toEqual([expect.stringMatching(/^features\.student: a list here/)]);
  });

  it("names each bad field with its rule, as the engine configuration's do", () => {
    expect(errorsOf({ ...SMALL, seed: -1 })).toEqual([expect.stringMatching(/^seed: must be an integer in \[0, /)]);
    expect(errorsOf({ ...SMALL, features: { student: 50, teacher: 10, activation: 'gelu' } })).toEqual(["features.activation: must be one of 'relu', 'tanh', 'identity' (got \"gelu\")"]);
    expect(errorsOf({ ...SMALL, evaluation: { testPoints: 10 } })).toEqual(['evaluation.testPoints: must be an integer in [100, 10000000] (got 10)']);
    expect(errorsOf({ ...SMALL, data: { d: 10, pool: 100 } })).toEqual([expect.stringMatching(/^data\.pool: must be ≥ sft\.batchSize = 500 \(got 100\)/)]);
    expect(errorsOf({ ...SMALL, features: { student: 50, teacher: 10, firstLayerRate: 2 } })).toEqual([expect.stringMatching(/^features\.firstLayerRate: applies only to features\.train 'both'/)]);
    expect(errorsOf({ ...SMALL, colour: 'red' })).toEqual(['colour: unknown key']);
    // Several problems: each its own line.
    expect(errorsOf({ ...SMALL, beta: -1, sft: { steps: 0 } })).toHaveLength(2);
  });

  it('is within the run budget by its own columns, and refused past it', () => {
    const spec: ExperimentSpec = validateSpec({ ...SMALL, sft: { learningRates: [0.01, 1], steps: 30, recordEvery: 7 } });
    const budget = budgetOf(spec);
    // 8 runs of 0, 7, 14, 21, 28, 30: 6 points of 5 columns; 3 teachers in the summary; one cell's 6-point trajectory of 10 columns.
    expect(budget.runs).toBe(8n);
    expect(budget.storedPoints).toBe(48n);
    expect(budget.expectedBytes).toBe(BigInt(48 * 8 * 5 + 8 * RUN_ROW_BYTES + 3 * SUMMARY_TEACHER_BYTES + 6 * 8 * 10));
    const huge = errorsOf({ ...SMALL, teachers: { count: 100_000 }, sft: { learningRates: Array.from({ length: 20 }, (_, i) => 0.01 * (i + 1)), steps: 10_000, recordEvery: 1 } });
    expect(huge.some((e) => /^\(spec\): the grid makes 2 000 020 runs \(100 001 teachers and the ceiling × 20 learning rates\); at most 1 000 000/.test(e))).toBe(true);
  });

  it('the preset parses to the issue’s experiment', () => {
    const spec = validateSpec(JSON.parse(readFileSync(join(__dirname, '..', '..', 'resources', 'presets', 'randomFeatures.json'), 'utf8')));
    const config = randomFeaturesConfigOf(spec);
    expect(config.data.d).toBe(50);
    expect(config.features).toMatchObject({ activation: 'relu', student: 1000, teacher: 100, train: 'head' });
    expect(config.teachers.count).toBe(20);
    expect(config.sft).toMatchObject({ steps: 400, batchSize: 500, learningRates: [0.001, 0.01, 0.1, 1, 10] });
    expect(runCount(spec)).toBe(105);
  });
});
