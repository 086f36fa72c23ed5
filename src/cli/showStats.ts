/**
 * The numbers `w2s show` adds to the summary: the teachers' accuracy, mean ± std across teachers,
 * from the stored run descriptors (so for every setup — a shared-pretraining experiment's
 * teachers are trained, their accuracy is measured, not set — and before the summary exists), and
 * the PGR of docs/spec.md §7, (acc_w2s − acc_T) / (acc_ceiling − acc_T), mean ± std across the
 * teachers that have one; overall and per cell. And the per-teacher table of `--teachers`.
 */
import { CEILING, type RunDescriptor } from '../engine/grid';
import type { StoredSummary } from '../engine/summary';

export interface Spread {
  readonly mean: number;
  readonly std: number;
  /** How many values (teachers). */
  readonly n: number;
}

/** Mean and sample standard deviation (n − 1, as the summary's), or null for no values. */
export function spread(values: readonly number[]): Spread | null {
  const n = values.length;
  if (n === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n === 1 ? 0 : Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, std, n };
}

interface DescribedRun {
  readonly key: { readonly cell: number; readonly teacher: number };
  readonly descriptor: RunDescriptor | null;
}

/** Each teacher's descriptor once (its learning rates' runs share it), by cell; the ceiling left out. */
export function teacherDescriptors(runs: readonly DescribedRun[]): Map<number, Map<number, RunDescriptor>> {
  const byCell = new Map<number, Map<number, RunDescriptor>>();
  for (const run of runs) {
    if (run.key.teacher === CEILING || run.descriptor === null) continue;
    const cell = byCell.get(run.key.cell) ?? new Map<number, RunDescriptor>();
    if (!cell.has(run.key.teacher)) cell.set(run.key.teacher, run.descriptor);
    byCell.set(run.key.cell, cell);
  }
  return byCell;
}

export interface ShowStats {
  readonly teacherAccuracy: Spread | null;
  /** Null without a summary or a ceiling run. */
  readonly pgr: Spread | null;
  readonly cells: readonly { readonly cell: number; readonly teacherAccuracy: Spread | null; readonly pgr: Spread | null }[];
}

export function showStats(runs: readonly DescribedRun[], summary: StoredSummary | null): ShowStats {
  const descriptors = teacherDescriptors(runs);
  const accuracies = (cell?: number) => [...descriptors.entries()].filter(([c]) => cell === undefined || c === cell).flatMap(([, m]) => [...m.values()].map((d) => d.teacherAccuracy));
  const pgrs = (cell?: number) => (summary?.teachers ?? []).filter((t) => (cell === undefined || t.cell === cell) && t.pgr !== null).map((t) => t.pgr as number);
  const cells = [...new Set([...descriptors.keys(), ...(summary?.cells.map((c) => c.cell) ?? [])])].sort((a, b) => a - b);
  return {
    teacherAccuracy: spread(accuracies()),
    pgr: spread(pgrs()),
    cells: cells.map((cell) => ({ cell, teacherAccuracy: spread(accuracies(cell)), pgr: spread(pgrs(cell)) })),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

/** '63.50 % ± 2.50 %'. */
export function accuracyText(s: Spread | null): string {
  return s === null ? '—' : `${pct(s.mean)} ± ${pct(s.std)}`;
}

/** '0.412 ± 0.083'. */
export function pgrText(s: Spread | null): string {
  return s === null ? '—' : `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}`;
}

const fmt = (x: number | null | undefined, digits: number) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

/** `--teachers`: one row per teacher (from the summary, else from the descriptors alone), aligned columns. */
export function teacherTable(runs: readonly DescribedRun[], summary: StoredSummary | null): string[] {
  const header = ['cell', 'teacher', 'accuracy', 'cos(w_T,w*)', 'κ', 'best lr', 'best step', 'peak cos', 'gain', 'PGR'];
  const rows: string[][] =
    summary !== null
      ? summary.teachers.map((t) => [
          String(t.cell),
          String(t.teacher),
          pct(t.accuracy),
          fmt(t.cos, 4),
          fmt(t.kappa, 4),
          t.bestLearningRate === null ? '—' : String(t.bestLearningRate),
          t.bestStep === null ? '—' : String(t.bestStep),
          fmt(t.peakCos, 4),
          t.gain === null ? '—' : `${t.gain >= 0 ? '+' : '−'}${Math.abs(t.gain).toFixed(4)}`,
          fmt(t.pgr, 3),
        ])
      : [...teacherDescriptors(runs).entries()].flatMap(([cell, m]) =>
          [...m.entries()].sort(([a], [b]) => a - b).map(([teacher, d]) => [String(cell), String(teacher), pct(d.teacherAccuracy), fmt(d.teacherCos, 4), fmt(d.kappa, 4), '—', '—', '—', '—', '—']),
        );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  // Numbers right-aligned under their heads.
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(header), ...rows.map(line)];
}
