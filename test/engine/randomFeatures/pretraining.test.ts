/**
 * The random-features setup's pretraining with its defaults (docs/random-features.md §2: relu,
 * d = 50, M_s = 1 000, M_t = 100; the student 40 full-batch steps on 5 000 points, each teacher 15 on
 * the first 1 000, learning rate 0.1, heads N(0, 0.1²)): the issue quotes a student near 82 % and
 * teachers near 67.5 % ± 2.5 %. Over seeds 0–7 we measured 84.0 % ± 1.6 % and 66.9 % ± 2.8 % (docs);
 * here two seeds, with bands that hold those figures' spread, and the student better than every teacher.
 */
import { describe, expect, it } from 'vitest';
import { RandomFeaturesContext, validateRandomFeaturesConfig } from '../../../src/engine/randomFeatures';
import { report } from '../../helpers/stats';

describe('random-features pretraining (defaults)', () => {
  for (const seed of [0, 1]) {
    it(`seed ${seed}: a student near 84 %, twenty teachers near 67 %, all of them below the student`, () => {
      const config = validateRandomFeaturesConfig({});
      const context = new RandomFeaturesContext(config, seed);
      const teachers = Array.from({ length: config.teachers.count }, (_, j) => context.teacher(j).accuracy);
      const mean = teachers.reduce((a, b) => a + b, 0) / teachers.length;
      const sd = Math.sqrt(teachers.reduce((a, b) => a + (b - mean) ** 2, 0) / (teachers.length - 1));
      report(`seed ${seed}: student, teachers mean ± sd`, `${context.initialTestAccuracy.toFixed(4)}, ${mean.toFixed(4)} ± ${sd.toFixed(4)}`);
      expect(context.initialTestAccuracy).toBeGreaterThan(0.8);
      expect(context.initialTestAccuracy).toBeLessThan(0.88);
      expect(mean).toBeGreaterThan(0.645);
      expect(mean).toBeLessThan(0.695);
      expect(sd).toBeGreaterThan(0.01);
      expect(sd).toBeLessThan(0.045);
      expect(Math.max(...teachers)).toBeLessThan(context.initialTestAccuracy);
    });
  }
});
