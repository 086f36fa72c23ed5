/** Teacher labels (docs/spec.md §1): hard, hard with label noise, or soft. */
import type { Rng } from '../rng';
import { sigmoid } from '../sigmoid';
import type { LabelOptions } from './batch';

const TWO_POW_32 = 4294967296;

/**
 * The teacher's label of a sample whose teacher margin is t = ⟨w_T, x⟩: y = 1{t > 0}, flipped with
 * probability p (one uint32 draw, made only when p > 0), or y = σ(β_T t) for soft labels. The exact
 * paths' batch loops inline the same rule (batch.ts) with the tabulated sigmoid.
 */
export function teacherLabel(margin: number, labels: LabelOptions, rng: Rng): number {
  if (labels.softBeta !== null) return sigmoid(labels.softBeta * margin);
  const y = margin > 0 ? 1 : 0;
  return labels.labelNoise > 0 && rng.nextUint32() < labels.labelNoise * TWO_POW_32 ? 1 - y : y;
}
