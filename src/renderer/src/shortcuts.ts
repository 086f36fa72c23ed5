/**
 * Single-key shortcuts, active when no text field has the focus (browsers keep Ctrl+N and friends
 * for themselves, so the served app cannot use them).
 */
export interface Shortcut {
  readonly key: string;
  readonly label: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { key: 'n', label: 'New run' },
  { key: 'h', label: 'Run history' },
  { key: 'c', label: 'Compare the selected experiments' },
  { key: 't', label: 'Theory panel' },
  { key: 'x', label: 'Explore: sliders that re-run a preview' },
  { key: 'e', label: 'Export the figure on screen' },
  { key: '/', label: 'Search the history' },
  { key: 'd', label: 'Light / dark theme' },
  { key: '?', label: 'Show these shortcuts' },
];

/** True when a key press belongs to a text field, not to the app. */
export function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}
