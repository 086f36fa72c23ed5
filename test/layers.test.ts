/**
 * Layering (DESIGN.md) is enforced by lint: a wrong-layer import fails `npm run lint`.
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const eslint = new ESLint({ cwd: ROOT });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result.messages.filter((m) => m.ruleId === 'w2s/layers').map((m) => m.message);
}

describe('w2s/layers', () => {
  const cases: [string, string, boolean][] = [
    ['src/engine/probe.ts', "import { readFileSync } from 'node:fs';", false],
    ['src/engine/probe.ts', "import { app } from 'electron';", false],
    ['src/engine/probe.ts', "import Database from 'better-sqlite3';", false],
    ['src/engine/probe.ts', "import { ref } from 'vue';", false],
    ['src/engine/probe.ts', "import { EnginePool } from '../main/core/pool';", false],
    ['src/engine/probe.ts', "import { z } from 'zod';", true],
    ['src/engine/probe.ts', "import { Rng } from './rng';", true],
    ['src/worker/probe.ts', "import { EnginePool } from '../main/core/pool';", false],
    ['src/renderer/src/probe.ts', "import { readFileSync } from 'node:fs';", false],
    ['src/renderer/src/probe.ts', "import { ipcRenderer } from 'electron';", false],
    ['src/main/core/probe.ts', "import { app } from 'electron';", false],
    ['src/main/core/probe.ts', "import Database from 'better-sqlite3';", true],
    ['src/main/electron/probe.ts', "import { app } from 'electron';", true],
    ['src/preload/probe.ts', "import { contextBridge } from 'electron';", true],
    ['src/preload/probe.ts', "import { Lab } from '../main/core/lab';", false],
    ['src/shared/probe.ts', "import { readFileSync } from 'node:fs';", false],
  ];
  for (const [file, code, allowed] of cases) {
    it(`${file}: ${code} is ${allowed ? 'allowed' : 'refused'}`, async () => {
      const errors = await layerErrors(file, `${code}\nexport const probe = 1;\n`);
      if (allowed) expect(errors).toEqual([]);
      else expect(errors[0]).toMatch(/^Bad layering/);
    });
  }
});
