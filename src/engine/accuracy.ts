/**
 * Accuracy ↔ cosine for any elliptical law (docs/spec.md §2): a direction whose Σ-cosine to w* is
 * c classifies a fraction 1 − arccos(c)/π of samples correctly.
 */

/** Accuracy of a direction with Σ-cosine `cos` to w*: 1 − arccos(cos)/π. */
export function accuracyFromCos(cos: number): number {
  // Stryker disable next-line EqualityOperator: at cos = ±1 exactly, clamping or not gives the same c.
  const c = cos > 1 ? 1 : cos < -1 ? -1 : cos;
  return 1 - Math.acos(c) / Math.PI;
}

/** The cosine whose elliptical accuracy is `accuracy`: cos(π(1 − accuracy)), the inverse of accuracyFromCos. */
export function cosFromAccuracy(accuracy: number): number {
  // Stryker disable next-line ArithmeticOperator: cos(π(1 + a)) = cos(π(1 − a)), cos being even about π.
  return Math.cos(Math.PI * (1 - accuracy));
}
