/**
 * The LabApi implemented on the command layer (labCommands.ts, the door every shell goes
 * through) and the lab. Transports (Electron IPC, HTTP) call `handle(method, input)`: the input
 * is validated here, and so is the output before it leaves. The rules and their refusals are the
 * command layer's and the lab's; a refusal passes through as it is (a method's own is led by its
 * name: `collect: …`).
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
import { seriesBundle } from './figureFiles';
import { historyFileProblem, isDiskFull } from './historyFile';
import { experimentListItem, historyEntry } from './historyList';
import type { Lab } from './lab';
import { LabCommands } from './labCommands';
import { parquetFileName } from './parquet';
import { pathChoices } from './pathChoices';

export { experimentListItem } from './historyList';

type Handlers = { [M in LabMethod]: (input: LabParsedInput<M>) => LabOutput<M> | Promise<LabOutput<M>> };

/** A method's own refusal led by its name; a missing experiment (404) reads the same for every method. */
async function named<T>(method: LabMethod, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof LabRequestError && error.status !== 404 ? error.prefixed(method) : error;
  }
}

export class LabApiService {
  private readonly handlers: Handlers;
  private readonly commands: LabCommands;
  /** The searches this service takes round by round to their end (startSearch, resume). */
  private readonly searching = new Map<number, Promise<void>>();

  constructor(
    readonly lab: Lab,
    options: { workers?: number } = {},
  ) {
    const workers = options.workers ?? 1;
    const commands = new LabCommands(lab.store, lab);
    this.commands = commands;
    const calibration = commands.calibration();
    const done = { ok: true as const };
    this.handlers = {
      listExperiments: () => commands.history().map(experimentListItem),
      getExperiment: ({ id }) => {
        const e = commands.experiment(id);
        const runs = commands.runStatusCounts(id);
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
      getSeries: ({ id, runs: which, columns, cellRates }) => seriesBundle(id, commands.seriesBlock(id, which, columns, cellRates)),
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
      // A bad spec: 400 with its errors by field (checkSpec's), so the builder's Start is one round trip.
      submit: ({ spec, name, duplicatedFrom, tags }) => ({ id: commands.submit(spec, { name, duplicatedFrom, tags }) }),
      startSearch: ({ spec, search, name, tags }) => {
        const id = commands.startSearch(spec, search, { name, tags });
        this.searchInBackground(id, () => commands.runSearch(id));
        return { id };
      },
      cancel: ({ id }) => {
        commands.cancel(id);
        return done;
      },
      resume: ({ id }) => {
        if (commands.isSearch(id)) {
          // Refusals (running here, nothing to resume) are thrown by resumeSearch before it returns its promise.
          if (!this.searching.has(id)) this.searchInBackground(id, () => commands.resumeSearch(id));
        } else commands.resume(id);
        return done;
      },
      rename: ({ id, name }) => {
        commands.rename(id, name);
        return done;
      },
      setLabel: ({ id, label }) => {
        commands.setLabel(id, label);
        return done;
      },
      setNotes: ({ id, notes }) => {
        commands.setNotes(id, notes);
        return done;
      },
      setTags: ({ id, tags }) => {
        commands.setTags(id, tags);
        return done;
      },
      deleteExperiment: ({ id }) => {
        commands.deleteExperiment(id);
        return done;
      },
      duplicateSpec: ({ id }) => ({ spec: commands.duplicateSpec(id) }),
      exportFigure: (request) =>
        named('exportFigure', async () => {
          const file = await commands.exportFigure(request);
          const binary = typeof file.content !== 'string';
          return { fileName: file.fileName, mime: file.mime, encoding: binary ? 'base64' : 'utf8', data: binary ? file.content.toString('base64') : file.content };
        }),
      clusterStatus: () => commands.clusterStatus(),
      collect: ({ id }) => named('collect', () => commands.collect(id)),
      exportData: async ({ id, table }) => {
        const bytes = await commands.exportParquet(id, table);
        return { fileName: parquetFileName(id, table), mime: 'application/vnd.apache.parquet', encoding: 'base64', data: bytes.toString('base64') };
      },
      importBundle: ({ data }) => named('importBundle', async () => ({ id: await commands.importBundle(Buffer.from(data, 'base64')) })),
      theory: (input) => {
        const r = theory(input);
        const overflow = theoryOverflow(input, r);
        if (overflow !== null) throw new LabRequestError(400, `theory: ${overflow}`);
        return { ...r, conditions: { ...r.conditions, kappaThreshold: Number.isFinite(r.conditions.kappaThreshold) ? r.conditions.kappaThreshold : Number.MAX_VALUE } };
      },
      queuePosition: ({ id }) => {
        commands.experiment(id);
        return lab.queuePosition(id);
      },
    };
  }

  /**
   * Run a search's rounds in the background. A round that ends other than done (cancelled, failed)
   * stops it there, as the experiment's status says; `resume` continues it.
   */
  private searchInBackground(id: number, run: () => Promise<unknown>): void {
    const running = run().then(
      () => undefined,
      () => undefined,
    );
    this.searching.set(id, running);
    void running.finally(() => this.searching.delete(id));
  }

  /** Resolves once the search `id` this service runs in the background has stopped (at once when it runs none). */
  searchSettled(id: number): Promise<void> {
    return this.searching.get(id) ?? Promise.resolve();
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
      if (isDiskFull(this.commands.file, error)) throw new LabRequestError(507, `${method}: ${historyFileProblem(this.commands.file, error, '$W2S_DB or w2s serve --db FILE')}`);
      throw error;
    }
    return parseOutput(method, output);
  }

  /** Lab events, as the contract's event messages. */
  onEvent(listener: (event: LabEventMessage) => void): () => void {
    return this.lab.on(listener);
  }
}
