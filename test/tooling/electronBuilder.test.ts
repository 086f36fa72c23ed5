/**
 * The desktop packages' fuses (electron-builder.yml), read by electron-builder's own loader and
 * checked against its own schema, as `npm run dist` would (packaging cannot run here: no Electron
 * binary can be downloaded). The flags follow Electron's security checklist: no ELECTRON_RUN_AS_NODE,
 * no NODE_OPTIONS, no --inspect, the app only from its app.asar, whose integrity is checked.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// electron-builder's config reader (app-builder-lib, the version pinned with electron-builder in the lockfile).
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';

const ROOT = join(__dirname, '..', '..');

describe('electron-builder.yml', () => {
  it('is a valid electron-builder configuration', async () => {
    const config = await getConfig(ROOT, join(ROOT, 'electron-builder.yml'), null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('flips the fuses: RunAsNode and NODE_OPTIONS off, asar integrity on, the app only from app.asar', async () => {
    const config = await getConfig(ROOT, join(ROOT, 'electron-builder.yml'), null);
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      // The renderer's module scripts load from file:// (src/main/index.ts, loadFile).
      grantFileProtocolExtraPrivileges: true,
    });
    // Asar integrity needs the app packed in an asar archive with its integrity recorded.
    expect(config.asar ?? true).not.toBe(false);
    expect(config.disableAsarIntegrity ?? false).toBe(false);
  });

  it('a misspelt fuse is refused by the schema (so the test above reads what electron-builder reads)', async () => {
    const config = await getConfig(ROOT, join(ROOT, 'electron-builder.yml'), null);
    await expect(validateConfiguration({ ...config, electronFuses: { runAsNod: false } } as never, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
  });
});
