/**
 * The LabApi implemented on the lab service and the store. Transports (Electron IPC, HTTP) call
 * `handle(method, input)`: the input is validated here, and so is the output before it leaves.
 */
import { runCount, samplesToDraw } from '../engine/grid';
import { parseSpec, resolvePath } from '../engine/spec';
import { theory, theoryOverflow } from '../engine/theory';
import {
  isLabMethod,
  LabRequestError,
  type LabEventMessage,
  type LabParsedInput,
  type LabMethod,
  type LabOutput,
  parseInput,
  parseOutput,
  plainDataProblem,
} from '../shared/labApi';
import { EngineCalibration } from './calibration';
import { collect, listSweeps } from './cluster/collect';
import { JobDirError } from './cluster/jobDir';
import { SlurmError } from './cluster/slurm';
import { BundleError, importBundle } from './exchange';
import { exportExperimentFigure, loadBlock, seriesBundle } from './figureFiles';
import { historyFileProblem, isDiskFull } from './historyFile';
import { experimentListItem, historyEntry } from './historyList';
import { ExperimentBusyError, type Lab } from './lab';
import { exportParquet, parquetFileName } from './parquet';
import { pathChoices } from './pathChoices';
import type { ExperimentRecord } from './store/store';

export { experimentListItem } from './historyList';

type Handlers = { [M in LabMethod]: (input: LabParsedInput<M>) => LabOutput<M> | Promise<LabOutput<M>> };

export class LabApiService {
  private readonly handlers: Handlers;

  constructor(
    readonly lab: Lab,
    options: { workers?: number } = {},
  ) {
    const workers = options.workers ?? 1;
    const store = lab.store;
    const calibration = new EngineCalibration(store, (input) => lab.runDetached(input));
    const experiment = (id: number): ExperimentRecord => {
      const e = store.getExperiment(id);
      if (e === null) throw new LabRequestError(404, `no experiment ${id}`);
      return e;
    };
    const done = { ok: true as const };
    this.handlers = {
      listExperiments: () => store.listHistory().map(experimentListItem),
      getExperiment: ({ id }) => {
        const e = experiment(id);
        const runs = store.runStatusCounts(id);
        // Waiting for room on a full disk, which its stored status cannot say until there is some.
        const paused = lab.pausedReason(id);
        return {
          ...experimentListItem(historyEntry(e)),
          ...(paused === null ? {} : { status: 'interrupted' as const }),
          spec: e.spec,
          summary: e.summary,
          appVersion: e.appVersion,
          error: paused ?? e.error,
          duplicatedFrom: e.duplicatedFrom,
          runs,
        };
      },
      getSeries: ({ id, runs: which, columns }) => seriesBundle(id, loadBlock(store, experiment(id), which, columns)),
      checkSpec: async ({ spec }) => {
        const choices = await pathChoices(spec, (s) => calibration.estimate(s, workers));
        const r = parseSpec(spec);
        if (!r.ok) return { ok: false, errors: r.errors, spec: null, runs: 0, samples: 0, expectedSeconds: null, estimateBasis: 'the spec has errors', choices };
        // The spec itself is one of the two sides: its estimate is that side's.
        const mine = resolvePath(r.spec) === 'preview' ? choices.preview : choices.exact;
        return {
          ok: true,
          errors: [],
          spec: r.spec,
          runs: runCount(r.spec),
          samples: samplesToDraw(r.spec),
          expectedSeconds: mine.expectedSeconds,
          estimateBasis: mine.estimateBasis,
          choices,
        };
      },
      submit: ({ spec, name, duplicatedFrom, tags }) => {
        const r = parseSpec(spec);
        if (!r.ok) throw new LabRequestError(400, `invalid spec: ${r.errors.join('; ')}`);
        if (duplicatedFrom !== undefined && store.getExperiment(duplicatedFrom) === null) throw new LabRequestError(404, `submit: duplicatedFrom: no experiment ${duplicatedFrom}`);
        const id = lab.submit(r.spec, { name, duplicatedFrom });
        // In the same turn as the submit: no list request is answered before the tags are stored.
        if (tags !== undefined && tags.length > 0) store.setTags(id, tags);
        return { id };
      },
      cancel: ({ id }) => {
        experiment(id);
        lab.cancel(id);
        return done;
      },
      resume: ({ id }) => {
        const e = experiment(id);
        if (e.status === 'done') throw new LabRequestError(409, `experiment ${id} is done: nothing to resume`);
        if (lab.running.includes(id)) throw new LabRequestError(409, `experiment ${id} is already running`);
        try {
          lab.resume(id);
        } catch (error) {
          if (error instanceof ExperimentBusyError) throw new LabRequestError(409, error.message);
          throw error;
        }
        return done;
      },
      rename: ({ id, name }) => {
        experiment(id);
        store.rename(id, name);
        return done;
      },
      setLabel: ({ id, label }) => {
        experiment(id);
        store.setLabel(id, label);
        return done;
      },
      setNotes: ({ id, notes }) => {
        experiment(id);
        store.setNotes(id, notes);
        return done;
      },
      setTags: ({ id, tags }) => {
        experiment(id);
        store.setTags(id, tags);
        return done;
      },
      deleteExperiment: ({ id }) => {
        experiment(id);
        // Running here or in another process (a `w2s run`): its runner would write into what is gone.
        if (lab.running.includes(id) || store.getExperiment(id)?.status === 'running') throw new LabRequestError(409, `experiment ${id} is running: cancel it first`);
        store.deleteExperiment(id);
        return done;
      },
      duplicateSpec: ({ id }) => {
        experiment(id);
        return { spec: store.duplicateSpec(id) };
      },
      exportFigure: async (request) => {
        for (const id of request.ids) experiment(id);
        try {
          const file = await exportExperimentFigure(store, request);
          const binary = typeof file.content !== 'string';
          return { fileName: file.fileName, mime: file.mime, encoding: binary ? 'base64' : 'utf8', data: binary ? file.content.toString('base64') : file.content };
        } catch (error) {
          if (error instanceof RangeError) throw new LabRequestError(400, `exportFigure: ${error.message}`);
          throw error;
        }
      },
      clusterStatus: () => listSweeps(store),
      collect: async ({ id }) => {
        experiment(id);
        try {
          return await collect(store, id);
        } catch (error) {
          if (error instanceof RangeError || error instanceof JobDirError || error instanceof SlurmError) throw new LabRequestError(409, `collect: ${error.message}`);
          throw error;
        }
      },
      exportData: async ({ id, table }) => {
        experiment(id);
        const bytes = await exportParquet(store, id, table);
        return { fileName: parquetFileName(id, table), mime: 'application/vnd.apache.parquet', encoding: 'base64', data: bytes.toString('base64') };
      },
      importBundle: async ({ data }) => {
        try {
          return { id: await importBundle(store, Buffer.from(data, 'base64')) };
        } catch (error) {
          if (error instanceof BundleError) throw new LabRequestError(400, `importBundle: ${error.message}`);
          throw error;
        }
      },
      theory: (input) => {
        const r = theory(input);
        const overflow = theoryOverflow(input, r);
        if (overflow !== null) throw new LabRequestError(400, `theory: ${overflow}`);
        return { ...r, conditions: { ...r.conditions, kappaThreshold: Number.isFinite(r.conditions.kappaThreshold) ? r.conditions.kappaThreshold : Number.MAX_VALUE } };
      },
      queuePosition: ({ id }) => {
        experiment(id);
        return lab.queuePosition(id);
      },
    };
  }

  /** Validate, run and validate again. Unknown methods and bad input are LabRequestErrors. */
  async handle(method: string, input: unknown): Promise<unknown> {
    if (!isLabMethod(method)) throw new LabRequestError(404, `no such method '${method.slice(0, 100)}'`);
    const problem = plainDataProblem(input);
    if (problem !== null) throw new LabRequestError(400, `${method}: ${problem}`);
    const valid = parseInput(method, input);
    const handler = this.handlers[method] as (input: unknown) => unknown;
    let output: unknown;
    try {
      output = await handler(valid);
    } catch (error) {
      // A full disk is the user's to fix, not a fault of the server: a 507 with the CLI's line.
      if (isDiskFull(this.lab.store.file, error)) throw new LabRequestError(507, `${method}: ${historyFileProblem(this.lab.store.file, error, '$W2S_DB or w2s serve --db FILE')}`);
      throw error;
    }
    return parseOutput(method, output);
  }

  /** Lab events, as the contract's event messages. */
  onEvent(listener: (event: LabEventMessage) => void): () => void {
    return this.lab.on(listener);
  }
}
