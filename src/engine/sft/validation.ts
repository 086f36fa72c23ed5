/**
 * A fixed finite sample with labels, for what can only be measured on data: validation accuracy
 * (early stopping `validation`), and accuracy and teacher agreement under non-elliptical laws.
 */

export class LabelledSample {
  /**
   * @param points n rows of length d, row-major
   * @param labels the reference label of each row (1 or 0)
   */
  constructor(
    readonly points: Float64Array,
    readonly labels: Uint8Array,
    readonly d: number,
  ) {
    if (points.length !== labels.length * d) throw new RangeError('points and labels disagree in size');
  }

  get size(): number {
    return this.labels.length;
  }

  /** Fraction of rows where 1{<w, x> > 0} equals the reference label. */
  accuracy(w: Float64Array): number {
    const { points, labels, d } = this;
    const n = labels.length;
    let correct = 0;
    for (let i = 0, o = 0; i < n; i++, o += d) {
      let m = 0;
      for (let j = 0; j < d; j++) m += points[o + j] * w[j];
      correct += +(m > 0) === labels[i] ? 1 : 0;
    }
    return n > 0 ? correct / n : NaN;
  }

  /** The labels 1{<w, x> > 0} of direction w on the same rows: a new sample sharing the points. */
  relabel(w: Float64Array): LabelledSample {
    const { points, d } = this;
    const n = this.labels.length;
    const labels = new Uint8Array(n);
    for (let i = 0, o = 0; i < n; i++, o += d) {
      let m = 0;
      for (let j = 0; j < d; j++) m += points[o + j] * w[j];
      labels[i] = +(m > 0);
    }
    return new LabelledSample(points, labels, d);
  }
}
