// The `w2s` command and its engine process as two prebuilt Node bundles (out/cli/bundle), so that
// each process starts without compiling and resolving ~200 TypeScript modules through tsx
// (0.3 s of CPU instead of 0.9 s on the project's 2-core machine, in the coordinator and in every
// engine process). bin/w2s.cjs runs them only while they are built from the sources on disk
// (bin/bundle.cjs checks the stamp written here); otherwise it runs the sources through tsx.
import { build } from 'esbuild';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Three folders below the root, as src/cli/commands is: the few paths the CLI finds from its own
// folder (serve's renderer, the Slurm launcher's bin/w2s.cjs, resources/) resolve alike from both.
// `--out DIR` builds elsewhere (a test compares a bundle with the sources).
const at = process.argv.indexOf('--out');
const outDir = at > 0 ? resolve(process.argv[at + 1]) : join(root, 'out', 'cli', 'bundle');
mkdirSync(outDir, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { w2s: 'src/cli/main.ts', worker: 'src/worker/index.ts' },
  outdir: outDir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external', // node_modules stay where npm put them (better-sqlite3 is native)
  define: { W2S_BUNDLED: 'true' },
  metafile: true,
  logLevel: 'warning',
});

// Every source file the bundles were built from, with its size and modification time.
const sources = Object.keys(result.metafile.inputs)
  .filter((file) => !file.startsWith('node_modules/'))
  .sort()
  .map((file) => {
    const s = statSync(join(root, file));
    return { file, size: s.size, mtimeMs: s.mtimeMs }; // esbuild names inputs relative to absWorkingDir
  });
writeFileSync(join(outDir, 'sources.json'), JSON.stringify({ sources }));
console.log(`w2s bundles: ${sources.length} source files → ${relative(root, outDir)}`);
