/**
 * The figure-export backend: a Figure (option + plotted series, from the shared chart builders)
 * → a paper-ready file. SVG is rendered once by ECharts' SSR renderer; PDF and PNG are converted
 * from that SVG (so all three look the same), CSV holds the plotted data, `py` a matplotlib script.
 */
import { z } from 'zod';
import type { Figure } from '../../charts/types';
import { EXPORT_LIMITS } from '../../shared/figureExport';
import { plottedCsv } from './csv';
import { resolveFont } from './fonts';
import { matplotlibScript } from './matplotlib';
import { svgToPdf } from './pdf';
import { svgToPng } from './png';
import { goldenHeight, renderSvg } from './svg';

export { SIZE_PRESETS, GOLDEN_RATIO, PX_PER_IN, goldenHeight, renderSvg, exportOption, postProcessSvg, type FigureSize, type SizePreset } from './svg';
export { svgToPdf, expandPaintOrder, PT_PER_IN, FIXED_PDF_DATE, type PdfInfo } from './pdf';
export { svgToPng, pngPixelSize, type Dpi, type PngOptions } from './png';
export { plottedCsv, parsePlottedCsv, formatNumber, parseNumber, CSV_COLUMNS, BAND_LOWER_SUFFIX, BAND_UPPER_SUFFIX, type ParsedSeries } from './csv';
export { matplotlibScript, type MatplotlibOptions } from './matplotlib';
export { sidecarJson, specHash, canonicalJson, SIDECAR_SCHEMA, type SidecarInput, type SidecarExperiment } from './sidecar';
export { resolveFont, FontNotFoundError } from './fonts';

export const FIGURE_FORMATS = ['svg', 'pdf', 'png', 'csv', 'py'] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];

/** Allowed ranges: the same as the app's and the CLI's settings schema (src/shared/figureExport.ts). */
export { EXPORT_LIMITS };

const ranged = (field: keyof typeof EXPORT_LIMITS) => {
  const { min, max, unit } = EXPORT_LIMITS[field];
  const message = `${field} must be a number from ${min} to ${max} (${unit})`;
  return z.number({ error: message }).refine((x) => Number.isFinite(x) && x >= min && x <= max, { error: message });
};

export const FigureExportSettingsSchema = z
  .object({
    format: z.enum(FIGURE_FORMATS, { error: `format must be one of ${FIGURE_FORMATS.join(', ')}` }),
    widthIn: ranged('widthIn'),
    /** Omitted or null: golden ratio (width / 1.618…). */
    heightIn: ranged('heightIn').nullish(),
    dpi: z.union([z.literal(300), z.literal(600)], { error: 'dpi must be 300 or 600' }).default(300),
    fontFamily: z.string({ error: 'fontFamily must be a font family name' }).min(1, { error: 'fontFamily must be a font family name' }).default('DejaVu Sans'),
    fontSizePt: ranged('fontSizePt').default(8),
    lineWidth: ranged('lineWidth').default(1),
    /** The CSV file the `py` script reads. */
    csvFile: z.string({ error: 'csvFile must be a file name' }).min(1, { error: 'csvFile must be a file name' }).default('figure.csv'),
    /** What the `py` script saves. */
    scriptFormat: z.enum(['pdf', 'svg', 'png'], { error: "scriptFormat must be 'pdf', 'svg' or 'png'" }).default('pdf'),
  })
  .strict();

export type FigureExportSettings = z.input<typeof FigureExportSettingsSchema>;
export type ValidFigureExportSettings = z.output<typeof FigureExportSettingsSchema>;

export class ExportSettingsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExportSettingsError';
  }
}

/** Check raw settings (e.g. from the IPC/HTTP boundary); errors name the field and its allowed range. */
export function validateExportSettings(raw: unknown): ValidFigureExportSettings {
  const result = FigureExportSettingsSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.length > 0 ? issue.path.join('.') : '(settings)';
    const message = issue.code === 'unrecognized_keys' ? `unknown export setting(s): ${issue.keys.join(', ')}` : issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
    throw new ExportSettingsError(issue.code === 'unrecognized_keys' ? issue.keys[0] : field, `Invalid export settings: ${message}`);
  }
  const settings = result.data;
  if (settings.format === 'pdf' || settings.format === 'png') {
    try {
      resolveFont(settings.fontFamily);
    } catch (e) {
      throw new ExportSettingsError('fontFamily', `Invalid export settings: fontFamily: ${(e as Error).message}`);
    }
  }
  return settings;
}

/** Export a figure: SVG/CSV/py as text, PDF/PNG as bytes. Settings are validated first. */
export async function exportFigure(figure: Figure, raw: FigureExportSettings): Promise<Buffer | string> {
  const s = validateExportSettings(raw);
  const size = { widthIn: s.widthIn, heightIn: s.heightIn ?? goldenHeight(s.widthIn) };
  switch (s.format) {
    case 'csv':
      return plottedCsv(figure);
    case 'py':
      return matplotlibScript(figure, { csvFile: s.csvFile, sizeIn: size, fontFamily: s.fontFamily, fontSizePt: s.fontSizePt, lineWidth: s.lineWidth, format: s.scriptFormat, dpi: s.dpi });
    case 'svg':
      return renderSvg(figure, size, { fontFamily: s.fontFamily });
    case 'pdf':
      return svgToPdf(renderSvg(figure, size, { fontFamily: s.fontFamily }), size, s.fontFamily, { title: figure.title });
    case 'png':
      return svgToPng(renderSvg(figure, size, { fontFamily: s.fontFamily }), size, s.dpi, { fontFamily: s.fontFamily });
  }
}
