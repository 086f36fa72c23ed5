#!/usr/bin/env node
/**
 * The mutation score of each file of the last `stryker run` (reports/mutation/mutation.json, the
 * mutation-testing-report schema): detected (killed or timed out) over valid mutants (all but
 * compile errors, runtime errors and ignored ones; a mutant no test covers counts as survived).
 * Prints a line per file and every surviving mutant; exits 1 when a file scores below 85 %.
 */
import { readFileSync } from 'node:fs';

const MINIMUM = 85;
const file = process.argv[2] ?? 'reports/mutation/mutation.json';
const report = JSON.parse(readFileSync(file, 'utf8'));
const DETECTED = new Set(['Killed', 'Timeout']);
const INVALID = new Set(['CompileError', 'RuntimeError', 'Ignored']);
let failed = false;
const survivors = [];
for (const [path, { mutants }] of Object.entries(report.files).sort()) {
  const valid = mutants.filter((m) => !INVALID.has(m.status));
  const detected = valid.filter((m) => DETECTED.has(m.status)).length;
  const score = valid.length === 0 ? 100 : (100 * detected) / valid.length;
  if (score < MINIMUM) failed = true;
  process.stdout.write(`${score.toFixed(1).padStart(5)} %  ${String(detected).padStart(4)} / ${String(valid.length).padEnd(4)} ${path}${score < MINIMUM ? `  (below ${MINIMUM} %)` : ''}\n`);
  for (const m of valid) if (!DETECTED.has(m.status)) survivors.push(`${m.status.padEnd(10)} ${path}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName}: ${m.replacement ?? ''}`);
}
if (survivors.length > 0) process.stdout.write(`\nsurviving mutants (${survivors.length}):\n${survivors.join('\n')}\n`);
process.exitCode = failed ? 1 : 0;
