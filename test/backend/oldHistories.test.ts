/**
 * Real old histories: one small SQLite file per earlier schema version, written once by the commit
 * of main that had that version (test/fixtures/histories/make-history.cjs, run in a checkout of
 * it), with what that version's `w2s` printed for it. Each is copied, opened by today's code —
 * which migrates it, keeping a backup at the old version — and every value that version exported
 * (`list --json`, `show --json`, `export --format json`, `export --format csv`) must come out of
 * today's `w2s` the same; fields added since may be added. The experiment that version cancelled
 * part-way resumes from its stored checkpoints to the series an uninterrupted run gives today.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../../src/cli/commands/exchange';
import { listCommand, showCommand } from '../../src/cli/commands/history';
import { type RunKey, runKeys } from '../../src/engine/grid';
import { SCHEMA_VERSION } from '../../src/backend/store/schema';
import { RunStore } from '../../src/backend/store/store';
import { Lab } from '../../src/backend/lab';
import { EnginePool, forkSpawner } from '../../src/backend/pool';
import { runAll } from '../helpers/experiment';

const FIXTURES = join(__dirname, '..', 'fixtures', 'histories');
const NAMES = readdirSync(FIXTURES).filter((f) => /^schema-\d+\.sqlite$/.test(f)).map((f) => f.replace('.sqlite', '')).sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));

interface Expected {
  producedBy: string;
  schemaVersion: number;
  appVersion: string;
  list: Record<string, unknown>[];
  experiments: { id: number; show: Record<string, unknown>; exportJson: Record<string, unknown>; exportCsv: string }[];
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** What a command writes on stdout (the CLI's own command functions, in this process). */
async function stdoutOf(command: () => number | Promise<number>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    expect(await command()).toBe(0);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

/** Every value of `expected` is in `actual`, recursively; objects may have gained keys, arrays not elements. */
function expectContains(actual: unknown, expected: unknown, path: string): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    expected.forEach((e, i) => expectContains((actual as unknown[])[i], e, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object', `${path} is an object`).toBe(true);
    for (const [k, e] of Object.entries(expected)) {
      expect(Object.hasOwn(actual as object, k), `${path}.${k} is still there`).toBe(true);
      expectContains((actual as Record<string, unknown>)[k], e, `${path}.${k}`);
    }
  } else {
    expect(actual, path).toStrictEqual(expected);
  }
}

/** Rows of a CSV as records by column name. */
function csvRows(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trimEnd().split('\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i], v])));
}

for (const name of NAMES) {
  describe(`${name}: a history written by the version that had it`, () => {
    const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8')) as Expected;
    const dir = mkdtempSync(join(tmpdir(), `w2s-${name}-`));
    dirs.push(dir);
    const file = join(dir, 'lab.sqlite');
    copyFileSync(join(FIXTURES, `${name}.sqlite`), file);

    it('is that version’s file, and today’s store migrates it, keeping a backup at the old version', () => {
      const old = new Database(file, { readonly: true, fileMustExist: true });
      expect(old.pragma('user_version', { simple: true })).toBe(expected.schemaVersion);
      old.close();
      expect(expected.schemaVersion).toBeLessThan(SCHEMA_VERSION);
      const store = RunStore.open(file, 'test');
      expect(store.schemaVersion).toBe(SCHEMA_VERSION);
      store.close();
      const backup = new Database(`${file}.bak-v${expected.schemaVersion}`, { readonly: true, fileMustExist: true });
      expect(backup.pragma('user_version', { simple: true })).toBe(expected.schemaVersion);
      expect(backup.prepare('SELECT count(*) AS n FROM experiments').get()).toEqual({ n: expected.list.length });
      backup.close();
    });

    it('w2s list --json: every field the old version listed, unchanged', async () => {
      const list = JSON.parse(await stdoutOf(() => listCommand(['--json', '--db', file]))) as unknown[];
      expectContains(list, expected.list, 'list');
    });

    for (const e of expected.experiments) {
      it(`experiment ${e.id} (${String(e.show.name)}, ${String(e.show.status)}): show --json, export json and csv, every value unchanged`, async () => {
        const show = JSON.parse(await stdoutOf(() => showCommand([String(e.id), '--json', '--db', file])));
        expectContains(show, e.show, `show ${e.id}`);

        const jsonFile = join(dir, `${e.id}.json`);
        await stdoutOf(() => exportCommand([String(e.id), '--format', 'json', '--out', jsonFile, '--db', file]));
        const json = JSON.parse(readFileSync(jsonFile, 'utf8')) as Record<string, unknown>;
        expectContains(json, e.exportJson, `export json ${e.id}`);

        const csvFile = join(dir, `${e.id}.csv`);
        await stdoutOf(() => exportCommand([String(e.id), '--format', 'csv', '--out', csvFile, '--db', file]));
        const rows = csvRows(readFileSync(csvFile, 'utf8'));
        const old = csvRows(e.exportCsv);
        expect(rows.length, 'csv rows').toBe(old.length);
        old.forEach((row, i) => {
          for (const [column, value] of Object.entries(row)) expect(rows[i][column], `csv row ${i + 1}, ${column}`).toBe(value);
        });
      });
    }

    it('the experiment that version cancelled part-way resumes from its checkpoints to an uninterrupted run’s series, bit for bit', async () => {
      const cancelled = expected.experiments.find((x) => x.show.status === 'cancelled')!;
      const store = RunStore.open(file, 'test');
      const pool = new EnginePool(forkSpawner(), 2);
      try {
        const checkpointed = store.listRuns(cancelled.id).filter((r) => r.checkpoint !== null && r.recorded >= 3);
        expect(checkpointed.length).toBeGreaterThan(0);
        const lab = new Lab(store, pool, { checkpointIntervalMs: 1000 });
        lab.resume(cancelled.id);
        expect((await lab.finished(cancelled.id)).status).toBe('done');
        const spec = store.getExperiment(cancelled.id)!.spec;
        const sameKey = (a: RunKey, b: RunKey) => a.cell === b.cell && a.teacher === b.teacher && a.lr === b.lr;
        // Today's engine runs the checkpointed runs from step 0, uninterrupted.
        const fresh = runAll(spec, (key) => checkpointed.some((r) => sameKey(r.key, key)));
        const stored = store.loadExperimentRuns(cancelled.id);
        expect(stored).toHaveLength(runKeys(spec).length);
        for (const { run } of stored) expect(run.status, JSON.stringify(run.key)).toBe('done');
        for (const outcome of fresh.outcomes) {
          const { series } = stored.find((s) => sameKey(s.run.key, outcome.key))!;
          for (const metric of ['step', 'inner', 'norm', 'cos', 'accuracy', 'agreement'] as const) {
            expect(Array.from(series[metric]), `run ${JSON.stringify(outcome.key)} ${metric}`).toEqual(Array.from(outcome.series[metric]));
          }
        }
      } finally {
        pool.close();
        store.close();
      }
    });

    it('leaves no other file beside the history than its backup and SQLite’s own', () => {
      expect(existsSync(file)).toBe(true);
      const extra = readdirSync(dir).filter((f) => f.startsWith('lab.sqlite') && !/^lab\.sqlite(-wal|-shm|\.bak-v\d+)?$/.test(f));
      expect(extra).toEqual([]);
    });
  });
}

describe('the frozen histories', () => {
  it('cover every earlier schema version that was on main (2, 3, 4, 5, 9)', () => {
    const versions = NAMES.map((n) => Number(n.replace('schema-', '')));
    expect(versions).toEqual([2, 3, 4, 5, 9]);
    // Schemas 6–9 reached main together, in one wave (2026-12-07): no release wrote 6, 7 or 8.
    expect(Math.max(...versions)).toBe(SCHEMA_VERSION - 1);
  });
});
