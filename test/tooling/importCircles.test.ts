/**
 * No import circles in src/: the import graph of every src/**\/*.ts and .vue file — type-only
 * imports, re-exports and dynamic `import()` included, as TypeScript's own pre-processor reads them
 * — has no cycle. A circle is reported as the files around it, so it can be cut where it belongs
 * (usually by moving the shared types to where both sides can import them).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

/**
 * Circles known to remain on this branch, each with the issue that removes it. An entry here is a
 * debt, not a permission: the test fails when it is gone too, so the exception is deleted with it.
 */
const ALLOWED: readonly string[] = [];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|vue)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** A .vue file's script blocks; a .ts file whole. */
function scriptOf(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.vue')) return text;
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

/** The file a relative specifier names, or null (a package, or something that is not source). */
function resolveImport(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.vue`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile() && /\.(ts|vue)$/.test(candidate)) return candidate;
  }
  return null;
}

/** Every file's imports within src/. */
export function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(scriptOf(file), true, true);
    const targets = new Set<string>();
    for (const ref of info.importedFiles) {
      const target = resolveImport(file, ref.fileName);
      if (target !== null) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/** The strongly connected components of more than one file (or a file importing itself): Tarjan. */
export function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found.map((c) => c.map((f) => relative(ROOT, f).split('\\').join('/')).sort());
}

describe('import circles', () => {
  it('finds a circle of two files, one of three, and none in a chain (the checker itself)', () => {
    const g = new Map<string, string[]>([
      ['a', ['b']],
      ['b', ['a', 'c']],
      ['c', ['d']],
      ['d', ['e']],
      ['e', ['c']],
      ['f', ['a']],
      ['g', []],
    ]);
    const found = circles(g).map((c) => c.join(' '));
    expect(found.sort()).toEqual(['a b', 'c d e']);
    expect(circles(new Map([['x', ['y']], ['y', ['z']], ['z', []]]))).toEqual([]);
  });

  it('src/ has none but the listed ones', () => {
    const found = circles(importGraph(sourceFiles(SRC))).map((c) => c.join(' → '));
    expect(found.sort()).toEqual([...ALLOWED].sort());
  });
});
