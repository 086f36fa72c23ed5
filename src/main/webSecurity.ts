/**
 * What the window may reach beyond the app (Electron's security checklist, items 5, 13 and 14):
 * which links open in the system browser, and which permissions its pages get. No Electron
 * import, so these rules are tested as they are; src/main/index.ts wires them to every webContents
 * and to the session.
 */

/**
 * Links the app may hand to the system browser: the documentation's own, exact URLs. The UI shows
 * no external link today, so none is allowed; a link the UI gains is added here. Anything else a
 * page asks to open (a link in a note, an injected `window.open`) is refused.
 */
export const EXTERNAL_LINKS: readonly string[] = [];

/** True for an https URL that is exactly one of `allowed` (compared after URL normalisation). */
export function externalLinkAllowed(url: string, allowed: readonly string[] = EXTERNAL_LINKS): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username !== '' || parsed.password !== '') return false;
  return allowed.some((link) => new URL(link).href === parsed.href);
}

/**
 * The only permission the app's pages get: writing the clipboard (the builder's Copy JSON), and
 * only in the app's own frame; camera, notifications, external protocols and the rest are refused.
 */
export function permissionAllowed(permission: string, requestingUrl: string | undefined, isTrustedSender: (url: string) => boolean): boolean {
  return permission === 'clipboard-sanitized-write' && requestingUrl !== undefined && isTrustedSender(requestingUrl);
}
