/**
 * Layering (docs/design.md) is enforced by the lint rule `w2s/layers`: a probe file placed
 * in each src/ folder imports what that folder may not (reported) and what it may (not reported),
 * through the project's own eslint.config.mjs; and the real tree is clean.
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: ROOT });

/** The w2s/layers messages for `code` linted as if it were the file `file` (relative to the root). */
async function layerMessages(file: string, code: string): Promise<string[]> {
  const results = await eslint.lintText(`${code}\nexport const probe = 1;\n`, { filePath: join(ROOT, file) });
  expect(results).toHaveLength(1);
  // A parse error would hide the rule: make it fail the test instead.
  expect(results[0].messages.filter((m) => m.fatal === true)).toEqual([]);
  return results[0].messages.filter((m) => m.ruleId === 'w2s/layers').map((m) => m.message);
}

const ENGINE = 'src/engine/__probe.ts';

describe('w2s/layers refuses a wrong-layer import', () => {
  const refused: [string, string, string][] = [
    [ENGINE, "import { readFileSync } from 'node:fs';", "package 'node'"],
    [ENGINE, "import { readFileSync } from 'fs';", "package 'node'"],
    [ENGINE, "import { app } from 'electron';", "package 'electron'"],
    [ENGINE, "import Database from 'better-sqlite3';", "package 'better-sqlite3'"],
    [ENGINE, "import { ref } from 'vue';", "package 'vue'"],
    [ENGINE, "import { EnginePool } from '../backend/pool';", 'backend'],
    [ENGINE, "export * from '../backend/pool';", 'backend'],
    [ENGINE, "export const later = () => import('node:fs');", "package 'node'"],
    [ENGINE, "import { buildFigure } from '../charts/index';", 'charts'],
    ['src/worker/__probe.ts', "import { EnginePool } from '../backend/pool';", 'backend'],
    ['src/renderer/src/__probe.ts', "import { readFileSync } from 'node:fs';", "package 'node'"],
    ['src/renderer/src/__probe.ts', "import { ipcRenderer } from 'electron';", "package 'electron'"],
    ['src/renderer/src/__probe.ts', "import { Lab } from '../../backend/lab';", 'backend'],
    ['src/backend/__probe.ts', "import { app } from 'electron';", "package 'electron'"],
    ['src/backend/__probe.ts', "import { useLab } from '../renderer/src/api/lab';", 'renderer'],
    ['src/backend/__probe.ts', "import { startServer } from '../serve/server';", 'serve'],
    ['src/serve/__probe.ts', "import { app } from 'electron';", "package 'electron'"],
    ['src/shared/__probe.ts', "import { readFileSync } from 'node:fs';", "package 'node'"],
    ['src/shared/__probe.ts', "import { buildFigure } from '../charts/index';", 'charts'],
    ['src/preload/__probe.ts', "import { Lab } from '../backend/lab';", 'backend'],
    ['src/cli/__probe.ts', "import { app } from 'electron';", "package 'electron'"],
    ['src/cli/__probe.ts', "import { trustedSender } from '../main/ipc';", 'main'],
    // The chart builders run in the browser and in Node: neither's APIs, nor the app around them.
    ['src/charts/__probe.ts', "import { readFileSync } from 'node:fs';", "package 'node'"],
    ['src/charts/__probe.ts', "import { ref } from 'vue';", "package 'vue'"],
    ['src/charts/__probe.ts', "import { useLab } from '../renderer/src/api/lab';", 'renderer'],
    ['src/charts/__probe.ts', "import { Lab } from '../backend/lab';", 'backend'],
    // Data outside src/ is a layer too: only the layers listed for it may read it.
    [ENGINE, "import packageJson from '../../package.json';", 'package.json'],
    ['src/backend/__probe.ts', "import quick from '../../resources/presets/quick.json';", 'presets'],
    ['src/backend/__probe.ts', "import { connectionOf } from './store/connection';", 'private to src/backend/store'],
  ];
  for (const [file, code, target] of refused) {
    it(`${file}: ${code}`, async () => {
      const messages = await layerMessages(file, code);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/^Bad layering: /);
      expect(messages[0]).toContain(target);
    });
  }

  it('a file in a folder of src/ that is not a layer', async () => {
    const messages = await layerMessages('src/misc/__probe.ts', "import { z } from 'zod';");
    expect(messages).toEqual(['Bad layering: src/misc is not a layer: add it to tools/eslint-layers.mjs and docs/architecture.md']);
  });
});

describe('w2s/layers in Vue single-file components', () => {
  async function vueMessages(code: string): Promise<string[]> {
    const results = await eslint.lintText(`<script setup lang="ts">\n${code}\n</script>\n<template><p>probe</p></template>\n`, { filePath: join(ROOT, 'src/renderer/src/components/__Probe.vue') });
    expect(results[0].messages.filter((m) => m.fatal === true)).toEqual([]);
    return results[0].messages.filter((m) => m.ruleId === 'w2s/layers').map((m) => m.message);
  }

  it('refuses what the renderer may not import', async () => {
    expect(await vueMessages("import { readFileSync } from 'node:fs';\nreadFileSync('x');")).toEqual(["Bad layering: renderer may not import package 'node' (node:fs); see docs/architecture.md"]);
    expect(await vueMessages("import { Lab } from '../../../backend/lab';\nconsole.log(Lab);")).toHaveLength(1);
  });

  it('allows what it may', async () => {
    expect(await vueMessages("import { ref } from 'vue';\nimport { buildFigure } from '../../../charts/index';\nconsole.log(ref, buildFigure);")).toEqual([]);
  });
});

describe('w2s/layers allows what docs/architecture.md allows', () => {
  const allowed: [string, string][] = [
    [ENGINE, "import { z } from 'zod';"],
    [ENGINE, "import { Rng } from './rng';"],
    [ENGINE, "import { parseSpec } from './spec';"],
    ['src/worker/__probe.ts', "import { parseSpec } from '../engine/spec';"],
    ['src/backend/__probe.ts', "import Database from 'better-sqlite3';"],
    ['src/backend/__probe.ts', "import { readFileSync } from 'node:fs';"],
    ['src/backend/store/__probe.ts', "import { connectionOf } from './connection';"],
    ['src/backend/__probe.ts', "import { buildFigure } from '../charts/index';"],
    ['src/serve/__probe.ts', "import { Lab } from '../backend/lab';"],
    ['src/main/__probe.ts', "import { app } from 'electron';"],
    ['src/main/__probe.ts', "import { Lab } from '../backend/lab';"],
    ['src/main/__probe.ts', "import workerPath from '../worker/index?modulePath';"],
    ['src/preload/__probe.ts', "import { contextBridge } from 'electron';"],
    ['src/renderer/src/__probe.ts', "import { ref } from 'vue';"],
    ['src/renderer/src/__probe.ts', "import { buildFigure } from '../../charts/index';"],
    ['src/renderer/src/__probe.ts', "import quick from '../../../resources/presets/quick.json';"],
    ['src/charts/__probe.ts', "import type { EChartsOption } from 'echarts';"],
    ['src/cli/__probe.ts', "import { buildFigure } from '../charts/index';"],
    ['src/shared/__probe.ts', "import packageJson from '../../package.json';"],
  ];
  for (const [file, code] of allowed) {
    it(`${file}: ${code}`, async () => {
      expect(await layerMessages(file, code)).toEqual([]);
    });
  }
});

describe('the real tree', () => {
  it('src/ has no lint errors or warnings', async () => {
    const results = await eslint.lintFiles(['src']);
    expect(results.length).toBeGreaterThan(10);
    const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.ruleId ?? 'fatal'}: ${m.message}`));
    expect(problems).toEqual([]);
    expect(results.reduce((n, r) => n + r.errorCount, 0)).toBe(0);
  });
});
