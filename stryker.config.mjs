// @ts-check
/**
 * `npm run mutate`: mutation testing of the science core with StrykerJS (docs: stryker-mutator.io),
 * not part of `npm test` (it takes a while). Each mutant — a small change of one expression of these
 * files — must make a test fail; the vitest runner runs only the tests of vitest.mutate.config.mts
 * that cover it, and the TypeScript checker drops mutants that do not compile. The per-file score
 * (≥ 85 %) is checked afterwards by tools/mutation-score.mjs on reports/mutation/mutation.json.
 */
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    'src/engine/summary.ts',
    'src/engine/selection.ts',
    'src/engine/accuracy.ts',
    'src/engine/theory.ts',
    'src/engine/sft/preview*.ts',
    'src/backend/calibration.ts',
    'src/charts/data.ts',
  ],
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.mts', related: false },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutate.json',
  coverageAnalysis: 'perTest',
  // Mutants of module-level constants (coefficient tables, probe specs) run when a module loads, so
  // each would rerun every test: they are left out (the tables have exact-value tests of their own).
  ignoreStatic: true,
  concurrency: 2,
  // A loaded machine slows every run: a mutant counts as a timeout only well past its tests' own time.
  timeoutMS: 30_000,
  timeoutFactor: 3,
  // The first run (every test, instrumented, with per-test coverage) takes minutes on a loaded machine.
  dryRunTimeoutMinutes: 40,
  thresholds: { high: 90, low: 85, break: null },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // The sandbox is a copy of the project: leave out builds, screenshots and reports.
  ignorePatterns: ['out', 'dist', 'test-output', 'bench/results', 'reports', 'coverage', '*.tsbuildinfo'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
