// ESLint rule `w2s/layers`: each folder of src/ imports only the layers and packages listed here
// (VS Code's "Bad layering" idea; the picture is in docs/architecture.md). A wrong-layer import, or a
// file in a folder that is not a layer, fails `npm run lint`. There are no exceptions.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** src/ of this repository, wherever ESLint runs from. */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

const NODE = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/**
 * layer → the layers it may import, and the packages it may import ('node' = Node's built-ins).
 * Each folder of src/ is one layer named for where its code runs: `engine`, `shared` and `charts`
 * are plain JavaScript (browser and Node alike); `backend`, `serve`, `cli` and `worker` run in Node;
 * `main` and `preload` in Electron; `renderer` in the browser. Two data files outside src/ are
 * layers of their own: package.json (name, version) and the paper's presets.
 */
const RULES = {
  engine: { layers: ['engine'], packages: ['zod'] },
  shared: { layers: ['shared', 'engine', 'package.json'], packages: ['zod'] },
  charts: { layers: ['charts', 'engine', 'shared'], packages: ['echarts'] },
  worker: { layers: ['worker', 'engine', 'shared'], packages: [] },
  backend: {
    layers: ['backend', 'charts', 'engine', 'shared'],
    packages: ['node', 'better-sqlite3', 'zod', 'echarts', 'tsx', '@resvg/resvg-js', 'pdfkit', 'svg-to-pdfkit', 'fontkit', 'hyparquet-writer'],
  },
  serve: { layers: ['serve', 'backend', 'engine', 'shared'], packages: ['node', 'zod'] },
  cli: { layers: ['cli', 'backend', 'serve', 'charts', 'engine', 'shared', 'presets'], packages: ['node', 'zod'] },
  // The desktop shell spawns the worker: it imports the worker's bundle path (`?modulePath`), not its code.
  main: { layers: ['main', 'backend', 'engine', 'shared', 'worker'], packages: ['node', 'electron', 'zod', 'better-sqlite3'] },
  preload: { layers: ['preload', 'shared'], packages: ['electron'] },
  renderer: { layers: ['renderer', 'charts', 'shared', 'engine', 'presets'], packages: ['vue', 'pinia', 'echarts', 'vue-echarts', 'zod'] },
};

/** The layer of a file: a folder of src/, one of the data layers, or null outside them. */
function layerOf(file, srcRoot) {
  const rel = relative(srcRoot, file).split(sep).join('/');
  if (rel === '../package.json') return 'package.json';
  if (/^\.\.\/resources\/presets\/[\w-]+\.json$/.test(rel)) return 'presets';
  if (rel.startsWith('..')) return null;
  const top = rel.split('/')[0];
  return top in RULES ? top : 'unknown';
}

/**
 * Modules private to a folder: only files inside it may import them. The store's connection is one:
 * everything else goes through the store's repository methods.
 */
const PRIVATE = { 'backend/store/connection': 'backend/store' };

function privateViolation(file, target, srcRoot) {
  const rel = (f) => relative(srcRoot, f).split(sep).join('/').replace(/\.(ts|vue|js)$/, '');
  const owner = PRIVATE[rel(target)];
  return owner !== undefined && !rel(file).startsWith(`${owner}/`) ? owner : null;
}

function packageName(source) {
  if (NODE.has(source)) return 'node';
  const parts = source.split('/');
  return source.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export const layersRule = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      bad: 'Bad layering: {{layer}} may not import {{target}} ({{source}}); see docs/architecture.md',
      private: 'Bad layering: {{source}} is private to src/{{owner}}; use the store\'s repository methods',
      unknownLayer: 'Bad layering: src/{{folder}} is not a layer: add it to tools/eslint-layers.mjs and docs/architecture.md',
    },
  },
  create(context) {
    const file = context.filename;
    const srcRoot = SRC;
    const layer = layerOf(file, srcRoot);
    if (layer === null || layer === 'package.json' || layer === 'presets') return {};
    if (layer === 'unknown') {
      return { Program: (node) => context.report({ node, messageId: 'unknownLayer', data: { folder: relative(srcRoot, file).split(sep)[0] } }) };
    }
    const allowed = RULES[layer];
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      if (source.startsWith('.')) {
        const resolved = resolve(dirname(file), source.replace(/\?.*$/, ''));
        const target = layerOf(resolved, srcRoot);
        const owner = privateViolation(file, resolved, srcRoot);
        if (owner !== null) {
          context.report({ node, messageId: 'private', data: { owner, source } });
          return;
        }
        if (target !== null && allowed.layers.includes(target)) return;
        context.report({ node, messageId: 'bad', data: { layer, target: target ?? 'outside src/', source } });
        return;
      }
      const name = packageName(source);
      if (!allowed.packages.includes(name)) context.report({ node, messageId: 'bad', data: { layer, target: `package '${name}'`, source } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') {
          check(node, node.arguments[0].value);
        }
      },
    };
  },
};
