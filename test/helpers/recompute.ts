/**
 * The headline numbers of an experiment recomputed from its stored series by the tests' own
 * reference (written from docs/spec.md §2 and §7, not with the engine's selection or summary), for
 * checking what the dashboard, the compare view and the stores show:
 *   per teacher, each learning rate's run stopped at the first maximum of the rule's criterion over
 *   recorded points ≥ 1, the rate whose criterion is highest there (the lowest on a tie), its gain
 *   cos(stop) − cos(0) and PGR = (acc(stop) − acc_teacher) / (acc_ceiling − acc_teacher) against
 *   its cell's ceiling run stopped the same way (none when that gap is ≤ 1e-9);
 *   over every teacher of every cell: the fraction with gain > 0, the mean gain, its sample std
 *   (n − 1) and the mean PGR.
 */
export interface StoredRun {
  readonly key: { readonly cell: number; readonly teacher: number; readonly lr: number };
  readonly descriptor: { readonly teacherAccuracy: number } | null;
  readonly series: Readonly<Record<string, ArrayLike<number>>>;
}

export interface Headline {
  readonly fractionImproved: number;
  readonly gainMean: number;
  readonly gainStd: number;
  readonly pgrMean: number | null;
  readonly teachers: number;
}

type Rule = 'oracle' | 'teacher' | 'validation';

function stop(series: StoredRun['series'], rule: Rule): { index: number; score: number } | null {
  const named = series[rule === 'oracle' ? 'cos' : rule === 'teacher' ? 'agreement' : 'validation'];
  const c = named !== undefined && named.length > 0 ? named : series.cos;
  let best: { index: number; score: number } | null = null;
  for (let i = 1; i < c.length; i++) if (best === null || c[i] > best.score) best = { index: i, score: c[i] };
  return best;
}

function chosen(runs: StoredRun[], rule: Rule): { run: StoredRun; index: number } | null {
  let best: { run: StoredRun; index: number; score: number } | null = null;
  for (const run of [...runs].sort((a, b) => a.key.lr - b.key.lr)) {
    const s = stop(run.series, rule);
    if (s !== null && (best === null || s.score > best.score)) best = { run, ...s };
  }
  return best;
}

export function recomputeHeadline(rule: Rule, runs: readonly StoredRun[]): Headline {
  const groups = new Map<string, StoredRun[]>();
  for (const r of runs) {
    const id = `${r.key.cell}:${r.key.teacher}`;
    groups.set(id, [...(groups.get(id) ?? []), r]);
  }
  const gains: number[] = [];
  const pgrs: number[] = [];
  for (const [id, group] of groups) {
    const [cell, teacher] = id.split(':').map(Number);
    if (teacher < 0) continue;
    const pick = chosen(group, rule);
    if (pick === null) continue;
    const { series } = pick.run;
    gains.push(series.cos[pick.index] - series.cos[0]);
    const ceiling = chosen(groups.get(`${cell}:-1`) ?? [], rule);
    const teacherAccuracy = group.find((r) => r.descriptor !== null)?.descriptor?.teacherAccuracy;
    if (ceiling === null || teacherAccuracy === undefined) continue;
    const gap = ceiling.run.series.accuracy[ceiling.index] - teacherAccuracy;
    if (gap > 1e-9) pgrs.push((series.accuracy[pick.index] - teacherAccuracy) / gap);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const gainMean = mean(gains);
  const gainStd = gains.length > 1 ? Math.sqrt(gains.reduce((a, g) => a + (g - gainMean) ** 2, 0) / (gains.length - 1)) : 0;
  return {
    fractionImproved: gains.filter((g) => g > 0).length / gains.length,
    gainMean,
    gainStd,
    pgrMean: pgrs.length === 0 ? null : mean(pgrs),
    teachers: gains.length,
  };
}

/**
 * A number as the UI shows it ("83 %", "+0.0123", "−0.0040") back to its value, and the
 * half-unit of its last digit: the shown text must be the value rounded to that many digits.
 */
export function shownNumber(text: string | null): { value: number; halfUnit: number } {
  const t = (text ?? '').trim().replace('−', '-');
  const m = /^([+-]?\d+(?:\.(\d+))?)(\s*%)?$/.exec(t);
  if (m === null) throw new Error(`not a number as the UI shows one: '${text}'`);
  const digits = m[2]?.length ?? 0;
  const scale = m[3] === undefined ? 1 : 100;
  return { value: Number(m[1]) / scale, halfUnit: 0.5 * 10 ** -digits / scale };
}
