/**
 * Text measurement for ECharts' SSR layout. In Node there is no canvas, so ECharts guesses text
 * widths from a fixed 12px sans-serif table; legends, axis-name gaps and label thinning then
 * depend on that guess, not on the font the exporters embed. Here widths come from the very TTF
 * files the PDF/PNG exporters use (read through pdfkit's font engine), so layout matches output.
 */
import { setPlatformAPI } from 'echarts';
import PDFDocument from 'pdfkit';
import { glyphRuns, resolveFont, type ResolvedFont } from './fonts';

let doc: PDFKit.PDFDocument | null = null;
let installed = false;

/** Parse a CSS font shorthand as ECharts builds it: "[italic] [bold|700] 12px Family, fallback". */
export function parseCssFont(font: string): { italic: boolean; bold: boolean; sizePx: number; family: string } {
  const m = /^(.*?)(\d+(?:\.\d+)?)px\s+(.+)$/.exec(font.trim());
  if (!m) return { italic: false, bold: false, sizePx: 12, family: 'sans-serif' };
  const pre = m[1].toLowerCase();
  return {
    italic: /\b(italic|oblique)\b/.test(pre),
    bold: /\b(bold|bolder|[6-9]00)\b/.test(pre),
    sizePx: Number(m[2]),
    family: m[3],
  };
}

/** Width in px of `text` in the CSS `font`, or null when the family has no TTF here. */
export function measureTextPx(text: string, font: string): number | null {
  const f = parseCssFont(font || '12px sans-serif');
  let resolved: ResolvedFont;
  try {
    resolved = resolveFont(f.family, f.bold, f.italic);
  } catch {
    return null;
  }
  // Built with a TTF as default font so pdfkit never loads its Helvetica AFM.
  doc ??= new PDFDocument({ autoFirstPage: false, font: resolved.path });
  let width = 0;
  // Characters the font lacks are drawn in its fallback (fonts.ts withGlyphFallback): measure them there.
  for (const run of glyphRuns(text, resolved)) {
    const path = run.fallback ? resolveFont(resolved.fallback!, f.bold, f.italic).path : resolved.path;
    width += doc.font(path).fontSize(f.sizePx).widthOfString(run.text);
  }
  return width;
}

/** Install the measurement into ECharts once; unknown families keep ECharts' own estimate. */
export function installTextMeasure(): void {
  if (installed) return;
  installed = true;
  const fallback = (text: string, font?: string): { width: number } => {
    const size = Number(/(\d+(?:\.\d+)?)px/.exec(font ?? '')?.[1] ?? 12);
    return { width: text.length * size * 0.6 };
  };
  setPlatformAPI({
    measureText: (text: string, font?: string) => {
      const w = measureTextPx(text ?? '', font ?? '12px sans-serif');
      return w === null ? fallback(text ?? '', font) : { width: w };
    },
  });
}
