/**
 * The chart-option builders: pure functions from stored experiments to an ECharts option and the
 * exact series it plots (see types.ts). One entry point for the app and the exporters.
 */
import { compare, compareLayout } from './compare';
import { gains, gainsLayout } from './gains';
import { heatmap } from './heatmap';
import { kappaFigure } from './kappaFigure';
import { normPuzzle } from './normPuzzle';
import { stackedLayout } from './stackedPanels';
import { markPreview } from './previewMark';
import { accuracyDegenerate, gainVsAccuracy, gainVsKappa, gainVsStartCos } from './scatter';
import { searchFigure, searchLayout } from './searchFigure';
import { sweepFigure, sweepHeatmap, sweepLayout, sweepParallel } from './sweep';
import { theoryFigure } from './theoryFigure';
import { trajectories, trajectoriesLayout } from './trajectories';
import type { Figure, FigureInput, FigureKind, FigureStyle, PanelLayout } from './types';

export { defaultStyle, PALETTES, themeColors } from './style';
export { differenceLabels } from './labels';
export { type FigureOffer, figuresFor, hasFigure } from './figures';
export { accuracyDegenerate, compare, gains, gainVsAccuracy, gainVsKappa, gainVsStartCos, heatmap, kappaFigure, normPuzzle, searchFigure, sweepFigure, sweepHeatmap, sweepParallel, theoryFigure, trajectories };
export * from './types';

/** Build figure `kind`: `compare` takes 1–8 inputs, every other kind the first input. A drawn title says "preview" for preview-path results. */
export function buildFigure(kind: FigureKind, inputs: FigureInput[], style: FigureStyle): Figure {
  return markPreview(buildKind(kind, inputs, style), kind === 'compare' ? inputs : inputs.slice(0, 1), style);
}

function buildKind(kind: FigureKind, inputs: FigureInput[], style: FigureStyle): Figure {
  if (inputs.length === 0) throw new Error(`figure '${kind}' needs an experiment`);
  const first = inputs[0];
  switch (kind) {
    case 'trajectories':
      return trajectories(first, style);
    case 'gains':
      return gains(first, style);
    case 'gainVsAccuracy':
      return gainVsAccuracy(first, style);
    case 'gainVsKappa':
      return gainVsKappa(first, style);
    case 'gainVsStartCos':
      return gainVsStartCos(first, style);
    case 'heatmap':
      return heatmap(first, style);
    case 'compare':
      if (inputs.length > 8) throw new Error(`compare takes at most 8 experiments, got ${inputs.length}`);
      return compare(inputs, style);
    case 'theory':
      return theoryFigure(first, style);
    case 'kappa':
      return kappaFigure(first, style);
    case 'normPuzzle':
      return normPuzzle(first, style);
    case 'sweep':
      return sweepFigure(first, style);
    case 'sweepHeatmap':
      return sweepHeatmap(first, style);
    case 'sweepParallel':
      return sweepParallel(first, style);
    case 'search':
      return searchFigure(first, style);
  }
}

/** The y values a figure plots span this range (band edges included; counts of teachers left out); null when it plots none. */
export function yExtentOf(figure: Figure): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of figure.series) {
    if (s.yLabel === 'teachers') continue;
    for (let i = 0; i < s.y.length; i++) {
      const v = s.y[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/** The panels figure `kind` will have (its natural height depends on them), before building it. */
export function figureLayout(kind: FigureKind, inputs: FigureInput[], style: FigureStyle): PanelLayout {
  if (inputs.length === 0) return { rows: 1, cols: 1 };
  if (kind === 'trajectories') return trajectoriesLayout(inputs[0], style);
  if (kind === 'gains') return gainsLayout(inputs[0], style);
  if (kind === 'compare') return compareLayout(inputs, style);
  if (kind === 'gainVsAccuracy' && accuracyDegenerate(inputs[0])) return { rows: 1, cols: 2 };
  // Stacked panels on one x (stackedPanels.ts): wide and short, one per quantity.
  if (kind === 'kappa') return stackedLayout(3);
  if (kind === 'normPuzzle') return stackedLayout(4);
  if (kind === 'search') return searchLayout();
  if (kind === 'sweep' || kind === 'sweepHeatmap') return sweepLayout(inputs[0], style, kind);
  return { rows: 1, cols: 1 };
}
