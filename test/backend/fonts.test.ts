/**
 * Fonts travel with the app: every family an export offers resolves to a file inside this checkout
 * (a dependency's package or resources/fonts, each with its licence), never to a system folder;
 * characters a family lacks are drawn in its fallback at measured widths; and a process that sees
 * no system fonts at all exports SVG, PDF and PNG with every PDF font embedded.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, matchesGlob, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fontkit from 'fontkit';
import { coversText, familyFiles, fontFolders, glyphRuns, resolveFont } from '../../src/backend/figures/fonts';
import { splitFallbackRuns } from '../../src/backend/figures/glyphFallback';
import { measureTextPx } from '../../src/backend/figures/measure';
import { FONT_FAMILIES } from '../../src/shared/figureExport';

const ROOT = resolve(__dirname, '..', '..');
const W2S = join(ROOT, 'bin', 'w2s.cjs');

describe('shipped fonts', () => {
  it('every offered family and its variants resolve inside the checkout, each folder with a licence', () => {
    for (const family of FONT_FAMILIES) {
      for (const file of familyFiles(family)) {
        expect(file.startsWith(ROOT + '/'), file).toBe(true);
        expect(file).not.toMatch(/^\/usr\//);
      }
    }
    for (const folder of Object.values(fontFolders())) {
      expect(folder).not.toBeNull();
      const licence = ['LICENSE', '../LICENSE', '../OFL.txt'].map((f) => join(folder!, f)).find((f) => existsSync(f));
      expect(licence, `licence next to ${folder}`).toBeDefined();
    }
  });

  it('each file is the family it claims (the name inside the file, which resvg matches)', () => {
    for (const family of FONT_FAMILIES) {
      for (const [bold, italic] of [[false, false], [true, false], [false, true], [true, true]]) {
        const font = resolveFont(family, bold, italic);
        const file = fontkit.openSync(font.path) as unknown as { familyName: string };
        expect(file.familyName).toBe(family);
      }
    }
  });

  it('LaTeX look: CMU Serif is Computer Modern; Arial/Helvetica map to Liberation Sans (same metrics)', () => {
    expect(resolveFont('Computer Modern').family).toBe('CMU Serif');
    expect(resolveFont('Helvetica').family).toBe('Liberation Sans');
    expect(resolveFont('Arial, sans-serif').family).toBe('Liberation Sans');
    expect(resolveFont('serif').family).toBe('DejaVu Serif');
  });
});

describe('glyph fallback', () => {
  it('splits text into runs the font covers and runs for its fallback, losing no character', () => {
    const cmu = resolveFont('CMU Serif');
    expect(coversText(cmu.path, 'w, w*')).toBe(true);
    expect(coversText(cmu.path, '⟨')).toBe(false);
    const runs = glyphRuns('⟨w, w*⟩', cmu);
    expect(runs).toEqual([
      { text: '⟨', fallback: true },
      { text: 'w, w*', fallback: false },
      { text: '⟩', fallback: true },
    ]);
    expect(coversText(resolveFont('DejaVu Serif').path, '⟨⟩')).toBe(true);
    // DejaVu has every glyph the charts print: no split, no fallback.
    expect(glyphRuns('⟨w, w*⟩', resolveFont('DejaVu Sans'))).toEqual([{ text: '⟨w, w*⟩', fallback: false }]);
  });

  it('places the runs end to end at measured widths, keeping the anchor of the whole text', () => {
    const svg = `<text dominant-baseline="central" text-anchor="middle" style="font-size:12px;font-family:CMU Serif;" x="100" y="5">&lt;⟨w, w*⟩</text>`;
    const out = splitFallbackRuns(svg, 'CMU Serif');
    const parts = [...out.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)];
    expect(parts.map((p) => p[2])).toEqual(['&lt;', '⟨', 'w, w*', '⟩']);
    const widths = [
      measureTextPx('<', '12px CMU Serif')!,
      measureTextPx('⟨', '12px DejaVu Serif')!,
      measureTextPx('w, w*', '12px CMU Serif')!,
      measureTextPx('⟩', '12px DejaVu Serif')!,
    ];
    const total = widths.reduce((a, b) => a + b, 0);
    expect(measureTextPx('<⟨w, w*⟩', '12px CMU Serif')).toBeCloseTo(total, 9);
    let x = 100 - total / 2;
    for (const [i, p] of parts.entries()) {
      expect(p[1]).toMatch(/text-anchor="start"/);
      expect(p[1]).toMatch(i % 2 === 1 ? /font-family:DejaVu Serif/ : /font-family:CMU Serif/);
      expect(Number(/\sx="([^"]*)"/.exec(p[1])![1])).toBeCloseTo(x, 3);
      x += widths[i];
    }
    // A text the font covers is left as it is.
    const plain = `<text style="font-size:12px;font-family:CMU Serif;">SFT step</text>`;
    expect(splitFallbackRuns(plain, 'CMU Serif')).toBe(plain);
  });
});

/** electron-builder.yml's extraResources entries that copy fonts: from, to and filter globs. */
function packagedFontRules(): { from: string; to: string; filter: string[] }[] {
  const yml = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8');
  const rules: { from: string; to: string; filter: string[] }[] = [];
  for (const m of yml.matchAll(/- from: (\S+)\n\s+to: (fonts\/\S+)(?:\n\s+filter: \[([^\]]*)\])?/g)) {
    rules.push({ from: m[1], to: m[2], filter: m[3] ? [...m[3].matchAll(/"([^"]+)"/g)].map((f) => f[1]) : ['**'] });
  }
  return rules;
}

describe('the packaged desktop app', () => {
  it('finds every family in the folders electron-builder copies to its resources', () => {
    const resources = mkdtempSync(join(tmpdir(), 'w2s-resources-'));
    try {
      const rules = packagedFontRules();
      expect(rules.map((r) => r.to).sort()).toEqual(['fonts/computer-modern', 'fonts/dejavu', 'fonts/liberation']);
      for (const rule of rules) {
        const from = join(ROOT, rule.from);
        for (const file of readdirSync(from, { recursive: true }) as string[]) {
          const keep = rule.filter.filter((f) => !f.startsWith('!')).some((f) => matchesGlob(file, f)) && !rule.filter.filter((f) => f.startsWith('!')).some((f) => matchesGlob(file, f.slice(1)));
          if (!keep || statSync(join(from, file)).isDirectory()) continue;
          mkdirSync(dirname(join(resources, rule.to, file)), { recursive: true });
          copyFileSync(join(from, file), join(resources, rule.to, file));
        }
      }
      // A process whose resourcesPath is that folder, as Electron sets it in a packaged app.
      const probe = `process.resourcesPath = ${JSON.stringify(resources)};
        const { familyFiles } = require(${JSON.stringify(join(ROOT, 'src/backend/figures/fonts.ts'))});
        const { FONT_FAMILIES } = require(${JSON.stringify(join(ROOT, 'src/shared/figureExport.ts'))});
        process.stdout.write(JSON.stringify(FONT_FAMILIES.flatMap((f) => familyFiles(f))));`;
      const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', probe], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const files = JSON.parse(r.stdout) as string[];
      expect(new Set(files).size).toBe(FONT_FAMILIES.length * 4); // four variants of each family
      for (const f of files) expect(f.startsWith(resources + '/'), f).toBe(true);
    } finally {
      rmSync(resources, { recursive: true, force: true });
    }
  });
});

/** Whether this process may make a mount namespace (root with unshare, as in CI). */
function canUnshare(): boolean {
  return spawnSync('unshare', ['-m', 'true']).status === 0;
}

describe('a process that sees no system fonts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'w2s-nofonts-'));
    // One small stored experiment to export.
    const spec = join(ROOT, 'resources', 'presets', 'quick.json');
    execFileSync(process.execPath, [W2S, 'run', spec, '--db', join(dir, 'lab.sqlite'), '--workers', '1'], { stdio: 'pipe' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports SVG, PDF and PNG in every family with an empty /usr/share/fonts, every PDF font embedded', () => {
    expect(canUnshare(), 'this test needs root and unshare(1) to hide /usr/share/fonts (CI runs as root)').toBe(true);
    const commands: string[] = [];
    for (const family of FONT_FAMILIES) {
      const slug = family.replace(/\s+/g, '');
      for (const format of ['svg', 'pdf', 'png']) {
        commands.push(`'${process.execPath}' '${W2S}' export 1 --db '${join(dir, 'lab.sqlite')}' --figure trajectories --metric inner --format ${format} --font '${family}' --out '${join(dir, `${slug}.${format}`)}' --no-sidecar`);
      }
    }
    // A tmpfs over the system font folder, visible to this shell and its children only.
    const script = ['set -e', 'mount -t tmpfs none /usr/share/fonts', 'test -z "$(ls -A /usr/share/fonts)"', ...commands].join('\n');
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    for (const family of FONT_FAMILIES) {
      const slug = family.replace(/\s+/g, '');
      expect(readFileSync(join(dir, `${slug}.svg`), 'utf8')).toContain(`font-family:${family}`);
      const png = readFileSync(join(dir, `${slug}.png`));
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      const fonts = execFileSync('pdffonts', [join(dir, `${slug}.pdf`)], { encoding: 'utf8' }).trimEnd().split('\n').slice(2);
      expect(fonts.length).toBeGreaterThan(0);
      for (const line of fonts) {
        expect(line, line).toMatch(/TrueType\s+Identity-H\s+yes\s+yes/);
        expect(line).not.toMatch(/Helvetica|Times|Courier/);
      }
      // The family itself is what is embedded (the fallback only adds glyphs).
      expect(fonts.join('\n')).toContain(family.replace(/\s+/g, ''));
    }
  });
});
