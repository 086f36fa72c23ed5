/**
 * The LabApi over `w2s serve`: POST /api/<method> with a JSON body, events as server-sent events,
 * getSeries as a binary frame (uint32 header length, JSON header, padding to 8 bytes, Float64 data)
 * so a Figure 1 experiment's 34 MB of series arrive without a JSON detour. The page's cookie
 * carries the token.
 */
import { fieldErrorsOf, LabCallError, type LabApi, type LabEventMessage, LabEventSchema, type LabMethod, makeLabApi } from '../../../shared/labApi';
import { decodeSeriesFrame } from '../../../shared/seriesCodec';
import { errorMessage } from '../../../shared/errorMessage';

async function call(method: LabMethod, input: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`/api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(input),
      credentials: 'same-origin',
    });
  } catch (error) {
    throw new LabCallError(0, `the lab server did not answer (${errorMessage(error)}): is \`w2s serve\` still running?`);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string; errors?: unknown };
    throw new LabCallError(response.status, body.error ?? `${method} failed with HTTP ${response.status}`, fieldErrorsOf(body.errors));
  }
  if (method === 'getSeries') return decodeSeriesFrame(await response.arrayBuffer());
  return response.json();
}

/** One EventSource shared by every listener; it reconnects by itself after a server restart. */
function eventStream(): LabApi['onEvent'] {
  const listeners = new Set<(event: LabEventMessage) => void>();
  let source: EventSource | null = null;
  return (listener) => {
    listeners.add(listener);
    if (source === null) {
      source = new EventSource('/api/events', { withCredentials: true });
      source.onmessage = (message: MessageEvent<string>) => {
        const parsed = LabEventSchema.safeParse(JSON.parse(message.data));
        if (!parsed.success) return; // an event outside the contract is dropped, not fatal
        for (const l of listeners) l(parsed.data);
      };
    }
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && source !== null) {
        source.close();
        source = null;
      }
    };
  };
}

export function serveLabApi(): LabApi {
  return makeLabApi(call, eventStream());
}
