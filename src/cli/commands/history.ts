/**
 * The run history from the command line:
 *   w2s list [--json] [--db FILE]
 *   w2s show ID [--teachers] [--json] [--db FILE]
 *   w2s cancel ID [--db FILE]
 */
import { parseArgs } from 'node:util';
import { experimentListItem } from '../../backend/historyList';
import type { ExperimentRecord, HistoryEntry } from '../../backend/labCommands';
import type { Interval } from '../../engine/intervals';
import { resolvePath } from '../../engine/spec';
import { sweepDescription, sweptLabel } from '../../engine/sweep';
import { databasePath, experimentId, stringifyReadable } from '../args';
import { withCommands } from '../session';
import { accuracyText, pgrText, showStats, teacherTable } from '../showStats';
import { randomFeaturesLines, randomFeaturesParameters } from '../randomFeaturesShow';
import { isRandomFeaturesSpec } from '../../engine/randomFeatures/spec';

function keyParameters(e: Pick<HistoryEntry, 'spec'>): string {
  const s = e.spec;
  if (isRandomFeaturesSpec(s)) return randomFeaturesParameters(s);
  const student = s.setup === 'random-teacher' ? `student ${s.student.accuracy} × norms ${s.student.norm.join(',')}` : 'pretrained';
  const teachers = s.setup === 'random-teacher' ? `${s.teachers.count} teachers ${s.teachers.accuracy.join(',')}` : `${s.teachers.count} teachers`;
  const sweep = sweepDescription(s);
  return `d=${s.data.d} β=${s.beta} ${student}, ${teachers}, B=${s.sft.batchSize}, T=${s.sft.steps}, path ${resolvePath(s)}${sweep === '' ? '' : `; sweep ${sweep} (the values above are the first point's)`}`;
}

/** An interval as `w2s show` prints it: 0.0339 [0.0283, 0.0395], or a percentage with `percent`. */
function intervalText(i: Interval | null, percent = false): string {
  if (i === null || !Number.isFinite(i.estimate)) return '—';
  const f = (x: number) => (percent ? `${(100 * x).toFixed(0)} %` : x.toFixed(4));
  return `${f(i.estimate)} [${f(i.lo)}, ${f(i.hi)}]`;
}

/** What `w2s show` says of a preview experiment: its results are the approximation's, and how to get the exact ones. */
/** The first lines of `w2s show`, for every setup: name, status and times, setup and seed, the runs by status. */
function headerLines(e: ExperimentRecord, counts: Record<string, number>): string[] {
  return [
    `#${e.id} ${e.name}`,
    `status ${e.status}${e.error ? ` (${e.error})` : ''}; created ${e.createdAt}${e.finishedAt ? `, finished ${e.finishedAt}` : ''}; app ${e.appVersion}`,
    `${e.setup}, seed ${e.seed}: ${keyParameters(e)}`,
    `runs: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`,
  ];
}

export function previewLine(e: ExperimentRecord): string | null {
  return resolvePath(e.spec) === 'preview'
    ? `preview: results from the preview path (batch sums drawn from their normal law, docs/preview.md), not the exact chain; re-run exactly with the same seed: engine.path 'auto'`
    : null;
}

export function listCommand(args: string[]): number {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false }, db: { type: 'string' } } });
  return withCommands(databasePath(values.db), (commands) => {
    const experiments = commands.history();
    if (values.json) {
      process.stdout.write(`${JSON.stringify(experiments.map(experimentListItem), null, 2)}\n`);
      return 0;
    }
    if (experiments.length === 0) {
      process.stdout.write('no experiments yet: w2s run SPEC.json\n');
      return 0;
    }
    for (const e of experiments) {
      const r = experimentListItem(e);
      const result = r.fractionImproved === null ? '' : `  improved ${(100 * r.fractionImproved).toFixed(0)} %, gain ${r.gainMean?.toFixed(4)}`;
      process.stdout.write(`${String(r.id).padStart(4)}  ${r.status.padEnd(11)} ${r.createdAt.slice(0, 16)}  ${r.name}\n      ${keyParameters(e)}${result}\n`);
    }
    return 0;
  });
}

export function showCommand(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false }, teachers: { type: 'boolean', default: false }, db: { type: 'string' } } });
  const id = experimentId(positionals[0], 'show');
  return withCommands(databasePath(values.db), (commands) => {
    const e = commands.experiment(id);
    const runs = commands.runs(id);
    const counts: Record<string, number> = {};
    for (const r of runs) counts[r.status] = (counts[r.status] ?? 0) + 1;
    const rf = e.summary?.randomFeatures;
    if (isRandomFeaturesSpec(e.spec)) {
      if (values.json) {
        process.stdout.write(`${stringifyReadable({ ...e, path: 'random-features', runs: counts })}\n`);
        return 0;
      }
      const lines = [...headerLines(e, counts), ...(rf === undefined ? ['no summary yet'] : randomFeaturesLines(rf, values.teachers))];
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    }
    const stats = showStats(runs, e.summary);
    if (values.json) {
      const { cells, ...overall } = stats;
      process.stdout.write(`${stringifyReadable({ ...e, path: resolvePath(e.spec), runs: counts, ...overall, cellStats: cells })}\n`);
      return 0;
    }
    const lines = headerLines(e, counts);
    const preview = previewLine(e);
    if (preview !== null) lines.splice(1, 0, preview);
    const failed = runs.filter((r) => r.status === 'failed');
    for (const r of failed.slice(0, 5)) lines.push(`  run cell ${r.key.cell}, teacher ${r.key.teacher}, lr #${r.key.lr} failed: ${r.error ?? 'no message'}`);
    if (failed.length > 5) lines.push(`  … and ${failed.length - 5} more failed runs`);
    if (failed.length > 0) lines.push(`  (w2s resume ${e.id} runs them again)`);
    if (e.tags.length > 0) lines.push(`tags: ${e.tags.join(', ')}`);
    if (e.notes !== '') lines.push(`notes: ${e.notes}`);
    if (e.summary !== null) {
      const s = e.summary;
      lines.push(`initial student: cos ${s.initial.cos.toFixed(4)}, accuracy ${(100 * s.initial.accuracy).toFixed(2)} %, norm ${s.initial.norm.toFixed(3)}`);
    }
    if (stats.teacherAccuracy !== null) lines.push(`teachers' accuracy ${accuracyText(stats.teacherAccuracy)} (mean ± std over ${stats.teacherAccuracy.n} teachers)`);
    if (e.summary !== null) {
      const s = e.summary;
      const pgr = stats.pgr !== null ? `; PGR ${pgrText(stats.pgr)} (against the true-label ceiling, ${stats.pgr.n} teachers)` : e.spec.sft.ceiling ? '; PGR —' : '; no PGR: no ceiling run (sft.ceiling false)';
      lines.push(`${(100 * s.fractionImproved).toFixed(1)} % of teachers improved the student; gain ${s.gainMean.toFixed(4)} ± ${s.gainStd.toFixed(4)} (cos)${pgr}`);
      for (const c of s.cells) {
        if (s.cells.length === 1) break;
        const kappa = c.kappa === undefined ? '' : ` × κ ${c.kappa}`;
        const cell = stats.cells.find((x) => x.cell === c.cell);
        const swept = sweptLabel(c.axes);
        lines.push(
          `  ${swept === '' ? '' : `${swept}: `}norm ${c.norm} × teacher ${c.teacherAccuracy}${kappa}: ${(100 * c.fractionImproved).toFixed(0)} % improved, gain ${c.gainMean.toFixed(4)} ± ${c.gainStd.toFixed(4)}, ` +
            `PGR ${pgrText(cell?.pgr ?? null)}, teachers' accuracy ${accuracyText(cell?.teacherAccuracy ?? null)}`,
        );
      }
    }
    if (e.summary?.groups !== undefined) {
      const replicates = e.spec.replicates ?? 1;
      lines.push('', `points${replicates > 1 ? `, ${replicates} replicates pooled` : ''} (95 % intervals${replicates > 1 ? ' across replicates' : ' across teachers'}; fraction improved: Wilson over every teacher):`);
      for (const g of e.summary.groups) {
        const name = [sweptLabel(g.axes), g.axes['student.norm'] === undefined ? '' : `norm ${g.axes['student.norm']} × teacher ${g.axes['teachers.accuracy']}${g.axes['teachers.kappa'] === undefined ? '' : ` × κ ${g.axes['teachers.kappa']}`}`].filter((x) => x !== '').join(', ');
        lines.push(`  ${name}: gain ${intervalText(g.gainMean)}, improved ${intervalText(g.fractionImproved, true)}, PGR ${intervalText(g.pgr)}`);
      }
    }
    if (values.teachers) lines.push('', ...teacherTable(runs, e.summary));
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  });
}

export function cancelCommand(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { db: { type: 'string' } } });
  const id = experimentId(positionals[0], 'cancel');
  return withCommands(databasePath(values.db), (commands) => {
    // The process running it sees the status within a second and kills its jobs; data so far is kept.
    commands.cancelElsewhere(id);
    process.stdout.write(`experiment ${id} cancelled\n`);
    return 0;
  });
}
