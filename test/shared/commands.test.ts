/**
 * The one command table (shared/commands.ts): a key runs one command, the shortcuts dialog lists
 * every key, the navigation bar is its nav entries in order, and the desktop menu's entries are
 * the table's (label, accelerator, action), each once; the renderer's actions are typed by it.
 */
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandForKey, MENU_ACTIONS, menuCommands, NAV, SHORTCUTS } from '../../src/shared/commands';
import { menuTemplate, type MenuItemSpec } from '../../src/main/menu';

const flatten = (items: readonly MenuItemSpec[]): MenuItemSpec[] => items.flatMap((i) => ('submenu' in i ? [i, ...flatten(i.submenu)] : [i]));

describe('the command table', () => {
  it('ids and keys are unique; every key finds its command and no other key does', () => {
    expect(new Set(COMMANDS.map((c) => c.id)).size).toBe(COMMANDS.length);
    const keys = COMMANDS.flatMap((c) => ('key' in c ? [c.key] : []));
    expect(new Set(keys).size).toBe(keys.length);
    for (const c of COMMANDS) if ('key' in c) expect(commandForKey(c.key)).toBe(c.id);
    for (const k of ['a', 'N', 'Enter', 'Escape', ' ']) expect(commandForKey(k)).toBeUndefined();
  });

  it('the shortcuts dialog lists each keyed command once with its label; the nav bar is the five views in order', () => {
    expect(SHORTCUTS.map((s) => s.key)).toEqual(['h', 'n', 'c', 't', 'x', 'e', '/', 'd', '?']);
    for (const s of SHORTCUTS) expect(s.label).toBe(COMMANDS.find((c) => c.id === s.id)?.label);
    expect(NAV.map((n) => [n.id, n.label, n.key])).toEqual([
      ['history', 'History', 'h'],
      ['new-experiment', 'New run', 'n'],
      ['compare', 'Compare', 'c'],
      ['theory', 'Theory', 't'],
      ['explore', 'Explore', 'x'],
    ]);
  });

  it("the desktop menu's renderer entries are exactly the table's menu entries, with its labels and accelerators", () => {
    for (const platform of ['linux', 'darwin']) {
      const items = flatten(menuTemplate({ appName: 'W2S Lab', platform, packaged: true }));
      const entries = items.flatMap((i) => ('action' in i && (MENU_ACTIONS as readonly string[]).includes(i.action) ? [{ action: i.action, label: i.label, accelerator: i.accelerator }] : []));
      const table = (['File', 'View', 'Help'] as const).flatMap((m) => menuCommands(m));
      expect(entries).toEqual(table);
    }
    expect([...MENU_ACTIONS].sort()).toEqual(['export-figure', 'import-bundle', 'new-experiment', 'shortcuts', 'toggle-theme']);
  });
});
