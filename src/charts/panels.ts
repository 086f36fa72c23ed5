/**
 * Several panels in one ECharts option: one grid and one pair of axes per panel (series address
 * them by index), a shared x range, one legend, panel letters (a), (b), … with the panel's title,
 * and, for rows of facets, the row's label as its first y axis name. One option → one SVG, so the
 * exporters handle a panelled figure exactly as a single chart.
 */
import type { EChartsOption, SeriesOption } from 'echarts';
import { axis, type AxisSpec, legendLayout } from './common';
import { px, themeColors } from './style';
import type { FigureStyle, Panel } from './types';

export interface PanelSpec {
  /** Shown after the letter: '(a) ⟨w, w*⟩' (empty: the letter alone). */
  readonly title: string;
  readonly x: AxisSpec;
  /** Its name is the panel's y quantity (for the CSV and the script); the axis shows rowLabel instead. */
  readonly y: AxisSpec;
  /** The row's label (a facet's cell), drawn as the y axis name of the row's first panel. */
  readonly rowLabel?: string;
  /** The y range, when the builder knows it: sizes the tick labels' margin. */
  readonly yRange?: readonly [number, number];
  /** Where the panel sits, when not in reading order (small multiples laid out by the grid's axes). */
  readonly row?: number;
  readonly col?: number;
}

/** (a), (b), …, (z), (aa), … */
export function panelLetter(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return `(${s})`;
}

/**
 * Characters of the widest tick label ECharts will write for a value axis over [lo, hi] (about
 * five nice ticks; powers of ten on a log axis), so the panels leave just enough room for them.
 */
export function tickChars(lo: number, hi: number, log: boolean): number {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return 4;
  const width = (v: number, decimals: number) => (v < 0 ? 1 : 0) + Math.max(1, Math.floor(Math.log10(Math.max(1, Math.abs(v)))) + 1) + (decimals > 0 ? decimals + 1 : 0);
  if (log) {
    const a = Math.floor(Math.log10(Math.max(lo, 1e-300)));
    const b = Math.ceil(Math.log10(Math.max(hi, 1e-300)));
    return Math.max(width(10 ** a, Math.max(0, -a)), width(10 ** b, Math.max(0, -b)));
  }
  const step = (hi - lo) / 5;
  if (!(step > 0)) return width(Math.max(Math.abs(lo), Math.abs(hi)), 2);
  const magnitude = 10 ** Math.floor(Math.log10(step));
  const nice = [1, 2, 5, 10].find((m) => m * magnitude >= step) ?? 10;
  const decimals = Math.max(0, -Math.floor(Math.log10(nice * magnitude) + 1e-9));
  return Math.max(width(lo, decimals), width(hi, decimals));
}

/** What a panelled figure adds to its panels: small multiples name their columns and rows and share one y quantity. */
export interface PanelFrameOptions {
  /** Draw each panel's letter before its title (panels of a small-multiple grid carry headers instead). */
  readonly letters?: boolean;
  /** A header above each column (small multiples: the column's cell value), drawn over the top panels. */
  readonly colHeaders?: readonly string[];
  /** One y quantity for every panel, named once, vertically, left of the row headers. */
  readonly yName?: string;
  /** Every panel on one y range: only the first column labels its ticks. */
  readonly sharedY?: boolean;
  /** Legend entries with an icon of their own (legendLayout). */
  readonly legendIcons?: Readonly<Record<string, string>>;
  /** Legend entries' shown text, when shorter than the name (legendLayout). */
  readonly legendTexts?: Readonly<Record<string, string>>;
}

/**
 * The option of rows × cols panels (specs in reading order, or each at its own row and column).
 * Series carry xAxisIndex/yAxisIndex = their spec's index. Only the bottom panel of each column
 * shows x tick labels and, without a shared `xName`, the x axis name.
 */
export function panelFrame(
  style: FigureStyle,
  title: string,
  rows: number,
  cols: number,
  specs: PanelSpec[],
  xName: string,
  series: SeriesOption[],
  legend: string[],
  opts: PanelFrameOptions = {},
): { option: EChartsOption; panels: Panel[] } {
  const c = themeColors(style);
  const font = px(style.fontSize);
  const textStyle = { fontFamily: style.fontFamily, fontSize: font, color: c.text };
  const legendBox = legendLayout(style, legend, c.text, opts.legendIcons, opts.legendTexts);
  const headers = opts.colHeaders !== undefined && opts.colHeaders.some((h) => h !== '');
  const top = legendBox.bottom + (legend.length > 0 ? font * 0.5 : 0) + (headers ? font * 1.4 : 0);
  const letters = opts.letters ?? true;
  const place = specs.map((s, i) => ({ row: s.row ?? Math.floor(i / cols), col: s.col ?? i % cols }));
  const titled = specs.some((s) => s.title !== '') || letters;
  // A panel's title sits clear of its top tick label (centred on the grid's top edge).
  const titleHeight = titled ? font * 1.9 : font * 0.7;
  const rowGap = font * 0.5;
  const bottom = font * 3.3;
  const rowLabels = specs.some((s) => s.rowLabel !== undefined);
  const yName = opts.yName !== undefined && opts.yName !== '';
  // Per column, room for its widest tick label (0.6 em per character) and a little air; with a
  // shared y range only the first column has labels.
  const labelWidth = Array.from({ length: cols }, (_, col) => {
    if (opts.sharedY === true && col > 0) return font * 0.4;
    let chars = 2;
    specs.forEach((s, i) => {
      if (place[i].col !== col) return;
      chars = Math.max(chars, s.yRange === undefined ? 4 : tickChars(s.yRange[0], s.yRange[1], s.y.type === 'log'));
    });
    return chars * font * 0.6 + font * 0.6;
  });
  const left = labelWidth[0] + (rowLabels ? font * 1.6 : 0) + (yName ? font * 1.5 : 0) + 2;
  const right = font * 1.6;
  // Between panels: the next one's tick labels, and room for the last x label of one ('1,000',
  // centred on its right edge) beside the first of the next.
  const gapAfter = (col: number) => Math.max(labelWidth[col + 1] + font * 0.8, font * 2.4);
  const gaps = labelWidth.slice(1).reduce((a, _, k) => a + gapAfter(k), 0);
  const gridWidth = Math.max(10, (style.width - left - right - gaps) / cols);
  const gridHeight = Math.max(10, (style.height - top - bottom - rows * titleHeight - (rows - 1) * rowGap) / rows);

  // Positions as percentages of the chart: an export (style.width = the SVG's) is exact, and a
  // canvas a little wider or narrower than the style scales instead of clipping.
  const pctX = (v: number) => `${((100 * v) / style.width).toFixed(4)}%`;
  const pctY = (v: number) => `${((100 * v) / style.height).toFixed(4)}%`;
  const grids: Record<string, unknown>[] = [];
  const xAxes: Record<string, unknown>[] = [];
  const yAxes: Record<string, unknown>[] = [];
  const titles: Record<string, unknown>[] = [];
  const panels: Panel[] = [];
  const x0Of = (col: number) => {
    let x0 = left;
    for (let k = 0; k < col; k++) x0 += gridWidth + gapAfter(k);
    return x0;
  };
  const y0Of = (row: number) => top + row * (titleHeight + gridHeight + rowGap) + titleHeight;
  // The lowest panel of each column labels the x ticks (a wrapped grid's last row may be short).
  const lowest = Array.from({ length: cols }, (_, col) => Math.max(-1, ...place.filter((p) => p.col === col).map((p) => p.row)));
  if (style.showTitle) titles.push({ id: 'title', text: title, left: 'center', top: 4, textStyle: { ...textStyle, fontSize: font * 1.1, fontWeight: 'normal' } });
  specs.forEach((s, i) => {
    const { row, col } = place[i];
    const x0 = x0Of(col);
    const y0 = y0Of(row);
    grids.push({ left: pctX(x0), top: pctY(y0), width: pctX(gridWidth), height: pctY(gridHeight), containLabel: false });
    const bottomRow = row === lowest[col];
    // Without a shared x name, each bottom panel names its own x axis.
    const xa = axis(style, { ...s.x, name: xName === '' && bottomRow ? s.x.name : '' }, false);
    // Ticks about 2.3 em apart at most: small panels get fewer, not crowded, labels.
    xAxes.push({ ...xa, gridIndex: i, axisLabel: { ...(xa.axisLabel as object), show: bottomRow, ...edgeLabels(col, cols) }, nameGap: font * 1.9, splitNumber: Math.max(2, Math.min(5, Math.floor(gridWidth / (font * 3.2)))) });
    const ya = axis(style, { ...s.y, name: col === 0 && s.rowLabel !== undefined ? s.rowLabel : '' }, true);
    const showY = opts.sharedY !== true || col === 0;
    yAxes.push({ ...ya, gridIndex: i, axisLabel: { ...(ya.axisLabel as object), show: showY }, nameGap: labelWidth[0] + font * 0.2, splitNumber: Math.max(2, Math.min(5, Math.floor(gridHeight / (font * 2.3)))) });
    const letter = panelLetter(i);
    const text = letters ? (s.title !== '' ? `${letter} ${s.title}` : letter) : s.title;
    // The room up to the next panel's title: a longer title (compare's 'η = 0.01 / 0.001') is set
    // smaller, or on two lines, never running into the next (fittedTitle).
    const room = (col < cols - 1 ? x0Of(col + 1) - x0 : gridWidth + right) - font * 0.4;
    if (text !== '') titles.push({ left: pctX(x0 - font * 0.2), top: pctY(y0 - titleHeight + font * 0.1), ...titleText(fittedTitle(text, room, font), textStyle) });
    panels.push({ row, col, letter, title: s.title, xLabel: xName === '' ? s.x.name : xName, yLabel: s.y.name !== '' ? s.y.name : s.title, axisName: col === 0 ? s.rowLabel : undefined, xLog: s.x.type === 'log', yLog: s.y.type === 'log' });
  });
  if (headers) {
    fittedHeaders(opts.colHeaders ?? [], cols > 1 ? x0Of(1) - x0Of(0) : style.width, font).forEach((h, col) => {
      if (h === '' || col >= cols) return;
      titles.push({ text: h, left: pctX(x0Of(col) + gridWidth / 2), textAlign: 'center', top: pctY(y0Of(0) - titleHeight - font * 1.35), textStyle: { ...textStyle, fontWeight: 'bold' } });
    });
  }
  // The shared x axis is named once, centred under all the panels.
  const lastRight = left + cols * gridWidth + gaps;
  if (xName !== '') titles.push({ text: xName, left: pctX((left + lastRight) / 2), textAlign: 'center', bottom: font * 0.25, textStyle: { ...textStyle, fontWeight: 'normal' } });
  // The shared y quantity, once, turned as an axis name is, centred on the rows.
  const graphic = yName
    ? [{ type: 'text', rotation: Math.PI / 2, x: font * 0.2, y: (y0Of(0) + y0Of(rows - 1) + gridHeight) / 2, style: { text: opts.yName, fill: c.text, fontFamily: style.fontFamily, fontSize: font, align: 'center', verticalAlign: 'top' }, silent: true }]
    : undefined;
  const option = {
    animation: false,
    backgroundColor: c.background,
    textStyle,
    title: titles,
    legend: legendBox.option,
    grid: grids,
    tooltip: { trigger: 'item', confine: true },
    xAxis: xAxes,
    yAxis: yAxes,
    ...(graphic === undefined ? {} : { graphic }),
    series,
  } as EChartsOption;
  return { option, panels };
}

/**
 * Side by side, one panel's last x label ('1,000') and the next one's first ('0') would read as
 * one number across the gap: they lean into their own panels (ECharts' alignMin/MaxLabel).
 */
function edgeLabels(col: number, cols: number): Record<string, string> {
  return { ...(col > 0 ? { alignMinLabel: 'left' } : {}), ...(col < cols - 1 ? { alignMaxLabel: 'right' } : {}) };
}

/** ECharts' title fields of a fitted title: its text, and its size (and wrapping) in the text style. */
function titleText({ text, ...fit }: ReturnType<typeof fittedTitle>, textStyle: Record<string, unknown>): { text: string; textStyle: Record<string, unknown> } {
  return { text, textStyle: { ...textStyle, fontWeight: 'normal', ...fit } };
}

/**
 * A panel title that fits `roomPx` (0.6 em a character, as the headers are measured): whole at
 * the panel's font when it fits, else smaller down to 80 %; beyond that on two lines at 80 %
 * (broken at its last ' · ', else at the space nearest its middle; two such lines fit the title's
 * 1.9 em), and only a line still too long is cut with an ellipsis.
 */
export function fittedTitle(text: string, roomPx: number, fontPx: number): { text: string; fontSize: number; lineHeight?: number; width?: number; overflow?: 'truncate' } {
  const width = (t: string, f: number) => t.length * f * 0.6;
  if (width(text, fontPx) <= roomPx) return { text, fontSize: fontPx };
  const least = fontPx * 0.8;
  if (width(text, least) <= roomPx) return { text, fontSize: (fontPx * roomPx) / width(text, fontPx) };
  const dot = text.lastIndexOf(' · ');
  let lines: [string, string];
  if (dot > 0) lines = [text.slice(0, dot), text.slice(dot + 3)];
  else {
    const spaces = [...text.matchAll(/ /g)].map((m) => m.index ?? 0);
    if (spaces.length === 0) return { text, fontSize: least, width: Math.max(1, roomPx), overflow: 'truncate' };
    const at = spaces.reduce((best, i) => (Math.abs(i - text.length / 2) < Math.abs(best - text.length / 2) ? i : best));
    lines = [text.slice(0, at), text.slice(at + 1)];
  }
  const broken = { text: lines.join('\n'), fontSize: least, lineHeight: least * 1.1 };
  return lines.every((l) => width(l, least) <= roomPx) ? broken : { ...broken, width: Math.max(1, roomPx), overflow: 'truncate' };
}

/**
 * Column headers that fit their columns: when one is wider than a column's pitch (a rough width of
 * 0.6 em a character, bold), the words every header starts with ("teacher ") are kept on the first
 * only ("teacher 55 %", "60 %", …), as a paper's table would, and a combined header's leading
 * parts on the first of the columns that share them; otherwise they are left whole.
 */
export function fittedHeaders(headers: readonly string[], pitchPx: number, fontPx: number): readonly string[] {
  const wide = headers.some((h) => h.length * fontPx * 0.6 > pitchPx * 0.95);
  if (!wide || headers.length < 2) return headers;
  // Headers of several axes ("d = 50, rep. 0", "d = 50, rep. 1"): a leading part the previous
  // header shares is said once, as a table's spanning header would ("d = 50, rep. 0", "rep. 1").
  if (headers.some((h) => h.includes(', '))) {
    const parts = headers.map((h) => h.split(', '));
    return parts.map((p, i) => {
      if (i === 0) return p.join(', ');
      let k = 0;
      while (k < p.length - 1 && p[k] === parts[i - 1][k]) k++;
      return p.slice(k).join(', ');
    });
  }
  let prefix = headers[0].slice(0, headers[0].lastIndexOf(' ') + 1);
  while (prefix !== '' && !headers.every((h) => h.startsWith(prefix))) prefix = prefix.slice(0, prefix.slice(0, -1).lastIndexOf(' ') + 1);
  return prefix === '' ? headers : headers.map((h, i) => (i === 0 ? h : h.slice(prefix.length)));
}
