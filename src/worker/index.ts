/**
 * The engine process: runs one job (a list of runs) at a time and reports progress and each run's
 * result. Works under child_process.fork (process.send) and Electron's utilityProcess
 * (process.parentPort). Imports the engine only.
 *
 * A run is a synchronous loop; every CHECK_INTERVAL_MS it looks up: it exits if its coordinator
 * is gone (a SIGKILLed `w2s run` must not leave engines computing for hours), and lets the event
 * loop turn once, so that a `cancel` or the IPC channel's `disconnect` is heard mid-run.
 */
import { ExperimentContext } from '../engine/experiment';
import { RandomFeaturesContext, RandomFeaturesRun, type RandomFeaturesCheckpoint } from '../engine/randomFeatures';
import { isRandomFeaturesSpec } from '../engine/randomFeatures/spec';
import { randomFeaturesConfigOf } from '../engine/randomFeatures/specConfig';
import { type RunCheckpoint, SftRun } from '../engine/run';
import type { EngineMessage, JobReply, JobRequest, RunOrder } from '../shared/jobs';
import { copyRange } from '../shared/seriesBlock';

/** Progress is reported at most this often (ms): the coordinator throttles further. */
const PROGRESS_INTERVAL_MS = 200;
/** A running job checks for a cancel and for its coordinator this often (ms). */
const CHECK_INTERVAL_MS = 200;
/** Steps between clock checks. */
const CHUNK_STEPS = 16;

interface Port {
  post(message: JobReply): void;
  onMessage(handler: (message: EngineMessage) => void): void;
}

/** Electron's utilityProcess port (absent under child_process.fork; Node's types do not know it). */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', handler: (event: { data: unknown }) => void): void;
}

function connect(): Port {
  const parentPort: ParentPort | undefined = Reflect.get(process, 'parentPort');
  if (parentPort !== undefined) {
    return {
      post: (m) => parentPort.postMessage(m),
      onMessage: (h) => parentPort.on('message', (e) => h(e.data as EngineMessage)),
    };
  }
  if (process.send === undefined) throw new Error('the engine process must be started with an IPC channel');
  return {
    post: (m) => process.send?.(m),
    onMessage: (h) => process.on('message', (m) => h(m as EngineMessage)),
  };
}

/**
 * One context per spec: pretraining and held-out sets (the random-features setup's features,
 * pretrained heads and test rows: RandomFeaturesContext) are computed once per process.
 */
const contexts = new Map<string, ExperimentContext | RandomFeaturesContext>();

function contextFor(request: JobRequest): ExperimentContext | RandomFeaturesContext {
  const id = JSON.stringify(request.spec);
  let context = contexts.get(id);
  if (context === undefined) {
    // A random-features context holds its test and pool features (up to 1 GiB): one at a time.
    if (contexts.size >= 4 || isRandomFeaturesSpec(request.spec)) contexts.clear();
    context = isRandomFeaturesSpec(request.spec) ? new RandomFeaturesContext(randomFeaturesConfigOf(request.spec), request.spec.seed) : new ExperimentContext(request.spec);
    contexts.set(id, context);
  }
  return context;
}

/** A run of either kind, started or resumed from the order's checkpoint. */
function startRun(request: JobRequest, order: RunOrder): SftRun | RandomFeaturesRun {
  const context = contextFor(request);
  if (context instanceof RandomFeaturesContext) {
    return order.resume === undefined ? RandomFeaturesRun.start(context, order.key) : RandomFeaturesRun.resume(context, order.key, order.resume.checkpoint as RandomFeaturesCheckpoint, order.resume.series);
  }
  return order.resume === undefined ? SftRun.start(context, order.key) : SftRun.resume(context, order.key, order.resume.checkpoint as RunCheckpoint, order.resume.series);
}

/** The coordinator that started this process; a different parent means it is gone (POSIX reparents orphans). */
const coordinator = process.ppid;

/** True once the coordinator has died: the parent changed, or (Windows, which does not reparent) no longer exists. */
function coordinatorGone(): boolean {
  if (process.ppid !== coordinator) return true;
  try {
    process.kill(coordinator, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Jobs the coordinator asked to stop (ids only grow: a cancel for a finished job is answered at once). */
const cancelled = new Set<number>();
let running: number | null = null;

/** Thrown out of a run's loop when its job is cancelled. */
class JobStopped extends Error {}

/** Between chunks of steps: exit without a coordinator; hear messages; stop a cancelled job. */
async function lookUp(request: JobRequest): Promise<void> {
  if (coordinatorGone()) process.exit(0);
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (cancelled.has(request.id)) throw new JobStopped();
}

/**
 * A job's runs one after another, each replied to as soon as it ends (a run that throws gets an
 * `error` and the next one goes on). Progress names the run in hand, at most every
 * PROGRESS_INTERVAL_MS whatever the runs' lengths; a run checkpoints only once it has run for
 * `checkpointIntervalMs`, so a short run never does. A cancelled job sends `stopped` and nothing more.
 */
async function runJob(port: Port, request: JobRequest): Promise<void> {
  const job = { lastReport: Date.now(), lastLook: Date.now() };
  running = request.id;
  try {
    for (const [index, order] of request.runs.entries()) {
      try {
        await runOne(port, request, order, index, job);
      } catch (error) {
        if (error instanceof JobStopped) throw error;
        port.post({ type: 'error', id: request.id, run: index, message: error instanceof Error ? error.message : String(error) });
      }
    }
  } catch (error) {
    if (!(error instanceof JobStopped)) throw error;
  } finally {
    running = null;
  }
  if (cancelled.has(request.id)) port.post({ type: 'stopped', id: request.id });
}

async function runOne(port: Port, request: JobRequest, order: RunOrder, index: number, job: { lastReport: number; lastLook: number }): Promise<void> {
  const started = performance.now();
  const run = startRun(request, order);
  let lastCheckpoint = Date.now();
  // Points the coordinator has: none for a fresh run, the checkpoint's for a resumed one.
  let sent = order.resume === undefined ? 0 : order.resume.checkpoint.recorded;
  const interval = request.checkpointIntervalMs;
  while (!run.done) {
    run.advance(CHUNK_STEPS);
    const now = Date.now();
    if (interval !== undefined && now - lastCheckpoint >= interval && !run.done) {
      lastCheckpoint = now;
      const checkpoint = run.checkpoint();
      port.post({ type: 'checkpoint', id: request.id, run: index, descriptor: run.descriptor, checkpoint, from: sent, chunk: copyRange(run.series, sent, checkpoint.recorded) });
      sent = checkpoint.recorded;
    }
    if (now - job.lastReport >= PROGRESS_INTERVAL_MS) {
      job.lastReport = now;
      port.post({ type: 'progress', id: request.id, run: index, step: run.step, total: run.totalSteps });
    }
    if (now - job.lastLook >= CHECK_INTERVAL_MS) {
      job.lastLook = now;
      await lookUp(request);
    }
  }
  port.post({
    type: 'result',
    id: request.id,
    run: index,
    status: run.status === 'diverged' ? 'diverged' : 'done',
    descriptor: run.descriptor,
    from: sent,
    chunk: copyRange(run.series, sent, run.recorded),
    lastStep: run.recorded > 0 ? run.series.step[run.recorded - 1] : 0,
    computeMs: performance.now() - started,
  });
}

const port = connect();
// Without its coordinator an engine process has nothing to do.
process.on('disconnect', () => process.exit(0));
// Jobs run one at a time, in the order they came; a cancel is heard at once.
let jobs: Promise<void> = Promise.resolve();
port.onMessage((message) => {
  if (message.type === 'cancel') {
    cancelled.add(message.id);
    // Not running (finished, or never started here): nothing more will come from it.
    if (running !== message.id) port.post({ type: 'stopped', id: message.id });
    return;
  }
  jobs = jobs.then(() => (cancelled.has(message.id) ? undefined : runJob(port, message)));
});
port.post({ type: 'ready' });
