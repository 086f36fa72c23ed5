/**
 * Font families → TrueType files that travel with the app. The PDF and PNG exporters must never
 * fall back to a font they cannot embed (pdfkit's base-14 Helvetica is not embedded; resvg
 * silently drops text without a font), and the same settings must give the same bytes on Linux,
 * macOS and Windows, so no system folder is ever read: every file comes from the app's own
 * dependencies (DejaVu, Computer Modern) or from its resources/fonts folder (Liberation), each with
 * its licence. A family that does not resolve fails the export, naming it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';

export type FontVariant = 'regular' | 'bold' | 'italic' | 'boldItalic';

/** The folders fonts come from; each is one package or one folder of resources/fonts. */
type FontSource = 'dejavu' | 'liberation' | 'computerModern';

interface Family {
  readonly name: string;
  readonly source: FontSource;
  readonly files: Record<FontVariant, string>;
  /** Embedded for characters the family has no glyph for (e.g. ⟨ ⟩ in Computer Modern). */
  readonly fallback: string | null;
}

/** A family's four files, in the order regular, bold, italic, bold italic. */
function family(name: string, source: FontSource, files: [string, string, string, string], fallback: string | null): Family {
  const [regular, bold, italic, boldItalic] = files;
  return { name, source, files: { regular, bold, italic, boldItalic }, fallback };
}

/** The families an export may use, by lower-case name. `name` is the family name inside the file. */
const FAMILIES: Record<string, Family> = {
  'dejavu sans': family('DejaVu Sans', 'dejavu', ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf', 'DejaVuSans-BoldOblique.ttf'], null),
  'dejavu serif': family('DejaVu Serif', 'dejavu', ['DejaVuSerif.ttf', 'DejaVuSerif-Bold.ttf', 'DejaVuSerif-Italic.ttf', 'DejaVuSerif-BoldItalic.ttf'], null),
  'dejavu sans mono': family('DejaVu Sans Mono', 'dejavu', ['DejaVuSansMono.ttf', 'DejaVuSansMono-Bold.ttf', 'DejaVuSansMono-Oblique.ttf', 'DejaVuSansMono-BoldOblique.ttf'], null),
  'liberation sans': family('Liberation Sans', 'liberation', ['LiberationSans-Regular.ttf', 'LiberationSans-Bold.ttf', 'LiberationSans-Italic.ttf', 'LiberationSans-BoldItalic.ttf'], 'dejavu sans'),
  'liberation serif': family('Liberation Serif', 'liberation', ['LiberationSerif-Regular.ttf', 'LiberationSerif-Bold.ttf', 'LiberationSerif-Italic.ttf', 'LiberationSerif-BoldItalic.ttf'], 'dejavu serif'),
  'cmu serif': family('CMU Serif', 'computerModern', ['cmu-serif-500-roman.ttf', 'cmu-serif-700-roman.ttf', 'cmu-serif-500-italic.ttf', 'cmu-serif-700-italic.ttf'], 'dejavu serif'),
};

/**
 * Generic CSS families and common names → a family we ship. Liberation has the metrics of
 * Arial/Helvetica and Times, so text keeps its width; CMU Serif is LaTeX's Computer Modern.
 */
const ALIASES: Record<string, string[]> = {
  'sans-serif': ['dejavu sans'],
  serif: ['dejavu serif'],
  monospace: ['dejavu sans mono'],
  arial: ['liberation sans'],
  helvetica: ['liberation sans'],
  'times new roman': ['liberation serif'],
  times: ['liberation serif'],
  'computer modern': ['cmu serif'],
  'latin modern': ['cmu serif'],
  'latin modern roman': ['cmu serif'],
  'courier new': ['dejavu sans mono'],
  courier: ['dejavu sans mono'],
};

export class FontNotFoundError extends Error {
  constructor(readonly family: string) {
    super(`No font file shipped for font family "${family}" (shipped: ${Object.values(FAMILIES).map((f) => f.name).join(', ')}, and the generic sans-serif/serif/monospace)`);
    this.name = 'FontNotFoundError';
  }
}

/** A package's folder, found through Node's resolution from this file (works from src/ and out/). */
function packageDir(name: string): string | null {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

/** The first ancestor of this module's folder that holds `relative` (the checkout's resources/). */
function findUp(relative: string): string | null {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

let folders: Record<FontSource, string | null> | null = null;

/**
 * Where each source's files are. The packaged desktop app has them in its resources folder
 * (electron-builder's extraResources, see electron-builder.yml); a checkout or an npm install has
 * them in node_modules and resources/fonts.
 */
export function fontFolders(): Record<FontSource, string | null> {
  if (folders) return folders;
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  const packaged = resourcesPath !== undefined ? join(resourcesPath, 'fonts') : null;
  if (packaged !== null && existsSync(packaged)) {
    folders = { dejavu: join(packaged, 'dejavu', 'ttf'), liberation: join(packaged, 'liberation'), computerModern: join(packaged, 'computer-modern', 'fonts') };
  } else {
    const dejavu = packageDir('dejavu-fonts-ttf');
    const cm = packageDir('computer-modern');
    folders = {
      dejavu: dejavu && join(dejavu, 'ttf'),
      liberation: findUp(join('resources', 'fonts', 'liberation')),
      computerModern: cm && join(cm, 'fonts'),
    };
  }
  return folders;
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
  /** The family drawn for characters this one lacks, or null when it covers what charts print. */
  readonly fallback: string | null;
}

function variantOf(bold: boolean, italic: boolean): FontVariant {
  return bold ? (italic ? 'boldItalic' : 'bold') : italic ? 'italic' : 'regular';
}

function familyKey(family: string): string | null {
  const key = family.toLowerCase();
  if (FAMILIES[key]) return key;
  return (ALIASES[key] ?? []).find((k) => FAMILIES[k]) ?? null;
}

/** Resolve one family (no list) to a file; a missing variant falls back to bold, then regular. */
function resolveOne(family: string, variant: FontVariant): ResolvedFont | null {
  const key = familyKey(family);
  if (key === null) return null;
  const known = FAMILIES[key];
  const folder = fontFolders()[known.source];
  if (folder === null) return null;
  const order: FontVariant[] = [variant, variant === 'boldItalic' ? 'bold' : 'regular', 'regular'];
  for (const v of order) {
    const path = join(folder, known.files[v]);
    if (existsSync(path)) return { family: known.name, variant: v, path, fallback: known.fallback && FAMILIES[known.fallback].name };
  }
  return null;
}

/** The TTF for a CSS font-family list (first family that resolves wins); throws naming the list. */
export function resolveFont(cssFamily: string, bold = false, italic = false): ResolvedFont {
  for (const f of familyList(cssFamily)) {
    const found = resolveOne(f, variantOf(bold, italic));
    if (found) return found;
  }
  throw new FontNotFoundError(cssFamily.trim() || '(empty)');
}

/** All four variants' files of a family that resolves, with its fallback's, for resvg's font database. */
export function familyFiles(cssFamily: string): string[] {
  const out = new Set<string>();
  for (const v of ['regular', 'bold', 'italic', 'boldItalic'] as const) {
    const font = resolveFont(cssFamily, v === 'bold' || v === 'boldItalic', v === 'italic' || v === 'boldItalic');
    out.add(font.path);
    if (font.fallback) for (const f of familyFiles(font.fallback)) out.add(f);
  }
  return [...out];
}

interface GlyphCoverage {
  hasGlyphForCodePoint(codePoint: number): boolean;
}
const coverage = new Map<string, GlyphCoverage>();

/** Whether the font file has a glyph for every character of `text`. */
export function coversText(path: string, text: string): boolean {
  let font = coverage.get(path);
  if (!font) {
    font = fontkit.openSync(path);
    coverage.set(path, font);
  }
  for (const ch of text) if (!font.hasGlyphForCodePoint(ch.codePointAt(0)!)) return false;
  return true;
}

/**
 * Split `text` into runs drawn in the font or in its fallback: characters the font lacks (and
 * spaces between two of them) go to the fallback, as a typesetter would take ⟨ from a math font.
 */
export function glyphRuns(text: string, font: ResolvedFont): { text: string; fallback: boolean }[] {
  if (font.fallback === null || coversText(font.path, text)) return [{ text, fallback: false }];
  const runs: { text: string; fallback: boolean }[] = [];
  for (const ch of text) {
    const fallback = !coversText(font.path, ch);
    const last = runs[runs.length - 1];
    if (last && last.fallback === fallback) last.text += ch;
    else runs.push({ text: ch, fallback });
  }
  return runs;
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

export function decodeEntities(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&apos;|&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
