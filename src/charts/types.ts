/**
 * The contract of the chart-option builders: pure functions from an experiment's stored data to an
 * ECharts option plus the exact series it plots. The app renders the option in the browser; the
 * exporter (Node, ECharts' SSR renderer) renders the same option to SVG/PDF/PNG and writes the
 * plotted series as CSV. Nothing here may touch the DOM or Node.
 */
import type { EChartsOption } from 'echarts';
import type { ExperimentSpec } from '../engine/spec';
import type { ExperimentSummary } from '../engine/summary';
import type { BandKind, ExportSettings, Metric, PaletteName } from '../shared/figureExport';
import type { LabOutput } from '../shared/labApi';

/** Every run's series in one block, as getSeries returns it. */
export type SeriesBundle = LabOutput<'getSeries'>;

/** One stored experiment as the builders see it. */
export interface FigureInput {
  readonly id: number;
  readonly name: string;
  readonly seed: number;
  readonly spec: ExperimentSpec;
  /** Null while the experiment runs (builders then work from the series alone). */
  readonly summary: ExperimentSummary | null;
  readonly bundle: SeriesBundle;
}

export type { BandKind, FigureKind, Metric, PaletteName } from '../shared/figureExport';

export interface FigureStyle {
  /** Drawing size in CSS pixels; exporters convert inches at 96 px per inch. */
  readonly width: number;
  readonly height: number;
  readonly fontFamily: string;
  /** Font size in pt (1 pt = 4/3 px). */
  readonly fontSize: number;
  /** Width of the mean curves in pt; thin per-teacher lines are a third of it. */
  readonly lineWidth: number;
  readonly palette: PaletteName;
  /** Cycle solid/dashed/dotted/dash-dot across groups so a greyscale print stays readable. */
  readonly lineStyles: boolean;
  readonly band: BandKind;
  readonly xScale: ExportSettings['xScale'];
  readonly yScale: ExportSettings['yScale'];
  /** EMA weight of the previous value, in [0, 1); 0 = off. The raw curve stays, faint. */
  readonly smoothing: number;
  readonly metric: Metric;
  /** Heatmap value. */
  readonly heatmapValue: ExportSettings['heatmapValue'];
  /** Draw the per-teacher thin lines (trajectories). */
  readonly thinLines: boolean;
  /** Overlay the population gradient flow (trajectories, isotropic Gaussian data only). */
  readonly flow: boolean;
  /** Mark each teacher's early-stopping step (trajectories). */
  readonly stopMarkers: boolean;
  /** On screen only: thin each drawn series to at most this many points. Null = full resolution (exports). */
  readonly maxPoints: number | null;
  readonly theme: 'light' | 'dark';
  /** Draw the title in the figure (the app does; papers put it in the LaTeX caption). */
  readonly showTitle: boolean;
}

/** One plotted series at full resolution, as written to CSV. */
export interface PlottedSeries {
  /** Legend or descriptive name, unique within the figure. */
  readonly name: string;
  /** Which experiment it comes from. */
  readonly experimentId: number;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** Column names of x and y in the CSV (e.g. 'step', 'cos_mean'). */
  readonly xLabel: string;
  readonly yLabel: string;
}

export interface Figure {
  readonly option: EChartsOption;
  /** Exactly what the option plots, before any on-screen thinning. */
  readonly series: PlottedSeries[];
  /** Axis titles, for the exporters' checks and the matplotlib script. */
  readonly xAxisLabel: string;
  readonly yAxisLabel: string;
  readonly title: string;
}
