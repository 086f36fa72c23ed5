/**
 * Sweeps run as Slurm job arrays: their tasks' states as last collected, and Collect (ask Slurm,
 * import the finished shards). The queue panel shows them beside the local experiments.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { LabOutput } from '../../../shared/labApi';
import { useLab } from '../api/lab';
import { useExperimentsStore } from './experiments';

export type ClusterSweep = LabOutput<'clusterStatus'>[number];

/** One line for the queue: the Slurm job(s) and the tasks by state, e.g. "Slurm 345: 2 done · 1 running". */
export function slurmLine(sweep: ClusterSweep): string {
  const c = sweep.counts;
  const parts = [`${c.done} done`, `${c.running} running`, `${c.pending} pending`, `${c.failed} failed`];
  if (c.missing > 0) parts.push(`${c.missing} missing`);
  return `Slurm ${sweep.jobIds.join(', ') || '—'}: ${parts.join(' · ')}`;
}

export const useClusterStore = defineStore('cluster', () => {
  const lab = useLab();
  /** By experiment id. */
  const sweeps = ref<Record<number, ClusterSweep>>({});
  const collecting = ref<number[]>([]);

  async function refresh(): Promise<void> {
    const list = await lab.clusterStatus({});
    sweeps.value = Object.fromEntries(list.map((s) => [s.experimentId, s]));
  }

  /** Collect a sweep; the history is reloaded, since a sweep whose shards are all in is done. */
  async function collect(id: number): Promise<LabOutput<'collect'>> {
    collecting.value = [...collecting.value, id];
    try {
      const report = await lab.collect({ id });
      sweeps.value = { ...sweeps.value, [id]: report };
      await useExperimentsStore().refresh();
      return report;
    } finally {
      collecting.value = collecting.value.filter((x) => x !== id);
    }
  }

  return { sweeps, collecting, refresh, collect };
});
