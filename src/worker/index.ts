/**
 * The engine process: runs one job (a list of runs) at a time and reports progress and each run's
 * result. Works under child_process.fork (process.send) and Electron's utilityProcess
 * (process.parentPort). Imports the engine only.
 */
import { ExperimentContext } from '../engine/experiment';
import { SftRun } from '../engine/run';
import type { JobReply, JobRequest, RunOrder, SeriesChunk } from '../shared/jobs';

/** Progress is reported at most this often (ms): the coordinator throttles further. */
const PROGRESS_INTERVAL_MS = 200;
/** Steps between clock checks. */
const CHUNK_STEPS = 16;

interface Port {
  post(message: JobReply): void;
  onMessage(handler: (message: JobRequest) => void): void;
}

function connect(): Port {
  const parentPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', h: (e: { data: unknown }) => void): void } }).parentPort;
  if (parentPort !== undefined) {
    return {
      post: (m) => parentPort.postMessage(m),
      onMessage: (h) => parentPort.on('message', (e) => h(e.data as JobRequest)),
    };
  }
  if (process.send === undefined) throw new Error('the engine process must be started with an IPC channel');
  return {
    post: (m) => process.send?.(m),
    onMessage: (h) => process.on('message', (m) => h(m as JobRequest)),
  };
}

/** One context per spec: pretraining and held-out sets are computed once per process. */
const contexts = new Map<string, ExperimentContext>();

function contextFor(request: JobRequest): ExperimentContext {
  const id = JSON.stringify(request.spec);
  let context = contexts.get(id);
  if (context === undefined) {
    if (contexts.size >= 4) contexts.clear();
    context = new ExperimentContext(request.spec);
    contexts.set(id, context);
  }
  return context;
}

/**
 * A job's runs one after another, each replied to as soon as it ends (a run that throws gets an
 * `error` and the next one goes on). Progress names the run in hand, at most every
 * PROGRESS_INTERVAL_MS whatever the runs' lengths; a run checkpoints only once it has run for
 * `checkpointIntervalMs`, so a short run never does.
 */
function runJob(port: Port, request: JobRequest): void {
  const job = { lastReport: Date.now() };
  request.runs.forEach((order, index) => {
    try {
      runOne(port, request, order, index, job);
    } catch (error) {
      port.post({ type: 'error', id: request.id, run: index, message: error instanceof Error ? error.message : String(error) });
    }
  });
}

function runOne(port: Port, request: JobRequest, order: RunOrder, index: number, job: { lastReport: number }): void {
  const started = performance.now();
  const context = contextFor(request);
  const run = order.resume === undefined ? SftRun.start(context, order.key) : SftRun.resume(context, order.key, order.resume.checkpoint, order.resume.series);
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
      port.post({ type: 'checkpoint', id: request.id, run: index, descriptor: run.descriptor, checkpoint, from: sent, chunk: slice(run, sent, checkpoint.recorded) });
      sent = checkpoint.recorded;
    }
    if (now - job.lastReport >= PROGRESS_INTERVAL_MS) {
      job.lastReport = now;
      port.post({ type: 'progress', id: request.id, run: index, step: run.step, total: run.totalSteps });
    }
  }
  port.post({
    type: 'result',
    id: request.id,
    run: index,
    status: run.status === 'diverged' ? 'diverged' : 'done',
    descriptor: run.descriptor,
    series: run.recordedSeries(),
    computeMs: performance.now() - started,
  });
}

/** Copies of points [from, to) of every recorded column. */
function slice(run: SftRun, from: number, to: number): SeriesChunk {
  const chunk: Record<string, Float64Array> = {};
  for (const [name, values] of Object.entries(run.series)) chunk[name] = (values as Float64Array).slice(from, to);
  return chunk as SeriesChunk;
}

const port = connect();
// Without its coordinator an engine process has nothing to do.
process.on('disconnect', () => process.exit(0));
port.onMessage((request) => runJob(port, request));
port.post({ type: 'ready' });
