/**
 * Colour that follows meaning (issue 18): a cell's colour is its value on the grid's ordered axis
 * (initial norm, teacher accuracy, κ) on a sequential, colour-blind-safe ramp (style.ts,
 * orderedColors), smallest darkest on light paper. With two varying axes, small multiples place
 * the cells and the colour follows the first (the rows); with none, one categorical colour.
 */
import type { Cell } from '../engine/grid';
import { specAxes } from './cellAxes';
import { colorAt, orderedColors } from './style';
import type { FigureInput, FigureStyle } from './types';

export function cellColorsOf(input: FigureInput, style: FigureStyle, cells: readonly Cell[]): Map<number, string> {
  const { axes, cells: placed } = specAxes(input.spec, cells);
  const varying = axes.map((a, i) => ({ a, i })).filter(({ a }) => a.values.length > 1);
  const mine = placed.filter((c) => cells.some((x) => x.index === c.index));
  if (varying.length === 0) return new Map(mine.map((c, k) => [c.index, colorAt(style, k)]));
  const colors = orderedColors(style, mine.map((c) => c.values[varying[0].i]));
  return new Map(mine.map((c, k) => [c.index, colors[k]]));
}
