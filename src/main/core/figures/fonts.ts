/**
 * Font families → TrueType files. The PDF and PNG exporters must never fall back to a font they
 * cannot embed (pdfkit's base-14 Helvetica is not embedded; resvg silently drops text without a
 * font), so every family the SVG names is resolved here, or the export fails naming the family.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const FONT_ROOT = '/usr/share/fonts/truetype';

export type FontVariant = 'regular' | 'bold' | 'italic' | 'boldItalic';

/** File names of the four variants of each family we know, by lower-case family name. */
const FAMILIES: Record<string, { name: string; files: Record<FontVariant, string> }> = {
  'dejavu sans': { name: 'DejaVu Sans', files: { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf', italic: 'DejaVuSans-Oblique.ttf', boldItalic: 'DejaVuSans-BoldOblique.ttf' } },
  'dejavu serif': { name: 'DejaVu Serif', files: { regular: 'DejaVuSerif.ttf', bold: 'DejaVuSerif-Bold.ttf', italic: 'DejaVuSerif-Italic.ttf', boldItalic: 'DejaVuSerif-BoldItalic.ttf' } },
  'dejavu sans mono': { name: 'DejaVu Sans Mono', files: { regular: 'DejaVuSansMono.ttf', bold: 'DejaVuSansMono-Bold.ttf', italic: 'DejaVuSansMono-Oblique.ttf', boldItalic: 'DejaVuSansMono-BoldOblique.ttf' } },
  'liberation sans': { name: 'Liberation Sans', files: { regular: 'LiberationSans-Regular.ttf', bold: 'LiberationSans-Bold.ttf', italic: 'LiberationSans-Italic.ttf', boldItalic: 'LiberationSans-BoldItalic.ttf' } },
  'liberation serif': { name: 'Liberation Serif', files: { regular: 'LiberationSerif-Regular.ttf', bold: 'LiberationSerif-Bold.ttf', italic: 'LiberationSerif-Italic.ttf', boldItalic: 'LiberationSerif-BoldItalic.ttf' } },
  'liberation mono': { name: 'Liberation Mono', files: { regular: 'LiberationMono-Regular.ttf', bold: 'LiberationMono-Bold.ttf', italic: 'LiberationMono-Italic.ttf', boldItalic: 'LiberationMono-BoldItalic.ttf' } },
};

/**
 * Generic CSS families and common proprietary names → a family we can embed. Liberation is
 * metric-compatible with Arial/Helvetica, Times and Courier, so text keeps its width.
 */
const ALIASES: Record<string, string[]> = {
  'sans-serif': ['dejavu sans', 'liberation sans'],
  serif: ['dejavu serif', 'liberation serif'],
  monospace: ['dejavu sans mono', 'liberation mono'],
  arial: ['liberation sans', 'dejavu sans'],
  helvetica: ['liberation sans', 'dejavu sans'],
  'times new roman': ['liberation serif', 'dejavu serif'],
  times: ['liberation serif', 'dejavu serif'],
  'courier new': ['liberation mono', 'dejavu sans mono'],
  courier: ['liberation mono', 'dejavu sans mono'],
};

export class FontNotFoundError extends Error {
  constructor(readonly family: string) {
    super(`No TrueType font found for font family "${family}" under ${FONT_ROOT} (known: ${Object.values(FAMILIES).map((f) => f.name).join(', ')}, and the generic sans-serif/serif/monospace)`);
    this.name = 'FontNotFoundError';
  }
}

let index: Map<string, string> | null = null;

/** Every .ttf under FONT_ROOT by file name; scanned once (font packages put files in subfolders). */
function fileIndex(): Map<string, string> {
  if (index) return index;
  index = new Map();
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.toLowerCase().endsWith('.ttf') && !index!.has(name)) index!.set(name, path);
    }
  };
  if (existsSync(FONT_ROOT)) walk(FONT_ROOT);
  return index;
}

/** The families of a CSS font-family list, unquoted, in order. */
export function familyList(cssFamily: string): string[] {
  return cssFamily
    .split(',')
    .map((f) => f.trim().replace(/^['"]|['"]$/g, '').trim())
    .filter((f) => f.length > 0);
}

export interface ResolvedFont {
  /** The family's proper name, e.g. 'DejaVu Sans'. */
  readonly family: string;
  readonly variant: FontVariant;
  readonly path: string;
}

function variantOf(bold: boolean, italic: boolean): FontVariant {
  return bold ? (italic ? 'boldItalic' : 'bold') : italic ? 'italic' : 'regular';
}

/** Resolve one family (no list) to a file; a missing variant falls back to bold, then regular. */
function resolveOne(family: string, variant: FontVariant): ResolvedFont | null {
  const key = family.toLowerCase();
  const files = fileIndex();
  for (const candidate of [key, ...(ALIASES[key] ?? [])]) {
    const known = FAMILIES[candidate];
    if (!known) continue;
    const order: FontVariant[] = [variant, variant === 'boldItalic' ? 'bold' : 'regular', 'regular'];
    for (const v of order) {
      const path = files.get(known.files[v]);
      if (path) return { family: known.name, variant: v, path };
    }
  }
  return null;
}

/** The TTF for a CSS font-family list (first family that resolves wins); throws naming the list. */
export function resolveFont(cssFamily: string, bold = false, italic = false): ResolvedFont {
  const families = familyList(cssFamily);
  for (const f of families) {
    const found = resolveOne(f, variantOf(bold, italic));
    if (found) return found;
  }
  throw new FontNotFoundError(cssFamily.trim() || '(empty)');
}

/** All four variants' files of a family that resolves (those present), for resvg's font database. */
export function familyFiles(cssFamily: string): string[] {
  const out = new Set<string>();
  for (const v of ['regular', 'bold', 'italic', 'boldItalic'] as const) {
    out.add(resolveFont(cssFamily, v === 'bold' || v === 'boldItalic', v === 'italic' || v === 'boldItalic').path);
  }
  return [...out];
}

/** The font-family values an SVG uses (style="font-family:…" and font-family="…"), deduplicated, sorted. */
export function svgFontFamilies(svg: string): string[] {
  const found = new Set<string>();
  for (const m of svg.matchAll(/font-family\s*:\s*([^;"]+)/g)) found.add(decodeEntities(m[1]).trim());
  for (const m of svg.matchAll(/font-family="([^"]*)"/g)) found.add(decodeEntities(m[1]).trim());
  // The `font` shorthand (ECharts may emit it): the family is what follows the size.
  for (const m of svg.matchAll(/[;"]\s*font\s*:\s*[^;"]*?\d+(?:\.\d+)?px\s+([^;"]+)/g)) found.add(decodeEntities(m[1]).trim());
  return [...found].filter((f) => f.length > 0).sort();
}

function decodeEntities(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&apos;|&#39;/g, "'").replace(/&amp;/g, '&');
}
