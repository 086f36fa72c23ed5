/**
 * The application menu as plain data (no Electron import, so it is tested as it is): File, Edit,
 * View, Help, and on macOS the app menu first. An item either has an Electron `role` (copy, zoom,
 * quit: Electron does it) or an `action`: the renderer's commands (their entries come from the one
 * command table, shared/commands.ts) reach it as shell events, the shell's own (`about`,
 * `open-history`) are handled in the main process.
 */
import { type MenuAction, menuCommands } from '../shared/commands';

/** Actions the main process carries out itself. */
export type ShellAction = 'about' | 'open-history';

export type MenuItemSpec =
  | { readonly type: 'separator' }
  | { readonly label?: string; readonly role: string; readonly accelerator?: string }
  | { readonly label: string; readonly action: MenuAction | ShellAction; readonly accelerator?: string }
  | { readonly label: string; readonly role?: string; readonly submenu: readonly MenuItemSpec[] };

export interface MenuOptions {
  readonly appName: string;
  /** `process.platform`: macOS has an app menu and closes windows rather than quitting. */
  readonly platform: string;
  /** A packaged app has no reload or developer tools. */
  readonly packaged: boolean;
}

const separator = { type: 'separator' } as const;

export function menuTemplate({ appName, platform, packaged }: MenuOptions): MenuItemSpec[] {
  const mac = platform === 'darwin';
  const appMenu: MenuItemSpec = {
    label: appName,
    submenu: [
      { label: `About ${appName}`, action: 'about' },
      separator,
      { role: 'services' },
      separator,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      separator,
      { role: 'quit' },
    ],
  };
  const file: MenuItemSpec = {
    label: 'File',
    submenu: [
      ...menuCommands('File'),
      separator,
      { label: 'Open history file…', action: 'open-history', accelerator: 'CmdOrCtrl+Shift+O' },
      separator,
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const edit: MenuItemSpec = {
    label: 'Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, separator, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  };
  const view: MenuItemSpec = {
    label: 'View',
    submenu: [
      ...menuCommands('View'),
      separator,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
      ...(packaged ? [] : [separator, { role: 'reload' }, { role: 'toggleDevTools' }]),
    ],
  };
  const help: MenuItemSpec = {
    label: 'Help',
    role: 'help',
    submenu: [...menuCommands('Help'), ...(mac ? [] : [separator, { label: `About ${appName}`, action: 'about' } as const])],
  };
  return mac ? [appMenu, file, edit, view, help] : [file, edit, view, help];
}

/** Electron's template shape, structurally (the main process passes it to Menu.buildFromTemplate). */
export interface ElectronMenuItem {
  type?: 'separator';
  label?: string;
  role?: string;
  accelerator?: string;
  click?: () => void;
  submenu?: ElectronMenuItem[];
}

/** The data with each action bound to `onAction`. */
export function bindMenu(template: readonly MenuItemSpec[], onAction: (action: MenuAction | ShellAction) => void): ElectronMenuItem[] {
  return template.map((item) => {
    if ('submenu' in item) return { label: item.label, ...(item.role === undefined ? {} : { role: item.role }), submenu: bindMenu(item.submenu, onAction) };
    if ('action' in item) {
      const { action } = item;
      return { label: item.label, ...(item.accelerator === undefined ? {} : { accelerator: item.accelerator }), click: () => onAction(action) };
    }
    return { ...item };
  });
}
