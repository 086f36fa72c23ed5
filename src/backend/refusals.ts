/**
 * The lab's rules, each refusal written once with its message and the status a transport gives
 * it: the lab (lab.ts) and the command layer (labCommands.ts) throw them, the LabApi service
 * passes them on as they are (HTTP and IPC alike), and the CLI prints the message and exits 2.
 */
import { LabRequestError } from '../shared/labApi';

/** An experiment that another live process is running (its runner named: pid and host). */
export class ExperimentBusyError extends LabRequestError {
  constructor(id: number, runner: string) {
    super(409, `experiment ${id} is running in another process (${runner}): cancel it there first`);
    this.name = 'ExperimentBusyError';
  }
}

export const refuse = {
  noExperiment: (id: number) => new LabRequestError(404, `no experiment ${id}`),
  /** A spec the engine's schema refuses: every error by field, and the joined line a CLI prints. */
  invalidSpec: (errors: readonly string[]) => new LabRequestError(400, `invalid spec: ${errors.join('; ')}`, errors),
  nothingToResume: (id: number) => new LabRequestError(409, `experiment ${id} is done: nothing to resume`),
  nothingToCancel: (id: number) => new LabRequestError(409, `experiment ${id} is done: nothing to cancel`),
  alreadyRunning: (id: number) => new LabRequestError(409, `experiment ${id} is already running`),
  deleteRunning: (id: number) => new LabRequestError(409, `experiment ${id} is running: cancel it first`),
  runningElsewhere: (id: number, runner: string) => new ExperimentBusyError(id, runner),
  /** A spec that does not extend an experiment's grid (a search's next round: RunStore.extendGrid). */
  notAnExtension: (id: number, why: string) => new LabRequestError(409, `experiment ${id}: cannot extend its grid: ${why}`),
  notASearch: (id: number) => new LabRequestError(409, `experiment ${id} is not a search (its spec has no search)`),
  /** A search whose round ended other than done (cancelled, failed): it stops there, resumable. */
  searchStopped: (id: number, status: string) => new LabRequestError(409, `experiment ${id}: the search's round ended ${status}; w2s resume ${id} continues it`),
  /** getSeries' cellRates that do not fit the experiment's grid. */
  badCellRates: (id: number, why: string) => new LabRequestError(400, `cellRates: ${why} (experiment ${id})`, [`cellRates: ${why}`]),
} as const;
