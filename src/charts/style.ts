/**
 * Figure styling shared by every builder: defaults that look like a paper figure, the palettes,
 * and the light/dark theme colours. Everything is data, so the option renders the same in the
 * browser and in Node's SSR exporter.
 */
import type { FigureStyle, PaletteName } from './types';

/** seaborn "colorblind" and Paul Tol "bright": both stay distinguishable with colour-vision deficiency. */
export const PALETTES: Record<PaletteName, readonly string[]> = {
  colorblind: ['#0173B2', '#DE8F05', '#029E73', '#D55E00', '#CC78BC', '#CA9161', '#FBAFE4', '#949494', '#ECE133', '#56B4E9'],
  'tol-bright': ['#4477AA', '#EE6677', '#228833', '#CCBB44', '#66CCEE', '#AA3377', '#BBBBBB'],
};

/**
 * The same palettes on the dark theme's background: each hue that falls under 5 : 1 against it
 * (WCAG contrast; small dots and thin lines need more than the 3 : 1 of large marks) made lighter
 * in HSL, hue and saturation kept, just enough to reach it. Screen only: exports are light.
 */
export const DARK_PALETTES: Record<PaletteName, readonly string[]> = {
  colorblind: ['#0194E5', '#DE8F05', '#02A377', '#E96700', '#CC78BC', '#CA9161', '#FBAFE4', '#949494', '#ECE133', '#56B4E9'],
  'tol-bright': ['#6191C0', '#EE6677', '#29A53E', '#CCBB44', '#66CCEE', '#D36BA6', '#BBBBBB'],
};

/** Paper-ish defaults: 6.5 in wide at 96 px/in, golden-ratio height, 9 pt DejaVu Sans. */
export function defaultStyle(overrides: Partial<FigureStyle> = {}): FigureStyle {
  return {
    width: 624,
    height: 386,
    fontFamily: 'DejaVu Sans',
    fontSize: 9,
    lineWidth: 1.5,
    palette: 'colorblind',
    lineStyles: false,
    band: 'std',
    xScale: 'linear',
    yScale: 'linear',
    smoothing: 0,
    metric: 'cos',
    facet: 'auto',
    runs: 'cellRate',
    endAtStop: false,
    heatmapValue: 'gainMean',
    sweepTarget: 'gainMean',
    thinLines: true,
    flow: true,
    stopMarkers: true,
    maxPoints: null,
    theme: 'light',
    showTitle: true,
    ...overrides,
  };
}

export interface ThemeColors {
  readonly background: string;
  readonly text: string;
  readonly axis: string;
  readonly grid: string;
  /** Reference lines (zero lines). */
  readonly reference: string;
}

/** The dark page's own background (--bg in the renderer's style.css): a chart sits on it seamlessly. */
export const DARK_BACKGROUND = '#1b1d20';

export function themeColors(style: FigureStyle): ThemeColors {
  return style.theme === 'dark'
    ? { background: DARK_BACKGROUND, text: '#e6e6e6', axis: '#b0b0b0', grid: '#3a3a3a', reference: '#9a9a9a' }
    : { background: '#ffffff', text: '#222222', axis: '#555555', grid: '#e6e6e6', reference: '#666666' };
}

/** Colour of group i, cycling the palette (its dark-theme variant on the dark background). */
export function colorAt(style: FigureStyle, i: number): string {
  const p = (style.theme === 'dark' ? DARK_PALETTES : PALETTES)[style.palette];
  return p[((i % p.length) + p.length) % p.length];
}

/** viridis (matplotlib's), nine equally spaced stops: sequential, perceptually uniform, readable with colour-vision deficiency. */
export const VIRIDIS = ['#440154', '#472D7B', '#3B528B', '#2C728E', '#21918C', '#28AE80', '#5EC962', '#ADDC30', '#FDE725'] as const;

/**
 * The stretch of viridis an ordered quantity uses on each background: where every colour keeps at
 * least 3 : 1 (WCAG, for lines and marks) against it — the dark end on white, the light end on the
 * dark page.
 */
export const SEQUENTIAL_RANGE = { light: [0, 0.56], dark: [0.4, 1] } as const;

const hex = (rgb: readonly number[]): string => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('').toUpperCase()}`;

/** The colour of position t ∈ [0, 1] of an ordered quantity (0: smallest), on the style's background. */
export function sequentialColor(style: Pick<FigureStyle, 'theme'>, t: number): string {
  const [lo, hi] = SEQUENTIAL_RANGE[style.theme];
  return hex(rampColor(VIRIDIS, lo + (hi - lo) * Math.min(1, Math.max(0, t))));
}

/**
 * Colours for the values of an ordered quantity (norms, accuracies, κ, β, learning rates): by
 * rank, smallest darkest on light paper; equal values share a colour, distinct values never do.
 */
export function orderedColors(style: Pick<FigureStyle, 'theme'>, values: readonly number[]): string[] {
  const distinct = [...new Set(values.filter(Number.isFinite))].sort((a, b) => a - b);
  return values.map((v) => {
    const rank = distinct.indexOf(v);
    return sequentialColor(style, distinct.length <= 1 || rank < 0 ? 0.5 : rank / (distinct.length - 1));
  });
}

const DASHES = ['solid', 'dashed', 'dotted', [6, 2, 1, 2]] as const;

/** Line dash of group i: solid unless `lineStyles` cycles dashes for greyscale prints. */
export function dashAt(style: FigureStyle, i: number): 'solid' | 'dashed' | 'dotted' | number[] {
  if (!style.lineStyles) return 'solid';
  const d = DASHES[i % DASHES.length];
  return typeof d === 'string' ? d : [...d];
}

/** Styles are in pt; ECharts draws in CSS px (96 px per 72 pt). */
export const px = (pt: number): number => (pt * 4) / 3;

/** '#rrggbb' → [r, g, b] in 0–255. */
export function hexRgb(hex: string): [number, number, number] {
  const h = hex.replace('#', '');
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

/**
 * The colour a continuous visualMap gives t ∈ [0, 1] along its stops: piecewise-linear in RGB
 * between equally spaced stops, as ECharts interpolates them.
 */
export function rampColor(stops: readonly string[], t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const a = hexRgb(stops[i]);
  const b = hexRgb(stops[i + 1]);
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

/** WCAG 2 relative luminance of an sRGB colour. */
export function luminance([r, g, b]: readonly number[]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG 2 contrast ratio of two colours (1 to 21). */
export function contrastRatio(a: readonly number[], b: readonly number[]): number {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

export const INK_DARK = '#111111';
export const INK_LIGHT = '#ffffff';

/** Near-black or white, whichever contrasts more with the background (always ≥ 4.5 : 1). */
export function inkOn(background: readonly number[]): string {
  return contrastRatio(hexRgb(INK_DARK), background) >= contrastRatio(hexRgb(INK_LIGHT), background) ? INK_DARK : INK_LIGHT;
}
