/**
 * figuresFor(spec) (charts/figures.ts): which figures an experiment gets, the one decision the
 * dashboard, the export dialog and the theory page read — on the paper's presets, each checked
 * against what its spec lists (several κ, several norms of random teachers, a grid over teacher
 * accuracies), and every kind a real builder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { figuresFor, hasFigure } from '../../src/charts/index';
import { FIGURE_KINDS } from '../../src/shared/figureExport';
import { validateSpec } from '../../src/engine/spec';

const preset = (name: string) => validateSpec(JSON.parse(readFileSync(join(__dirname, '..', '..', 'resources', 'presets', `${name}.json`), 'utf8')));
const EVERY = ['trajectories', 'gains', 'gainVsAccuracy', 'gainVsKappa', 'gainVsStartCos', 'theory'];

describe('figuresFor: the figures an experiment gets', () => {
  const cases: [string, string[]][] = [
    ['quick', []],
    ['figure1', ['normPuzzle']], // four norms, one teacher accuracy: no heatmap
    ['figure2', ['heatmap', 'normPuzzle']], // norms × accuracies
    ['figure3', []], // shared pretraining: one cell, no norm axis
    ['normPuzzle', ['normPuzzle']],
    ['theoremBoundary', ['kappa']], // 13 κ, one norm, one accuracy
  ];
  for (const [name, extra] of cases) {
    it(`${name}: the six every experiment has, and ${extra.length === 0 ? 'nothing more' : extra.join(' and ')}`, () => {
      const spec = preset(name);
      const kinds = figuresFor(spec).map((f) => f.kind);
      expect(new Set(kinds)).toEqual(new Set([...EVERY, ...extra]));
      expect(kinds).toHaveLength(new Set(kinds).size);
      for (const k of FIGURE_KINDS) expect(hasFigure(spec, k)).toBe(kinds.includes(k as never));
    });
  }

  it('follows the spec fields one by one: κ lists, norm lists (random teachers only), accuracy grids', () => {
    const base = { teachers: { count: 3 }, sft: { steps: 10, learningRates: [0.1], batchSize: 100 } };
    expect(hasFigure(validateSpec({ ...base, teachers: { count: 3, kappa: [0.1] } }), 'kappa')).toBe(false);
    expect(hasFigure(validateSpec({ ...base, teachers: { count: 3, kappa: [0.1, 0.2] } }), 'kappa')).toBe(true);
    expect(hasFigure(validateSpec({ ...base, student: { norm: [1, 2] } }), 'normPuzzle')).toBe(true);
    expect(hasFigure(validateSpec({ ...base, student: { norm: [1, 2] } }), 'heatmap')).toBe(false);
    expect(hasFigure(validateSpec({ ...base, teachers: { count: 3, accuracy: [0.6, 0.7] } }), 'heatmap')).toBe(true);
    expect(figuresFor(validateSpec(base)).every((f) => f.label.length > 0 && f.kind !== ('compare' as never))).toBe(true);
  });
});
