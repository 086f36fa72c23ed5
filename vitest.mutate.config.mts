/**
 * The tests `npm run mutate` (stryker.config.mjs) runs against each mutant of the science core: the
 * in-process tests of those files, so that a run takes minutes, not hours, on 2 cores. The suites
 * that go through engine processes, browsers or the statistical validation stay in `npm test`.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      // engine/summary.ts, engine/selection.ts
      'test/engine/summary.test.ts',
      'test/engine/selection.test.ts',
      // engine/accuracy.ts, engine/theory.ts
      'test/engine/scienceCore.test.ts',
      'test/engine/flow.test.ts',
      'test/engine/kappa.test.ts',
      // engine/sft/preview*.ts
      'test/engine/previewMoments.test.ts',
      'test/engine/previewLaw.test.ts',
      'test/engine/preview.test.ts',
      // backend/calibration.ts
      'test/backend/calibration.test.ts',
      // charts/data.ts
      'test/charts/data.test.ts',
      'test/charts/charts.test.ts',
      'test/charts/panels.test.ts',
    ],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
