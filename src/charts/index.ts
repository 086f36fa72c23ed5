/**
 * The chart-option builders: pure functions from stored experiments to an ECharts option and the
 * exact series it plots (see types.ts). One entry point for the app and the exporters.
 */
import { compare } from './compare';
import { gains } from './gains';
import { heatmap } from './heatmap';
import { kappaFigure } from './kappaFigure';
import { normPuzzle } from './normPuzzle';
import { gainVsAccuracy, gainVsKappa } from './scatter';
import { theoryFigure } from './theoryFigure';
import { trajectories } from './trajectories';
import type { Figure, FigureInput, FigureKind, FigureStyle } from './types';

export { defaultStyle, PALETTES, themeColors } from './style';
export { compare, gains, gainVsAccuracy, gainVsKappa, heatmap, kappaFigure, normPuzzle, theoryFigure, trajectories };
export * from './types';

/** Build figure `kind`: `compare` takes 1–8 inputs, every other kind the first input. */
export function buildFigure(kind: FigureKind, inputs: FigureInput[], style: FigureStyle): Figure {
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
  }
}
