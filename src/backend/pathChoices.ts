/**
 * The builder's Preview / Exact choice (issue 12 part 3): the spec the user wrote, once with
 * engine.path 'preview' and once with an exact path (the one it forces, else 'auto'), each validated
 * by the engine's own parseSpec and estimated by the calibration. A side's refusal is the engine's
 * messages that the other side does not have, so an error of the spec itself (one that both sides
 * share) is not blamed on a path.
 */
import { type ExperimentSpec, parseSpec, resolvePath } from '../engine/spec';
import type { LabOutput } from '../shared/labApi';

type Choices = LabOutput<'checkSpec'>['choices'];
type Choice = Choices['preview'];
type Estimate = (spec: ExperimentSpec) => Promise<{ seconds: number | null; basis: string }>;

const isRecord = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** The spec document with engine.path replaced (the rest untouched, unknown keys included, so the engine still sees them). */
export function withEnginePath(spec: unknown, path: string): unknown {
  if (!isRecord(spec)) return spec;
  const engine = isRecord(spec.engine) ? spec.engine : {};
  return { ...spec, engine: { ...engine, path } };
}

/** The exact path the Exact side takes: the one the spec forces, else 'auto' (which never takes preview). */
export function exactPathOf(spec: unknown): string {
  const path = isRecord(spec) && isRecord(spec.engine) ? spec.engine.path : undefined;
  return typeof path === 'string' && path !== 'preview' ? path : 'auto';
}

export async function pathChoices(spec: unknown, estimate: Estimate): Promise<Choices> {
  const preview = parseSpec(withEnginePath(spec, 'preview'));
  const exact = parseSpec(withEnginePath(spec, exactPathOf(spec)));
  const errorsOf = (r: typeof preview) => (r.ok ? [] : r.errors);
  const side = async (r: typeof preview, other: typeof preview): Promise<Choice> => {
    if (!r.ok) {
      const shared = new Set(errorsOf(other));
      const refused = r.errors.filter((e) => !shared.has(e));
      return { path: null, refused, expectedSeconds: null, estimateBasis: refused.length > 0 ? 'refused for this spec' : 'the spec has errors' };
    }
    const e = await estimate(r.spec);
    return { path: resolvePath(r.spec), refused: [], expectedSeconds: e.seconds, estimateBasis: e.basis };
  };
  const [p, x] = await Promise.all([side(preview, exact), side(exact, preview)]);
  return { preview: p, exact: x };
}
