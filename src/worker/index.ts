/**
 * The engine process: runs one job at a time and reports progress and the result. Works under
 * child_process.fork (process.send) and Electron's utilityProcess (process.parentPort). Imports the
 * engine only.
 */
import { ExperimentContext } from '../engine/experiment';
import { SftRun } from '../engine/run';
import type { JobReply, JobRequest, SeriesChunk } from '../shared/jobs';

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

function runJob(port: Port, request: JobRequest): void {
  const started = performance.now();
  const context = contextFor(request);
  const run =
    request.resume === undefined
      ? SftRun.start(context, request.key)
      : SftRun.resume(context, request.key, request.resume.checkpoint, request.resume.series);
  let lastReport = Date.now();
  let lastCheckpoint = lastReport;
  // Points the coordinator has: none for a fresh run, the checkpoint's for a resumed one.
  let sent = request.resume === undefined ? 0 : request.resume.checkpoint.recorded;
  const interval = request.checkpointIntervalMs;
  while (!run.done) {
    run.advance(CHUNK_STEPS);
    const now = Date.now();
    if (interval !== undefined && now - lastCheckpoint >= interval && !run.done) {
      lastCheckpoint = now;
      const checkpoint = run.checkpoint();
      port.post({ type: 'checkpoint', id: request.id, descriptor: run.descriptor, checkpoint, from: sent, chunk: slice(run, sent, checkpoint.recorded) });
      sent = checkpoint.recorded;
    }
    if (now - lastReport >= PROGRESS_INTERVAL_MS) {
      lastReport = now;
      port.post({ type: 'progress', id: request.id, step: run.step, total: run.totalSteps });
    }
  }
  port.post({
    type: 'result',
    id: request.id,
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
port.onMessage((request) => {
  try {
    runJob(port, request);
  } catch (error) {
    port.post({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) });
  }
});
port.post({ type: 'ready' });
