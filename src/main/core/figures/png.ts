/**
 * SVG → PNG with resvg at an exact print resolution: width = round(inches × dpi) pixels. resvg is
 * given only the TTF files the SVG's families resolve to (no system font scan), so the raster is
 * the same on every machine that has those fonts, and a missing family fails instead of blank text.
 */
import { Resvg } from '@resvg/resvg-js';
import { familyFiles, resolveFont, svgFontFamilies } from './fonts';
import { resolveSize, type FigureSize } from './svg';

export type Dpi = 300 | 600;

export interface PngOptions {
  /** Background colour; white by default (a transparent PNG prints badly in most viewers). */
  readonly background?: string;
  /** Fallback family for text without one. */
  readonly fontFamily?: string;
}

export function pngPixelSize(size: FigureSize, dpi: number): { width: number; height: number } {
  const { widthIn, heightIn } = resolveSize(size);
  return { width: Math.round(widthIn * dpi), height: Math.round(heightIn * dpi) };
}

export function svgToPng(svg: string, size: FigureSize, dpi: Dpi, opts: PngOptions = {}): Buffer {
  const fontFamily = opts.fontFamily ?? 'DejaVu Sans';
  const files = new Set<string>();
  for (const family of [fontFamily, 'sans-serif', 'serif', 'monospace', ...svgFontFamilies(svg)]) {
    for (const f of familyFiles(family)) files.add(f);
  }
  const { width } = pngPixelSize(size, dpi);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    background: opts.background ?? 'white',
    font: {
      fontFiles: [...files].sort(),
      loadSystemFonts: false,
      defaultFontFamily: resolveFont(fontFamily).family,
      sansSerifFamily: resolveFont('sans-serif').family,
      serifFamily: resolveFont('serif').family,
      monospaceFamily: resolveFont('monospace').family,
    },
    shapeRendering: 2,
    textRendering: 2,
    logLevel: 'off',
  });
  return resvg.render().asPng();
}
