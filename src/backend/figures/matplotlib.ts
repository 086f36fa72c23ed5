/**
 * A standalone Python 3 script that redraws a figure from its plotted-data CSV with matplotlib
 * (the csv module only, no pandas), for authors who finish figures in Python. What the CSV cannot
 * say — which series are lines or scatters, colours, dash patterns, log axes, labels — is read
 * from the ECharts option here and written into the script as constants. The naming conventions
 * for bands and heatmap rows are documented in csv.ts.
 */
import type { Figure } from '../../charts/types';
import { APP_VERSION } from '../../shared/app';
import { BAND_LOWER_SUFFIX, BAND_UPPER_SUFFIX } from './csv';
import { goldenHeight } from '../../shared/figureExport';

export interface MatplotlibOptions {
  /** CSV file name the script reads (relative to the script's folder, or absolute). */
  readonly csvFile: string;
  /** Figure size in inches; height defaults to the golden ratio. */
  readonly sizeIn: { readonly widthIn: number; readonly heightIn?: number };
  readonly fontFamily: string;
  readonly fontSizePt: number;
  /** Width of the main curves in pt (thinner series keep their ratio to it). */
  readonly lineWidth: number;
  /** What the script saves. */
  readonly format: 'pdf' | 'svg' | 'png';
  /** PNG resolution. */
  readonly dpi?: number;
}

/** A Python literal for a JSON-like value (JSON string escapes are valid Python escapes). */
export function pyLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'float("nan")' : v > 0 ? 'float("inf")' : 'float("-inf")';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pyLiteral).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pyLiteral(x)}`).join(', ')}}`;
  return 'None';
}

type Obj = Record<string, unknown>;
const asArray = (v: unknown): Obj[] => (v === undefined || v === null ? [] : Array.isArray(v) ? (v as Obj[]) : [v as Obj]);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** ECharts dash type → matplotlib linestyle. */
function dash(type: unknown): string {
  if (type === 'dashed') return '--';
  if (type === 'dotted') return ':';
  if (Array.isArray(type)) return type.length >= 4 ? '-.' : '--';
  return '-';
}

interface SeriesStyle {
  kind: 'line' | 'scatter';
  color: string | null;
  linestyle: string;
  /** Relative to the widest line in the figure (1 = the main curves). */
  width: number;
  alpha: number;
  marker: boolean;
  /** The panel (the option's grid) the series is drawn in; 0 for single-panel figures. */
  panel: number;
}

/** Per-series drawing hints from the option, by series name. */
export function seriesStyles(option: Obj): { styles: Record<string, SeriesStyle>; hasHeatmap: boolean; legend: boolean } {
  const palette = asArray(option.color).map(str);
  const series = asArray(option.series);
  // Relative widths against the widest visible line (band edges have width 0; scatters none).
  const widths = series.map((s) => (s.type === 'line' || s.type === 'lines' ? num((s.lineStyle as Obj | undefined)?.width) : null));
  const maxWidth = Math.max(1e-9, ...widths.map((w) => w ?? 0));
  const defaultWidth = widths.some((w) => w !== null) ? maxWidth : 1;
  const styles: Record<string, SeriesStyle> = {};
  let hasHeatmap = false;
  series.forEach((s, i) => {
    if (s.type === 'heatmap') hasHeatmap = true;
    const name = str(s.name);
    if (name === null || (s.type !== 'line' && s.type !== 'scatter' && s.type !== 'lines')) return;
    const line = (s.lineStyle ?? {}) as Obj;
    const item = (s.itemStyle ?? {}) as Obj;
    const style: SeriesStyle = {
      kind: s.type === 'scatter' ? 'scatter' : 'line',
      color: str(line.color) ?? str(item.color) ?? str(s.color) ?? palette[i % Math.max(1, palette.length)] ?? null,
      linestyle: dash(line.type),
      width: (widths[i] ?? defaultWidth) / maxWidth,
      alpha: num(line.opacity) ?? num(item.opacity) ?? 1,
      marker: s.type === 'line' && s.showSymbol === true,
      panel: num(s.yAxisIndex) ?? 0,
    };
    // A polyline series draws many CSV series (one per data item, e.g. each teacher's line).
    if (s.type === 'lines') for (const d of asArray(s.data)) styles[str(d.name) ?? name] = style;
    else styles[name] = style;
  });
  const legend = asArray(option.legend).some((l) => l.show !== false);
  return { styles, hasHeatmap, legend };
}

function axisInfo(option: Obj, key: 'xAxis' | 'yAxis'): { log: boolean; min: number | null; max: number | null; categories: string[] | null } {
  const a = asArray(option[key])[0] ?? {};
  const data = Array.isArray(a.data) ? a.data.map((d) => (typeof d === 'object' && d !== null ? String((d as Obj).value ?? '') : String(d))) : null;
  return { log: a.type === 'log', min: num(a.min), max: num(a.max), categories: a.type === 'category' ? data : null };
}

/**
 * Stacked panels (several grids, one y axis each, sharing x): each panel's y label, log scale and
 * limits, and its reference lines (mark lines at x = value or y = value); null for a single panel.
 */
function panelsOf(option: Obj): { label: string; log: boolean; min: number | null; max: number | null; vlines: number[]; hlines: number[] }[] | null {
  if (asArray(option.grid).length < 2) return null;
  const panels = asArray(option.yAxis).map((a) => ({ label: str(a.name) ?? '', log: a.type === 'log', min: num(a.min), max: num(a.max), vlines: [] as number[], hlines: [] as number[] }));
  for (const s of asArray(option.series)) {
    const panel = panels[num(s.yAxisIndex) ?? 0];
    for (const d of asArray((s.markLine as Obj | undefined)?.data)) {
      if (panel === undefined) continue;
      const x = num(d.xAxis);
      const y = num(d.yAxis);
      if (x !== null && !panel.vlines.includes(x)) panel.vlines.push(x);
      if (y !== null && !panel.hlines.includes(y)) panel.hlines.push(y);
    }
  }
  return panels;
}

/** Colour scale of a heatmap from the option's first visualMap: [vmin, vmax, colours]. */
function heatmapScale(option: Obj): { min: number | null; max: number | null; colors: string[] | null; labels: boolean } {
  const vm = asArray(option.visualMap)[0] ?? {};
  const colors = asArray((vm.inRange as Obj | undefined)?.color as unknown).map(str).filter((c): c is string => c !== null);
  const hm = asArray(option.series).find((s) => s.type === 'heatmap') ?? {};
  return { min: num(vm.min), max: num(vm.max), colors: colors.length >= 2 ? colors : null, labels: (hm.label as Obj | undefined)?.show === true };
}

/** The Python script (UTF-8 text) that redraws `figure` from `opts.csvFile`. */
export function matplotlibScript(figure: Figure, opts: MatplotlibOptions): string {
  const option = figure.option as Obj;
  const { styles, hasHeatmap, legend } = seriesStyles(option);
  const x = axisInfo(option, 'xAxis');
  const y = axisInfo(option, 'yAxis');
  const widthIn = opts.sizeIn.widthIn;
  const heightIn = opts.sizeIn.heightIn ?? goldenHeight(widthIn);
  const out = opts.csvFile.replace(/\.csv$/i, '') + '.' + opts.format;
  const titleText = str(asArray(option.title)[0]?.text) ?? '';
  const scale = heatmapScale(option);
  const panels = panelsOf(option);
  const constants = [
    `CSV_FILE = ${pyLiteral(opts.csvFile)}`,
    `OUT_FILE = ${pyLiteral(out)}`,
    `SIZE_IN = (${widthIn}, ${heightIn})`,
    `DPI = ${opts.dpi ?? 300}`,
    `FONT_FAMILY = ${pyLiteral(opts.fontFamily)}`,
    `FONT_SIZE_PT = ${opts.fontSizePt}`,
    `LINE_WIDTH_PT = ${opts.lineWidth}`,
    `TITLE = ${pyLiteral(titleText)}`,
    `X_LABEL = ${pyLiteral(figure.xAxisLabel)}`,
    `Y_LABEL = ${pyLiteral(figure.yAxisLabel)}`,
    `X_LOG = ${pyLiteral(x.log)}`,
    `Y_LOG = ${pyLiteral(y.log)}`,
    `X_LIM = (${pyLiteral(x.min)}, ${pyLiteral(x.max)})`,
    `Y_LIM = (${pyLiteral(y.min)}, ${pyLiteral(y.max)})`,
    '# A heatmap figure: every CSV series is one row of cells (see the CSV conventions).',
    `HAS_HEATMAP = ${pyLiteral(hasHeatmap)}`,
    `X_CATEGORIES = ${pyLiteral(x.categories)}`,
    `Y_CATEGORIES = ${pyLiteral(y.categories)}`,
    `HEAT_RANGE = (${pyLiteral(scale.min)}, ${pyLiteral(scale.max)})`,
    `HEAT_COLORS = ${pyLiteral(scale.colors)}`,
    `HEAT_LABELS = ${pyLiteral(scale.labels)}`,
    `LEGEND = ${pyLiteral(legend)}`,
    '# Stacked panels sharing the x axis (None: one panel): y label, log, limits, reference lines.',
    `PANELS = ${pyLiteral(panels)}`,
    `BAND_LOWER, BAND_UPPER = ${pyLiteral(BAND_LOWER_SUFFIX)}, ${pyLiteral(BAND_UPPER_SUFFIX)}`,
    '# Series name -> how the app draws it (kind, colour, linestyle, width relative to the main curves, alpha, markers).',
    'STYLES = {',
    ...Object.entries(styles).map(([name, s]) => `    ${JSON.stringify(name)}: ${pyLiteral(s)},`),
    '}',
  ];
  return `#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Redraw the W2S Lab figure ${JSON.stringify(figure.title).slice(1, -1).replace(/"""/g, '')} from its plotted data.

Written by W2S Lab ${APP_VERSION}. Needs Python 3 and matplotlib (no pandas).
Usage: python3 this_script.py [data.csv] [output file]
The CSV has one row per point: experiment_id,series,x_label,x,y_label,y (numbers round-trip
exactly; nan/inf/-inf spelled out). Series named '<name> lower' / '<name> upper' are a band,
drawn with fill_between; in a heatmap figure every series is one row of cells.
"""
import csv
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

${constants.join('\n')}


def read_series(path):
    """Series name -> {"x": [...], "y": [...], "x_label": ..., "y_label": ...}, in file order."""
    series = {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header != ["experiment_id", "series", "x_label", "x", "y_label", "y"]:
            sys.exit("%s: not a W2S Lab plotted-data CSV (header %r)" % (path, header))
        for row in reader:
            if not row:
                continue
            _, name, x_label, x, y_label, y = row
            s = series.setdefault(name, {"x": [], "y": [], "x_label": x_label, "y_label": y_label})
            s["x"].append(float(x))  # float() reads nan, inf, -inf and -0 as written
            s["y"].append(float(y))
    return series


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    csv_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, CSV_FILE)
    out_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, OUT_FILE)
    series = read_series(csv_path)

    plt.rcParams.update({
        "font.family": FONT_FAMILY,
        "font.size": FONT_SIZE_PT,
        "axes.titlesize": FONT_SIZE_PT,
        "axes.labelsize": FONT_SIZE_PT,
        "legend.fontsize": FONT_SIZE_PT,
        "xtick.labelsize": FONT_SIZE_PT,
        "ytick.labelsize": FONT_SIZE_PT,
        "lines.linewidth": LINE_WIDTH_PT,
        "pdf.fonttype": 42,  # embed TrueType, never Type 3
        "ps.fonttype": 42,
        "svg.fonttype": "none",  # keep text as text in SVG
    })
    if PANELS:
        fig, axes = plt.subplots(len(PANELS), 1, figsize=SIZE_IN, sharex=True, constrained_layout=True)
    else:
        fig, ax = plt.subplots(figsize=SIZE_IN, constrained_layout=True)
        axes = [ax]

    def axis_of(name):
        return axes[min(STYLES.get(name, {}).get("panel", 0), len(axes) - 1)]

    bands = {}
    lines = []
    rows = list(series.items()) if HAS_HEATMAP else []
    for name, s in ([] if HAS_HEATMAP else series.items()):
        if name.endswith(BAND_LOWER):
            bands.setdefault(name[: -len(BAND_LOWER)], {})["lower"] = s
        elif name.endswith(BAND_UPPER):
            bands.setdefault(name[: -len(BAND_UPPER)], {})["upper"] = s
        else:
            lines.append((name, s))

    if rows:
        # Columns in order of first appearance (NaN coordinates keyed by their text).
        cols = []
        for _, s in rows:
            for x in s["x"]:
                if repr(x) not in cols:
                    cols.append(repr(x))
        grid = [[math.nan] * len(cols) for _ in rows]
        for r, (_, s) in enumerate(rows):
            for x, v in zip(s["x"], s["y"]):
                grid[r][cols.index(repr(x))] = v
        cmap = "viridis"
        if HEAT_COLORS:
            from matplotlib.colors import LinearSegmentedColormap
            cmap = LinearSegmentedColormap.from_list("app", HEAT_COLORS)
        mesh = ax.pcolormesh(range(len(cols)), range(len(rows)), grid, shading="nearest", cmap=cmap,
                             vmin=HEAT_RANGE[0], vmax=HEAT_RANGE[1], edgecolors="white", linewidth=0.5)
        fig.colorbar(mesh, ax=ax).set_label(rows[0][1]["y_label"])
        ax.set_xticks(range(len(cols)))
        ax.set_xticklabels(X_CATEGORIES if X_CATEGORIES and len(X_CATEGORIES) == len(cols) else cols)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(Y_CATEGORIES if Y_CATEGORIES and len(Y_CATEGORIES) == len(rows) else [n for n, _ in rows])
        if HEAT_LABELS:
            for r, row in enumerate(grid):
                for c, v in enumerate(row):
                    if not math.isnan(v):
                        ax.text(c, r, "%.3g" % v, ha="center", va="center")

    for base, b in bands.items():
        if "lower" not in b or "upper" not in b:
            continue
        style = STYLES.get(base, {})
        axis_of(base).fill_between(b["lower"]["x"], b["lower"]["y"], b["upper"]["y"], color=style.get("color"),
                        alpha=0.2, linewidth=0)

    for name, s in lines:
        style = STYLES.get(name, {"kind": "line"})
        # Thin or faint lines (per-teacher curves, raw means) stay out of the legend.
        main = style.get("width", 1) >= 0.99 and style.get("alpha", 1) >= 0.5
        kw = {"label": name if main else "_" + name, "color": style.get("color"), "alpha": style.get("alpha", 1)}
        if style.get("kind") == "scatter":
            axis_of(name).scatter(s["x"], s["y"], s=(LINE_WIDTH_PT * 2.5) ** 2, linewidths=0, **kw)
        else:
            axis_of(name).plot(s["x"], s["y"], linestyle=style.get("linestyle", "-"),
                    linewidth=LINE_WIDTH_PT * style.get("width", 1),
                    marker="o" if style.get("marker") else None, markersize=LINE_WIDTH_PT * 2.5, **kw)

    if PANELS:
        for panel, p in zip(axes, PANELS):
            if p["log"]:
                panel.set_yscale("log")
            panel.set_ylim(p["min"], p["max"])
            panel.set_ylabel(p["label"])
            for x in p["vlines"]:
                panel.axvline(x, color="0.4", linestyle="--", linewidth=0.8)
            for y in p["hlines"]:
                panel.axhline(y, color="0.4", linestyle="--", linewidth=0.8)
        ax = axes[-1]
        if X_LOG:
            ax.set_xscale("log")
        ax.set_xlim(*X_LIM)
        ax.set_xlabel(X_LABEL)
        if TITLE:
            axes[0].set_title(TITLE)
        if LEGEND and lines:
            for panel in axes:
                if panel.get_legend_handles_labels()[0]:
                    panel.legend(frameon=False)
        fig.savefig(out_path, dpi=DPI)
        print(out_path)
        return

    if X_LOG:
        ax.set_xscale("log")
    if Y_LOG:
        ax.set_yscale("log")
    if not rows:
        ax.set_xlim(*X_LIM)
        ax.set_ylim(*Y_LIM)
    ax.set_xlabel(X_LABEL)
    ax.set_ylabel(Y_LABEL)
    if TITLE:
        ax.set_title(TITLE)
    if LEGEND and lines:
        ax.legend(frameon=False)
    fig.savefig(out_path, dpi=DPI)
    print(out_path)


if __name__ == "__main__":
    main()
`;
}
