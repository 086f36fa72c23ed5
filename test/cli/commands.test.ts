/**
 * The command line's rough edges (issue 18 item 7), in real `w2s` processes: every subcommand has
 * `--help`; an export's format comes from `--out`'s extension, and a clash or an extension that
 * names no format is one clear line; each figure file has its own sidecar (`fig.pdf.meta.json`);
 * a missing output folder is named as the user wrote it, before any work; `w2s show` gives the
 * teachers' accuracy and the PGR (mean ± std) for both setups, overall and per cell, and a
 * per-teacher table with `--teachers`, each number recomputed here from the stored descriptors
 * and the summary's teachers; the data CSV carries the Parquet's `selected` column.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_USAGE } from '../../src/cli/usage';

const W2S = join(__dirname, '..', '..', 'bin', 'w2s.cjs');
const dir = mkdtempSync(join(tmpdir(), 'w2s-cli-commands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function w2s(...args: string[]): Result {
  const r = spawnSync(process.execPath, [W2S, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, W2S_DB: join(dir, 'default.sqlite') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A refusal: exit code 2, nothing on stdout, one `w2s: ` line on stderr. */
function refusal(r: Result): string {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^w2s: \S/);
  return lines[0];
}

const ok = (r: Result): Result => {
  expect(r.code, r.stderr).toBe(0);
  return r;
};

describe('--help on every subcommand', () => {
  const commands = Object.keys(COMMAND_USAGE);

  it('covers every command w2s knows', () => {
    const unknown = refusal(w2s('fly'));
    const known = /\(([^;]*);/.exec(unknown)?.[1].split(', ') ?? [];
    expect(new Set(commands)).toEqual(new Set(known));
  });

  it.each(commands)('w2s %s --help prints its usage, exits 0 and touches no history', (command) => {
    const db = join(dir, `help-${command}.sqlite`);
    const r = ok(w2s(command, '--help', '--db', db));
    expect(r.stdout.startsWith(`usage: w2s ${command}`)).toBe(true);
    expect(r.stdout).toContain(COMMAND_USAGE[command].split('\n')[0]);
    expect(r.stderr).toBe('');
    expect(existsSync(db)).toBe(false);
    // The same from `w2s help COMMAND`.
    expect(ok(w2s('help', command)).stdout).toBe(r.stdout);
  });

  it('-h among other arguments, before anything is parsed or opened', () => {
    const db = join(dir, 'help-h.sqlite');
    expect(ok(w2s('export', '1', '--figure', 'nonsense', '-h', '--db', db)).stdout).toBe(ok(w2s('export', '--help')).stdout);
    expect(existsSync(db)).toBe(false);
  });

  it('w2s --help lists every command', () => {
    const usage = ok(w2s('--help')).stdout;
    for (const command of commands) expect(usage).toContain(`  w2s ${command}`);
  });
});

describe('exports: format from --out, a sidecar per file, the user’s paths in errors', () => {
  const db = join(dir, 'exports.sqlite');
  beforeAll(() => {
    const spec = join(dir, 'exports.json');
    writeFileSync(spec, JSON.stringify({ seed: 8, student: { norm: [1, 3] }, teachers: { count: 3, accuracy: 0.7 }, sft: { steps: 20, learningRates: [0.1, 1], batchSize: 500 } }));
    ok(w2s('run', spec, '--db', db, '--workers', '1'));
  });

  it('takes the figure format from the extension, and a PDF and an SVG of one name keep each their own sidecar', () => {
    const pdf = join(dir, 'fig.pdf');
    const svg = join(dir, 'fig.svg');
    expect(ok(w2s('export', '1', '--figure', 'gains', '--out', pdf, '--db', db)).stdout.trim().split('\n')).toEqual([pdf, `${pdf}.meta.json`]);
    expect(ok(w2s('export', '1', '--figure', 'gains', '--out', svg, '--db', db)).stdout.trim().split('\n')).toEqual([svg, `${svg}.meta.json`]);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    expect(readFileSync(svg, 'utf8')).toMatch(/^<\?xml[^>]*>\s*<svg/);
    const format = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { figure: { format: string } }).figure.format;
    expect([format(`${pdf}.meta.json`), format(`${svg}.meta.json`)]).toEqual(['pdf', 'svg']);
    expect(existsSync(join(dir, 'fig.meta.json'))).toBe(false);
    // PNG from .png, the matplotlib script from .py; an uppercase extension counts.
    ok(w2s('export', '1', '--figure', 'gains', '--out', join(dir, 'fig.PNG'), '--no-sidecar', '--db', db));
    expect(readFileSync(join(dir, 'fig.PNG')).subarray(1, 4).toString()).toBe('PNG');
    ok(w2s('export', '1', '--figure', 'gains', '--out', join(dir, 'fig.py'), '--no-sidecar', '--db', db));
    expect(readFileSync(join(dir, 'fig.py'), 'utf8')).toMatch(/import matplotlib/);
  });

  it('takes the data format from the extension', () => {
    ok(w2s('export', '1', '--out', join(dir, 'data.csv'), '--db', db));
    expect(readFileSync(join(dir, 'data.csv'), 'utf8').split('\n')[0]).toMatch(/^experiment,cell,/);
    ok(w2s('export', '1', '--out', join(dir, 'data.json'), '--db', db));
    expect((JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8')) as { runs: unknown[] }).runs).toHaveLength(2 * 4 * 2);
    expect(ok(w2s('export', '1', '--out', join(dir, 'data.parquet'), '--db', db)).stdout.trim().split('\n')).toEqual([join(dir, 'data.parquet'), join(dir, 'data-teachers.parquet')]);
    expect(readFileSync(join(dir, 'data.parquet')).subarray(0, 4).toString()).toBe('PAR1');
  });

  it('refuses an extension that disagrees with --format, or that names no format, in one line, writing nothing', () => {
    const before = readdirSync(dir).length;
    expect(refusal(w2s('export', '1', '--figure', 'gains', '--format', 'pdf', '--out', join(dir, 'clash.svg'), '--db', db))).toMatch(/--format pdf but --out .*clash\.svg ends in \.svg/);
    expect(refusal(w2s('export', '1', '--figure', 'gains', '--out', join(dir, 'photo.jpeg'), '--db', db))).toMatch(/cannot tell the format of --out .*photo\.jpeg from \.jpeg: give --format svg\|pdf\|png\|csv\|py\|json/);
    expect(refusal(w2s('export', '1', '--figure', 'gains', '--out', join(dir, 'fig.parquet'), '--db', db))).toMatch(/\.parquet is not a figure format .*leave out --figure/);
    expect(refusal(w2s('export', '1', '--out', join(dir, 'data.svg'), '--db', db))).toMatch(/\.svg is a figure's format: add --figure KIND/);
    expect(refusal(w2s('export', '1', '--format', 'csv', '--out', join(dir, 'data.json'), '--db', db))).toMatch(/--format csv but --out .*data\.json ends in \.json/);
    expect(refusal(w2s('export', '1', '--out', join(dir, 'data.txt'), '--db', db))).toMatch(/cannot tell the format of --out .*data\.txt .*--format csv\|json\|parquet/);
    expect(refusal(w2s('export', '1', '--db', db))).toMatch(/--format is required \(csv, json or parquet\)/);
    expect(readdirSync(dir).length).toBe(before);
    // An extension that names no format is fine when --format says which.
    ok(w2s('export', '1', '--format', 'csv', '--out', join(dir, 'data.txt'), '--db', db));
    expect(readFileSync(join(dir, 'data.txt'), 'utf8').split('\n')[0]).toMatch(/^experiment,cell,/);
  });

  it('names a missing output folder as the user wrote it, before any work, never a temporary file', () => {
    const missing = join(dir, 'no-such-folder');
    const lines = [
      refusal(w2s('export', '1', '--figure', 'trajectories', '--out', join(missing, 'fig.pdf'), '--db', db)),
      refusal(w2s('export', '1', '--out', join(missing, 'data.csv'), '--db', db)),
      refusal(w2s('export', '1', '--out', join(missing, 'data.parquet'), '--db', db)),
      refusal(w2s('bundle', '1', join(missing, 'one.w2s'), '--db', db)),
    ];
    for (const line of lines) {
      expect(line).toContain(`the folder ${missing} does not exist`);
      expect(line).not.toMatch(/partial/);
    }
    expect(lines[0]).toContain(`cannot write ${join(missing, 'fig.pdf')}`);
    // w2s run checks --out before it stores or runs anything.
    const spec = join(dir, 'never-run.json');
    writeFileSync(spec, JSON.stringify({ teachers: { count: 2 }, sft: { steps: 5, batchSize: 200 } }));
    const fresh = join(dir, 'never.sqlite');
    expect(refusal(w2s('run', spec, '--out', join(missing, 'summary.json'), '--db', fresh))).toContain(`cannot write ${join(missing, 'summary.json')}: the folder ${missing} does not exist`);
    expect(existsSync(fresh)).toBe(false);
    // A folder where the file should go.
    mkdirSync(join(dir, 'a-folder.svg'));
    expect(refusal(w2s('export', '1', '--figure', 'gains', '--out', join(dir, 'a-folder.svg'), '--db', db))).toContain(`cannot write ${join(dir, 'a-folder.svg')}: it is a folder`);
  });

  it('the data CSV has the Parquet’s selected column, row for row', () => {
    const csv = readFileSync(join(dir, 'data.csv'), 'utf8').trim().split('\n');
    const head = csv[0].split(',');
    expect(head.slice(0, 9)).toEqual(['experiment', 'cell', 'initial_norm', 'teacher_target_accuracy', 'teacher_kappa', 'teacher', 'learning_rate', 'selected', 'status']);
    const at = (name: string) => head.indexOf(name);
    const lrs = [0.1, 1];
    const csvSelected = new Map<string, string>();
    for (const line of csv.slice(1)) {
      const r = line.split(',');
      csvSelected.set(`${r[at('cell')]}/${r[at('teacher')] === 'ceiling' ? -1 : r[at('teacher')]}/${lrs.indexOf(Number(r[at('learning_rate')]))}`, r[at('selected')]);
    }
    const parquet = JSON.parse(
      execFileSync('python3', ['-c', 'import sys, json, pyarrow.parquet as pq; t = pq.read_table(sys.argv[1], columns=["cell", "teacher", "lr_index", "selected"]).to_pydict(); print(json.dumps(t))', join(dir, 'data.parquet')], { encoding: 'utf8' }),
    ) as { cell: number[]; teacher: number[]; lr_index: number[]; selected: (boolean | null)[] };
    const parquetSelected = new Map<string, string>();
    parquet.cell.forEach((cell, i) => parquetSelected.set(`${cell}/${parquet.teacher[i]}/${parquet.lr_index[i]}`, String(parquet.selected[i])));
    expect(csvSelected).toEqual(parquetSelected);
    // One selected learning rate per teacher; never the ceiling.
    const perTeacher = new Map<string, number>();
    for (const [key, value] of csvSelected) if (value === 'true') perTeacher.set(key.split('/').slice(0, 2).join('/'), (perTeacher.get(key.split('/').slice(0, 2).join('/')) ?? 0) + 1);
    expect([...perTeacher.values()]).toEqual(Array.from({ length: 2 * 3 }, () => 1));
    expect([...csvSelected].filter(([k]) => k.split('/')[1] === '-1').every(([, v]) => v === 'false')).toBe(true);
  });
});

describe('w2s show: the teachers’ accuracy and the PGR, for every setup', () => {
  const db = join(dir, 'show.sqlite');
  interface Exported {
    experiment: { summary: { teachers: { cell: number; teacher: number; accuracy: number; peakAccuracy: number | null; pgr: number | null }[]; cells: { cell: number; ceiling: { accuracy: number } | null }[] } };
    runs: { key: { cell: number; teacher: number }; descriptor: { teacherAccuracy: number } }[];
  }
  const meanStd = (xs: number[]) => {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)), n: xs.length };
  };
  /** From the stored runs and the summary's teachers, by plain arithmetic: per cell (or all, cell undefined). */
  const expected = (e: Exported, cell?: number) => {
    const seen = new Map<string, number>();
    for (const r of e.runs) if (r.key.teacher >= 0 && (cell === undefined || r.key.cell === cell)) seen.set(`${r.key.cell}/${r.key.teacher}`, r.descriptor.teacherAccuracy);
    // PGR = (acc_w2s − acc_T) / (acc_ceiling − acc_T), from the teacher's peak accuracy and its cell's ceiling.
    const pgr = e.experiment.summary.teachers
      .filter((t) => cell === undefined || t.cell === cell)
      .map((t) => (t.peakAccuracy! - t.accuracy) / (e.experiment.summary.cells.find((c) => c.cell === t.cell)!.ceiling!.accuracy - t.accuracy));
    return { accuracy: meanStd([...seen.values()]), pgr: meanStd(pgr) };
  };
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

  beforeAll(() => {
    const random = join(dir, 'show-random.json');
    writeFileSync(random, JSON.stringify({ seed: 12, student: { norm: [1, 3] }, teachers: { count: 5, accuracy: 0.7 }, sft: { steps: 25, learningRates: [0.1, 1], batchSize: 500 } }));
    const shared = join(dir, 'show-shared.json');
    writeFileSync(shared, JSON.stringify({ setup: 'shared-pretraining', seed: 3, teachers: { count: 6 }, sft: { steps: 25, learningRates: [0.1, 1], batchSize: 500 } }));
    ok(w2s('run', random, '--db', db, '--workers', '1'));
    ok(w2s('run', shared, '--db', db, '--workers', '1'));
  });

  it.each([
    [1, 'random teachers, two cells'],
    [2, 'shared pretraining'],
  ])('experiment %i (%s): mean ± std of the teachers’ accuracy and of the PGR, overall and per cell', (id) => {
    const e = JSON.parse(ok(w2s('export', String(id), '--format', 'json', '--db', db)).stdout) as Exported;
    const all = expected(e);
    const text = ok(w2s('show', String(id), '--db', db)).stdout;
    expect(text).toContain(`teachers' accuracy ${pct(all.accuracy.mean)} ± ${pct(all.accuracy.std)} (mean ± std over ${all.accuracy.n} teachers)`);
    expect(text).toContain(`PGR ${all.pgr.mean.toFixed(3)} ± ${all.pgr.std.toFixed(3)} (against the true-label ceiling, ${all.pgr.n} teachers)`);
    const cells = e.experiment.summary.cells.map((c) => c.cell);
    if (cells.length > 1) {
      for (const cell of cells) {
        const mine = expected(e, cell);
        expect(text).toContain(`PGR ${mine.pgr.mean.toFixed(3)} ± ${mine.pgr.std.toFixed(3)}, teachers' accuracy ${pct(mine.accuracy.mean)} ± ${pct(mine.accuracy.std)}`);
      }
    }
    const json = JSON.parse(ok(w2s('show', String(id), '--json', '--db', db)).stdout) as { teacherAccuracy: { mean: number; std: number; n: number }; pgr: { mean: number; std: number; n: number } };
    expect(Math.abs(json.teacherAccuracy.mean - all.accuracy.mean)).toBeLessThan(1e-12);
    expect(Math.abs(json.teacherAccuracy.std - all.accuracy.std)).toBeLessThan(1e-12);
    expect(Math.abs(json.pgr.mean - all.pgr.mean)).toBeLessThan(1e-12);
    expect(json.pgr.n).toBe(all.pgr.n);
  });

  it('the shared-pretraining teachers are measured, not set: their accuracies differ', () => {
    const e = JSON.parse(ok(w2s('export', '2', '--format', 'json', '--db', db)).stdout) as Exported;
    expect(expected(e).accuracy.std).toBeGreaterThan(0);
  });

  it('--teachers adds one row per teacher with its accuracy and PGR', () => {
    const e = JSON.parse(ok(w2s('export', '1', '--format', 'json', '--db', db)).stdout) as Exported;
    const lines = ok(w2s('show', '1', '--teachers', '--db', db)).stdout.trimEnd().split('\n');
    const header = lines.findIndex((l) => /^\s*cell\s+teacher\s+accuracy/.test(l));
    expect(header).toBeGreaterThan(0);
    const rows = lines.slice(header + 1).map((l) => l.trim().split(/\s+/));
    expect(rows).toHaveLength(e.experiment.summary.teachers.length);
    for (const t of e.experiment.summary.teachers) {
      const row = rows.find((r) => r[0] === String(t.cell) && r[1] === String(t.teacher))!;
      expect(`${row[2]} ${row[3]}`).toBe(pct(t.accuracy));
      expect(row[row.length - 1]).toBe(t.pgr!.toFixed(3));
    }
    // Without --teachers, no table.
    expect(ok(w2s('show', '1', '--db', db)).stdout).not.toMatch(/cell\s+teacher\s+accuracy/);
  });
});
