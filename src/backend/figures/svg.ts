/**
 * Figure → SVG with ECharts' server-side renderer, post-processed into a file LaTeX tools accept
 * (Inkscape / svg package, rsvg-convert): physical size in inches, viewBox in CSS px (96 per inch),
 * an XML declaration, text kept as <text>, no interactive leftovers, and the same bytes for the
 * same input (ECharts numbers each instance's ids: zr0-, zr1-, …).
 */
import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';
import type { Figure } from '../../charts/types';
import { installTextMeasure } from './measure';

import { goldenHeight } from '../../shared/figureExport';

export const PX_PER_IN = 96;

export interface FigureSize {
  readonly widthIn: number;
  /** Defaults to goldenHeight(widthIn). */
  readonly heightIn?: number;
}

export function resolveSize(size: FigureSize): { widthIn: number; heightIn: number } {
  return { widthIn: size.widthIn, heightIn: size.heightIn ?? goldenHeight(size.widthIn) };
}

export interface RenderSvgOptions {
  /** Replaces every fontFamily in the option (the export dialog's font). */
  readonly fontFamily?: string;
}

/** Short decimal for attributes: at most 4 decimals, no trailing zeros. */
export function fmt(n: number): string {
  return String(Math.round(n * 1e4) / 1e4);
}

/**
 * Copy the option (ECharts' compatibility preprocessors mutate what they are given, which would
 * make a second render of the same Figure differ), replacing fontFamily values if asked.
 */
function copyOption(value: unknown, fontFamily: string | undefined): unknown {
  if (Array.isArray(value)) {
    // Data arrays of numbers are copied flat and fast.
    if (value.length > 0 && typeof value[0] !== 'object') return value.slice();
    return value.map((v) => copyOption(v, fontFamily));
  }
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'fontFamily' && fontFamily !== undefined ? fontFamily : copyOption(v, fontFamily);
  return out;
}

function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The option as exported: static, full resolution, nothing interactive drawn. */
export function exportOption(option: EChartsOption, fontFamily?: string): EChartsOption {
  const o = copyOption(option, fontFamily) as Record<string, unknown>;
  o.animation = false;
  delete o.toolbox;
  delete o.brush;
  // A slider would be drawn into the figure; 'inside' keeps the zoom window and draws nothing.
  if (o.dataZoom !== undefined) o.dataZoom = asArray(o.dataZoom as Record<string, unknown>[]).map((d) => ({ ...d, type: 'inside' }));
  if (fontFamily !== undefined) o.textStyle = { ...(o.textStyle as object | undefined), fontFamily };
  o.series = asArray(o.series as Record<string, unknown>[]).map((s) => {
    // Exports are full resolution: no progressive chunks, no LTTB down-sampling.
    const copy: Record<string, unknown> = { ...s, progressive: 0, animation: false };
    delete copy.sampling;
    return copy;
  });
  return o as EChartsOption;
}

/** Make ECharts' SSR string a standalone, deterministic, paper-ready SVG file. */
export function postProcessSvg(raw: string, widthIn: number, heightIn: number): string {
  const wPx = widthIn * PX_PER_IN;
  const hPx = heightIn * PX_PER_IN;
  let svg = raw
    // Per-instance id prefixes (zr0-, zr12-, …) → one fixed prefix.
    .replace(/zr\d+-/g, 'w2s-')
    // Hover-only CSS, hit-test and SSR metadata: meaningless on paper.
    .replace(/<style\b[^>]*>[\s\S]*?<\/style>\s*/g, '')
    .replace(/\s(?:class|pointer-events|ecmeta_[a-z_]+)="[^"]*"/g, '')
    // Invisible hit areas (no fill, no stroke) that ECharts adds for legends.
    .replace(/<path(?![^>]*\sstroke=)[^>]*\sfill="none"[^>]*><\/path>\n?/g, '')
    .replace(/<defs\s+>/g, '<defs>');
  const root = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" width="${fmt(widthIn)}in" height="${fmt(heightIn)}in" viewBox="0 0 ${fmt(wPx)} ${fmt(hPx)}">`;
  svg = svg.replace(/^\s*<svg\b[^>]*>/, root);
  if (!svg.startsWith('<svg ')) throw new Error('ECharts SSR output does not start with <svg>');
  if (/<foreignObject|<image\b/i.test(svg)) throw new Error('SVG export contains foreignObject or image elements; the figure must be pure vector');
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n${svg.trimEnd()}\n`;
}

/** Render a Figure to a standalone SVG of the given physical size. */
export function renderSvg(figure: Figure, size: FigureSize, opts: RenderSvgOptions = {}): string {
  const { widthIn, heightIn } = resolveSize(size);
  installTextMeasure();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: widthIn * PX_PER_IN, height: heightIn * PX_PER_IN });
  try {
    chart.setOption(exportOption(figure.option, opts.fontFamily));
    return postProcessSvg(chart.renderToSVGString(), widthIn, heightIn);
  } finally {
    chart.dispose();
  }
}
