/**
 * The docs the code cites live in the repository: every `docs/<file>.md` a source, test, bench or
 * README line names exists, and every `docs/spec.md §n` names a section that spec.md has.
 */
import { type Dirent, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

function filesUnder(dir: string): string[] {
  return (readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((e) => e.isFile() && /\.(ts|vue|mjs|cjs|md|py|sh)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

const sources = [...['src', 'test', 'bench', 'tools', 'scripts', 'docs'].flatMap(filesUnder), join(ROOT, 'README.md'), join(ROOT, 'BENCHMARKS.md')];

describe('citations of docs/', () => {
  it('name files that exist', () => {
    const missing: string[] = [];
    for (const file of sources) {
      for (const m of readFileSync(file, 'utf8').matchAll(/docs\/([\w-]+\.md)/g)) {
        if (!existsSync(join(ROOT, 'docs', m[1]))) missing.push(`${relative(ROOT, file)}: docs/${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('name sections of docs/spec.md that exist', () => {
    const sections = new Set([...readFileSync(join(ROOT, 'docs', 'spec.md'), 'utf8').matchAll(/^## (\d+)\./gm)].map((m) => m[1]));
    expect(sections.size).toBeGreaterThanOrEqual(9);
    let citations = 0;
    const missing: string[] = [];
    for (const file of sources) {
      for (const m of readFileSync(file, 'utf8').matchAll(/docs\/spec\.md §(\d+)/g)) {
        citations++;
        if (!sections.has(m[1])) missing.push(`${relative(ROOT, file)}: §${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
    expect(citations).toBeGreaterThan(30);
  });

  it('leave no merge-conflict markers behind', () => {
    const marked = sources.filter((f) => /^(<{7}|>{7}) /m.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
    expect(marked).toEqual([]);
  });

  it('leave no citation of the old out-of-repository SPEC or DESIGN files', () => {
    const stale = sources.filter((f) => /\bSPEC §|\bDESIGN\.md|\.\.\/shared\/(SPEC|DESIGN|STYLE|STACK)/.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
    expect(stale).toEqual([]);
  });
});
