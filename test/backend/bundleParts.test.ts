/**
 * Import checks every part (issue 19, finding 4). Bundles with a valid checksum and one bad part —
 * summary, descriptor, checkpoint, progress past the steps, unknown columns, a run key outside the
 * grid, a key twice, a step column the spec does not record, a reserved or malformed tag — are
 * each refused with one line naming the part, through importBundle, the LabApi (400) and `w2s
 * import` (exit 2), and the history is unchanged. Before, each imported (exit 0) and then broke
 * `show`, figure export, `resume` or `getSeries`, or hid the experiment; a key twice gave a raw
 * `UNIQUE constraint failed`. Then a seeded fuzz: random junk in random parts, each sealed with a
 * valid checksum; the law is that a bundle is refused in one line with nothing written, or imports
 * into an experiment that every reader can read.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, StreamKind, streamState } from '../../src/engine/rng';
import { validateSpec } from '../../src/engine/spec';
import { BundleError, type BundlePayload, bundlePayload, exportCsv, exportJson, importBundle, sealBundle } from '../../src/backend/exchange';
import { LabApiService } from '../../src/backend/labApi';
import { connectionOf } from '../../src/backend/store/connection';
import { RunStore } from '../../src/backend/store/store';
import { type LabFixture, openLabFixture } from '../helpers/labFixture';

const W2S = join(__dirname, '..', '..', 'bin', 'w2s.cjs');

let fixture: LabFixture;
let payload: BundlePayload;
let target: RunStore;
let targetFile: string;

beforeAll(async () => {
  fixture = openLabFixture('bundle-parts');
  const spec = validateSpec({ seed: 5, teachers: { count: 2 }, sft: { steps: 12, recordEvery: 4, batchSize: 100, learningRates: [0.1, 1] }, engine: { path: 'preview' } });
  const id = fixture.lab.submit(spec);
  await fixture.lab.finished(id);
  payload = bundlePayload(fixture.store, id);
  targetFile = join(fixture.dir, 'target.sqlite');
  target = RunStore.open(targetFile, 'test');
});
afterAll(() => {
  target.close();
  fixture.close();
});

type Payload = { experiment: Record<string, unknown> & { tags: string[]; summary: Record<string, unknown> }; runs: (Record<string, unknown> & { key: { cell: number; teacher: number; lr: number } })[] };

/** The good bundle's payload changed by `change`, sealed again with a valid checksum. */
function crafted(change: (p: Payload) => void): Buffer {
  const copy = JSON.parse(JSON.stringify(payload)) as Payload;
  change(copy);
  return sealBundle(copy as unknown as BundlePayload);
}

/** Every row of the target history, to see that a refusal wrote nothing. */
function fingerprint(): string {
  const db = connectionOf(target);
  const tables = ['experiments', 'runs', 'series_chunks', 'tags'];
  return tables.map((t) => `${t}:${JSON.stringify(db.prepare(`SELECT * FROM ${t}`).all())}`).join('|');
}

/** Points of every run of the good bundle: 12 steps recorded every 4 give steps 0, 4, 8, 12. */
const POINTS = 4;

const BAD: [part: string, change: (p: Payload) => void, refusal: RegExp][] = [
  ['summary', (p) => (p.experiment.summary.gainMean = 'high'), /^experiment\.summary: gainMean: /],
  ['summary cells', (p) => (p.experiment.summary.cells = []), /^experiment\.summary: cells: must be the spec's 1 cells/],
  ['descriptor', (p) => (p.runs[0].descriptor = { kappa: 'none' }), /^run \(cell 0, teacher ceiling, lr 0\): descriptor: /],
  ['descriptor missing', (p) => (p.runs[1].descriptor = null), /^run \(cell 0, teacher ceiling, lr 1\): descriptor: a run with recorded points has one/],
  [
    'checkpoint',
    (p) => {
      p.runs[2].status = 'interrupted';
      p.runs[2].checkpoint = { kernel: { path: 'preview', step: 4, state: [1, 2], rng: [1, 2, 3, 4] }, recorded: POINTS };
    },
    /^run \(cell 0, teacher 0, lr 0\): checkpoint: kernel\.state must hold 3 numbers/,
  ],
  [
    'checkpoint rng',
    (p) => {
      p.runs[2].status = 'interrupted';
      p.runs[2].checkpoint = { kernel: { path: 'preview', step: 4, state: [1, 2, 3], rng: [0, 0, 0, 0] }, recorded: 2 };
    },
    /^run \(cell 0, teacher 0, lr 0\): checkpoint: kernel\.rng: must not be all zero/,
  ],
  ['stepsDone past the steps', (p) => (p.runs[3].stepsDone = 13), /^run \(cell 0, teacher 0, lr 1\): stepsDone must be in \[0, 12\]/],
  ['unknown column', (p) => (p.runs[0].columns = ['step', 'inner', 'norm', 'cos', 'accuracy', 'bogus']), /^run \(cell 0, teacher ceiling, lr 0\): columns must be the spec's step,inner,norm,cos,accuracy,agreement/],
  ['key outside the grid', (p) => (p.runs[0].key.teacher = 7), /^run \(cell 0, teacher 7, lr 0\): its key is outside the spec's grid/],
  ['key twice', (p) => (p.runs[1].key = { ...p.runs[0].key }), /^run \(cell 0, teacher ceiling, lr 0\): in the bundle twice/],
  [
    'steps not the spec\'s',
    (p) => {
      // The step column of run 0 (the first POINTS doubles) says 0, 5, 8, 12.
      const bytes = Buffer.from(p.runs[0].data as string, 'base64');
      bytes.writeDoubleLE(5, 8);
      p.runs[0].data = bytes.toString('base64');
    },
    /^run \(cell 0, teacher ceiling, lr 0\): series: point 1 is at step 5, where this spec records step 4/,
  ],
  ['reserved tag', (p) => (p.experiment.tags = ['w2s:explore']), /^experiment\.tags: 'w2s:explore' is the app's own/],
  ['tag too long', (p) => (p.experiment.tags = ['x'.repeat(65)]), /^experiment\.tags: .*at most 64 characters/],
  ['tag twice', (p) => (p.experiment.tags = ['a', 'a']), /^experiment\.tags: a tag is listed twice/],
];

describe('a bundle with a valid checksum and one bad part', () => {
  it('the good bundle itself imports (the cases below differ from it by one part)', async () => {
    const id = await importBundle(target, sealBundle(payload));
    expect(target.listRuns(id)).toHaveLength(payload.runs.length);
    expect(payload.runs.every((r) => r.recorded === POINTS)).toBe(true);
  });

  it.each(BAD)('%s: refused in one line naming the part, nothing written', async (_part, change, refusal) => {
    const file = crafted(change);
    const before = fingerprint();
    const error = await (async () => importBundle(target, file))().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BundleError);
    const message = (error as Error).message;
    expect(message).toMatch(refusal);
    expect(message).not.toContain('\n');
    expect(fingerprint()).toBe(before);
  });

  it('through the LabApi a 400 and through `w2s import` exit 2, each naming the part', { timeout: 120_000 }, async () => {
    const api = new LabApiService(fixture.lab);
    const file = crafted((p) => (p.experiment.tags = ['w2s:explore']));
    const before = fingerprint();
    const answer = await api.handle('importBundle', { data: file.toString('base64') }).then(
      () => null,
      (e: unknown) => e as { status?: number; message: string },
    );
    expect(answer?.status).toBe(400);
    expect(answer?.message).toMatch(/^importBundle: experiment\.tags: 'w2s:explore'/);

    const path = join(fixture.dir, 'twice.w2s');
    writeFileSync(path, crafted((p) => (p.runs[1].key = { ...p.runs[0].key })));
    const cli = spawnSync(process.execPath, [W2S, 'import', path, '--db', targetFile], { encoding: 'utf8' });
    expect(cli.status).toBe(2);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toContain('run (cell 0, teacher ceiling, lr 0): in the bundle twice; nothing was imported');
    expect(cli.stderr).not.toContain('UNIQUE');
    expect(fingerprint()).toBe(before);
  });
});

/** Values that no part of a bundle should hold, of every JSON type. */
const JUNK: unknown[] = [null, -1, 0, 1.5, 1e308, -1e308, 'x', '', [], [1, 2], {}, { a: 1 }, true, 'w2s:explore', 'x'.repeat(300)];

/** Every path to a leaf of `value` (objects and arrays descended), at most `limit` deep. */
function leaves(value: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.slice(0, 4).map((v, i) => [i, v] as const) : Object.entries(value);
    for (const [k, v] of entries) leaves(v, [...path, k], out);
  }
  if (path.length > 0) out.push(path);
  return out;
}

function setAt(root: unknown, path: (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
}

describe('fuzz: junk in random parts, each bundle sealed with a valid checksum', () => {
  it('each is refused in one line with nothing written, or imports into an experiment every reader reads', { timeout: 300_000 }, async () => {
    const rng = new Rng(streamState(19, StreamKind.teacher, 4));
    const paths = leaves(JSON.parse(JSON.stringify(payload)) as unknown).filter((p) => p[0] !== 'shard');
    let refused = 0;
    let imported = 0;
    for (let trial = 0; trial < 150; trial++) {
      const path = paths[rng.below(paths.length)];
      const junk = JUNK[rng.below(JUNK.length)];
      const file = crafted((p) => setAt(p, path, junk));
      const before = fingerprint();
      const outcome = await (async () => importBundle(target, file))().then(
        (id: number) => ({ id }),
        (error: unknown) => ({ error }),
      );
      const what = `${path.join('.')} = ${JSON.stringify(junk)?.slice(0, 40)}`;
      if ('error' in outcome) {
        expect(outcome.error, what).toBeInstanceOf(BundleError);
        expect((outcome.error as Error).message, what).not.toContain('\n');
        expect(fingerprint(), what).toBe(before);
        refused++;
      } else {
        // Accepted: show, export and the runs' series all read it.
        const e = target.getExperiment(outcome.id);
        expect(e?.tags.some((t) => t.startsWith('w2s:')), what).toBe(false);
        expect(() => exportCsv(target, outcome.id), what).not.toThrow();
        expect(() => exportJson(target, outcome.id), what).not.toThrow();
        for (const { run, series } of target.loadExperimentRuns(outcome.id)) expect(series.step.length, what).toBe(run.recorded);
        imported++;
      }
    }
    // Most junk is refused; some lands where any value of its type is fine (a name, an error text).
    expect(refused).toBeGreaterThan(100);
    expect(refused + imported).toBe(150);
  });
});
