/**
 * The renderer's half of the command table (shared/commands.ts): each command's action, typed so
 * that every command has one, and the commands a view answers while it is on screen (export the
 * figure shown, focus the history's search). A view registers its handler with
 * `useCommandHandler` for as long as it is mounted; running the command calls it (no untyped
 * window events).
 */
import { nextTick, onMounted, onUnmounted } from 'vue';
import type { CommandId } from '../../shared/commands';

/** Commands a mounted view carries out. */
export type ViewCommand = Extract<CommandId, 'export-figure' | 'search'>;

const handlers = new Map<ViewCommand, () => void>();

/** While the calling component is mounted, it carries out `id`. */
export function useCommandHandler(id: ViewCommand, handler: () => void): void {
  onMounted(() => handlers.set(id, handler));
  onUnmounted(() => {
    if (handlers.get(id) === handler) handlers.delete(id);
  });
}

/** Carry out `id` in the view on screen: false when none answers it. */
export function runInView(id: ViewCommand): boolean {
  const handler = handlers.get(id);
  handler?.();
  return handler !== undefined;
}

/** Carry out `id` in the view about to be shown (after the route changed): once it is mounted. */
export async function runInNextView(id: ViewCommand): Promise<boolean> {
  await nextTick();
  return runInView(id);
}

/** Every command's action. */
export type CommandActions = { readonly [K in CommandId]: () => void };

/** True when a key press belongs to a text field, not to the app. */
export function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}
