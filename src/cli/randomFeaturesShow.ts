/**
 * What `w2s run`, `w2s show` and `w2s list` say of a random-features experiment
 * (docs/random-features.md §4): the pretrained student's and the teachers' test accuracies, each
 * teacher's accuracy gain at the early-stopping rule's step with its paired standard error, the
 * fraction improved, and the test set's standard error √(p(1 − p)/N). There is no cos in feature space.
 */
import type { RandomFeaturesSummary } from '../engine/randomFeatures';
import type { ExperimentSpec } from '../engine/spec';

const percent = (x: number | null, digits = 2) => (x === null || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(digits)} %`);
/** An accuracy gain in points (a fraction × 100): +0.29 points. */
const points = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(2)}`);

/** The spec's key parameters in one line (w2s list and show). */
export function randomFeaturesParameters(spec: ExperimentSpec): string {
  const f = spec.features;
  const features = f === undefined ? '' : ` ${f.activation} features, student ${f.student}, teachers ${f.teacher} (${f.train === 'both' ? `head and first layer, γ ${f.firstLayerRate}` : 'head only'})`;
  const pool = spec.data.pool === null || spec.data.pool === undefined ? 'fresh batches' : `pool ${spec.data.pool}`;
  return `d=${spec.data.d} β=${spec.beta}${features}, ${spec.teachers.count} teachers, B=${spec.sft.batchSize}, T=${spec.sft.steps}, ${pool}, ${spec.evaluation?.testPoints ?? '?'} test points, ${spec.sft.earlyStopping} stopping`;
}

/** The result in one line (w2s run's last line, w2s list). */
export function randomFeaturesResult(rf: RandomFeaturesSummary): string {
  return `${(100 * rf.fractionImproved).toFixed(1)} % of teachers improved the student, accuracy gain ${points(rf.gainMean)} ± ${points(rf.gainStd).replace(/^[+−]/, '')} points`;
}

/** The summary's lines for w2s show; with `teachers`, one line per teacher. */
export function randomFeaturesLines(rf: RandomFeaturesSummary, teachers: boolean): string[] {
  const se = rf.evaluation.standardError;
  const lines = [
    `pretrained student: test accuracy ${percent(rf.studentAccuracy)} (standard error ${percent(se)} on ${rf.evaluation.testPoints} test points)`,
    `teachers: mean test accuracy ${percent(rf.meanTeacherAccuracy)} over ${rf.teachers.length}; the student ${rf.studentAccuracy > rf.meanTeacherAccuracy ? 'beats' : 'does not beat'} them on average` +
      ` (${rf.teachers.filter((t) => t.teacherAccuracy < rf.studentAccuracy).length} of ${rf.teachers.length} below it)`,
    rf.ceiling === null ? 'no ceiling run (sft.ceiling false)' : `ceiling (true labels): ${percent(rf.ceiling.accuracy)} at η ${rf.ceiling.bestLearningRate}, step ${rf.ceiling.bestStep}`,
    `${randomFeaturesResult(rf)} (mean ± std over teachers; accuracy on the test points, no cos in feature space)`,
  ];
  const stand = rf.teachers.filter((t) => t.gain !== null && t.gainStandardError !== null && t.gain > 2 * t.gainStandardError).length;
  lines.push(`gains above twice their paired standard error: ${stand} of ${rf.teachers.length}`);
  if (teachers) {
    lines.push('', 'teacher  accuracy   η*        step  student   gain (points) ± paired SE   PGR');
    for (const t of rf.teachers) {
      lines.push(
        `${String(t.teacher).padStart(7)}  ${percent(t.teacherAccuracy).padStart(8)}   ${String(t.bestLearningRate ?? '—').padEnd(8)}  ${String(t.bestStep ?? '—').padStart(4)}  ${percent(t.accuracy).padStart(8)}  ` +
          `${points(t.gain).padStart(7)} ± ${t.gainStandardError === null ? '—' : (100 * t.gainStandardError).toFixed(2)}          ${t.pgr === null ? '—' : t.pgr.toFixed(3)}`,
      );
    }
  }
  return lines;
}
