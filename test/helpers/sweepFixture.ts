/**
 * Hand-written sweep summaries for the sweep dashboard's tests, following the sweep interface
 * (issue 22: cells with `axes`, `groups` with 95 % intervals): a product of axes × replicates,
 * each cell's teachers' gains given by a closed form the test chooses, the groups pooled from
 * the cells exactly as the interface says (gainMean: t interval across replicates' cell means;
 * fractionImproved: Wilson over all teachers; pgr and bestStep: t intervals across teachers).
 */
import { meanInterval, wilsonInterval } from '../../src/engine/intervals';
import { type ExperimentSpec, validateSpec } from '../../src/engine/spec';
import type { CellSummaryHead, StoredSummary, TeacherSummary } from '../../src/engine/summary';
import type { SweepGroup } from '../../src/charts/sweepData';
import type { FigureInput } from '../../src/charts/types';

export interface SweepFixtureOptions {
  /** Product axes beyond the inner ones, keyed by spec path, in the spec's order. */
  readonly axes: Readonly<Record<string, readonly number[]>>;
  readonly replicates?: number;
  readonly teachers?: number;
  /** Teacher t's gain in the cell at `point` (the cell's coordinates) of replicate r. */
  readonly gain: (point: Readonly<Record<string, number>>, replicate: number, teacher: number) => number;
  /** Teacher t's PGR (default gain × 10) and early-stopped step (default 100 + 10 t). */
  readonly pgr?: (point: Readonly<Record<string, number>>, replicate: number, teacher: number) => number | null;
  readonly bestStep?: (point: Readonly<Record<string, number>>, replicate: number, teacher: number) => number;
  /** Put the axes on the spec as a grid of points instead of product axes. */
  readonly asGrid?: boolean;
}

/** Every combination of the axes' values, the first axis slowest. */
export function product(axes: Readonly<Record<string, readonly number[]>>): Record<string, number>[] {
  let points: Record<string, number>[] = [{}];
  for (const [path, values] of Object.entries(axes)) points = points.flatMap((p) => values.map((v) => ({ ...p, [path]: v })));
  return points;
}

const BASE = { name: 'sweep fixture', teachers: { count: 4 }, sft: { steps: 100, learningRates: [0.1], batchSize: 100 } };

/** A FigureInput of a finished sweep: the spec with its axes, and the summary with cells and groups. */
export function sweepInput(o: SweepFixtureOptions, id = 1): FigureInput & { summary: StoredSummary & { groups: SweepGroup[] } } {
  const replicates = o.replicates ?? 1;
  const nTeachers = o.teachers ?? 8;
  const base = validateSpec(BASE);
  const points = product(o.axes);
  const spec = {
    ...base,
    ...(o.asGrid === true ? { grid: points } : { axes: Object.entries(o.axes).map(([path, values]) => ({ path, values: [...values] })) }),
    ...(replicates > 1 ? { replicates } : {}),
  } as ExperimentSpec;
  const cells: CellSummaryHead[] = [];
  const groups: SweepGroup[] = [];
  points.forEach((point) => {
    const mine: number[] = [];
    const allGains: number[] = [];
    const allPgr: number[] = [];
    const allSteps: number[] = [];
    const cellMeans: number[] = [];
    for (let r = 0; r < replicates; r++) {
      const teachers: TeacherSummary[] = Array.from({ length: nTeachers }, (_, t) => {
        const gain = o.gain(point, r, t);
        const pgr = o.pgr === undefined ? gain * 10 : o.pgr(point, r, t);
        const bestStep = o.bestStep === undefined ? 100 + 10 * t : o.bestStep(point, r, t);
        return { teacher: t, cos: 0.6, accuracy: 0.7, kappa: 0, bestLearningRate: 0.1, bestLrIndex: 0, bestStep, peakCos: 0.8 + gain, peakAccuracy: 0.8, gain, gainAccuracy: gain, pgr };
      });
      const gains = teachers.map((t) => t.gain as number);
      const pgrs = teachers.flatMap((t) => (t.pgr === null ? [] : [t.pgr]));
      const m = gains.reduce((a, b) => a + b, 0) / gains.length;
      cellMeans.push(m);
      allGains.push(...gains);
      allPgr.push(...pgrs);
      allSteps.push(...teachers.map((t) => t.bestStep as number));
      const index = cells.length;
      mine.push(index);
      cells.push({
        cell: index,
        norm: base.student.norm[0],
        teacherAccuracy: base.teachers.accuracy[0],
        initial: { cos: 0.8, accuracy: 0.8, norm: 1 },
        ceiling: null,
        teachers,
        fractionImproved: gains.filter((g) => g > 0).length / gains.length,
        gainMean: m,
        gainStd: 0,
        gainAccuracyMean: m,
        pgrMean: pgrs.length === 0 ? null : pgrs.reduce((a, b) => a + b, 0) / pgrs.length,
        ...({ axes: { ...point, ...(replicates > 1 ? { replicate: r } : {}) } } as object),
      });
    }
    groups.push({
      axes: point,
      cells: mine,
      gainMean: replicates >= 2 ? meanInterval(cellMeans) : meanInterval(allGains),
      fractionImproved: wilsonInterval(allGains.filter((g) => g > 0).length, allGains.length),
      pgr: allPgr.length === 0 ? null : meanInterval(allPgr),
      bestStep: meanInterval(allSteps),
    });
  });
  const teachers = cells.flatMap((c) => c.teachers.map((t) => ({ ...t, cell: c.cell, norm: c.norm, teacherAccuracy: c.teacherAccuracy })));
  const gains = teachers.map((t) => t.gain as number);
  const summary = {
    spec,
    path: 'preview',
    initial: cells[0].initial,
    teachers,
    fractionImproved: gains.filter((g) => g > 0).length / gains.length,
    gainMean: gains.reduce((a, b) => a + b, 0) / gains.length,
    gainStd: 0,
    cells,
    runs: { total: teachers.length, done: teachers.length, diverged: 0, failed: 0, cancelled: 0 },
    groups,
  };
  return { id, name: 'sweep fixture', seed: base.seed, spec, summary, bundle: { experimentId: id, columns: ['step', 'cos'], runs: [], data: new Float64Array(0) } };
}
