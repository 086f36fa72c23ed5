/**
 * The desktop shell's pieces that need no Electron: the menu template (plain data), the remembered
 * window (validated, clamped to a display), the one-instance lock per history file, and the
 * dialogs' IPC handler with its sender check and field-naming refusals.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireInstanceLock, lockAddress, lockPlace, type SecondInstance } from '../../src/main/instanceLock';
import { bindMenu, type ElectronMenuItem, menuTemplate, type MenuItemSpec } from '../../src/main/menu';
import { type Dialogs, registerShellIpc } from '../../src/main/shellIpc';
import { DEFAULT_SIZE, placeWindow, readWindowState, writeWindowState } from '../../src/main/windowState';
import { EXTERNAL_LINKS, externalLinkAllowed, permissionAllowed } from '../../src/main/webSecurity';
import { trustedSender } from '../../src/main/ipc';
import type { IpcReply } from '../../src/shared/labApi';
import { MENU_ACTIONS, SHELL_CHANNEL_CALL } from '../../src/shared/shell';

const dir = mkdtempSync(join(tmpdir(), 'w2s-desktop-shell-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every item of a template, depth first. */
function flatten(items: readonly MenuItemSpec[]): MenuItemSpec[] {
  return items.flatMap((i) => ('submenu' in i ? [i, ...flatten(i.submenu)] : [i]));
}
const labels = (items: readonly MenuItemSpec[]) => items.map((i) => ('label' in i && i.label !== undefined ? i.label : 'role' in i ? `<${i.role}>` : '---'));
const submenu = (items: readonly MenuItemSpec[], label: string) => {
  const item = items.find((i) => 'label' in i && i.label === label);
  if (item === undefined || !('submenu' in item)) throw new Error(`no menu ${label}`);
  return item.submenu;
};

describe('application menu template', () => {
  const linux = menuTemplate({ appName: 'W2S Lab', platform: 'linux', packaged: true });
  const mac = menuTemplate({ appName: 'W2S Lab', platform: 'darwin', packaged: true });

  it('has File, Edit, View and Help, and the File items the issue asks for in order', () => {
    expect(labels(linux)).toEqual(['File', 'Edit', 'View', 'Help']);
    expect(labels(submenu(linux, 'File'))).toEqual(['New experiment', 'Import bundle…', 'Export figure…', '---', 'Open history file…', '---', '<quit>']);
    expect(labels(submenu(linux, 'View'))).toEqual(['Light / dark theme', '---', '<resetZoom>', '<zoomIn>', '<zoomOut>', '---', '<togglefullscreen>']);
    expect(labels(submenu(linux, 'Help'))).toEqual(['Keyboard shortcuts', '---', 'About W2S Lab']);
  });

  it('on macOS puts the app menu first, with About, and File closes the window instead of quitting', () => {
    expect(labels(mac)).toEqual(['W2S Lab', 'File', 'Edit', 'View', 'Help']);
    expect(labels(submenu(mac, 'W2S Lab'))[0]).toBe('About W2S Lab');
    expect(labels(submenu(mac, 'File')).at(-1)).toBe('<close>');
    expect(labels(submenu(mac, 'Help'))).toEqual(['Keyboard shortcuts']);
  });

  it('reaches every renderer action once, and no accelerator is taken twice', () => {
    for (const template of [linux, mac]) {
      const items = flatten(template);
      const actions = items.flatMap((i) => ('action' in i ? [i.action] : []));
      for (const action of MENU_ACTIONS) expect(actions.filter((a) => a === action)).toHaveLength(1);
      const accelerators = items.flatMap((i) => ('accelerator' in i && i.accelerator !== undefined ? [i.accelerator] : []));
      expect(new Set(accelerators).size).toBe(accelerators.length);
    }
  });

  it('offers reload and developer tools only in a development build', () => {
    const roles = (t: MenuItemSpec[]) => flatten(t).flatMap((i) => ('role' in i && i.role !== undefined ? [i.role] : []));
    expect(roles(linux)).not.toContain('toggleDevTools');
    expect(roles(menuTemplate({ appName: 'W2S Lab', platform: 'linux', packaged: false }))).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']));
  });

  it('binds each action to a click and keeps roles and separators as they are', () => {
    const clicked: string[] = [];
    const bound = bindMenu(linux, (action) => clicked.push(action));
    const find = (items: ElectronMenuItem[], path: string[]): ElectronMenuItem | undefined => {
      const item = items.find((i) => i.label === path[0]);
      return path.length === 1 ? item : find(item?.submenu ?? [], path.slice(1));
    };
    find(bound, ['File', 'New experiment'])?.click?.();
    find(bound, ['View', 'Light / dark theme'])?.click?.();
    find(bound, ['File', 'Open history file…'])?.click?.();
    expect(clicked).toEqual(['new-experiment', 'toggle-theme', 'open-history']);
    expect(find(bound, ['File', 'New experiment'])?.accelerator).toBe('CmdOrCtrl+N');
    const edit = find(bound, ['Edit'])?.submenu ?? [];
    expect(edit.map((i) => i.role ?? i.type)).toEqual(['undo', 'redo', 'separator', 'cut', 'copy', 'paste', 'selectAll']);
    expect(edit.every((i) => i.click === undefined)).toBe(true);
  });
});

describe('remembered window', () => {
  const primary = { x: 0, y: 0, width: 1920, height: 1040 };
  const left = { x: -1280, y: 0, width: 1280, height: 1024 };

  it('reads back what it wrote, and gives null for a missing, corrupt or foreign file', () => {
    const file = join(dir, 'window-state.json');
    expect(readWindowState(file)).toBeNull();
    writeWindowState(file, { x: 10, y: 20, width: 900, height: 700, maximized: true });
    expect(readWindowState(file)).toEqual({ x: 10, y: 20, width: 900, height: 700, maximized: true });
    for (const text of ['{"x":10,"y":20,"width":900', '[]', '{"x":1.5,"y":0,"width":900,"height":700,"maximized":false}', '{"x":0,"y":0,"width":0,"height":700,"maximized":false}', '{"x":0,"y":0,"width":900,"height":700,"maximized":false,"extra":1}']) {
      writeFileSync(file, text);
      expect(readWindowState(file)).toBeNull();
    }
  });

  it('opens at the default size centred on the primary display when nothing is saved', () => {
    expect(placeWindow(null, [primary, left])).toEqual({ x: (1920 - DEFAULT_SIZE.width) / 2, y: (1040 - DEFAULT_SIZE.height) / 2, ...DEFAULT_SIZE, maximized: false });
  });

  it('keeps a saved window that is visible, on whichever display shows it', () => {
    const saved = { x: -1000, y: 100, width: 800, height: 600, maximized: false };
    expect(placeWindow(saved, [primary, left])).toEqual(saved);
  });

  it('brings back a window saved on a display that is gone, centred on the primary one', () => {
    const saved = { x: -1000, y: 100, width: 800, height: 600, maximized: true };
    expect(placeWindow(saved, [primary])).toEqual({ x: 320, y: 110, width: 1280, height: 820, maximized: true });
  });

  it('shrinks a window larger than its display and moves one hanging off the edge inside', () => {
    expect(placeWindow({ x: 100, y: 50, width: 4000, height: 3000, maximized: false }, [primary])).toEqual({ x: 0, y: 0, width: 1920, height: 1040, maximized: false });
    expect(placeWindow({ x: 1800, y: 900, width: 800, height: 600, maximized: false }, [primary])).toEqual({ x: 1120, y: 440, width: 800, height: 600, maximized: false });
    // 64 px of it showing is not enough to grab it by its title bar: treated as gone.
    expect(placeWindow({ x: 1880, y: 0, width: 800, height: 600, maximized: false }, [primary]).x).toBe(320);
  });
});

describe('one instance per history file', () => {
  /** A place as on Linux without $XDG_RUNTIME_DIR: the userData folder. */
  const userData = join(dir, 'userData');
  const place = () => lockPlace(userData, {}, 'linux', join(dir, 'temp'));

  it('names the lock after the real path of the history, so a symlink or a relative path finds the same instance', () => {
    const history = join(dir, 'a', 'lab.sqlite');
    mkdirSync(join(dir, 'a'));
    writeFileSync(history, '');
    symlinkSync(join(dir, 'a'), join(dir, 'link'));
    expect(lockAddress(join(dir, 'link', 'lab.sqlite'), place())).toBe(lockAddress(history, place()));
    expect(lockAddress(join(dir, 'b', 'lab.sqlite'), place())).not.toBe(lockAddress(history, place()));
  });

  it('keeps the socket in a folder only this user can write: $XDG_RUNTIME_DIR when private, else userData; never the shared temp folder', () => {
    const history = join(dir, 'lab.sqlite');
    const runtime = mkdtempSync(join(dir, 'run-')); // 0700, as a login manager makes it
    expect(dirname(lockAddress(history, lockPlace(userData, { XDG_RUNTIME_DIR: runtime }, 'linux')))).toBe(runtime);
    const shared = mkdtempSync(join(dir, 'shared-'));
    chmodSync(shared, 0o1777);
    expect(dirname(lockAddress(history, lockPlace(userData, { XDG_RUNTIME_DIR: shared }, 'linux')))).toBe(userData);
    expect(dirname(lockAddress(history, lockPlace(userData, { XDG_RUNTIME_DIR: 'relative/dir' }, 'linux')))).toBe(userData);
    expect(dirname(lockAddress(history, lockPlace(userData, { XDG_RUNTIME_DIR: runtime }, 'darwin')))).toBe(userData);
    for (const address of [lockAddress(history, place()), lockAddress(history, lockPlace(userData))]) {
      expect(address.startsWith(`${tmpdir()}/w2s-lab-`)).toBe(false);
      expect(statSync(dirname(address)).mode & 0o022).toBe(0);
    }
  });

  it('where a socket path in userData would be too long, uses a 0700 folder of this user in the temp folder, and refuses one anyone may write', () => {
    const deep = join(dir, 'x'.repeat(120), 'W2S Lab');
    const temp = join(dir, 'temp-long');
    mkdirSync(temp);
    const address = lockAddress(join(dir, 'lab.sqlite'), lockPlace(deep, {}, 'linux', temp));
    expect(dirname(address)).toBe(join(temp, `w2s-lab-${process.getuid?.()}`));
    expect(Buffer.byteLength(address)).toBeLessThanOrEqual(103);
    expect(statSync(dirname(address)).mode & 0o777).toBe(0o700);
    const planted = join(dir, 'temp-planted');
    mkdirSync(join(planted, `w2s-lab-${process.getuid?.()}`), { recursive: true });
    chmodSync(join(planted, `w2s-lab-${process.getuid?.()}`), 0o777);
    expect(() => lockPlace(deep, {}, 'linux', planted)).toThrow(/is not this user's alone/);
  });

  it('on Windows names the pipe with a secret of this user kept in userData: stable for a user, unguessable for another', () => {
    const history = 'C:\\Users\\ada\\.w2s-lab\\lab.sqlite';
    const windowsData = join(dir, 'win-userData');
    const first = lockAddress(history, lockPlace(windowsData, {}, 'win32'));
    expect(first).toMatch(/^\\\\\.\\pipe\\w2s-lab-[0-9a-f]{32}$/);
    expect(lockAddress(history, lockPlace(windowsData, {}, 'win32'))).toBe(first);
    expect(statSync(join(windowsData, 'instance-lock.key')).mode & 0o077).toBe(0);
    // Another user (another userData, another secret) cannot compute it from the history's path.
    expect(lockAddress(history, lockPlace(join(dir, 'win-other'), {}, 'win32'))).not.toBe(first);
  });

  it('another local user listening first at the old guessable /tmp name neither stops the app nor hears its arguments', async () => {
    const history = join(dir, 'victim.sqlite');
    // The name the lock had: a hash of the history's path in the shared temp folder.
    const guessed = join(tmpdir(), `w2s-lab-${createHash('sha256').update(history).digest('hex').slice(0, 24)}.sock`);
    const heard: string[] = [];
    const squatter = createServer((socket) => socket.on('data', (chunk) => heard.push(chunk.toString())));
    await new Promise<void>((done) => squatter.listen(guessed, done));
    try {
      const lock = await acquireInstanceLock(lockAddress(history, place()), () => undefined, { argv: ['w2s-lab', '--secret-arg'] });
      expect(lock).not.toBeNull();
      lock?.release();
      expect(heard).toEqual([]);
    } finally {
      await new Promise<void>((done) => squatter.close(() => done()));
    }
  });

  it('a second launch hands its arguments to the first and gets no lock; after release the next one does', async () => {
    const address = join(dir, 'lock-1.sock');
    let resolveSecond: (m: SecondInstance) => void = () => undefined;
    const second = new Promise<SecondInstance>((r) => (resolveSecond = r));
    const first = await acquireInstanceLock(address, resolveSecond);
    expect(first).not.toBeNull();
    expect(await acquireInstanceLock(address, () => undefined, { argv: ['w2s-lab', '--flag'] })).toBeNull();
    expect(await second).toEqual({ type: 'focus', argv: ['w2s-lab', '--flag'] });
    first?.release();
    const next = await acquireInstanceLock(address, () => undefined);
    expect(next).not.toBeNull();
    next?.release();
  });

  it('replaces the socket a crashed instance left behind', async () => {
    const address = join(dir, 'lock-2.sock');
    writeFileSync(address, 'left by a crash');
    const lock = await acquireInstanceLock(address, () => undefined);
    expect(lock).not.toBeNull();
    lock?.release();
  });
});

describe('links and permissions', () => {
  const docs = ['https://w2s-lab.example/docs/preview.html', 'https://w2s-lab.example/docs/spec.html#6'];

  it('opens in the system browser only the allow-listed https links, exactly', () => {
    for (const url of docs) expect(externalLinkAllowed(url, docs), url).toBe(true);
    expect(externalLinkAllowed('HTTPS://W2S-LAB.EXAMPLE/docs/preview.html', docs)).toBe(true); // the same URL, normalised
    for (const url of [
      'https://evil.example/',
      'https://w2s-lab.example/docs/other.html',
      'https://w2s-lab.example/docs/preview.html?x=1',
      'https://user:pass@w2s-lab.example/docs/preview.html',
      'http://w2s-lab.example/docs/preview.html',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(externalLinkAllowed(url, docs), url).toBe(false);
    }
    // The app shows no external link: by default nothing opens.
    expect(EXTERNAL_LINKS).toEqual([]);
    expect(externalLinkAllowed(docs[0])).toBe(false);
  });

  it('grants only the clipboard write, only to the app’s own frame', () => {
    const own = 'file:///opt/W2S%20Lab/resources/app.asar/out/renderer/index.html';
    const trusted = trustedSender('/opt/W2S Lab/resources/app.asar/out/renderer/index.html', undefined, 'linux');
    expect(permissionAllowed('clipboard-sanitized-write', `${own}#/builder`, trusted)).toBe(true);
    expect(permissionAllowed('clipboard-sanitized-write', 'https://evil.example/', trusted)).toBe(false);
    expect(permissionAllowed('clipboard-sanitized-write', undefined, trusted)).toBe(false);
    for (const permission of ['clipboard-read', 'media', 'notifications', 'openExternal', 'geolocation', 'fileSystem']) expect(permissionAllowed(permission, own, trusted), permission).toBe(false);
  });
});

describe('the shell’s IPC handler (dialogs)', () => {
  const RENDERER_URL = 'file:///opt/w2s/out/renderer/index.html';
  const handlers = new Map<string, (event: { senderFrame?: { url: string } | null }, ...args: unknown[]) => unknown>();
  const asked: string[] = [];
  let saveAnswer: { canceled: boolean; filePath?: string } = { canceled: true };
  let openAnswer: { canceled: boolean; filePaths: string[] } = { canceled: true, filePaths: [] };
  const dialogs: Dialogs = {
    showSaveDialog: async (options) => {
      asked.push(`save ${options.defaultPath} ${options.filters.map((f) => f.extensions.join(',')).join(' ')}`);
      return saveAnswer;
    },
    showOpenDialog: async (options) => {
      asked.push(`open ${options.filters[0].extensions.join(',')}`);
      return openAnswer;
    },
  };
  registerShellIpc({ handle: (channel, handler) => handlers.set(channel, handler), removeHandler: (channel) => handlers.delete(channel) }, { isTrustedSender: (url) => url === RENDERER_URL, dialogs, defaultFolder: '/home/me/Documents' });
  const call = (url: string, method: unknown, input: unknown) => handlers.get(SHELL_CHANNEL_CALL)?.({ senderFrame: { url } }, method, input) as Promise<IpcReply>;
  const svg = { fileName: 'w2s-3-trajectories.svg', mime: 'image/svg+xml', encoding: 'utf8' as const, data: '<svg xmlns="http://www.w3.org/2000/svg"/>' };
  const meta = { fileName: 'w2s-3-trajectories.meta.json', mime: 'application/json', encoding: 'utf8' as const, data: '{"a":1}' };
  const png = { fileName: 'w2s-3-trajectories.png', mime: 'image/png', encoding: 'base64' as const, data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]).toString('base64') };

  it('saves a figure where the save dialog says, and its sidecar beside it under the chosen name', async () => {
    saveAnswer = { canceled: false, filePath: join(dir, 'figure one.svg') };
    const reply = await call(RENDERER_URL, 'saveFiles', { purpose: 'figure', files: [svg, meta] });
    expect(reply).toEqual({ ok: true, value: { paths: [join(dir, 'figure one.svg'), join(dir, 'figure one.meta.json')] } });
    expect(asked.at(-1)).toBe('save /home/me/Documents/w2s-3-trajectories.svg svg *');
    expect(readFileSync(join(dir, 'figure one.svg'), 'utf8')).toBe(svg.data);
    expect(readFileSync(join(dir, 'figure one.meta.json'), 'utf8')).toBe(meta.data);
  });

  it('writes binary files byte for byte, and nothing when the dialog is cancelled', async () => {
    saveAnswer = { canceled: false, filePath: join(dir, 'plot.png') };
    await call(RENDERER_URL, 'saveFiles', { purpose: 'figure', files: [png] });
    expect([...readFileSync(join(dir, 'plot.png'))]).toEqual([0x89, 0x50, 0x4e, 0x47, 0, 255]);
    saveAnswer = { canceled: true };
    expect(await call(RENDERER_URL, 'saveFiles', { purpose: 'data', files: [png] })).toEqual({ ok: true, value: { paths: [] } });
  });

  it('reads the bundle the open dialog picks, and null when cancelled', async () => {
    const bundle = join(dir, 'x.w2s');
    writeFileSync(bundle, Buffer.from([1, 2, 3, 250]));
    openAnswer = { canceled: false, filePaths: [bundle] };
    expect(await call(RENDERER_URL, 'openBundle', {})).toEqual({ ok: true, value: { fileName: 'x.w2s', data: Buffer.from([1, 2, 3, 250]).toString('base64') } });
    expect(asked.at(-1)).toBe('open w2s');
    openAnswer = { canceled: true, filePaths: [] };
    expect(await call(RENDERER_URL, 'openBundle', {})).toEqual({ ok: true, value: null });
  });

  it('refuses other frames before any dialog opens, and bad input with the field named', async () => {
    const before = asked.length;
    expect(await call('https://evil.example/', 'saveFiles', { purpose: 'figure', files: [svg] })).toMatchObject({ ok: false, status: 403 });
    expect(await call(RENDERER_URL, 'deleteEverything', {})).toMatchObject({ ok: false, status: 404 });
    const cases: [unknown, string][] = [
      [{ purpose: 'figure', files: [{ ...svg, fileName: '../../.bashrc' }] }, 'files.0.fileName: must be a file name without a folder'],
      [{ purpose: 'figure', files: [{ ...svg, fileName: 'C:\\x.svg' }] }, 'files.0.fileName'],
      [{ purpose: 'secrets', files: [svg] }, 'purpose: must be one of figure, data'],
      [{ purpose: 'figure', files: [] }, 'files:'],
      [{ purpose: 'figure', files: [{ ...svg, encoding: 'hex' }] }, 'files.0.encoding'],
      [{ purpose: 'figure', files: [svg], path: '/etc/passwd' }, '(input)'],
    ];
    for (const [input, field] of cases) {
      const reply = await call(RENDERER_URL, 'saveFiles', input);
      expect(reply).toMatchObject({ ok: false, status: 400 });
      expect(reply.ok ? '' : reply.message).toContain(field);
    }
    expect(await call(RENDERER_URL, 'openBundle', { path: '/etc/passwd' })).toMatchObject({ ok: false, status: 400 });
    expect(asked.length).toBe(before);
  });
});
