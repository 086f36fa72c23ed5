/**
 * The app's commands, one table: each command's id, what the shortcuts dialog calls it, its single
 * key in the renderer (active when no text field has the focus: browsers keep Ctrl+N and friends
 * for themselves, so the served app cannot use them), its place in the navigation bar, and its
 * entry in the desktop app's menu (menu, label, accelerator). The renderer binds each id to its
 * action (renderer/src/commands.ts, typed so that none is missing); the desktop's menu
 * (main/menu.ts) takes its entries from here, and its clicks come back as shell events naming the
 * command. Data only: main, preload and renderer all import it.
 */

/** The desktop menus a command can have an entry in. */
export type MenuName = 'File' | 'View' | 'Help';

export interface CommandSpec {
  readonly id: string;
  /** What the shortcuts dialog says it does. */
  readonly label: string;
  /** The single key that runs it in the renderer. */
  readonly key?: string;
  /** Its button in the navigation bar, with this label. */
  readonly nav?: string;
  /** Its entry in the desktop app's menu. */
  readonly menu?: { readonly menu: MenuName; readonly label: string; readonly accelerator: string };
}

/** In this order in the shortcuts dialog, the navigation bar and each menu. */
export const COMMANDS = [
  { id: 'history', label: 'Run history', key: 'h', nav: 'History' },
  { id: 'new-experiment', label: 'New run', key: 'n', nav: 'New run', menu: { menu: 'File', label: 'New experiment', accelerator: 'CmdOrCtrl+N' } },
  { id: 'compare', label: 'Compare the selected experiments', key: 'c', nav: 'Compare' },
  { id: 'theory', label: 'Theory panel', key: 't', nav: 'Theory' },
  { id: 'explore', label: 'Explore: sliders that re-run a preview', key: 'x', nav: 'Explore' },
  { id: 'import-bundle', label: 'Import a bundle', menu: { menu: 'File', label: 'Import bundle…', accelerator: 'CmdOrCtrl+O' } },
  { id: 'export-figure', label: 'Export the figure on screen', key: 'e', menu: { menu: 'File', label: 'Export figure…', accelerator: 'CmdOrCtrl+E' } },
  { id: 'search', label: 'Search the history', key: '/' },
  { id: 'toggle-theme', label: 'Light / dark theme', key: 'd', menu: { menu: 'View', label: 'Light / dark theme', accelerator: 'CmdOrCtrl+Shift+D' } },
  { id: 'shortcuts', label: 'Show these shortcuts', key: '?', menu: { menu: 'Help', label: 'Keyboard shortcuts', accelerator: 'CmdOrCtrl+/' } },
] as const satisfies readonly CommandSpec[];

type Command = (typeof COMMANDS)[number];
export type CommandId = Command['id'];
/** The commands with a menu entry: the actions a shell event may name. */
export type MenuAction = Extract<Command, { menu: object }>['id'];

const hasMenu = (c: Command): c is Extract<Command, { menu: object }> => 'menu' in c;

/** Every command with a menu entry, in table order. */
export const MENU_ACTIONS: readonly MenuAction[] = COMMANDS.filter(hasMenu).map((c) => c.id);

/** The commands with an entry in `menu`, in table order. */
export function menuCommands(menu: MenuName): { readonly action: MenuAction; readonly label: string; readonly accelerator: string }[] {
  return COMMANDS.filter(hasMenu).flatMap((c) => (c.menu.menu === menu ? [{ action: c.id, label: c.menu.label, accelerator: c.menu.accelerator }] : []));
}

/** The commands that have a single key, in table order (the shortcuts dialog). */
export const SHORTCUTS: readonly { readonly id: CommandId; readonly key: string; readonly label: string }[] = COMMANDS.flatMap((c: CommandSpec & { id: CommandId }) => (c.key === undefined ? [] : [{ id: c.id, key: c.key, label: c.label }]));

/** The command a key runs, or undefined. */
export function commandForKey(key: string): CommandId | undefined {
  return SHORTCUTS.find((s) => s.key === key)?.id;
}

/** The navigation bar's commands, in table order. */
export const NAV: readonly { readonly id: CommandId; readonly label: string; readonly key: string }[] = COMMANDS.flatMap((c: CommandSpec & { id: CommandId }) =>
  c.nav === undefined || c.key === undefined ? [] : [{ id: c.id, label: c.nav, key: c.key }],
);
