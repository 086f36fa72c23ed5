/** errorMessage (shared/errorMessage.ts): the text of whatever was thrown, never a throw of its own. */
import { describe, expect, it } from 'vitest';
import { errorMessage } from '../../src/shared/errorMessage';

describe('errorMessage', () => {
  it('an Error (and a subclass) gives its message; a string itself; an object with a message that message', () => {
    expect(errorMessage(new Error('disk full'))).toBe('disk full');
    expect(errorMessage(new RangeError('no experiment 7'))).toBe('no experiment 7');
    expect(errorMessage('plain text')).toBe('plain text');
    expect(errorMessage({ message: 'from a worker', code: 3 })).toBe('from a worker');
  });

  it('anything else as JSON, or String() where JSON has no text for it (undefined, a cycle, a BigInt)', () => {
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(null)).toBe('null');
    expect(errorMessage({ code: 'E1' })).toBe('{"code":"E1"}');
    expect(errorMessage(undefined)).toBe('undefined');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(errorMessage(cycle)).toBe('[object Object]');
    expect(errorMessage(10n)).toBe('10');
  });
});
