/**
 * Settings of a figure export, shared by the app's Export dialog, the LabApi and `w2s export
 * --figure`: the same settings give the same file from either. Sizes are in inches (LaTeX column
 * widths), fonts in pt.
 */
import { z } from 'zod';

export const FIGURE_KINDS = ['trajectories', 'gains', 'gainVsAccuracy', 'gainVsKappa', 'gainVsStartCos', 'heatmap', 'compare', 'theory', 'kappa', 'normPuzzle', 'sweep', 'sweepHeatmap', 'sweepParallel', 'search'] as const;
export type FigureKind = (typeof FIGURE_KINDS)[number];
export const EXPORT_FORMATS = ['svg', 'pdf', 'png', 'csv', 'py', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** The formats of a figure file; `json` is its sidecar. */
export type FigureFormat = Exclude<ExportFormat, 'json'>;

export const METRICS = ['cos', 'inner', 'norm', 'accuracy'] as const;
/** The three panels of Figure 1, in the paper's order: the story is told by ⟨w, w*⟩ against ‖w‖. */
export const FIGURE1_METRICS = ['inner', 'norm', 'cos'] as const;
/**
 * How a grid's cells are laid out: `grid` small multiples (a panel per cell, by the grid's axes, one
 * metric), `rows` (a row of panels per cell, a column per metric), `together` (all cells in the same
 * panels, at most TOGETHER_MAX_CELLS), `auto` (small multiples when there are several cells).
 */
export const FACETS = ['auto', 'grid', 'rows', 'together'] as const;
export const TOGETHER_MAX_CELLS = 4;
/**
 * The runs of the trajectories: every teacher at the cell's learning rate (the default), each
 * teacher's selected rate on flow time η·t, each teacher's selected rate aligned at its stop, or each
 * learning rate's mean over all teachers.
 */
export const RUN_VIEWS = ['cellRate', 'flowTime', 'atStop', 'perLearningRate'] as const;

/** Paper column widths in inches. */
export const SIZE_PRESETS = { oneColumn: 3.25, twoColumn: 6.75, wide: 5.5 } as const;
/** The size an export opens at: a grid of more cells than fit together reads at two columns' width, else one column. */
export function defaultSize(cells: number): 'oneColumn' | 'twoColumn' {
  return cells > TOGETHER_MAX_CELLS ? 'twoColumn' : 'oneColumn';
}
export const GOLDEN = (1 + Math.sqrt(5)) / 2;
export const FONT_FAMILIES = ['DejaVu Sans', 'DejaVu Serif', 'Liberation Sans', 'Liberation Serif', 'CMU Serif'] as const;

/** Allowed ranges of the size and stroke settings. */
export const EXPORT_LIMITS = {
  widthIn: { min: 1, max: 20, unit: 'inches' },
  heightIn: { min: 0.5, max: 20, unit: 'inches' },
  fontSize: { min: 4, max: 24, unit: 'pt' },
  lineWidth: { min: 0.1, max: 5, unit: 'pt' },
  smoothing: { min: 0, max: 0.99, unit: 'EMA weight of the previous value; 0 = off' },
} as const;

/** A finite number in a setting's range; the message names the range (each boundary names the field or flag). */
const ranged = (field: keyof typeof EXPORT_LIMITS) => {
  const { min, max, unit } = EXPORT_LIMITS[field];
  const message = `must be a number from ${min} to ${max} (${unit})`;
  return z.number({ error: message }).refine((x) => Number.isFinite(x) && x >= min && x <= max, { error: message });
};

export const ExportSettingsSchema = z
  .object({
    widthIn: ranged('widthIn').default(SIZE_PRESETS.oneColumn),
    /** Null: the golden ratio, width / 1.618. */
    heightIn: ranged('heightIn').nullable().default(null),
    fontFamily: z.enum(FONT_FAMILIES, { error: `must be one of ${FONT_FAMILIES.join(', ')}` }).default('DejaVu Sans'),
    fontSize: ranged('fontSize').default(8),
    lineWidth: ranged('lineWidth').default(1),
    palette: z.enum(['colorblind', 'tol-bright'], { error: "must be 'colorblind' or 'tol-bright'" }).default('colorblind'),
    lineStyles: z.boolean({ error: 'must be true or false' }).default(false),
    band: z.enum(['std', 'sem', 'ci95', 'minmax'], { error: "must be one of 'std', 'sem', 'ci95', 'minmax'" }).default('std'),
    /** auto: log when the selected early-stopping steps span more than a decade, else linear. */
    xScale: z.enum(['auto', 'linear', 'log'], { error: "must be 'auto', 'linear' or 'log'" }).default('auto'),
    yScale: z.enum(['linear', 'log'], { error: "must be 'linear' or 'log'" }).default('linear'),
    smoothing: ranged('smoothing').default(0),
    /** Null: trajectories as the three panels ⟨w, w*⟩, ‖w‖, cos (Figure 1); comparisons then draw cos. */
    metric: z.enum(METRICS, { error: `must be one of ${METRICS.map((m) => `'${m}'`).join(', ')}` }).nullable().default(null),
    /** Small multiples, a row of panels per cell, or all cells in the same panels (FACETS). */
    facet: z.enum(FACETS, { error: `must be one of ${FACETS.map((f) => `'${f}'`).join(', ')}` }).default('auto'),
    /** Which runs the trajectories draw and on which clock (RUN_VIEWS). */
    runs: z.enum(RUN_VIEWS, { error: `must be one of ${RUN_VIEWS.map((r) => `'${r}'`).join(', ')}` }).default('cellRate'),
    /** End each teacher's thin line at its early-stopping step. */
    endAtStop: z.boolean({ error: 'must be true or false' }).default(false),
    heatmapValue: z.enum(['gainMean', 'fractionImproved'], { error: "must be 'gainMean' or 'fractionImproved'" }).default('gainMean'),
    /** What the sweep figures plot: a summary group's interval (charts/sweepData.ts SWEEP_TARGETS). */
    sweepTarget: z.enum(['gainMean', 'fractionImproved', 'pgr', 'bestStep'], { error: "must be 'gainMean', 'fractionImproved', 'pgr' or 'bestStep'" }).default('gainMean'),
    /** The sweep figures' x axis, a spec path ('beta', 'data.d'); null: the first axis the sweep varies along. */
    sweepX: z.string({ error: "must be a spec path such as 'beta' or 'data.d'" }).min(1, { error: "must be a spec path such as 'beta' or 'data.d'" }).nullable().default(null),
    thinLines: z.boolean({ error: 'must be true or false' }).default(true),
    flow: z.boolean({ error: 'must be true or false' }).default(true),
    stopMarkers: z.boolean({ error: 'must be true or false' }).default(true),
    showTitle: z.boolean({ error: 'must be true or false' }).default(false),
    dpi: z.union([z.literal(300), z.literal(600)], { error: 'must be 300 or 600' }).default(300),
  })
  .strict();

export type ExportSettings = z.output<typeof ExportSettingsSchema>;
export type Metric = NonNullable<ExportSettings['metric']>;
export type Facet = ExportSettings['facet'];
export type RunView = ExportSettings['runs'];
export type BandKind = ExportSettings['band'];
export type PaletteName = ExportSettings['palette'];

/** A refusal of export settings, naming the field. */
export class ExportSettingsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExportSettingsError';
  }
}

/** Settings from outside (a file, a script): defaults filled in, or a refusal naming the field and its range. */
export function parseExportSettings(raw: unknown): ExportSettings {
  const result = ExportSettingsSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue.code === 'unrecognized_keys') throw new ExportSettingsError(issue.keys[0], `Invalid export settings: unknown setting(s) ${issue.keys.join(', ')}`);
  const field = issue.path.length > 0 ? issue.path.join('.') : '(settings)';
  throw new ExportSettingsError(field, `Invalid export settings: ${field}: ${issue.message}`);
}

export const ExportRequestSchema = z
  .object({
    ids: z.array(z.number().int().positive()).min(1, { error: 'needs at least one experiment' }).max(8, { error: 'at most 8 experiments' }),
    kind: z.enum(FIGURE_KINDS, { error: `must be one of ${FIGURE_KINDS.join(', ')}` }),
    format: z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` }),
    settings: ExportSettingsSchema.prefault({}),
    /** For the sidecar (format json): the format of the figure file it accompanies. */
    describes: z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` }).optional(),
  })
  .strict();

export const ExportFileSchema = z.object({
  fileName: z.string(),
  mime: z.string(),
  /** utf8 for text formats, base64 for PDF and PNG. */
  encoding: z.enum(['utf8', 'base64']),
  data: z.string(),
});

/** The golden-ratio height of a figure of this width (inches). */
export function goldenHeight(widthIn: number): number {
  return widthIn / GOLDEN;
}

/** Rows × columns of panels in a figure (1 × 1: a single chart). */
export interface PanelLayout {
  readonly rows: number;
  readonly cols: number;
  /** Panel height ÷ width (0.8 unless set: rows of histograms are wide and short). */
  readonly aspect?: number;
}

/**
 * The natural height of a panelled figure (inches): panels of the layout's aspect (at least 1.1 in
 * tall, 0.5 in for short ones, so ticks stay apart; at most 2.4 in), plus room in pt for the
 * legend, panel titles and the x axis.
 */
export function panelledHeight(widthIn: number, fontSizePt: number, layout: PanelLayout): number {
  const aspect = layout.aspect ?? 0.8;
  const margins = (fontSizePt * 3.2 + (layout.cols - 1) * fontSizePt * 2.6 + fontSizePt * 1.5) / 72;
  const panelWidth = Math.max(0.3, (widthIn - margins) / layout.cols);
  const panel = Math.max(aspect >= 0.5 ? 1.1 : 0.5, Math.min(panelWidth * aspect, 2.4));
  const chrome = (fontSizePt * 2.6 + layout.rows * fontSizePt * 1.6 + fontSizePt * 3.2) / 72;
  return Math.min(EXPORT_LIMITS.heightIn.max, Math.max(EXPORT_LIMITS.heightIn.min, layout.rows * panel + chrome));
}

/** A figure's height in inches: as set; else the golden ratio of its width, or a panelled figure's natural height. */
export function heightOf(settings: Pick<ExportSettings, 'widthIn' | 'heightIn'> & { fontSize?: number }, layout: PanelLayout = { rows: 1, cols: 1 }): number {
  if (settings.heightIn !== null) return settings.heightIn;
  return layout.rows === 1 && layout.cols === 1 ? goldenHeight(settings.widthIn) : panelledHeight(settings.widthIn, settings.fontSize ?? 8, layout);
}
