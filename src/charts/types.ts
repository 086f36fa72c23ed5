/**
 * The contract of the chart-option builders: pure functions from an experiment's stored data to an
 * ECharts option plus the exact series it plots. The app renders the option in the browser; the
 * exporter (Node, ECharts' SSR renderer) renders the same option to SVG/PDF/PNG and writes the
 * plotted series as CSV. Nothing here may touch the DOM or Node.
 */
import type { EChartsOption } from 'echarts';
import type { ExperimentSpec } from '../engine/spec';
import type { StoredSummary } from '../engine/summary';
import type { BandKind, ExportSettings, PaletteName, PanelLayout } from '../shared/figureExport';
import type { LabOutput } from '../shared/labApi';

/** Every run's series in one block, as getSeries returns it. */
export type SeriesBundle = LabOutput<'getSeries'>;

/** One stored experiment as the builders see it. */
export interface FigureInput {
  readonly id: number;
  readonly name: string;
  readonly seed: number;
  readonly spec: ExperimentSpec;
  /** Null while the experiment runs (builders then work from the series alone); without its trajectories, which the builders draw from the series. */
  readonly summary: StoredSummary | null;
  readonly bundle: SeriesBundle;
  /** The label the user gave it for comparisons (else compare names it by what differs, labels.ts). */
  readonly label?: string | null;
}

export type { BandKind, Facet, FigureKind, Metric, PaletteName, PanelLayout, RunView } from '../shared/figureExport';

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
  /** 'auto': log when the selected early-stopping steps span more than a decade. */
  readonly xScale: ExportSettings['xScale'];
  readonly yScale: ExportSettings['yScale'];
  /** EMA weight of the previous value, in [0, 1); 0 = off. The raw curve stays, faint. */
  readonly smoothing: number;
  /** Null: the three panels ⟨w, w*⟩, ‖w‖, cos of Figure 1 (trajectories); cos in comparisons. */
  readonly metric: ExportSettings['metric'];
  /** Panels per cell in rows, or cells together, or whichever reads best ('auto'). */
  readonly facet: ExportSettings['facet'];
  /** Each teacher's selected learning rate, or each learning rate's mean over all teachers. */
  readonly runs: ExportSettings['runs'];
  /** End each thin per-teacher line at its early-stopping step. */
  readonly endAtStop: boolean;
  /** Heatmap value. */
  readonly heatmapValue: ExportSettings['heatmapValue'];
  /** What the sweep figures plot (a summary group's interval: sweepData.ts). */
  readonly sweepTarget: ExportSettings['sweepTarget'];
  /** The sweep figures' x axis (a spec path); absent or null: the first axis the groups vary along. */
  readonly sweepX?: ExportSettings['sweepX'];
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
  /** A y range to share with other figures (side-by-side panels compare by eye); null: the figure's own. */
  readonly yRange?: readonly [number, number] | null;
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
  /** Index into Figure.panels (absent: the only panel). */
  readonly panel?: number;
  /** The option's series that draws it, when its name differs (panel letters keep CSV names unique). */
  readonly drawnAs?: string;
}

/** One panel of a panelled figure: where it sits, its letter and its axes. */
export interface Panel {
  readonly row: number;
  readonly col: number;
  /** '(a)', '(b)', … in reading order. */
  readonly letter: string;
  /** What the panel shows (its metric, or the x quantity), drawn after the letter. */
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** What its y axis shows as a name (a row's label, on the first column), if anything. */
  readonly axisName?: string;
  readonly xLog: boolean;
  readonly yLog: boolean;
}

export interface Figure {
  readonly option: EChartsOption;
  /** Exactly what the option plots, before any on-screen thinning. */
  readonly series: PlottedSeries[];
  /** Axis titles, for the exporters' checks and the matplotlib script. */
  readonly xAxisLabel: string;
  readonly yAxisLabel: string;
  readonly title: string;
  /** Several panels in one option (grids and axes by index, series by panel); absent for a single chart. */
  readonly panels?: Panel[];
  readonly layout?: PanelLayout;
}
