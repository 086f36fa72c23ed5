/**
 * The accuracy ↔ cosine law (src/engine/accuracy.ts, docs/spec.md §2) and the theory's outputs
 * beyond T1 and T2 (src/engine/theory.ts, §6): closed-form values, the threshold tan θ / tan θ_T,
 * and the degenerate students and teachers. (T1 and T2 against their vector definitions, and the
 * rate against SGD's initial slope, are in flow.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { accuracyFromCos, cosFromAccuracy } from '../../src/engine/accuracy';
import { kFunction } from '../../src/engine/flow';
import { theory } from '../../src/engine/theory';

describe('accuracy = 1 − arccos(cos)/π', () => {
  it('at the paper’s numbers: 80 % is cos 0.8090, 70 % is 0.5878, 63 % is 0.3971 (docs/spec.md §2)', () => {
    expect(cosFromAccuracy(0.8)).toBeCloseTo(0.809017, 6);
    expect(cosFromAccuracy(0.7)).toBeCloseTo(0.587785, 6);
    expect(cosFromAccuracy(0.63)).toBeCloseTo(0.397148, 6);
    expect(accuracyFromCos(Math.cos(0.2 * Math.PI))).toBeCloseTo(0.8, 15);
    // (The spec once said 0.4258 for 63 %: that is 64 %.)
    expect(accuracyFromCos(0.4258)).toBeCloseTo(0.64, 3);
  });

  it('chance, perfect and perfectly wrong', () => {
    expect(accuracyFromCos(0)).toBe(0.5);
    expect(accuracyFromCos(1)).toBe(1);
    expect(accuracyFromCos(-1)).toBe(0);
    expect(cosFromAccuracy(1)).toBe(1);
    expect(cosFromAccuracy(0)).toBe(-1);
    expect(cosFromAccuracy(0.5)).toBeCloseTo(0, 15);
  });

  it('a cosine rounded past ±1 is taken as ±1, not NaN', () => {
    expect(accuracyFromCos(1 + 1e-15)).toBe(1);
    expect(accuracyFromCos(-1 - 1e-15)).toBe(0);
    expect(accuracyFromCos(7)).toBe(1);
    expect(accuracyFromCos(-7)).toBe(0);
  });

  it('the two are inverse, and accuracy rises with the cosine', () => {
    let previous = -Infinity;
    for (let c = -1; c <= 1; c += 0.05) {
      const a = accuracyFromCos(c);
      expect(a).toBeGreaterThan(previous);
      previous = a;
      expect(cosFromAccuracy(a)).toBeCloseTo(c, 12);
    }
  });
});

describe('theory: k, the threshold and the degenerate cases', () => {
  const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

  it('k is k(β‖w‖) of the population gradient, and the rate is the closed form of §6', () => {
    for (const [c0, r, cT, kappa, beta] of [
      [0.809, 1, 0.5878, 0.1, 1],
      [0.3, 5, 0.9, -0.6, 2.5],
    ]) {
      const t = theory({ studentCos: c0, studentNorm: r, teacherCos: cT, kappa, beta });
      expect(t.k).toBe(kFunction(beta * r));
      const s0 = Math.sqrt(1 - c0 * c0);
      const sT = Math.sqrt(1 - cT * cT);
      expect(t.rate).toBeCloseTo((beta * s0 * (cT * s0 - sT * kappa * c0) * INV_SQRT_2PI) / r, 14);
      expect(t.conditions.kappaThreshold).toBeCloseTo(Math.tan(Math.acos(c0)) / Math.tan(Math.acos(cT)), 12);
      expect(t.improves).toBe(t.rate > 0);
    }
  });

  it('an 80 % student and 70 % teachers: threshold tan² 36° = 5 − 2√5; improves below it, not above', () => {
    const base = { studentCos: Math.cos(0.2 * Math.PI), studentNorm: 1, teacherCos: Math.cos(0.3 * Math.PI), beta: 1 };
    expect(theory({ ...base, kappa: 0 }).conditions.kappaThreshold).toBeCloseTo(5 - 2 * Math.sqrt(5), 14);
    const below = theory({ ...base, kappa: 0.5 });
    expect(below).toMatchObject({ improves: true, conditions: { teacherBeatsChance: true, errorsNotTooAligned: true } });
    expect(below.rate).toBeGreaterThan(0);
    const above = theory({ ...base, kappa: 0.55 });
    expect(above).toMatchObject({ improves: false, conditions: { teacherBeatsChance: true, errorsNotTooAligned: false } });
    expect(above.rate).toBeLessThan(0);
  });

  it('a teacher at chance (c_T = 0) or worse does not beat chance', () => {
    const base = { studentCos: 0.8, studentNorm: 1, kappa: 0, beta: 1 };
    expect(theory({ ...base, teacherCos: 0 }).conditions.teacherBeatsChance).toBe(false);
    expect(theory({ ...base, teacherCos: -0.2 }).conditions.teacherBeatsChance).toBe(false);
    expect(theory({ ...base, teacherCos: 1e-9 }).conditions.teacherBeatsChance).toBe(true);
    // At κ = 0 and c_T = 0 the rate is exactly 0: the student neither improves nor worsens.
    const still = theory({ ...base, teacherCos: 0 });
    expect(still.rate).toBe(0);
    expect(still.improves).toBe(false);
    expect(still.conditions.errorsNotTooAligned).toBe(false);
  });

  it('a perfect teacher (s_T = 0) and a student orthogonal to w* (c₀ = 0) put the threshold at infinity', () => {
    const perfect = theory({ studentCos: 0.8, studentNorm: 1, teacherCos: 1, kappa: 0.99, beta: 1 });
    expect(perfect.conditions.kappaThreshold).toBe(Infinity);
    expect(perfect.conditions.errorsNotTooAligned).toBe(true);
    expect(perfect.improves).toBe(true);
    const orthogonal = theory({ studentCos: 0, studentNorm: 1, teacherCos: 0.6, kappa: 0.99, beta: 1 });
    expect(orthogonal.conditions.kappaThreshold).toBe(Infinity);
    // Whatever the teacher, even one at chance or worse (s₀ cT / (c₀ sT) would be NaN or −∞).
    for (const teacherCos of [0, -0.6]) expect(theory({ studentCos: 0, studentNorm: 1, teacherCos, kappa: 0.5, beta: 1 }).conditions.kappaThreshold).toBe(Infinity);
    // Only T1 is left: β c_T / (√(2π) ‖w‖).
    expect(orthogonal.T2).toBeCloseTo(0, 15);
    expect(orthogonal.rate).toBeCloseTo((1 * 0.6 * INV_SQRT_2PI) / 1, 15);
  });

  it('a student on w* (c₀ = 1) does not move: s₀ = 0', () => {
    const aligned = theory({ studentCos: 1, studentNorm: 2, teacherCos: 0.6, kappa: 0.3, beta: 1 });
    expect(aligned.T1).toBeCloseTo(0, 15);
    expect(aligned.T2).toBeCloseTo(0, 15);
    expect(aligned.rate).toBeCloseTo(0, 15);
    expect(aligned.conditions.kappaThreshold).toBe(0);
  });

  it('a cosine rounded past 1 gives s = 0, not NaN', () => {
    const t = theory({ studentCos: 1 + 1e-16, studentNorm: 1, teacherCos: 1 + 1e-16, kappa: 0, beta: 1 });
    expect(Number.isNaN(t.rate)).toBe(false);
    expect(t.conditions.kappaThreshold).toBe(Infinity);
  });

  it('the rate falls like 1/‖w‖ and grows like β at a fixed k-free direction', () => {
    const at = (studentNorm: number, beta: number) => theory({ studentCos: 0.7, studentNorm, teacherCos: 0.5, kappa: 0.2, beta }).rate;
    expect(at(4, 1)).toBeCloseTo(at(1, 1) / 4, 15);
    expect(at(1, 3)).toBeCloseTo(3 * at(1, 1), 15);
  });
});
