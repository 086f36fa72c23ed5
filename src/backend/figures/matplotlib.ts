/**
 * A standalone Python 3 script that redraws a figure from its plotted-data CSV with matplotlib
 * (the csv module only, no pandas), for authors who finish figures in Python. What the CSV cannot
 * say — which series are lines or scatters, colours, dash patterns, log axes, labels — is read
 * from the ECharts option here and written into the script as constants. The naming conventions
 * for bands and heatmap rows are documented in csv.ts.
 */
import type { Figure } from '../../charts/types';
import { asArray, axisInfo, heatmapScale, type Obj, referenceLinesOf, seriesStyles, type SeriesStyle, stackedPanels, str } from './optionReader';
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

/** The Python script (UTF-8 text) that redraws `figure` from `opts.csvFile`. */
export function matplotlibScript(figure: Figure, opts: MatplotlibOptions): string {
  const option = figure.option as Obj;
  const { styles: drawn, hasHeatmap, legend } = seriesStyles(option);
  // By CSV name: a panel's series is drawn by the option series it names (drawnAs).
  const styles: Record<string, SeriesStyle> = { ...drawn };
  for (const p of figure.series) {
    const st = drawn[p.name] ?? (p.drawnAs === undefined ? undefined : drawn[p.drawnAs]);
    if (st !== undefined) styles[p.name] = st;
  }
  const stacked = figure.panels === undefined ? stackedPanels(option, figure) : null;
  const panels = figure.panels ?? stacked?.panels ?? null;
  const seriesPanel =
    stacked?.seriesPanel ??
    Object.fromEntries(figure.series.filter((p) => p.panel !== undefined || p.drawnAs !== undefined).map((p) => [p.name, { panel: p.panel ?? 0, label: p.drawnAs ?? p.name }]));
  const layout = figure.layout ?? (stacked === null ? undefined : { rows: stacked.panels.length, cols: 1 });
  const refs = panels === null ? [] : panels.map((_, i) => referenceLinesOf(option, i));
  const x = axisInfo(option, 'xAxis');
  const y = axisInfo(option, 'yAxis');
  const widthIn = opts.sizeIn.widthIn;
  const heightIn = opts.sizeIn.heightIn ?? goldenHeight(widthIn);
  const out = opts.csvFile.replace(/\.csv$/i, '') + '.' + opts.format;
  // A panelled figure's titles are its panel letters; its own title, if drawn, has the id 'title'.
  const titles = asArray(option.title);
  const main = titles.find((t) => t.id === 'title') ?? (panels === null ? titles[0] : undefined);
  const titleText = main === undefined || main.show === false ? '' : (str(main.text) ?? '');
  const legendNames = asArray(option.legend).flatMap((l) => (l.show === false ? [] : asArray(l.data).map((d) => (typeof d === 'string' ? d : str((d as Obj).name) ?? ''))));
  const scale = heatmapScale(option);
  // Parallel coordinates (the sweep's): the axes in order, each a CSV series of its value per group.
  const parallel = asArray(option.parallelAxis).map((a) => ({ series: str(a.id) ?? '', name: str(a.name) ?? '', log: a.type === 'log' }));
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
    '# Parallel coordinates: the axes left to right (CSV series, name, log); one polyline per group coloured by the last. None: not such a figure.',
    `PARALLEL = ${pyLiteral(parallel.length === 0 ? null : parallel)}`,
    `LEGEND = ${pyLiteral(legend)}`,
    '# The names the app lists in its legend (empty: every main curve).',
    `LEGEND_NAMES = ${pyLiteral(legendNames)}`,
    '# Panels (a), (b), … on a ROWS × COLS grid sharing x; None: one chart. SERIES_PANEL: CSV series -> panel and legend label.',
    `ROWS, COLS = ${layout?.rows ?? 1}, ${layout?.cols ?? 1}`,
    '# Per panel also its y limits (None: matplotlib chooses) and dashed reference lines (vlines at x, hlines at y).',
    `PANELS = ${pyLiteral(panels === null ? null : panels.map((p, i) => ({ row: p.row, col: p.col, letter: p.letter, title: p.title, x_label: p.xLabel, y_label: p.axisName ?? '', x_log: p.xLog, y_log: p.yLog, ...refs[i] })))}`,
    `SERIES_PANEL = ${pyLiteral(seriesPanel)}`,
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


def draw_parallel(ax, series):
    """Parallel coordinates: each axis scaled to [0, 1] over its range (log where the app draws it log), a polyline per group coloured along viridis by the last axis (the target)."""
    columns = []
    for a in PARALLEL:
        v = series[a["series"]]["y"]
        t = [math.log(x) if a["log"] and x > 0 else x for x in v]
        finite = [x for x in t if math.isfinite(x)]
        lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
        span = hi - lo if hi > lo else 1.0
        columns.append(([(x - lo) / span for x in t], v, lo, span, a))
    target = columns[-1][1]
    finite = [x for x in target if math.isfinite(x)]
    tlo, thi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    cmap = plt.get_cmap("viridis")
    xs = list(range(len(columns)))
    for g in range(len(target)):
        ys = [c[0][g] for c in columns]
        shade = (target[g] - tlo) / (thi - tlo) if thi > tlo and math.isfinite(target[g]) else 0.5
        ax.plot(xs, ys, color=cmap(0.85 * shade), linewidth=LINE_WIDTH_PT, alpha=0.8)
    for i, (_, v, lo, span, a) in enumerate(columns):
        ax.axvline(i, color="0.3", linewidth=0.8)
        ticks = sorted({x for x in v if math.isfinite(x)})
        if len(ticks) > 6:
            ticks = [ticks[0], ticks[len(ticks) // 2], ticks[-1]]
        for x in ticks:
            t = math.log(x) if a["log"] and x > 0 else x
            ax.text(i + 0.03, (t - lo) / span, "%.4g" % x, va="center", fontsize=FONT_SIZE_PT * 0.85)
    ax.set_xticks(xs)
    ax.set_xticklabels([c[4]["name"] for c in columns])
    ax.xaxis.tick_top()
    ax.set_yticks([])
    ax.set_xlim(-0.1, len(columns) - 0.6)
    ax.set_ylim(-0.05, 1.05)
    for side in ("left", "right", "bottom", "top"):
        ax.spines[side].set_visible(False)
    if TITLE:
        ax.set_title(TITLE)


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
        shared = len({p["x_label"] for p in PANELS}) == 1
        fig, subplot_grid = plt.subplots(ROWS, COLS, figsize=SIZE_IN, constrained_layout=True, sharex=shared, squeeze=False)
        axes = [subplot_grid[p["row"]][p["col"]] for p in PANELS]
    else:
        fig, ax = plt.subplots(figsize=SIZE_IN, constrained_layout=True)
        axes = [ax]

    if PARALLEL:
        draw_parallel(ax, series)
        fig.savefig(out_path, dpi=DPI)
        print(out_path)
        return

    def axes_of(name):
        return axes[SERIES_PANEL.get(name, {}).get("panel", 0)]

    def label_of(name):
        return SERIES_PANEL.get(name, {}).get("label", name)

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
        # Rows by panel (small multiples of heatmaps: one grid of cells per panel, one colour bar).
        by_panel = {}
        for name, s in rows:
            by_panel.setdefault(SERIES_PANEL.get(name, {}).get("panel", 0), []).append((name, s))
        cmap = "viridis"
        if HEAT_COLORS:
            from matplotlib.colors import LinearSegmentedColormap
            cmap = LinearSegmentedColormap.from_list("app", HEAT_COLORS)
        for panel, panel_rows in by_panel.items():
            hax = axes[panel]
            # Columns in order of first appearance (NaN coordinates keyed by their text).
            cols = []
            for _, s in panel_rows:
                for x in s["x"]:
                    if repr(x) not in cols:
                        cols.append(repr(x))
            grid = [[math.nan] * len(cols) for _ in panel_rows]
            for r, (_, s) in enumerate(panel_rows):
                for x, v in zip(s["x"], s["y"]):
                    grid[r][cols.index(repr(x))] = v
            mesh = hax.pcolormesh(range(len(cols)), range(len(panel_rows)), grid, shading="nearest", cmap=cmap,
                                  vmin=HEAT_RANGE[0], vmax=HEAT_RANGE[1], edgecolors="white", linewidth=0.5)
            hax.set_xticks(range(len(cols)))
            hax.set_xticklabels(X_CATEGORIES if X_CATEGORIES and len(X_CATEGORIES) == len(cols) else cols)
            hax.set_yticks(range(len(panel_rows)))
            hax.set_yticklabels(Y_CATEGORIES if Y_CATEGORIES and len(Y_CATEGORIES) == len(panel_rows) else [n for n, _ in panel_rows])
            if HEAT_LABELS:
                for r, row in enumerate(grid):
                    for c, v in enumerate(row):
                        if not math.isnan(v):
                            hax.text(c, r, "%.3g" % v, ha="center", va="center")
        fig.colorbar(mesh, ax=axes[0] if len(by_panel) == 1 else axes).set_label(rows[0][1]["y_label"])

    for base, b in bands.items():
        if "lower" not in b or "upper" not in b:
            continue
        style = STYLES.get(base, {})
        axes_of(base).fill_between(b["lower"]["x"], b["lower"]["y"], b["upper"]["y"], color=style.get("color"),
                                   alpha=0.2, linewidth=0)

    for name, s in lines:
        style = STYLES.get(name, {"kind": "line"})
        # Thin or faint lines (per-teacher curves, raw means) stay out of the legend.
        label = label_of(name)
        main = label in LEGEND_NAMES if LEGEND_NAMES else style.get("width", 1) >= 0.99 and style.get("alpha", 1) >= 0.5
        kw = {"label": label if main else "_" + label, "alpha": style.get("alpha", 1)}
        target = axes_of(name)
        if style.get("kind") == "scatter":
            if style.get("hollow"):
                target.scatter(s["x"], s["y"], s=(LINE_WIDTH_PT * 2.5) ** 2, facecolors="none",
                               edgecolors=style.get("color"), linewidths=0.8, **kw)
            else:
                target.scatter(s["x"], s["y"], s=(LINE_WIDTH_PT * 2.5) ** 2, linewidths=0, color=style.get("color"), **kw)
        else:
            kw["color"] = style.get("color")
            target.plot(s["x"], s["y"], linestyle=style.get("linestyle", "-"),
                    linewidth=LINE_WIDTH_PT * style.get("width", 1),
                    marker="o" if style.get("marker") else None, markersize=LINE_WIDTH_PT * 2.5, **kw)

    if PANELS:
        for p, a in zip(PANELS, axes):
            if p["x_log"]:
                a.set_xscale("log")
            if p["y_log"]:
                a.set_yscale("log")
            a.set_title((p["letter"] + " " + p["title"]).strip(), loc="left")
            if p["y_min"] is not None and p["y_max"] is not None:
                a.set_ylim(p["y_min"], p["y_max"])
            for x in p["vlines"]:
                a.axvline(x, color="0.4", linestyle="--", linewidth=0.8)
            for y in p["hlines"]:
                a.axhline(y, color="0.4", linestyle="--", linewidth=0.8)
            if p["row"] == ROWS - 1 or not shared:
                a.set_xlabel(p["x_label"])
            if p["col"] == 0 and p["y_label"]:
                a.set_ylabel(p["y_label"])
        if TITLE:
            fig.suptitle(TITLE)
        if LEGEND and lines:
            # One legend for every panel: each label once.
            seen = {}
            for a in axes:
                for h, lab in zip(*a.get_legend_handles_labels()):
                    seen.setdefault(lab, h)
            fig.legend(list(seen.values()), list(seen.keys()), loc="outside upper center", ncols=max(1, min(len(seen), int(SIZE_IN[0] / 1.6))), frameon=False)
    else:
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
