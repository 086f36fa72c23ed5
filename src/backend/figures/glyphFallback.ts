/**
 * Characters a font has no glyph for (⟨ ⟩ in Computer Modern and Liberation) are drawn in the
 * family's fallback, as a typesetter takes ⟨ from a math font. Neither converter does it right by
 * itself: svg-to-pdfkit draws a missing glyph as a box, and resvg switches the whole line to
 * another font. So before conversion each such <text> becomes one <text> per run of characters,
 * placed at the widths measured in the very files that are embedded (measure.ts).
 */
import { decodeEntities, glyphRuns, resolveFont, type ResolvedFont } from './fonts';
import { measureTextPx } from './measure';

function attribute(attrs: string, name: string): string | null {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(attrs)?.[1] ?? null;
}

function styleValue(attrs: string, name: string): string | null {
  return new RegExp(`${name}\\s*:\\s*([^;"]+)`).exec(attrs)?.[1]?.trim() ?? null;
}

function encodeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Replace (or add) an attribute. */
function withAttribute(attrs: string, name: string, value: string): string {
  const re = new RegExp(`\\s${name}="[^"]*"`);
  return re.test(attrs) ? attrs.replace(re, ` ${name}="${value}"`) : `${attrs} ${name}="${value}"`;
}

/** The SVG with every <text> that needs a fallback font split into runs (the rest untouched). */
export function splitFallbackRuns(svg: string, defaultFamily: string): string {
  return svg.replace(/<text\b([^>]*)>([^<]*)<\/text>/g, (whole, attrs: string, body: string) => {
    const family = decodeEntities(styleValue(attrs, 'font-family') ?? attribute(attrs, 'font-family') ?? defaultFamily);
    const weight = styleValue(attrs, 'font-weight') ?? attribute(attrs, 'font-weight') ?? '';
    const bold = /^(bold|bolder|[6-9]00)$/.test(weight);
    const italic = (styleValue(attrs, 'font-style') ?? attribute(attrs, 'font-style') ?? '') === 'italic';
    let font: ResolvedFont;
    try {
      font = resolveFont(family, bold, italic);
    } catch {
      return whole; // the converters report an unknown family themselves
    }
    const text = decodeEntities(body);
    const runs = glyphRuns(text, font);
    if (runs.length === 1 && !runs[0].fallback) return whole;
    const sizePx = Number(styleValue(attrs, 'font-size')?.replace(/px$/, '') ?? attribute(attrs, 'font-size') ?? 12);
    const prefix = `${italic ? 'italic ' : ''}${bold ? 'bold ' : ''}`;
    const widths = runs.map((r) => measureTextPx(r.text, `${prefix}${sizePx}px ${r.fallback ? font.fallback : font.family}`) ?? 0);
    const total = widths.reduce((a, b) => a + b, 0);
    const anchor = styleValue(attrs, 'text-anchor') ?? attribute(attrs, 'text-anchor') ?? 'start';
    let x = Number(attribute(attrs, 'x') ?? 0) - (anchor === 'middle' ? total / 2 : anchor === 'end' ? total : 0);
    const base = withAttribute(attrs, 'text-anchor', 'start').replace(/text-anchor\s*:\s*[^;"]+;?/, '');
    return runs
      .map((run, i) => {
        let a = withAttribute(base, 'x', String(Math.round(x * 1e4) / 1e4));
        if (run.fallback) {
          a = /font-family\s*:/.test(a) ? a.replace(/font-family\s*:\s*[^;"]+/, `font-family:${font.fallback}`) : withAttribute(a, 'font-family', font.fallback!);
        }
        x += widths[i];
        return `<text${a}>${encodeText(run.text)}</text>`;
      })
      .join('');
  });
}
