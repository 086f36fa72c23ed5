/**
 * An experiment as a grid of independent runs (docs/spec.md §7–8, §10): cells (initial norm × teacher
 * accuracy × κ when the spec sets teachers.kappa) × teachers × learning rates, plus one ground-truth "ceiling" run per cell and learning
 * rate. A run is named by its key alone, and rebuilt from (spec, key) wherever it runs.
 */
import type { ExperimentSpec } from './spec';

/** The ceiling run's teacher index: SFT on ground-truth labels (teacher = w*). */
export const CEILING = -1;

/** One run: a cell, a teacher (or CEILING), a learning-rate index. */
export interface RunKey {
  readonly cell: number;
  readonly teacher: number;
  readonly lr: number;
}

/** One point of the grid of initial norms × teacher accuracies × κ (random teacher; one cell otherwise). */
export interface Cell {
  readonly index: number;
  /** Target initial norm (random teacher), or null when the student comes from pretraining. */
  readonly norm: number | null;
  /** Target teacher accuracy (random teacher), or null when teachers come from pretraining. */
  readonly teacherAccuracy: number | null;
  /** Prescribed κ = cos(w⊥, w_T⊥) of the cell's teachers (docs/spec.md §10), or null: drawn as the setup draws it. */
  readonly kappa: number | null;
}

/** What is known of a run's student and teacher before SFT. */
export interface RunDescriptor {
  readonly studentCos: number;
  readonly studentNorm: number;
  readonly studentAccuracy: number;
  /** cos_Σ(w_T, w*). */
  readonly teacherCos: number;
  readonly teacherAccuracy: number;
  /** κ = cos(w⊥, w_T⊥): alignment of the student's and teacher's errors orthogonal to w*. */
  readonly kappa: number;
}

/**
 * The cells in a fixed order: norm, then teacher accuracy, then κ (innermost). Without
 * teachers.kappa every cell's κ is null and the cells are those of norm × accuracy alone.
 */
export function cellsOf(spec: ExperimentSpec): Cell[] {
  if (spec.setup === 'shared-pretraining') return [{ index: 0, norm: null, teacherAccuracy: null, kappa: null }];
  const cells: Cell[] = [];
  const kappas: readonly (number | null)[] = spec.teachers.kappa ?? [null];
  for (const norm of spec.student.norm) {
    for (const teacherAccuracy of spec.teachers.accuracy) {
      for (const kappa of kappas) cells.push({ index: cells.length, norm, teacherAccuracy, kappa });
    }
  }
  return cells;
}

/** Every run of the experiment, in a fixed order: cell, then teacher (ceiling first), then learning rate. */
export function runKeys(spec: ExperimentSpec): RunKey[] {
  const keys: RunKey[] = [];
  const lrs = spec.sft.learningRates.length;
  for (const cell of cellsOf(spec)) {
    const first = spec.sft.ceiling ? CEILING : 0;
    for (let teacher = first; teacher < spec.teachers.count; teacher++) {
      for (let lr = 0; lr < lrs; lr++) keys.push({ cell: cell.index, teacher, lr });
    }
  }
  return keys;
}

/** Samples drawn by a whole experiment, for the builder's estimate (batches only). */
export function samplesToDraw(spec: ExperimentSpec): number {
  return runKeys(spec).length * spec.sft.steps * spec.sft.batchSize;
}

/** Whether a key names a run of this spec. */
export function isRunKeyOf(spec: ExperimentSpec, key: RunKey, cells: number): boolean {
  return (
    Number.isInteger(key.cell) && key.cell >= 0 && key.cell < cells &&
    Number.isInteger(key.teacher) && key.teacher >= (spec.sft.ceiling ? CEILING : 0) && key.teacher < spec.teachers.count &&
    Number.isInteger(key.lr) && key.lr >= 0 && key.lr < spec.sft.learningRates.length
  );
}
