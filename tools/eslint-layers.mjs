// ESLint rule `w2s/layers`: each folder of src/ imports only the layers and packages docs/design.md allows
// (VS Code's "Bad layering" idea). A wrong-layer import fails `npm run lint`.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** src/ of this repository, wherever ESLint runs from. */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

const NODE = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** layer → the layers it may import, and the packages it may import ('node' = Node's built-ins). */
const RULES = {
  engine: { layers: ['engine'], packages: ['zod'] },
  shared: { layers: ['shared', 'engine'], packages: ['zod'] },
  worker: { layers: ['worker', 'engine', 'shared'], packages: [] },
  'main/core': { layers: ['main/core', 'renderer/charts', 'engine', 'shared'], packages: ['node', 'better-sqlite3', 'zod', 'echarts', 'tsx', '@resvg/resvg-js', 'pdfkit', 'svg-to-pdfkit', 'fontkit'] },
  'main/serve': { layers: ['main/serve', 'main/core', 'engine', 'shared'], packages: ['node', 'zod'] },
  'main/electron': { layers: ['main/electron', 'main/core', 'engine', 'shared'], packages: ['node', 'electron', 'zod', 'better-sqlite3'] },
  preload: { layers: ['preload', 'shared'], packages: ['electron'] },
  // The chart-option builders are pure: the app and the Node exporters both use them.
  'renderer/charts': { layers: ['renderer/charts', 'engine', 'shared'], packages: ['echarts'] },
  renderer: { layers: ['renderer', 'renderer/charts', 'shared', 'engine'], packages: ['vue', 'pinia', 'echarts', 'vue-echarts', 'zod'] },
  cli: { layers: ['cli', 'main/core', 'main/serve', 'renderer/charts', 'engine', 'shared'], packages: ['node', 'zod'] },
};

function layerOf(file, srcRoot) {
  const rel = relative(srcRoot, file).split(sep).join('/');
  if (rel.startsWith('..')) return null;
  if (rel === 'package.json') return 'package.json';
  for (const layer of Object.keys(RULES)) if (rel === layer || rel.startsWith(`${layer}/`)) return layer;
  return 'unknown';
}

function packageName(source) {
  if (NODE.has(source)) return 'node';
  const parts = source.split('/');
  return source.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export const layersRule = {
  meta: { type: 'problem', schema: [], messages: { bad: 'Bad layering: {{layer}} may not import {{target}} ({{source}}); see docs/design.md' } },
  create(context) {
    const file = context.filename;
    const srcRoot = SRC;
    const layer = layerOf(file, srcRoot);
    if (layer === null || layer === 'unknown' || !(layer in RULES)) return {};
    const allowed = RULES[layer];
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      // `?modulePath` (electron-vite) yields the engine bundle's file path for utilityProcess.fork, not code.
      if (layer === 'main/electron' && source.endsWith('/worker/index?modulePath')) return;
      if (source.startsWith('.')) {
        const target = layerOf(resolve(dirname(file), source), srcRoot);
        // package.json (name and version) sits above src/ and is plain data.
        if (target === null && /package\.json$/.test(source)) return;
        // The paper's presets are data shared by the app and the CLI.
        if (target === null && /resources\/presets\/[\w-]+\.json$/.test(source)) return;
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
