/**
 * One factory per engine path (docs/spec.md §3–4, docs/preview.md): from a run's start to its SFT
 * kernel, fresh or resumed from a checkpoint. The context chooses the path once per experiment.
 */
import type { RunDescriptor, RunKey } from './grid';
import type { DataLaw } from './laws';
import type { Rng } from './rng';
import type { LabelOptions, ScaleMixture } from './sft/batch';
import { DenseKernel, type DenseProblem, type FiniteSftSet } from './sft/dense';
import type { EnginePath, KernelCheckpoint, SftHyper, SftKernel } from './sft/kernel';
import { PreviewKernel } from './sft/preview';
import { ProjectedKernel, type ProjectedProblem } from './sft/projected';
import { ReducedKernel, type ReducedState, type ReducedTeacher } from './sft/reduced';
import type { LabelledSample } from './sft/validation';
import { dot, unit } from './vectors';

/**
 * A run's start: the reduced chain's state directly (random teacher on the reduced and preview
 * paths), or explicit whitened student and teacher vectors; with what describes the run and the
 * teacher's norm (which soft labels use).
 */
export type RunStart = { readonly descriptor: RunDescriptor; readonly teacherNorm: number } & (
  | { readonly kind: 'reduced'; readonly state: ReducedState; readonly teacher: ReducedTeacher }
  | { readonly kind: 'explicit'; readonly student: Float64Array; readonly teacher: Float64Array }
);

/** What a path's factory asks of the experiment (engine/experiment.ts's ExperimentContext is one). */
export interface PathContext {
  readonly d: number;
  readonly law: DataLaw;
  readonly spectrum: Float64Array | null;
  groundTruth(): Float64Array;
  heldOut(): LabelledSample | null;
  toOriginal(v: Float64Array): Float64Array;
  labelOptions(teacherNorm: number, teacher?: number): LabelOptions;
  mixture(): ScaleMixture;
  hyper(key: RunKey): SftHyper;
  sftRng(key: RunKey): Rng;
  validationSet(): LabelledSample | null;
  finiteSet(key: RunKey, teacher: Float64Array, labels: LabelOptions): FiniteSftSet | null;
}

type PathFactory = (context: PathContext, key: RunKey, start: RunStart, checkpoint: KernelCheckpoint | null) => SftKernel;

/** The reduced chain's state and teacher frame: given directly, or projected from explicit vectors. */
function reducedStart(context: PathContext, start: RunStart): { state: ReducedState; teacher: ReducedTeacher } {
  if (start.kind === 'reduced') return start;
  // Explicit (pretrained, isotropic) vectors: project onto the frame (w*, f, h) of docs/spec.md §3.
  const vStar = context.groundTruth();
  const teacherNorm = Math.sqrt(dot(start.teacher, start.teacher));
  const cT = start.descriptor.teacherCos;
  const sT = Math.sqrt(Math.max(0, 1 - cT * cT));
  const alpha = dot(start.student, vStar);
  let b = 0;
  if (sT > 1e-12) {
    const f = start.teacher.map((x, j) => (x / teacherNorm - cT * vStar[j]) / sT);
    b = dot(start.student, f);
  }
  const rho = Math.sqrt(Math.max(0, dot(start.student, start.student) - alpha * alpha - b * b));
  return { state: { alpha, b, rho }, teacher: { cT, sT } };
}

/** Explicit whitened vectors, which the projected and dense paths need. */
function explicit(start: RunStart): Extract<RunStart, { kind: 'explicit' }> {
  if (start.kind !== 'explicit') throw new Error('this engine path needs the run’s explicit vectors');
  return start;
}

export const PATHS: Record<EnginePath, PathFactory> = {
  reduced: (context, key, start, checkpoint) => {
    const { state, teacher } = reducedStart(context, start);
    const labels = context.labelOptions(start.teacherNorm, key.teacher);
    const hyper = context.hyper(key);
    return checkpoint === null
      ? new ReducedKernel(context.d, hyper, teacher, labels, context.mixture(), state, context.sftRng(key))
      : ReducedKernel.restore(context.d, hyper, teacher, labels, context.mixture(), checkpoint);
  },

  preview: (context, key, start, checkpoint) => {
    const { state, teacher } = reducedStart(context, start);
    const labels = context.labelOptions(start.teacherNorm, key.teacher);
    const hyper = context.hyper(key);
    return checkpoint === null
      ? new PreviewKernel(context.d, hyper, teacher, labels, state, context.sftRng(key))
      : PreviewKernel.restore(context.d, hyper, teacher, labels, null, checkpoint);
  },

  projected: (context, key, start, checkpoint) => {
    const init = explicit(start);
    const problem: ProjectedProblem = { spectrum: context.spectrum, groundTruth: context.groundTruth(), teacher: unit(init.teacher) };
    const labels = context.labelOptions(start.teacherNorm, key.teacher);
    const hyper = context.hyper(key);
    const validation = context.validationSet();
    return checkpoint === null
      ? new ProjectedKernel(problem, hyper, labels, context.mixture(), init.student, context.sftRng(key), validation)
      : ProjectedKernel.restore(problem, hyper, labels, context.mixture(), checkpoint, validation);
  },

  dense: (context, key, start, checkpoint) => {
    const init = explicit(start);
    const labels = context.labelOptions(start.teacherNorm, key.teacher);
    const hyper = context.hyper(key);
    const teacherOriginal = context.toOriginal(init.teacher);
    const heldOut = context.heldOut();
    const problem: DenseProblem = {
      law: context.law,
      d: context.d,
      groundTruth: context.toOriginal(context.groundTruth()),
      teacher: teacherOriginal,
      heldOut,
      heldOutTeacher: heldOut === null ? null : heldOut.relabel(teacherOriginal),
      finiteSet: context.finiteSet(key, teacherOriginal, labels),
    };
    const validation = context.validationSet();
    return checkpoint === null
      ? new DenseKernel(problem, hyper, labels, context.toOriginal(init.student), context.sftRng(key), validation)
      : DenseKernel.restore(problem, hyper, labels, checkpoint, validation);
  },
};
