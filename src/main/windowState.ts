/**
 * The window's size and position between launches: a small JSON file in userData, validated when
 * read (a hand-edited or truncated file gives the defaults, never a crash) and clamped to a display
 * that is still attached (a window saved on an unplugged monitor comes back on the primary one).
 * No Electron import: the displays are passed in.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface WindowState extends Rect {
  readonly maximized: boolean;
}

export const WINDOW_STATE_FILE = 'window-state.json';
export const DEFAULT_SIZE = { width: 1280, height: 820 } as const;
/** Smaller than this the dashboard is unusable. */
export const MIN_SIZE = { width: 640, height: 480 } as const;
/** At least this much of the window must be on a display for it to count as visible (px). */
const VISIBLE = 64;

const int = z.number().int().min(-100_000).max(100_000);
const WindowStateSchema = z.object({ x: int, y: int, width: int.min(1), height: int.min(1), maximized: z.boolean() }).strict();

/** The saved state, or null when the file is missing or not a valid state. */
export function readWindowState(file: string): WindowState | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const r = WindowStateSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Write through a temporary file, so a crash mid-write leaves the old state. */
export function writeWindowState(file: string, state: WindowState): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state)}\n`);
  renameSync(temporary, file);
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * Where the window opens: the saved rectangle when a display's work area shows at least 64×64 px
 * of it, shrunk to fit that work area and moved inside it; otherwise the default size, centred on
 * the primary display (`workAreas[0]`).
 */
export function placeWindow(saved: WindowState | null, workAreas: readonly Rect[]): WindowState {
  const primary = workAreas[0] ?? { x: 0, y: 0, ...DEFAULT_SIZE };
  const home = saved === null ? undefined : workAreas.find((area) => {
    const o = overlap(saved, area);
    return o.width >= VISIBLE && o.height >= VISIBLE;
  });
  if (saved === null || home === undefined) {
    const width = Math.min(DEFAULT_SIZE.width, primary.width);
    const height = Math.min(DEFAULT_SIZE.height, primary.height);
    const x = primary.x + Math.round((primary.width - width) / 2);
    const y = primary.y + Math.round((primary.height - height) / 2);
    return { x, y, width, height, maximized: saved?.maximized ?? false };
  }
  const width = Math.min(Math.max(saved.width, Math.min(MIN_SIZE.width, home.width)), home.width);
  const height = Math.min(Math.max(saved.height, Math.min(MIN_SIZE.height, home.height)), home.height);
  const x = Math.min(Math.max(saved.x, home.x), home.x + home.width - width);
  const y = Math.min(Math.max(saved.y, home.y), home.y + home.height - height);
  return { x, y, width, height, maximized: saved.maximized };
}
