/**
 * The one LabApi the renderer talks to: the preload's `window.lab` in the desktop app (its replies
 * made errors again on this side of the context bridge), the HTTP client when the same renderer is
 * served by `w2s serve`. A refusal is a LabCallError with its status and a bad spec's errors by
 * field either way.
 */
import { bridgedLabApi, type LabApi } from '../../../shared/labApi';
import { serveLabApi } from './serveClient';

let api: LabApi | null = null;

export function useLab(): LabApi {
  api ??= window.lab === undefined ? serveLabApi() : bridgedLabApi(window.lab);
  return api;
}

/** Where the renderer runs: the desktop app or a browser tab on `w2s serve`. */
export function shellName(): 'desktop' | 'browser' {
  return window.lab === undefined ? 'browser' : 'desktop';
}
