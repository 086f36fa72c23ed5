/**
 * w2s export ID [ID…] --figure trajectories|gains|gainVsAccuracy|gainVsKappa|gainVsStartCos|heatmap|compare|theory
 *   [--format svg|pdf|png|csv|py|json] [--out FILE] [--size one-column|two-column|wide] [--width IN]
 *   [--height IN] [--font FAMILY] [--font-size PT] [--line-width PT] [--palette colorblind|tol-bright]
 *   [--line-styles] [--band std|sem|ci95|minmax] [--x-scale auto|linear|log] [--y-scale linear|log]
 *   [--smoothing W] [--metric cos|inner|norm|accuracy] [--facet auto|together|rows]
 *   [--runs selected|perLearningRate] [--end-at-stop] [--heatmap-value gainMean|fractionImproved]
 *   [--sweep-target gainMean|fractionImproved|pgr|bestStep] [--sweep-x PATH]
 *   [--no-thin-lines] [--no-flow] [--no-stop-markers] [--title] [--dpi 300|600] [--no-sidecar] [--db FILE]
 * The figure the app's Export dialog writes with the same settings, headless; the format is
 * --format's, else --out's extension's, else SVG; a sidecar JSON (ids, seeds, spec hashes, app
 * version), FILE.meta.json, is written next to it unless --no-sidecar. Without --metric the
 * trajectories are the three panels of Figure 1.
 */
import { parseArgs } from 'node:util';
import { cellsOf } from '../../engine/grid';
import { defaultSize, EXPORT_FORMATS, type ExportFormat, ExportSettingsSchema, FIGURE_KINDS, SIZE_PRESETS } from '../../shared/figureExport';
import { databasePath, experimentId, UsageError } from '../args';
import { sidecarFileName } from '../../backend/figures/sidecar';
import { checkOutputFile, outputFormat, writeAtomically } from '../files';
import { withCommands } from '../session';

/** Settings field → the flag that sets it, so errors name what the user typed. */
const FLAG: Record<string, string> = {
  widthIn: '--width',
  heightIn: '--height',
  fontFamily: '--font',
  fontSize: '--font-size',
  lineWidth: '--line-width',
  palette: '--palette',
  band: '--band',
  xScale: '--x-scale',
  yScale: '--y-scale',
  smoothing: '--smoothing',
  metric: '--metric',
  facet: '--facet',
  runs: '--runs',
  heatmapValue: '--heatmap-value',
  sweepTarget: '--sweep-target',
  sweepX: '--sweep-x',
  dpi: '--dpi',
};

const SIZES: Record<string, number> = { 'one-column': SIZE_PRESETS.oneColumn, 'two-column': SIZE_PRESETS.twoColumn, wide: SIZE_PRESETS.wide };

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x)) throw new UsageError(`${flag} must be a number (got '${value}')`);
  return x;
}

export async function figureExportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      figure: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string', short: 'o' },
      size: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      font: { type: 'string' },
      'font-size': { type: 'string' },
      'line-width': { type: 'string' },
      palette: { type: 'string' },
      'line-styles': { type: 'boolean' },
      band: { type: 'string' },
      'x-scale': { type: 'string' },
      'y-scale': { type: 'string' },
      smoothing: { type: 'string' },
      metric: { type: 'string' },
      facet: { type: 'string' },
      runs: { type: 'string' },
      'end-at-stop': { type: 'boolean' },
      'heatmap-value': { type: 'string' },
      'sweep-target': { type: 'string' },
      'sweep-x': { type: 'string' },
      'no-thin-lines': { type: 'boolean' },
      'no-flow': { type: 'boolean' },
      'no-stop-markers': { type: 'boolean' },
      dpi: { type: 'string' },
      'no-sidecar': { type: 'boolean' },
      title: { type: 'boolean' },
      db: { type: 'string' },
    },
  });
  const kind = values.figure as (typeof FIGURE_KINDS)[number];
  if (!FIGURE_KINDS.includes(kind)) throw new UsageError(`--figure must be one of ${FIGURE_KINDS.join(', ')} (got '${values.figure ?? ''}')`);
  // From --format, else --out's extension, else SVG.
  const format = outputFormat('figure', values.out, values.format, 'svg') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')} for a figure (got '${format}')`);
  const ids = positionals.map((p) => experimentId(p, 'export'));
  if (ids.length === 0) throw new UsageError('export needs an experiment id: w2s export ID --figure KIND');
  if (values.size !== undefined && !(values.size in SIZES)) throw new UsageError(`--size must be one of ${Object.keys(SIZES).join(', ')} (got '${values.size}')`);
  if (values.size !== undefined && values.width !== undefined) throw new UsageError('give --size or --width, not both');

  const raw = {
    widthIn: values.size !== undefined ? SIZES[values.size] : number(values.width, '--width'),
    heightIn: number(values.height, '--height'),
    fontFamily: values.font,
    fontSize: number(values['font-size'], '--font-size'),
    lineWidth: number(values['line-width'], '--line-width'),
    palette: values.palette,
    lineStyles: values['line-styles'],
    band: values.band,
    xScale: values['x-scale'],
    yScale: values['y-scale'],
    smoothing: number(values.smoothing, '--smoothing'),
    metric: values.metric,
    facet: values.facet,
    runs: values.runs,
    endAtStop: values['end-at-stop'],
    heatmapValue: values['heatmap-value'],
    sweepTarget: values['sweep-target'],
    sweepX: values['sweep-x'],
    thinLines: values['no-thin-lines'] === true ? false : undefined,
    flow: values['no-flow'] === true ? false : undefined,
    stopMarkers: values['no-stop-markers'] === true ? false : undefined,
    dpi: number(values.dpi, '--dpi'),
    showTitle: values.title,
  };
  const parsed = ExportSettingsSchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => `${FLAG[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`).join('; '));
  }
  const settings = parsed.data;

  const sidecar = values['no-sidecar'] !== true && format !== 'json';
  // The folder is checked before the figure is rendered; a file name is known once the export names it.
  if (values.out !== undefined && values.out !== '-') {
    checkOutputFile(values.out);
    if (sidecar) checkOutputFile(sidecarFileName(values.out));
  }
  return withCommands(databasePath(values.db), async (commands) => {
    // No size asked: the app's Export dialog's default (two columns for a grid such as Figure 2's 20 cells).
    if (values.size === undefined && values.width === undefined) {
      const cells = Math.max(1, ...ids.map((id) => cellsOf(commands.experiment(id).spec).length));
      settings.widthIn = SIZE_PRESETS[defaultSize(cells)];
    }
    const file = await commands.exportFigure({ ids, kind, format, settings });
    const out = values.out ?? file.fileName;
    if (out === '-') {
      process.stdout.write(file.content);
      return 0;
    }
    writeAtomically(out, file.content);
    const written = [out];
    if (sidecar) {
      const meta = await commands.exportFigure({ ids, kind, format: 'json', settings, describes: format });
      const metaFile = sidecarFileName(out);
      writeAtomically(metaFile, meta.content);
      written.push(metaFile);
    }
    process.stdout.write(`${written.join('\n')}\n`);
    return 0;
  });
}
