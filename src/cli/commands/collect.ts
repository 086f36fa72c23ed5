/**
 * w2s collect ID [--json] [--db FILE]
 *
 * What became of each array task of a Slurm sweep; finished shards are imported into the history
 * (twice changes nothing). Exit code 1 while a task has failed or is missing, so scripts notice.
 */
import { parseArgs } from 'node:util';
import type { CollectReport } from '../../backend/cluster/collect';
import { databasePath, experimentId, stringifyReadable } from '../args';
import { withCommands } from '../session';

export function formatReport(r: CollectReport): string {
  const c = r.counts;
  const lines = [
    `experiment ${r.experimentId} (${r.status}), Slurm job ${r.jobIds.join(', ') || 'none'}, ${r.tasks.length} tasks: ${c.done} done, ${c.running} running, ${c.pending} pending, ${c.failed} failed${c.missing > 0 ? `, ${c.missing} missing` : ''}`,
  ];
  for (const t of r.tasks) {
    const job = t.jobId === null ? '' : ` job ${t.jobId}_${t.task}`;
    lines.push(`  task ${String(t.task).padEnd(4)} ${t.state.padEnd(8)} ${String(t.runs).padStart(5)} runs${job}${t.slurmState === null ? '' : ` ${t.slurmState}`}${t.error === null ? '' : `: ${t.error}`}`);
  }
  for (const note of r.notes) lines.push(`note: ${note}`);
  if (r.imported > 0) lines.push(`imported ${r.imported} shard${r.imported === 1 ? '' : 's'} now`);
  if (c.failed + c.missing > 0) lines.push(`resubmit the failed or missing tasks (each continues from its checkpoints): w2s sweep --resubmit ${r.experimentId}`);
  if (c.done === r.tasks.length) lines.push(`every shard is in${r.balance === null ? '' : ` (tasks' engine time, slowest ÷ mean: ${r.balance.toFixed(3)})`}: w2s show ${r.experimentId}; w2s bundle ${r.experimentId} FILE takes it to another machine`);
  return `${lines.join('\n')}\n`;
}

export async function collectCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false }, db: { type: 'string' } } });
  const id = experimentId(positionals[0], 'collect');
  return withCommands(databasePath(values.db), async (commands) => {
    const report = await commands.collect(id);
    process.stdout.write(values.json ? `${stringifyReadable(report)}\n` : formatReport(report));
    return report.counts.failed + report.counts.missing > 0 ? 1 : 0;
  });
}
