/**
 * The tests `npm run mutate` (stryker.config.mjs) runs against each mutant of the science core: the
 * in-process tests written for those files, so that a run takes about an hour, not a day, on 2
 * cores. They run in the order listed, fast exact-value tests first: Stryker stops at a mutant's
 * first failing test, so most mutants never reach the slow statistical ones. The figure, lab and
 * validation suites, which also read these files, stay in `npm test`.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

const FILES = [
  // engine/summary.ts, engine/selection.ts
  'test/engine/selection.test.ts',
  'test/engine/summary.test.ts',
  // engine/accuracy.ts, engine/theory.ts
  'test/engine/scienceCore.test.ts',
  'test/engine/flow.test.ts',
  // backend/calibration.ts
  'test/backend/calibrationThroughput.test.ts',
  // charts/data.ts
  'test/charts/data.test.ts',
  // engine/sft/preview*.ts: the moments against quadrature, the kernel, then its draws in law
  'test/engine/previewMoments.test.ts',
  'test/engine/preview.test.ts',
  'test/engine/previewLaw.test.ts',
];

class ListedOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => FILES.findIndex((name) => f.moduleId.endsWith(name));
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: FILES,
    environment: 'node',
    // Instrumented code runs many times slower than the suite's: the preview law test takes minutes.
    testTimeout: 900_000,
    hookTimeout: 900_000,
    sequence: { sequencer: ListedOrder },
  },
});
