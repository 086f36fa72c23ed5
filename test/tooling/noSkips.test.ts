/**
 * Nothing is skipped silently: no test file skips, narrows or postpones a test (`.skip`, `.skipIf`,
 * `.runIf`, `.todo`, `.only`, `.fails`), so a machine that lost a requirement (root, Chromium, Slurm)
 * cannot pass a test unseen. A test that needs one checks for it and fails with the reason.
 */
import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const files = (readdirSync(join(ROOT, 'test'), { recursive: true, withFileTypes: true }) as Dirent[])
  .filter((e) => e.isFile() && /\.ts$/.test(e.name))
  .map((e) => join(e.parentPath, e.name));

const NARROWING = /\b(?:describe|it|test|suite|bench)\s*\.\s*(?:skip|skipIf|runIf|todo|only|fails)\b/;

describe('the test suite', () => {
  it('skips nothing: no .skip, .skipIf, .runIf, .todo, .only or .fails in any test file', () => {
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (NARROWING.test(line) && file !== __filename ? [`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });

  it('the check sees what it forbids', () => {
    // The forbidden calls as text, not as calls: nothing here is skipped. They are joined from parts
    // so that a search of the test files for skipped tests does not find this check's own samples.
    const forbidden = [['describe', 'runIf(root)('], ['it', 'skip('], ['it', 'skipIf(x)('], ['test', 'todo('], ['describe', 'only('], ['it ', ' only(']].map((p) => p.join('.'));
    for (const line of forbidden) expect(NARROWING.test(line), line).toBe(true);
    for (const line of ['describe(', 'it(', 'expect(x).toBe(1)', 'skipIfMissing()']) expect(NARROWING.test(line), line).toBe(false);
  });
});
