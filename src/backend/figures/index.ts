/**
 * The figure-export backend: a Figure (option + plotted series, from the shared chart builders)
 * → a paper-ready file. SVG is rendered once by ECharts' SSR renderer; PDF and PNG are converted
 * from that SVG (so all three look the same), CSV holds the plotted data, `py` a matplotlib script.
 */
import type { Figure } from '../../charts/types';
import { type ExportSettings, type FigureFormat, heightOf } from '../../shared/figureExport';
import { plottedCsv } from './csv';
import { matplotlibScript } from './matplotlib';
import { svgToPdf } from './pdf';
import { svgToPng } from './png';
import { renderSvg } from './svg';

export { PX_PER_IN, renderSvg, exportOption, postProcessSvg, type FigureSize } from './svg';
export { svgToPdf, expandPaintOrder, PT_PER_IN, FIXED_PDF_DATE, type PdfInfo } from './pdf';
export { svgToPng, pngPixelSize, type Dpi, type PngOptions } from './png';
export { plottedCsv, parsePlottedCsv, formatNumber, parseNumber, CSV_COLUMNS, BAND_LOWER_SUFFIX, BAND_UPPER_SUFFIX, type ParsedSeries } from './csv';
export { matplotlibScript, type MatplotlibOptions } from './matplotlib';
export { sidecarJson, specHash, canonicalJson, SIDECAR_SCHEMA, type SidecarInput, type SidecarExperiment } from './sidecar';
export { resolveFont, FontNotFoundError } from './fonts';

/** A figure file to write: its format and the (validated) export settings. */
export interface FigureFile {
  readonly format: FigureFormat;
  readonly settings: ExportSettings;
  /** The CSV file the `py` script reads. */
  readonly csvFile?: string;
  /** What the `py` script saves. */
  readonly scriptFormat?: 'pdf' | 'svg' | 'png';
}

/** Export a figure: SVG/CSV/py as text, PDF/PNG as bytes. The settings were validated at the boundary. */
export async function exportFigure(figure: Figure, file: FigureFile): Promise<Buffer | string> {
  const { settings } = file;
  const size = { widthIn: settings.widthIn, heightIn: heightOf(settings, figure.layout) };
  const font = settings.fontFamily;
  switch (file.format) {
    case 'csv':
      return plottedCsv(figure);
    case 'py':
      return matplotlibScript(figure, {
        csvFile: file.csvFile ?? 'figure.csv',
        sizeIn: size,
        fontFamily: font,
        fontSizePt: settings.fontSize,
        lineWidth: settings.lineWidth,
        format: file.scriptFormat ?? 'pdf',
        dpi: settings.dpi,
      });
    case 'svg':
      return renderSvg(figure, size, { fontFamily: font });
    case 'pdf':
      return svgToPdf(renderSvg(figure, size, { fontFamily: font }), size, font, { title: figure.title });
    case 'png':
      return svgToPng(renderSvg(figure, size, { fontFamily: font }), size, settings.dpi, { fontFamily: font });
  }
}
