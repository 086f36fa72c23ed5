/**
 * The batch sums (S1, S2, Q) = Σ (c g1, c g2, c²) a step of the reduced chain used (docs/spec.md §3,
 * docs/preview.md §1), read back from the step itself through the engine's public kernel, on the
 * exact reduced path and on the preview path alike.
 *
 * At d = 3 there is no χ²_{d−3} term: one step from a known state w = (α, b, ρ) in the frame
 * (w*, f, h) moves it by exactly −(η/B)(S1 u1 + S2 u2 + √Q n3 u3), with u1 = ŵ, u2 the unit part of
 * the teacher ⊥ ŵ, u3 = u1 × u2, and ρ' = |ρ − …| (positive for a small step). Projecting the move
 * on the frame gives S1, S2 and G3 = √Q·n3, with n3 ~ N(0, 1) independent of the sums, so that
 *   E[G3²] = E[Q],   Cov(G3², S_j) = Cov(Q, S_j),   E[G3⁴]/3 − E[G3²]² = Var(Q).
 * Every draw starts from the same state, each with the generator where the previous one left it.
 */
import { ExperimentContext } from '../../src/engine/experiment';
import type { RunKey } from '../../src/engine/grid';
import type { PreviewKernel } from '../../src/engine/sft/preview';
import type { ReducedState } from '../../src/engine/sft/reduced';
import type { ExperimentSpec } from '../../src/engine/spec';

export interface StepSums {
  readonly s1: Float64Array;
  readonly s2: Float64Array;
  /** √Q·n3. */
  readonly g3: Float64Array;
}

/** The frame (u1, u2, u3) of a state and a teacher c_T w* + s_T f, and p = cos(w, w_T). */
export function stepFrame(state: ReducedState, cT: number): { u1: number[]; u2: number[]; u3: number[]; norm: number; p: number; q: number } {
  const sT = Math.sqrt(1 - cT * cT);
  const norm = Math.hypot(state.alpha, state.b, state.rho);
  const u1 = [state.alpha / norm, state.b / norm, state.rho / norm];
  const p = u1[0] * cT + u1[1] * sT;
  const raw = [cT - p * u1[0], sT - p * u1[1], -p * u1[2]];
  const q = Math.hypot(raw[0], raw[1], raw[2]);
  const u2 = raw.map((x) => x / q);
  const u3 = [u1[1] * u2[2] - u1[2] * u2[1], u1[2] * u2[0] - u1[0] * u2[2], u1[0] * u2[1] - u1[1] * u2[0]];
  return { u1, u2, u3, norm, p, q };
}

/**
 * `draws` one-step moves from `state` of teacher 0's run in a d = 3 spec of one learning rate
 * (engine.path reduced or preview), as the sums they used. `inflation` multiplies the preview's
 * covariance (its test-only field: the negative control of docs/preview.md §7).
 */
export function stepSums(spec: ExperimentSpec, state: ReducedState, draws: number, inflation = 1): StepSums {
  if (spec.data.d !== 3 || spec.sft.learningRates.length !== 1) throw new RangeError('stepSums needs d = 3 and one learning rate');
  const path = spec.engine.path;
  if (path !== 'reduced' && path !== 'preview') throw new RangeError(`stepSums needs the reduced or preview path, not ${path}`);
  const context = new ExperimentContext(spec);
  const key: RunKey = { cell: 0, teacher: 0, lr: 0 };
  const first = context.buildRun(key);
  const { u1, u2, u3 } = stepFrame(state, first.descriptor.teacherCos);
  const k = spec.sft.learningRates[0] / spec.sft.batchSize;
  const start = [state.alpha, state.b, state.rho];
  let rng = first.kernel.checkpoint().rng;
  const out = { s1: new Float64Array(draws), s2: new Float64Array(draws), g3: new Float64Array(draws) };
  for (let i = 0; i < draws; i++) {
    const { kernel } = context.buildRun(key, { path, step: 0, state: start, rng });
    if (path === 'preview') (kernel as PreviewKernel).covarianceInflation = inflation;
    kernel.advance();
    const after = kernel.checkpoint();
    rng = after.rng;
    const move = start.map((x, j) => (x - after.state[j]) / k);
    out.s1[i] = move[0] * u1[0] + move[1] * u1[1] + move[2] * u1[2];
    out.s2[i] = move[0] * u2[0] + move[1] * u2[1] + move[2] * u2[2];
    out.g3[i] = move[0] * u3[0] + move[1] * u3[1] + move[2] * u3[2];
  }
  return out;
}

/** The moments of (S1, S2, Q) in sampleMoments' order: mean 1–3, then C11, C12, C22, C13, C23, C33. */
export const SUM_MOMENTS = ['E S1', 'E S2', 'E Q', 'Var S1', 'Cov(S1, S2)', 'Var S2', 'Cov(S1, Q)', 'Cov(S2, Q)', 'Var Q'] as const;

export interface MomentEstimate {
  readonly name: (typeof SUM_MOMENTS)[number];
  readonly estimate: number;
  /** Its standard error, from the sample (the sd of its influence function over √n). */
  readonly se: number;
}

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** Mean of the per-draw terms and its standard error. */
function meanAndSe(terms: Float64Array): { estimate: number; se: number } {
  const m = mean(terms);
  let ss = 0;
  for (let i = 0; i < terms.length; i++) ss += (terms[i] - m) ** 2;
  return { estimate: m, se: Math.sqrt(ss / (terms.length - 1) / terms.length) };
}

/** Estimates of the nine moments of the sums from their draws (Q's only through G3 = √Q·n3). */
export function sumMoments(draws: StepSums): MomentEstimate[] {
  const n = draws.s1.length;
  const q = draws.g3.map((g) => g * g); // E[G3²] = E[Q]
  const m1 = mean(draws.s1);
  const m2 = mean(draws.s2);
  const mq = mean(q);
  const terms = (f: (i: number) => number) => meanAndSe(Float64Array.from({ length: n }, (_, i) => f(i)));
  const d1 = (i: number) => draws.s1[i] - m1;
  const d2 = (i: number) => draws.s2[i] - m2;
  const dq = (i: number) => q[i] - mq;
  const estimates = [
    terms((i) => draws.s1[i]),
    terms((i) => draws.s2[i]),
    terms((i) => q[i]),
    terms((i) => d1(i) * d1(i)),
    terms((i) => d1(i) * d2(i)),
    terms((i) => d2(i) * d2(i)),
    terms((i) => d1(i) * dq(i)),
    terms((i) => d2(i) * dq(i)),
    // Var Q = E[G3⁴]/3 − E[G3²]²: the influence of a draw is G3⁴/3 − 2 E[Q] G3².
    terms((i) => (q[i] * q[i]) / 3 - 2 * mq * q[i]),
  ];
  estimates[8] = { estimate: estimates[8].estimate + mq * mq, se: estimates[8].se };
  return SUM_MOMENTS.map((name, j) => ({ name, ...estimates[j] }));
}

/** The same draws with the pairing of G3 (or of S2) to the rest broken: a decorrelated law with the same margins. */
export function decorrelated(draws: StepSums, which: 'g3' | 's2', seed: number): StepSums {
  const shuffled = Float64Array.from(draws[which]);
  let s = seed >>> 0;
  for (let i = shuffled.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = Math.floor((s / 2 ** 32) * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  return { ...draws, [which]: shuffled };
}
