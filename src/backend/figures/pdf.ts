/**
 * SVG → PDF (pdfkit + svg-to-pdfkit) for LaTeX: the page is exactly the figure, and every font is
 * an embedded TrueType subset. pdfkit's defaults would reference base-14 Helvetica, which is never
 * embedded (journals' preflight rejects that), so the document's default font and every family the
 * SVG names are mapped to TTF files; a family without a TTF fails the export.
 */
import SVGtoPDF from 'svg-to-pdfkit';
import PDFDocument from 'pdfkit';
import { resolveFont, svgFontFamilies } from './fonts';
import { splitFallbackRuns } from './glyphFallback';
import { resolveSize, type FigureSize } from './svg';

export const PT_PER_IN = 72;

/** Fixed document date: same input → same bytes (pdfkit derives the file ID from it too). */
export const FIXED_PDF_DATE = new Date(Date.UTC(2000, 0, 1, 0, 0, 0));

/**
 * svg-to-pdfkit ignores `paint-order`, so ECharts' outlined labels (a white halo drawn *under*
 * the text: paint-order="stroke") would get the halo painted over the glyphs. Split each such
 * text into a stroke-only copy followed by a fill-only copy: the same picture, in plain SVG 1.1.
 */
export function expandPaintOrder(svg: string): string {
  return svg.replace(/<text\b([^>]*?)\s+paint-order="stroke(?: fill)?(?: markers)?"([^>]*)>([^<]*)<\/text>/g, (_m, a: string, b: string, text: string) => {
    const attrs = a + b;
    const stroke = attrs.replace(/\sfill="[^"]*"/, '') + ' fill="none"';
    const fill = attrs.replace(/\s(?:stroke|stroke-width|stroke-miterlimit|stroke-linejoin|stroke-opacity)="[^"]*"/g, '') + ' stroke="none"';
    return `<text${stroke}>${text}</text>\n<text${fill}>${text}</text>`;
  });
}

export interface PdfInfo {
  readonly title?: string;
  readonly author?: string;
  readonly subject?: string;
  readonly keywords?: string;
  /** Defaults to FIXED_PDF_DATE, so exports are reproducible. */
  readonly creationDate?: Date;
  readonly producer?: string;
}

/**
 * Convert an SVG (from renderSvg) to a one-page PDF of the figure's size in pt (in × 72).
 * `fontFamily` is the fallback for text without a family of its own (and pdfkit's default font).
 */
export async function svgToPdf(svg: string, size: FigureSize, fontFamily: string, info: PdfInfo = {}): Promise<Buffer> {
  const { widthIn, heightIn } = resolveSize(size);
  const widthPt = widthIn * PT_PER_IN;
  const heightPt = heightIn * PT_PER_IN;
  // Resolve up front, so a missing font is reported before any drawing, naming the family.
  const defaultFont = resolveFont(fontFamily).path;
  for (const family of svgFontFamilies(svg)) resolveFont(family);

  const date = info.creationDate ?? FIXED_PDF_DATE;
  const doc = new PDFDocument({
    size: [widthPt, heightPt],
    margin: 0,
    autoFirstPage: true,
    // A TTF default font: pdfkit never touches Helvetica.
    font: defaultFont,
    compress: true,
    pdfVersion: '1.7',
    info: {
      Title: info.title ?? '',
      Author: info.author ?? '',
      Subject: info.subject ?? '',
      Keywords: info.keywords ?? '',
      Producer: info.producer ?? 'W2S Lab',
      Creator: 'W2S Lab',
      CreationDate: date,
      ModDate: date,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const warnings: string[] = [];
  let fontError: Error | null = null;
  SVGtoPDF(doc, splitFallbackRuns(expandPaintOrder(svg), fontFamily), 0, 0, {
    width: widthPt,
    height: heightPt,
    preserveAspectRatio: 'xMidYMid meet',
    warningCallback: (m) => warnings.push(m),
    fontCallback: (family, bold, italic) => {
      try {
        // The file path is the font name for pdfkit; it embeds a subset of it.
        return resolveFont(family || fontFamily, bold, italic).path;
      } catch (e) {
        fontError ??= e as Error;
        return defaultFont;
      }
    },
  });
  doc.end();
  const pdf = await done;
  if (fontError) throw fontError;
  const fatal = warnings.filter((w) => /font/i.test(w));
  if (fatal.length > 0) throw new Error(`PDF export: ${fatal.join('; ')}`);
  return pdf;
}
