/**
 * SVG → PNG with resvg at an exact print resolution: width = round(inches × dpi) pixels. resvg is
 * given only the TTF files the SVG's families resolve to (no system font scan), so the raster is
 * the same on every machine that has those fonts, and a missing family fails instead of blank text.
 */
import { crc32 } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import { familyFiles, resolveFont, svgFontFamilies } from './fonts';
import { splitFallbackRuns } from './glyphFallback';
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
  const resvg = new Resvg(splitFallbackRuns(svg, fontFamily), {
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
  return withDpi(resvg.render().asPng(), dpi);
}

/**
 * Record the resolution in a pHYs chunk (resvg writes none): pdfLaTeX and word processors then
 * place the PNG at its physical size without an explicit width.
 */
export function withDpi(png: Buffer, dpi: number): Buffer {
  const IHDR_END = 8 + 8 + 13 + 4; // signature, IHDR length+type, IHDR data, CRC
  if (png.subarray(12, 16).toString('latin1') !== 'IHDR') throw new Error('not a PNG');
  const ppm = Math.round(dpi / 0.0254);
  const chunk = Buffer.alloc(4 + 4 + 9 + 4);
  chunk.writeUInt32BE(9, 0);
  chunk.write('pHYs', 4, 'latin1');
  chunk.writeUInt32BE(ppm, 8);
  chunk.writeUInt32BE(ppm, 12);
  chunk.writeUInt8(1, 16); // unit: metre
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 17)) >>> 0, 17);
  return Buffer.concat([png.subarray(0, IHDR_END), chunk, png.subarray(IHDR_END)]);
}
