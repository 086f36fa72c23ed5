/**
 * The queue panel's Slurm sweeps, through the renderer's Pinia stores against a real backend (the
 * LabApi service on a real SQLite file, reached through makeLabApi as the preload would) and a real
 * single-node Slurm (test/helpers/slurm.ts): a submitted sweep is listed in the queue with its tasks'
 * states, Collect imports its shard, and the experiment leaves the queue done.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/engine/spec';
import { jobFiles } from '../../src/backend/cluster/jobDir';
import { submitSweep } from '../../src/backend/cluster/sweep';
import { Lab } from '../../src/backend/lab';
import { LabApiService } from '../../src/backend/labApi';
import { EnginePool, forkSpawner } from '../../src/backend/pool';
import { RunStore } from '../../src/backend/store/store';
import { removeCluster, type SlurmCluster, startSlurm } from '../helpers/slurm';
import { labBridge } from '../../src/shared/labApi';
import { directLabApi } from '../helpers/labFixture';
import { until as waitUntil } from '../helpers/until';

const W2S = join(__dirname, '..', '..', 'bin', 'w2s.cjs');
let cluster: SlurmCluster;
let store: RunStore;
let pool: EnginePool;

beforeAll(async () => {
  cluster = await startSlurm();
  // sbatch and squeue, called by the backend in this process, talk to the test's cluster.
  process.env['SLURM_CONF'] = cluster.conf;
  store = RunStore.open(join(mkdtempSync(join(cluster.root, 'ui-')), 'lab.sqlite'), 'test');
  pool = new EnginePool(forkSpawner(), 1);
  const service = new LabApiService(new Lab(store, pool));
  const lab = directLabApi(service);
  (globalThis as { window?: unknown }).window = { lab: labBridge(lab) };
}, 60_000);

afterAll(async () => {
  pool?.close();
  store?.close();
  if (cluster !== undefined) {
    await cluster.stop();
    removeCluster(cluster);
  }
}, 60_000);

/** The shared wait, with this file's own timeout and polling. */
const until = (condition: () => boolean, what: string, ms = 120_000) => waitUntil(condition, what, ms, 100);

describe('cluster store and queue', () => {
  it('lists a sweep in the queue with its Slurm state; Collect brings it in and it leaves the queue done', async () => {
    setActivePinia(createPinia());
    const { useExperimentsStore } = await import('../../src/renderer/src/stores/experiments');
    const { slurmLine, useClusterStore } = await import('../../src/renderer/src/stores/cluster');
    const experiments = useExperimentsStore();
    const sweeps = useClusterStore();

    const spec = validateSpec({ name: 'ui sweep', seed: 4, teachers: { count: 2 }, sft: { steps: 30, batchSize: 300, learningRates: [0.1, 1] } });
    const dir = join(cluster.root, 'ui-sweep');
    const sent = await submitSweep(store, { spec, dir, launcher: [process.execPath, W2S], options: { tasks: 1, cpusPerTask: 1, sbatchArgs: [], checkpointSeconds: 3 } });

    await experiments.refresh();
    await sweeps.refresh();
    expect(experiments.queue.map((r) => r.id)).toEqual([sent.experimentId]);
    expect(slurmLine(sweeps.sweeps[sent.experimentId])).toBe(`Slurm ${sent.jobId}: 0 done · 0 running · 1 pending · 0 failed`);

    await until(() => existsSync(jobFiles(dir).shard(0)), 'the task to write its shard');
    const report = await sweeps.collect(sent.experimentId);
    expect(report.imported).toBe(1);
    expect(slurmLine(sweeps.sweeps[sent.experimentId])).toBe(`Slurm ${sent.jobId}: 1 done · 0 running · 0 pending · 0 failed`);
    const row = experiments.byId.get(sent.experimentId);
    expect(row?.status).toBe('done');
    expect(row?.gainMean).toBe(store.getExperiment(sent.experimentId)?.summary?.gainMean);
    expect(experiments.queue).toEqual([]);
    expect(sweeps.collecting).toEqual([]);
  });

  it('Collect on an experiment that is not a sweep is refused with the reason', async () => {
    setActivePinia(createPinia());
    const { useClusterStore } = await import('../../src/renderer/src/stores/cluster');
    const local = store.createExperiment(validateSpec({ teachers: { count: 1 }, sft: { steps: 5, learningRates: [0.1] } }), []);
    await expect(useClusterStore().collect(local)).rejects.toThrow(`experiment ${local} is not a Slurm sweep`);
    await expect(useClusterStore().collect(local + 1)).rejects.toThrow(`no experiment ${local + 1}`);
  });
});
