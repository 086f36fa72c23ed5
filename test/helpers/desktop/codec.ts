/**
 * Electron's IPC carries values by structured clone (typed arrays included); the shim's page ↔ Node
 * bridge carries JSON. These two functions tag typed arrays as base64 so they arrive as the same
 * type with the same bytes. Self-contained (no imports, no outer names): the page gets them through
 * Function.prototype.toString.
 */
export function encodeClone(value: unknown): unknown {
  const types = ['Float64Array', 'Float32Array', 'Int32Array', 'Uint32Array', 'Uint8Array'];
  const walk = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v)) {
      const type = types.find((t) => v.constructor.name === t);
      if (type === undefined) throw new TypeError(`the shim cannot clone ${v.constructor.name}`);
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { __typedArray: type, base64: btoa(binary) };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value);
}

export function decodeClone(value: unknown): unknown {
  const constructors: Record<string, new (buffer: ArrayBuffer) => ArrayBufferView> = { Float64Array, Float32Array, Int32Array, Uint32Array, Uint8Array };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const tagged = v as { __typedArray?: string; base64?: string };
      if (typeof tagged.__typedArray === 'string' && typeof tagged.base64 === 'string') {
        const binary = atob(tagged.base64);
        const bytes = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
        return new constructors[tagged.__typedArray](bytes.buffer);
      }
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value);
}
