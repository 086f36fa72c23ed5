/** w2s theory --student-cos C --student-norm R --teacher-cos CT --kappa K --beta B [--json] */
import { parseArgs } from 'node:util';
import { theory, theoryOverflow } from '../../engine/theory';
import { numberFlag, UsageError } from '../args';

export function theoryCommand(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      'student-cos': { type: 'string' },
      'student-norm': { type: 'string' },
      'teacher-cos': { type: 'string' },
      kappa: { type: 'string' },
      beta: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const input = {
    studentCos: numberFlag(values['student-cos'], 'student-cos', 'in (-1, 1)', (x) => x > -1 && x < 1),
    studentNorm: numberFlag(values['student-norm'], 'student-norm', '> 0', (x) => x > 0),
    teacherCos: numberFlag(values['teacher-cos'], 'teacher-cos', 'in [-1, 1]', (x) => x >= -1 && x <= 1),
    kappa: numberFlag(values.kappa, 'kappa', 'in [-1, 1]', (x) => x >= -1 && x <= 1),
    beta: numberFlag(values.beta, 'beta', '> 0', (x) => x > 0),
  };
  const r = theory(input);
  const overflow = theoryOverflow(input, r);
  if (overflow !== null) throw new UsageError(overflow);
  if (values.json) {
    const threshold = r.conditions.kappaThreshold;
    const json = { input, ...r, conditions: { ...r.conditions, kappaThreshold: Number.isFinite(threshold) ? threshold : String(threshold) } };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  const yes = (b: boolean) => (b ? 'holds' : 'fails');
  process.stdout.write(
    [
      `T1   = ${r.T1.toPrecision(8)}   (learning the teacher's knowledge of w*)`,
      `T2   = ${r.T2.toPrecision(8)}   (unlearning the student's own error orthogonal to w*)`,
      `rate = ${r.rate.toPrecision(8)}   d cos/dt at t = 0 = T1 + T2`,
      `condition 1, teacher beats chance (c_T > 0): ${yes(r.conditions.teacherBeatsChance)}`,
      `condition 2, errors orthogonal to w* not too aligned, s_T kappa cos(theta) < c_T sin(theta)` +
        `${input.studentCos > 0 && input.teacherCos > 0 ? ` (kappa < tan(theta)/tan(theta_T) = ${r.conditions.kappaThreshold.toPrecision(6)})` : ''}: ${yes(r.conditions.errorsNotTooAligned)}`,
      `prediction: the student ${r.improves ? 'improves' : 'does not improve'} at t = 0`,
    ].join('\n') + '\n',
  );
  return 0;
}
