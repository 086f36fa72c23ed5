/**
 * What went wrong, as text, from whatever was thrown: an Error's message, a thrown string as it is,
 * and anything else as its JSON or its String() (never an exception of its own). One copy for
 * every layer that reports a caught error.
 */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string') return e.message;
  try {
    const json = JSON.stringify(e);
    if (json !== undefined) return json;
  } catch {
    // A cycle or a BigInt: String() below.
  }
  return String(e);
}
