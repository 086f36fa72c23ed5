/**
 * Which figures an experiment gets, decided once from its spec: the dashboard draws them, the
 * export dialog offers them, the theory page shows the Theorem boundary figure when it is there.
 * Every experiment has its trajectories, its gains and their scatters and the theory figure; a
 * grid over teacher accuracies (several cells) has the Figure 2 heatmap; several κ, the Theorem
 * boundary figure; several initial norms of random teachers, the norm puzzle figure. (Whether the
 * teachers' accuracies are spread enough to plot the gain against them depends on the data, not
 * the spec: the dashboard asks charts' accuracyDegenerate.) A sweep — axes beyond the inner norm ×
 * accuracy × κ, a grid of points (a search's evaluations), or replicates of a grid that varies — has the sweep figures: the target
 * against one axis, parallel coordinates, and with two varying axes the sweep's heatmap. A boundary
 * search (spec.search) has the search figure: its evaluations, the boundary found and the order.
 */
import { cellsOf } from '../engine/grid';
import type { ExperimentSpec } from '../engine/spec';
import { sweepFieldsOf } from './sweepData';
import type { FigureKind } from './types';

/** A figure an experiment gets, and its name in the export dialog. */
export interface FigureOffer {
  readonly kind: Exclude<FigureKind, 'compare'>;
  readonly label: string;
}

/** The figures of one experiment, in the order the export dialog lists them. */
export function figuresFor(spec: ExperimentSpec): readonly FigureOffer[] {
  const offers: FigureOffer[] = [
    { kind: 'trajectories', label: 'Trajectories (Figure 1/3)' },
    { kind: 'gains', label: 'Histogram of gains' },
    { kind: 'gainVsAccuracy', label: 'Gain against teacher accuracy' },
    { kind: 'gainVsKappa', label: 'Gain against κ' },
    { kind: 'gainVsStartCos', label: 'Gain against cos(w_T, w₀)' },
  ];
  if (cellsOf(spec).length > 1 && spec.teachers.accuracy.length > 1) offers.push({ kind: 'heatmap', label: 'Heatmap (Figure 2)' });
  offers.push({ kind: 'theory', label: 'Theory: predicted against observed' });
  if ((spec.teachers.kappa?.length ?? 0) > 1) offers.push({ kind: 'kappa', label: 'Theorem boundary: against κ' });
  if (spec.setup === 'random-teacher' && spec.student.norm.length > 1) offers.push({ kind: 'normPuzzle', label: 'Norm puzzle: against ‖w₀‖' });
  if (spec.search !== undefined && spec.grid !== undefined) offers.push({ kind: 'search', label: 'Search: the boundary found, and the evaluation order' });
  const varying = sweepVaryingAxes(spec);
  if (varying !== null) {
    offers.push({ kind: 'sweep', label: 'Sweep: target against an axis' });
    if (varying >= 2) offers.push({ kind: 'sweepHeatmap', label: 'Sweep: heatmap over two axes' });
    offers.push({ kind: 'sweepParallel', label: 'Sweep: parallel coordinates' });
  }
  return offers;
}

/**
 * How many axes a sweep's groups vary along (its own axes, its grid's keys but the replicate, and
 * the inner ones with several values), or null when it has no sweep figures: no groups (no axes,
 * no grid, no replicates: engine/summary.ts) or none of them varying.
 */
export function sweepVaryingAxes(spec: ExperimentSpec): number | null {
  const { axes, grid, replicates } = sweepFieldsOf(spec);
  if ((axes === undefined || axes.length === 0) && (grid === undefined || grid.length === 0) && (replicates ?? 1) < 2) return null;
  const own = (axes ?? []).filter((a) => a.values.length > 1).length;
  const gridKeys = Object.keys(grid?.[0] ?? {}).filter((k) => k !== 'replicate' && new Set((grid ?? []).map((p) => p[k])).size > 1).length;
  const inner = [spec.student.norm, spec.teachers.accuracy, spec.teachers.kappa ?? []].filter((v) => v.length > 1).length;
  const varying = own + gridKeys + inner;
  return varying === 0 ? null : varying;
}

/** Whether the experiment of `spec` gets figure `kind`. */
export function hasFigure(spec: ExperimentSpec, kind: FigureKind): boolean {
  return figuresFor(spec).some((f) => f.kind === kind);
}
