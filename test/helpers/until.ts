/** Wait, polling every `pollMs`, until `condition` holds; past `ms`, fail naming `what`. */
export async function until(condition: () => boolean, what: string, ms = 60_000, pollMs = 20): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
