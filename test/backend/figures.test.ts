/**
 * The figure-export backend: SVG is well-formed, inch-sized, vector text, deterministic; the PDF
 * has the figure's page size and only embedded TrueType fonts (checked with poppler's pdffonts);
 * the PNG has exactly inches × dpi pixels; the CSV round-trips every number bit-exactly; the
 * matplotlib script is valid Python; the sidecar's spec hash ignores key order.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalJson,
  exportFigure,
  formatNumber,
  matplotlibScript,
  parsePlottedCsv,
  plottedCsv,
  renderSvg,
  sidecarJson,
  specHash,
  svgToPdf,
  expandPaintOrder,
  svgToPng,
} from '../../src/backend/figures/index';
import { ExportRequestSchema, goldenHeight, parseExportSettings, SIZE_PRESETS } from '../../src/shared/figureExport';
import { cellsOf } from '../../src/engine/grid';
import { summarizeExperiment } from '../../src/engine/summary';
import { buildFigure, defaultStyle } from '../../src/charts/index';
import type { Figure, FigureInput, FigureKind, PlottedSeries } from '../../src/charts/types';
import { runAll } from '../helpers/experiment';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'w2s-figures-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STEPS = [0, 10, 20, 30, 40, 50];
const MEAN = [0.1, 0.35, 0.5, 0.61, 0.66, 0.7];

function series(name: string, x: number[], y: number[], yLabel = 'cos_mean'): PlottedSeries {
  return { name, experimentId: 7, x, y, xLabel: 'step', yLabel };
}

/** Two line series (distinct colours, no symbols, no legend) on a log y axis, with a bold title. */
const lineFigure: Figure = {
  title: 'Trajectories',
  xAxisLabel: 'step',
  yAxisLabel: 'cos(w, w*)',
  series: [series('strong', STEPS, MEAN), series('weak', STEPS, MEAN.map((v) => v / 2))],
  option: {
    animation: false,
    textStyle: { fontFamily: 'DejaVu Sans', fontSize: 11 },
    title: { text: 'Trajectories' },
    xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 22 },
    yAxis: { type: 'log', name: 'cos(w, w*)', nameLocation: 'middle', nameGap: 34 },
    series: [
      { type: 'line', name: 'strong', showSymbol: false, lineStyle: { color: '#112233', width: 2 }, itemStyle: { color: '#112233' }, data: STEPS.map((s, i) => [s, MEAN[i]]) },
      { type: 'line', name: 'weak', showSymbol: false, lineStyle: { color: '#445566', width: 2, type: 'dashed' }, itemStyle: { color: '#445566' }, data: STEPS.map((s, i) => [s, MEAN[i] / 2]) },
    ],
  },
};

const scatterFigure: Figure = {
  title: 'Gain vs accuracy',
  xAxisLabel: 'teacher accuracy',
  yAxisLabel: 'gain & <gap>',
  series: [series('gain', [0.6, 0.7, 0.8], [0.01, 0.03, 0.02], 'gain')],
  option: {
    textStyle: { fontFamily: 'DejaVu Serif' },
    xAxis: { type: 'value', name: 'teacher accuracy', min: 0.5, max: 0.9 },
    yAxis: { type: 'value', name: 'gain & <gap>' },
    series: [{ type: 'scatter', name: 'gain', itemStyle: { color: '#aa0000' }, data: [[0.6, 0.01], [0.7, 0.03], [0.8, 0.02]] }],
  },
};

const KAPPAS = [0.5, 1, 2];
const ACCS = [0.6, 0.7, 0.8, 0.9];
const cell = (k: number, a: number) => (a - 0.5) / k;
const heatmapFigure: Figure = {
  title: 'Gain heatmap',
  xAxisLabel: 'teacher accuracy',
  yAxisLabel: 'kappa',
  series: KAPPAS.map((k) => ({ name: `gain | kappa=${k}`, experimentId: 3, x: ACCS, y: ACCS.map((a) => cell(k, a)), xLabel: 'teacher_accuracy', yLabel: 'gain_mean' })),
  option: {
    textStyle: { fontFamily: 'DejaVu Sans' },
    xAxis: { type: 'category', name: 'teacher accuracy', data: ACCS.map(String) },
    yAxis: { type: 'category', name: 'kappa', data: KAPPAS.map(String) },
    visualMap: { min: 0, max: 0.8, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, show: false },
    series: [{ type: 'heatmap', name: 'gain', data: KAPPAS.flatMap((k, j) => ACCS.map((a, i) => [i, j, cell(k, a)])) }],
  },
};

/** A minimal XML well-formedness check: one root, balanced tags, quoted attributes, escaped text. */
function checkWellFormed(xml: string): { tags: Map<string, number> } {
  let body = xml;
  expect(body.startsWith('<?xml version="1.0" encoding="UTF-8"')).toBe(true);
  body = body.replace(/^<\?xml[^?]*\?>\s*/, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '').replace(/<!--[\s\S]*?-->/g, '');
  const tags = new Map<string, number>();
  const stack: string[] = [];
  let roots = 0;
  let last = 0;
  const tagRe = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*="[^"<]*")*)\s*(\/?)>/g;
  const text = (t: string) => {
    expect(t, `text ${JSON.stringify(t.slice(0, 40))}`).toMatch(/^(?:[^<&]|&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)*$/);
  };
  for (const m of body.matchAll(tagRe)) {
    text(body.slice(last, m.index));
    last = m.index + m[0].length;
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      expect(stack.pop(), `closing </${name}>`).toBe(name);
      continue;
    }
    if (stack.length === 0) roots++;
    tags.set(name, (tags.get(name) ?? 0) + 1);
    if (!selfClosing) stack.push(name);
  }
  text(body.slice(last).trim());
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  return { tags };
}

/** Run a poppler tool; a missing tool fails the test with how to install it. */
function poppler(tool: 'pdffonts' | 'pdfinfo', file: string): string {
  const r = spawnSync(tool, [file], { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`${tool} is not installed: install poppler-utils (apt-get install -y poppler-utils) to run the PDF checks`);
  }
  expect(r.status, `${tool} ${file}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

function pdfFonts(pdf: Buffer, name: string): { name: string; type: string; emb: string }[] {
  const file = join(dir, name);
  writeFileSync(file, pdf);
  const out = poppler('pdffonts', file).trimEnd().split('\n');
  // Columns are fixed-width; split on the dashes line.
  const widths = out[1].split(' ').map((d) => d.length);
  const cols = (line: string) => {
    const cells: string[] = [];
    let at = 0;
    for (const w of widths) {
      cells.push(line.slice(at, at + w).trim());
      at += w + 1;
    }
    return cells;
  };
  return out.slice(2).map((l) => {
    const c = cols(l);
    return { name: c[0], type: c[1], emb: c[3] };
  });
}

function pdfPageSize(pdf: Buffer, name: string): [number, number] {
  const file = join(dir, name);
  writeFileSync(file, pdf);
  const m = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(poppler('pdfinfo', file));
  expect(m).not.toBeNull();
  return [Number(m![1]), Number(m![2])];
}

function pngSize(png: Buffer): [number, number] {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

describe('SVG', () => {
  const size = { widthIn: SIZE_PRESETS.oneColumn, heightIn: goldenHeight(SIZE_PRESETS.oneColumn) };

  it('is well-formed, inch-sized with a px viewBox, vector text and one path per line series', () => {
    const svg = renderSvg(lineFigure, size);
    const { tags } = checkWellFormed(svg);
    expect(svg).toMatch(/<svg [^>]*width="3\.25in" height="2\.0086in" viewBox="0 0 312 192\.8266"/);
    expect(tags.get('text')).toBeGreaterThan(3);
    expect(tags.has('foreignObject') || tags.has('image')).toBe(false);
    expect(svg).not.toMatch(/ecmeta_|pointer-events|zr\d+-|display="none"|visibility="hidden"/);
    // Each line series is exactly one path in its colour (no legend here, no symbols).
    expect(svg.match(/<path [^>]*stroke="#112233"/g)).toHaveLength(1);
    expect(svg.match(/<path [^>]*stroke="#445566"/g)).toHaveLength(1);
    expect(svg).toMatch(/<path [^>]*stroke="#445566"[^>]*stroke-dasharray/);
    // Axis titles and the title are text elements.
    for (const label of ['step', 'cos(w, w*)', 'Trajectories']) expect(svg).toContain(`>${label}</text>`);
    expect(svg).toMatch(/font-family:DejaVu Sans;/);
  });

  it('draws every scatter point and escapes text', () => {
    const svg = renderSvg(scatterFigure, { widthIn: SIZE_PRESETS.wide });
    checkWellFormed(svg);
    expect(svg).toMatch(/width="5\.5in" height="3\.3992in" viewBox="0 0 528 326\.3/);
    expect(svg.match(/<path [^>]*fill="#aa0000"/g)).toHaveLength(3);
    expect(svg).toContain('>gain &amp; &lt;gap&gt;</text>');
    expect(svg).toContain('>teacher accuracy</text>');
  });

  it('draws a heatmap as one rect path per cell', () => {
    const svg = renderSvg(heatmapFigure, { widthIn: SIZE_PRESETS.twoColumn, heightIn: 3 });
    const { tags } = checkWellFormed(svg);
    expect(svg).toMatch(/width="6\.75in" height="3in" viewBox="0 0 648 288"/);
    expect(tags.get('path')).toBeGreaterThanOrEqual(KAPPAS.length * ACCS.length);
    expect(svg).toContain('>kappa</text>');
  });

  it('is deterministic and leaves the figure untouched', () => {
    const before = JSON.stringify(lineFigure.option);
    const a = renderSvg(lineFigure, size);
    renderSvg(heatmapFigure, size);
    const b = renderSvg(lineFigure, size);
    expect(b).toBe(a);
    expect(JSON.stringify(lineFigure.option)).toBe(before);
  });

  it('replaces the option fonts with the export font', () => {
    const svg = renderSvg(lineFigure, size, { fontFamily: 'DejaVu Serif' });
    expect(svg).toMatch(/font-family:DejaVu Serif;/);
    expect(svg).not.toMatch(/font-family:DejaVu Sans;/);
  });

  it('golden-ratio heights and presets', () => {
    expect(SIZE_PRESETS).toEqual({ oneColumn: 3.25, twoColumn: 6.75, wide: 5.5 });
    expect(goldenHeight(3.25)).toBeCloseTo(3.25 / 1.618033988749895, 12);
  });
});

describe('PDF', () => {
  const sizes = [
    { widthIn: 3.25, heightIn: goldenHeight(3.25) },
    { widthIn: 6.75, heightIn: 3 },
  ];

  for (const [i, size] of sizes.entries()) {
    it(`page is the figure size in pt (${size.widthIn} in), every font embedded TrueType`, async () => {
      const pdf = await svgToPdf(renderSvg(lineFigure, size), size, 'DejaVu Sans');
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const [w, h] = pdfPageSize(pdf, `page${i}.pdf`);
      expect(w).toBeCloseTo(size.widthIn * 72, 1);
      expect(h).toBeCloseTo(size.heightIn * 72, 1);
      const fonts = pdfFonts(pdf, `fonts${i}.pdf`);
      expect(fonts.length).toBeGreaterThanOrEqual(2); // regular + the bold title
      for (const f of fonts) {
        expect(f.emb, `${f.name} embedded`).toBe('yes');
        expect(f.type, f.name).toMatch(/^(CID )?TrueType/);
        expect(f.type).not.toMatch(/Type 3/);
        expect(f.name).not.toMatch(/Helvetica|Times|Courier/);
      }
    });
  }

  it('embeds serif and Liberation families, never a base-14 font', async () => {
    for (const family of ['DejaVu Serif', 'Liberation Sans', 'sans-serif']) {
      const size = { widthIn: 3.25 };
      const pdf = await svgToPdf(renderSvg(scatterFigure, size, { fontFamily: family }), size, family);
      const fonts = pdfFonts(pdf, 'family.pdf');
      expect(fonts.length).toBeGreaterThan(0);
      for (const f of fonts) {
        expect(f.emb).toBe('yes');
        expect(f.type).toMatch(/^(CID )?TrueType/);
      }
      expect(pdf.toString('latin1')).not.toMatch(/\/BaseFont\s*\/(Helvetica|Times|Courier)/);
    }
  });

  it('fails naming the family when no TrueType file exists for it', async () => {
    const size = { widthIn: 3.25 };
    const svg = renderSvg(lineFigure, size, { fontFamily: 'Comic Nonexistent' });
    await expect(svgToPdf(svg, size, 'DejaVu Sans')).rejects.toThrow(/Comic Nonexistent/);
    await expect(svgToPdf(renderSvg(lineFigure, size), size, 'Comic Nonexistent')).rejects.toThrow(/Comic Nonexistent/);
  });

  it('draws outlined labels halo-first (svg-to-pdfkit ignores paint-order)', () => {
    const t = '<text x="1" fill="#222" stroke="#fff" stroke-width="2" paint-order="stroke" stroke-miterlimit="2">0.5</text>';
    expect(expandPaintOrder(t)).toBe('<text x="1" stroke="#fff" stroke-width="2" stroke-miterlimit="2" fill="none">0.5</text>\n<text x="1" fill="#222" stroke="none">0.5</text>');
  });

  it('has fixed metadata: the same input gives the same bytes', async () => {
    const size = { widthIn: 3.25 };
    const svg = renderSvg(lineFigure, size);
    const a = await svgToPdf(svg, size, 'DejaVu Sans');
    const b = await svgToPdf(svg, size, 'DejaVu Sans');
    expect(a.equals(b)).toBe(true);
  });
});

describe('PNG', () => {
  for (const dpi of [300, 600] as const) {
    for (const size of [{ widthIn: 3.25 }, { widthIn: 6.75, heightIn: 2.9 }, { widthIn: 5.5, heightIn: 3.333 }]) {
      it(`${size.widthIn} × ${size.heightIn ?? 'golden'} in at ${dpi} dpi is round(in × dpi) pixels`, () => {
        const heightIn = size.heightIn ?? goldenHeight(size.widthIn);
        const png = svgToPng(renderSvg(lineFigure, size), size, dpi);
        expect(pngSize(png)).toEqual([Math.round(size.widthIn * dpi), Math.round(heightIn * dpi)]);
        // pHYs right after IHDR: pixels per metre for the dpi, unit metre.
        expect(png.subarray(37, 41).toString('latin1')).toBe('pHYs');
        expect(png.readUInt32BE(41)).toBe(Math.round(dpi / 0.0254));
      });
    }
  }

  it('fails naming an unknown font family', () => {
    expect(() => svgToPng(renderSvg(lineFigure, { widthIn: 3.25 }, { fontFamily: 'Nope Grotesk' }), { widthIn: 3.25 }, 300)).toThrow(/Nope Grotesk/);
  });
});

describe('CSV', () => {
  const odd = [0.1 + 0.2, 1e-300, -0, 0, 5e-324, Number.MAX_VALUE, -Number.MIN_VALUE, 1 / 3, -1.5e-7, 123456789012345680000, NaN, Infinity, -Infinity, 2 ** 53 + 2, 0.1];
  const figure: Pick<Figure, 'series'> = {
    series: [
      { name: 'mean, "quoted"', experimentId: 1, x: odd.map((_, i) => i), y: odd, xLabel: 'step', yLabel: 'cos_mean' },
      { name: 'mean lower', experimentId: 1, x: Float64Array.from(odd.map((_, i) => i)), y: Float64Array.from(odd.map((v) => v - 0.1)), xLabel: 'step', yLabel: 'cos_lower' },
      { name: 'other\nline', experimentId: 2, x: odd, y: odd.map((v) => -v), xLabel: 'x, with comma', yLabel: 'y' },
    ],
  };

  it('has the documented header and one row per point', () => {
    const text = plottedCsv(figure);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('experiment_id,series,x_label,x,y_label,y');
    expect(text).toContain('1,"mean, ""quoted""",step,0,cos_mean,0.30000000000000004\n');
    expect(text).toContain(',nan\n');
    expect(text).toContain(',-inf\n');
    expect(text).toContain(',-0\n');
    expect(formatNumber(-0)).toBe('-0');
    expect(formatNumber(Infinity)).toBe('inf');
  });

  it('round-trips every number bit-exactly', () => {
    const parsed = parsePlottedCsv(plottedCsv(figure));
    expect(parsed.map((s) => s.name)).toEqual(figure.series.map((s) => s.name));
    for (const [i, s] of figure.series.entries()) {
      const p = parsed[i];
      expect(p.experimentId).toBe(s.experimentId);
      expect(p.xLabel).toBe(s.xLabel);
      expect(p.yLabel).toBe(s.yLabel);
      expect(p.x.length).toBe(s.x.length);
      for (let j = 0; j < s.x.length; j++) {
        expect(Object.is(p.x[j], s.x[j]), `${s.name} x[${j}] ${s.x[j]}`).toBe(true);
        expect(Object.is(p.y[j], s.y[j]), `${s.name} y[${j}] ${s.y[j]}`).toBe(true);
      }
    }
  });

  it("reads back to the same doubles in Python's float()", () => {
    const values = odd.map(formatNumber);
    const script = 'import struct,sys\nfor s in sys.argv[1:]:\n    print(struct.pack(">d", float(s)).hex())';
    const out = execFileSync('python3', ['-c', script, ...values], { encoding: 'utf8' }).trim().split('\n');
    const bits = odd.map((v) => {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(v);
      return b.toString('hex');
    });
    // NaN payloads may differ; every other value is bit-identical.
    out.forEach((hex, i) => (Number.isNaN(odd[i]) ? expect(hex).toMatch(/^7ff8|^fff8/) : expect(hex).toBe(bits[i])));
  });

  it('refuses malformed input and mismatched series', () => {
    expect(() => parsePlottedCsv('a,b\n1,2\n')).toThrow(/header/);
    expect(() => parsePlottedCsv('experiment_id,series,x_label,x,y_label,y\n1,s,x,abc,y,1\n')).toThrow(/record 2/);
    expect(() => plottedCsv({ series: [{ name: 's', experimentId: 1, x: [1, 2], y: [1], xLabel: 'x', yLabel: 'y' }] })).toThrow(/s/);
  });
});

/** python3 checks the CSV's doubles and the scripts; a machine without it fails here, saying so. */
function hasPython(): boolean {
  if (spawnSync('python3', ['--version']).status !== 0) throw new Error('python3 is missing: these checks need it (Debian: apt-get install python3)');
  return true;
}

describe('matplotlib script', () => {
  const bandFigure: Figure = {
    ...lineFigure,
    series: [series('strong', STEPS, MEAN), series('strong lower', STEPS, MEAN.map((v) => v - 0.05)), series('strong upper', STEPS, MEAN.map((v) => v + 0.05)), series('weak', STEPS, MEAN)],
  };
  const opts = { csvFile: 'w2s-7-trajectories.csv', sizeIn: { widthIn: 3.25 }, fontFamily: 'DejaVu Serif', fontSizePt: 8, lineWidth: 1.25, format: 'pdf' as const };

  it('carries the option: scales, labels, styles, sizes, fonts', () => {
    const py = matplotlibScript(bandFigure, opts);
    expect(py).toContain('CSV_FILE = "w2s-7-trajectories.csv"');
    expect(py).toContain('OUT_FILE = "w2s-7-trajectories.pdf"');
    expect(py).toContain(`SIZE_IN = (3.25, ${goldenHeight(3.25)})`);
    expect(py).toContain('FONT_FAMILY = "DejaVu Serif"');
    expect(py).toContain('Y_LOG = True');
    expect(py).toContain('X_LOG = False');
    expect(py).toContain('Y_LABEL = "cos(w, w*)"');
    expect(py).toMatch(/"weak": \{"kind": "line", "color": "#445566", "linestyle": "--"/);
    expect(py).toContain('fill_between');
    expect(py).toContain('"pdf.fonttype": 42');
    expect(py).not.toMatch(/import pandas|from pandas/);
    expect(matplotlibScript(heatmapFigure, opts)).toContain('HAS_HEATMAP = True');
    expect(matplotlibScript(scatterFigure, opts)).toMatch(/"gain": \{"kind": "scatter", "color": "#aa0000"/);
  });

  it('is syntactically valid Python 3', () => {
    for (const [i, f] of [bandFigure, scatterFigure, heatmapFigure].entries()) {
      const file = join(dir, `fig${i}.py`);
      writeFileSync(file, matplotlibScript({ ...f, title: 'A "quoted" \\ title """ κ' }, opts));
      const r = spawnSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1], encoding="utf-8").read())', file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
  });

  it('its CSV reader reads the exported CSV (without matplotlib)', () => {
    const csvFile = join(dir, 'band.csv');
    writeFileSync(csvFile, plottedCsv(bandFigure));
    const py = matplotlibScript(bandFigure, opts);
    // Cut the script before matplotlib is imported; keep read_series.
    const reader = py.slice(py.indexOf('def read_series'), py.indexOf('def main'));
    const script = `import csv, sys\n${reader}\ns = read_series(sys.argv[1])\nprint(len(s), len(s["strong upper"]["y"]), repr(s["strong"]["y"][0]))`;
    const out = execFileSync('python3', ['-c', script, csvFile], { encoding: 'utf8' }).trim();
    expect(out).toBe('4 6 0.1');
  });
});

describe('sidecar', () => {
  const spec = { seed: 17, teachers: { count: 2, accuracy: [0.6, 0.7] }, sft: { steps: 15, batchSize: 200, learningRates: [0.1, 1] } };
  const reordered = { sft: { learningRates: [0.1, 1], batchSize: 200, steps: 15 }, teachers: { accuracy: [0.6, 0.7], count: 2 }, seed: 17 };

  it('hashes the canonical JSON of the spec (keys sorted recursively)', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(specHash(reordered)).toBe(specHash(spec));
    expect(specHash(spec)).toMatch(/^[0-9a-f]{64}$/);
    expect(specHash({ ...spec, seed: 18 })).not.toBe(specHash(spec));
    // Array order is meaningful.
    expect(specHash({ ...spec, teachers: { count: 2, accuracy: [0.7, 0.6] } })).not.toBe(specHash(spec));
  });

  it('is stable under key reordering and names the app version', () => {
    const a = sidecarJson({ experiments: [{ id: 3, seed: 17, spec }], kind: 'trajectories', style: { fontSize: 8, band: 'std' }, format: 'pdf' });
    const b = sidecarJson({ format: 'pdf', style: { band: 'std', fontSize: 8 }, kind: 'trajectories', experiments: [{ spec: reordered, seed: 17, id: 3 }] });
    expect(b).toBe(a);
    const doc = JSON.parse(a) as { appVersion: string; experiments: { specHash: string }[]; figure: { kind: string } };
    expect(doc.appVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.experiments[0].specHash).toBe(specHash(spec));
    expect(doc.figure.kind).toBe('trajectories');
  });
});

describe('exportFigure and settings', () => {
  it('returns text for svg/csv/py and bytes for pdf/png', async () => {
    const settings = parseExportSettings({ widthIn: 3.25, heightIn: 2, dpi: 300, fontFamily: 'DejaVu Sans' });
    expect(await exportFigure(lineFigure, { settings, format: 'svg' })).toMatch(/^<\?xml/);
    expect(await exportFigure(lineFigure, { settings, format: 'csv' })).toMatch(/^experiment_id,series,/);
    expect(await exportFigure(lineFigure, { settings, format: 'py' })).toMatch(/^#!\/usr\/bin\/env python3/);
    const pdf = await exportFigure(lineFigure, { settings, format: 'pdf' });
    expect(Buffer.isBuffer(pdf) && pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const png = await exportFigure(lineFigure, { settings: { ...settings, dpi: 600 }, format: 'png' });
    expect(pngSize(png as Buffer)).toEqual([1950, 1200]);
  });

  it('rejects bad settings naming the field and its allowed range', () => {
    const ok = { widthIn: 3.25, dpi: 300, fontFamily: 'DejaVu Sans' };
    expect(parseExportSettings(ok)).toMatchObject({ widthIn: 3.25, dpi: 300, fontSize: 8, heightIn: null });
    expect(() => parseExportSettings({ ...ok, widthIn: 0 })).toThrow(/widthIn: must be a number from 1 to 20 \(inches\)/);
    expect(() => parseExportSettings({ ...ok, heightIn: 50 })).toThrow(/heightIn: must be a number from 0\.5 to 20/);
    expect(() => parseExportSettings({ ...ok, widthIn: '3' })).toThrow(/widthIn/);
    expect(() => parseExportSettings({ ...ok, widthIn: NaN })).toThrow(/widthIn/);
    expect(() => parseExportSettings({ ...ok, dpi: 150 })).toThrow(/dpi: must be 300 or 600/);
    expect(() => parseExportSettings({ ...ok, colour: 'red' })).toThrow(/unknown setting.*colour/);
    expect(() => parseExportSettings({ ...ok, fontFamily: 'Comic Nonexistent' })).toThrow(/fontFamily: must be one of DejaVu Sans/);
    expect(() => parseExportSettings(null)).toThrow(/Invalid export settings/);
    const format = ExportRequestSchema.safeParse({ ids: [1], kind: 'gains', format: 'gif' });
    expect(format.success ? '' : format.error.issues[0].message).toMatch(/must be one of svg, pdf, png, csv, py, json/);
  });
});

describe('figures from the chart builders (a real tiny experiment)', () => {
  const COLUMNS = ['step', 'inner', 'norm', 'cos', 'accuracy', 'agreement'] as const;
  let input: FigureInput;
  beforeAll(() => {
    const { spec, outcomes } = runAll({ seed: 3, data: { d: 20 }, student: { norm: [0.5, 2] }, teachers: { count: 3, accuracy: [0.6, 0.7] }, sft: { steps: 30, batchSize: 200, learningRates: [0.1, 1] } });
    const data: number[] = [];
    for (const o of outcomes) for (const c of COLUMNS) data.push(...Array.from(o.series[c] as ArrayLike<number>));
    input = {
      id: 5,
      name: 'tiny',
      seed: 3,
      spec,
      summary: summarizeExperiment(spec, 'reduced', cellsOf(spec), outcomes),
      bundle: {
        experimentId: 5,
        columns: [...COLUMNS],
        runs: outcomes.map((o, i) => ({ runId: i + 1, key: o.key, status: 'done', recorded: o.series.step.length, descriptor: o.descriptor === null ? null : { ...o.descriptor } })),
        data: Float64Array.from(data),
      },
    };
  });

  for (const kind of ['trajectories', 'gains', 'heatmap', 'gainVsAccuracy', 'theory'] as FigureKind[]) {
    it(`${kind}: SVG well-formed, PDF fonts embedded, CSV = plotted series, script draws it`, async () => {
      const figure = buildFigure(kind, [input], defaultStyle({ width: 312, height: 193, fontSize: 8, maxPoints: null, theme: 'light' }));
      const file = { settings: parseExportSettings({ widthIn: 3.25, dpi: 300, fontFamily: 'DejaVu Serif' }), csvFile: `${kind}.csv` };
      const svg = (await exportFigure(figure, { ...file, format: 'svg' })) as string;
      checkWellFormed(svg);
      expect(svg).toContain(`>${figure.xAxisLabel}</text>`);
      const pdf = (await exportFigure(figure, { ...file, format: 'pdf' })) as Buffer;
      for (const f of pdfFonts(pdf, `${kind}.pdf`)) {
        expect(f.emb).toBe('yes');
        expect(f.type).toMatch(/^(CID )?TrueType/);
        expect(f.name).toMatch(/DejaVuSerif/);
      }
      const parsed = parsePlottedCsv((await exportFigure(figure, { ...file, format: 'csv' })) as string);
      expect(parsed.map((s) => s.name)).toEqual(figure.series.map((s) => s.name));
      for (const [i, s] of figure.series.entries()) {
        expect(parsed[i].y.every((v, j) => Object.is(v, s.y[j]))).toBe(true);
        expect(parsed[i].x.every((v, j) => Object.is(v, s.x[j]))).toBe(true);
      }
      const py = (await exportFigure(figure, { ...file, format: 'py' })) as string;
      // Per-teacher lines come from one polyline series in the option; each keeps its faint style.
      if (kind === 'trajectories') expect(py).toMatch(/"(?:\(a\) )?cell0 teacher0": \{"kind": "line", [^}]*"alpha": 0\.25/);
      if (hasPython()) {
        // The script runs under real matplotlib (installed for the tests) and writes its figure.
        const script = join(dir, `${kind}.py`);
        writeFileSync(script, py);
        writeFileSync(join(dir, `${kind}.csv`), (await exportFigure(figure, { ...file, format: 'csv' })) as string);
        const out = join(dir, `${kind}-mpl.png`);
        const r = spawnSync('python3', [script, join(dir, `${kind}.csv`), out], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        expect(readFileSync(out).subarray(1, 4).toString('latin1')).toBe('PNG');
      }
    });
  }
});
