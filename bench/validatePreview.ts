/**
 * The full validation of the preview path (docs/preview.md §7), the suite's tests
 * (test/engine/previewValidation.test.ts) with more teachers and replicas and more batch sizes, and the
 * accuracy of the moments on the states real runs visit (§4). Rewrites the table between the
 * markers of docs/preview.md and prints it. Takes minutes:
 *
 *   node --max-inlined-bytecode-size=3000 --max-inlined-bytecode-size-cumulative=6000 --import tsx bench/validatePreview.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ExperimentContext } from '../src/engine/experiment';
import { runKeys } from '../src/engine/grid';
import { SftRun } from '../src/engine/run';
import { PREVIEW_STEP, sampleMoments, scaleLevel, nodeTable } from '../src/engine/sft/previewMoments';
import { validateSpec } from '../src/engine/spec';
import { compareAcrossTeachers, compareNoise, compareStress, type StressConfig, SUITE_CONFIGS, type ValidationConfig } from '../test/helpers/previewValidation';

const DOC = join(__dirname, '..', 'docs', 'preview.md');
const BEGIN = '<!-- validation:begin (bench/validatePreview.ts writes this part) -->';
const END = '<!-- validation:end -->';

const FULL: ValidationConfig[] = SUITE_CONFIGS.map((c, i) => ({ ...c, spec: { ...c.spec, seed: 1000 + i }, teachers: 1000, steps: 100, replicaTeachers: 16, replicas: 64 }));
const STRESS: StressConfig[] = [
  { name: 'B = 10', batchSize: 10, replicas: 2000, steps: 1000, learningRate: 1, seed: 2001 },
  { name: 'B = 30', batchSize: 30, replicas: 2000, steps: 1000, learningRate: 1, seed: 2002 },
  { name: 'B = 100', batchSize: 100, replicas: 2000, steps: 1000, learningRate: 1, seed: 2003 },
  { name: 'B = 1 000', batchSize: 1000, replicas: 1000, steps: 1000, learningRate: 1, seed: 2004 },
  { name: 'B = 10 000', batchSize: 10_000, replicas: 300, steps: 1000, learningRate: 1, seed: 2005 },
];

const p = (x: number) => (x < 1e-3 ? x.toExponential(1) : x.toFixed(3));

/** Moment error on the states Figure 1 preview runs visit: Δx = 0.2 against Δx = 0.05 (converged to ~1e-14). */
function momentAccuracy(): string {
  const spec = validateSpec({ seed: 1, student: { accuracy: 0.8, norm: [0.5, 1, 3, 10] }, teachers: { count: 5, accuracy: 0.7 }, sft: { batchSize: 10_000, steps: 1000, ceiling: false }, engine: { path: 'preview' } });
  const context = new ExperimentContext(spec);
  const coarse = new Float64Array(9);
  const fine = new Float64Array(9);
  const errors: number[] = [];
  let nodes = 0;
  let states = 0;
  let maxNodes = 0;
  for (const key of runKeys(spec)) {
    const run = SftRun.start(context, key).complete();
    const s = run.series;
    // (‖w‖, cos(w, w_T)) along the run, every 10th step.
    for (let i = 0; i < s.norm.length; i += 10) {
      const norm = s.norm[i];
      // The angle to the teacher from the recorded agreement (1 − θ/π): q = sin θ stays accurate near θ = 0.
      const angle = Math.PI * (1 - s.agreement[i]);
      const pCos = Math.cos(angle);
      const q = Math.sin(angle);
      sampleMoments(1, norm, pCos, q, { labelNoise: 0, softLambda: null }, coarse);
      sampleMoments(1, norm, pCos, q, { labelNoise: 0, softLambda: null }, fine, 0.05);
      let worst = 0;
      for (let k = 0; k < 9; k++) worst = Math.max(worst, Math.abs(coarse[k] - fine[k])); // β = 1: no scale
      errors.push(worst);
      const n = nodeTable(scaleLevel(norm / 2, pCos, Math.max(q, 1e-12))).count;
      nodes += n;
      maxNodes = Math.max(maxNodes, n);
      states++;
    }
  }
  errors.sort((a, b) => a - b);
  return `Moments on ${states} states visited by Figure 1 preview runs (β = 1, ‖w‖ and cos(w, w_T) every 10th step of 140 runs), Δx = ${PREVIEW_STEP} against Δx = 0.05: largest error ${errors[errors.length - 1].toExponential(1)}, median ${errors[errors.length >> 1].toExponential(1)}; ${(nodes / states).toFixed(1)} nodes on average, at most ${maxNodes}.`;
}

function main(): void {
  const started = Date.now();
  const lines: string[] = [];
  lines.push(`Run ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, in ${'{minutes}'} min. Fixed seeds; p-values two-sided.`, '');
  lines.push(momentAccuracy(), '');

  lines.push('**Across teachers** (the same teachers and students on both paths; one run each, η = 0.05, T = 100): two-sample KS p-value / paired mean-difference z.', '');
  lines.push('| configuration | teachers | cos at T | norm at T | ⟨w, w*⟩ at T | peak cos | its step | gain |', '|---|---|---|---|---|---|---|---|');
  const noiseRows: string[] = [];
  for (const config of FULL) {
    const across = compareAcrossTeachers(config);
    lines.push(`| ${config.name} | ${config.teachers} | ${across.map((r) => `${p(r.ksP)} / ${r.z.toFixed(2)}`).join(' | ')} |`);
    const [asIs, more, inflated] = compareNoise(config, [1, 1.1, 1.5]);
    const cell = (rows: typeof asIs, metric: string, step: number) => {
      const r = rows.find((x) => x.metric === metric && x.step === step);
      return r === undefined ? '' : `${r.ratio.toFixed(2)} (F ${p(r.fP)}, BF ${p(r.bfP)})`;
    };
    for (const [label, rows] of [['preview', asIs], ['C × 1.1', more], ['C × 1.5 (negative control)', inflated]] as const) {
      noiseRows.push(`| ${config.name} | ${label} | ${cell(rows, 'norm', 1)} | ${cell(rows, 'cosTeacher', 1)} | ${cell(rows, 'norm', 10)} | ${cell(rows, 'cosTeacher', 10)} | ${cell(rows, 'cos', 10)} |`);
    }
    console.log(`done: ${config.name} (${((Date.now() - started) / 60000).toFixed(1)} min)`);
  }
  lines.push('', `**SGD noise** (${FULL[0].replicaTeachers} teachers × ${FULL[0].replicas} replicas per path): variance ratio preview / exact of the within-teacher spread after 1 and 10 steps, with the F test and Brown–Forsythe's test.`, '');
  lines.push('| configuration | preview | norm @1 | cos(w, w_T) @1 | norm @10 | cos(w, w_T) @10 | cos(w, w*) @10 |', '|---|---|---|---|---|---|---|', ...noiseRows);

  lines.push('', '**Stress test** (docs/spec.md §9: one teacher, replicas, 1 000 steps at η = 1, cos at T; 80 % student of norm 1, 70 % teacher):', '');
  lines.push('| batch | replicas | exact: mean ± sd | preview: mean ± sd | KS p | mean z | variance ratio (F p) |', '|---|---|---|---|---|---|---|');
  for (const config of STRESS) {
    const r = compareStress(config);
    lines.push(`| ${config.name} | ${config.replicas} | ${r.exact.mean.toFixed(4)} ± ${r.exact.sd.toFixed(4)} | ${r.preview.mean.toFixed(4)} ± ${r.preview.sd.toFixed(4)} | ${p(r.ksP)} | ${r.z.toFixed(2)} | ${r.ratio.toFixed(3)} (${p(r.fP)}) |`);
    console.log(`done: stress ${config.name} (${((Date.now() - started) / 60000).toFixed(1)} min)`);
  }
  const minutes = ((Date.now() - started) / 60000).toFixed(0);
  const table = lines.join('\n').replace('{minutes}', minutes);
  console.log(`\n${table}\n`);
  const doc = readFileSync(DOC, 'utf8');
  const from = doc.indexOf(BEGIN);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${DOC} has no validation markers`);
  writeFileSync(DOC, `${doc.slice(0, from + BEGIN.length)}\n${table}\n${doc.slice(to)}`);
  console.log(`table written into ${DOC}`);
}

main();
