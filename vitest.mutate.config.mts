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
  // engine/sft/preview*.ts: the WebAssembly kernel bit for bit against the TypeScript reference
  // (an independent implementation: most mutants fail it in milliseconds), the moments against
  // quadrature, the kernel, then its draws in law
  'test/engine/wasmPreview.test.ts',
  'test/engine/previewMoments.test.ts',
  'test/engine/preview.test.ts',
  'test/engine/previewLaw.test.ts',
];

/**
 * MUTATE_TESTS (comma-separated paths, each one of FILES) restricts a run to those test files: one
 * file's mutants against its own tests, e.g. the preview files against the fast tests first and the
 * survivors against the law tests after (docs/mutation.md says which run used which).
 */
const only = (process.env.MUTATE_TESTS ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '');
const unknown = only.filter((f) => !FILES.includes(f));
if (unknown.length > 0) throw new Error(`MUTATE_TESTS: ${unknown.join(', ')} is not one of vitest.mutate.config.mts's files`);

class ListedOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => FILES.findIndex((name) => f.moduleId.endsWith(name));
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: only.length > 0 ? only : FILES,
    environment: 'node',
    // Instrumented code runs many times slower than the suite's: the preview law test takes minutes.
    testTimeout: 900_000,
    hookTimeout: 900_000,
    sequence: { sequencer: ListedOrder },
  },
});
