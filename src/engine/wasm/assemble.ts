/**
 * A small assembler from the WebAssembly text format's flat instruction syntax to a binary module,
 * so that the engine's WebAssembly kernels live in the repository as readable text and need no
 * build step or dependency. It knows the instructions the kernels use (core integer and float
 * arithmetic, memory, structured control flow, a few of the SIMD proposal's) and rejects any other.
 *
 * Encoding: WebAssembly Core Specification 2.0, chapter 5 (binary format); SIMD opcodes from the
 * fixed-width SIMD proposal (merged in 2.0). Integers are LEB128, f64 constants little-endian IEEE.
 */

export type ValueType = 'i32' | 'i64' | 'f64' | 'v128';

export const I32 = 'i32' as const;
export const F64 = 'f64' as const;
export const V128 = 'v128' as const;
/** Locals of one type, for a function's `locals`: ints('$i', '$j') → [['$i', 'i32'], ['$j', 'i32']]. */
export const ints = (...names: string[]) => names.map((n) => [n, I32] as const);
export const doubles = (...names: string[]) => names.map((n) => [n, F64] as const);
export const vectors = (...names: string[]) => names.map((n) => [n, V128] as const);

/** What the engine needs of the WebAssembly API (ECMAScript hosts: Node, browsers, Electron). */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** A kernel's memory, as its instance exports it. */
export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** One function: named parameters and locals, referred to as `$name` in the body. */
export interface WasmFunction {
  readonly name: string;
  readonly params: readonly (readonly [string, ValueType])[];
  readonly results: readonly ValueType[];
  readonly locals: readonly (readonly [string, ValueType])[];
  /** Flat WAT instructions, `;;` comments allowed; blocks are `block $l` … `end`. */
  readonly body: string;
}

/** A function the host provides, `call $name` in bodies (e.g. Math.exp as `math.exp`). */
export interface WasmImport {
  readonly module: string;
  readonly name: string;
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
}

export interface WasmModuleText {
  readonly imports?: readonly WasmImport[];
  /** Initial pages (64 KiB each) of the module's own memory, exported as `memory`. */
  readonly memoryPages: number;
  /** Every function is exported under its name. */
  readonly functions: readonly WasmFunction[];
}

const TYPE_CODE: Record<ValueType, number> = { i32: 0x7f, i64: 0x7e, f64: 0x7c, v128: 0x7b };

/** Instructions without immediates. */
const PLAIN: Record<string, number> = {
  unreachable: 0x00, nop: 0x01, else: 0x05, end: 0x0b, return: 0x0f, drop: 0x1a, select: 0x1b,
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49, 'i32.gt_s': 0x4a,
  'i32.gt_u': 0x4b, 'i32.le_s': 0x4c, 'i32.le_u': 0x4d, 'i32.ge_s': 0x4e, 'i32.ge_u': 0x4f,
  'f64.eq': 0x61, 'f64.ne': 0x62, 'f64.lt': 0x63, 'f64.gt': 0x64, 'f64.le': 0x65, 'f64.ge': 0x66,
  'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c, 'i32.and': 0x71, 'i32.or': 0x72, 'i32.xor': 0x73,
  'i32.shl': 0x74, 'i32.shr_s': 0x75, 'i32.shr_u': 0x76, 'i32.rotl': 0x77, 'i32.rotr': 0x78,
  'f64.abs': 0x99, 'f64.neg': 0x9a, 'f64.ceil': 0x9b, 'f64.floor': 0x9c, 'f64.sqrt': 0x9f, 'f64.add': 0xa0, 'f64.sub': 0xa1,
  'f64.mul': 0xa2, 'f64.div': 0xa3, 'f64.min': 0xa4, 'f64.max': 0xa5, 'f64.copysign': 0xa6,
  'f64.convert_i32_s': 0xb7, 'f64.convert_i32_u': 0xb8,
};

/** Saturating truncation (0xFC prefix): NaN → 0 and clamping, as JavaScript's ToInt32 is on [−2^31, 2^31). */
const SATURATING: Record<string, number> = { 'i32.trunc_sat_f64_s': 2 };

/** Memory instructions: opcode and natural alignment (log2 bytes). */
const MEMORY: Record<string, [number, number]> = {
  'i32.load': [0x28, 2], 'f64.load': [0x2b, 3], 'i32.store': [0x36, 2], 'f64.store': [0x39, 3],
};

/** SIMD instructions (0xFD prefix) without immediates, and those with a lane index or memarg. */
const SIMD_PLAIN: Record<string, number> = {
  'i32x4.splat': 17, 'f64x2.splat': 20, 'i32x4.lt_s': 57, 'i32x4.abs': 160, 'i32x4.all_true': 163, 'i32x4.shr_s': 172, 'i64x2.shl': 203,
  'f64x2.eq': 71, 'f64x2.lt': 73, 'f64x2.gt': 74, 'f64x2.le': 75, 'f64x2.ge': 76, 'v128.not': 77, 'v128.and': 78, 'v128.andnot': 79, 'v128.or': 80, 'v128.xor': 81,
  'v128.bitselect': 82, 'v128.any_true': 83, 'f64x2.floor': 117, 'f64x2.abs': 236, 'f64x2.neg': 237, 'f64x2.sqrt': 239, 'f64x2.add': 240, 'f64x2.sub': 241,
  'f64x2.mul': 242, 'f64x2.div': 243, 'f64x2.min': 244, 'f64x2.max': 245, 'f64x2.pmin': 246, 'f64x2.pmax': 247,
  'i32x4.trunc_sat_f64x2_s_zero': 252, 'f64x2.convert_low_i32x4_s': 254,
};
const SIMD_LANE: Record<string, number> = {
  'i32x4.extract_lane': 27, 'i32x4.replace_lane': 28, 'f64x2.extract_lane': 33, 'f64x2.replace_lane': 34,
};
const SIMD_MEMORY: Record<string, [number, number]> = { 'v128.load': [0, 4], 'v128.store': [11, 4] };

function unsignedLeb(n: number, out: number[]): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a u32: ${n}`);
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

function signedLeb32(n: number, out: number[]): void {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) throw new RangeError(`not an i32: ${n}`);
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function f64Bytes(x: number, out: number[]): void {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x, true);
  for (let i = 0; i < 8; i++) out.push(view.getUint8(i));
}

function nameBytes(name: string, out: number[]): void {
  const bytes = Array.from(name, (c) => {
    const code = c.charCodeAt(0);
    if (code > 0x7e) throw new RangeError(`names are ASCII: ${name}`);
    return code;
  });
  unsignedLeb(bytes.length, out);
  out.push(...bytes);
}

function section(id: number, content: number[], out: number[]): void {
  out.push(id);
  unsignedLeb(content.length, out);
  out.push(...content);
}

/** Parse `offset=N` / `align=N` after a memory instruction. */
function memarg(tokens: string[], at: number, naturalAlign: number, out: number[]): number {
  let offset = 0;
  let align = naturalAlign;
  let i = at;
  for (; i < tokens.length; i++) {
    const m = /^(offset|align)=(\d+)$/.exec(tokens[i]);
    if (m === null) break;
    if (m[1] === 'offset') offset = Number(m[2]);
    else align = Math.log2(Number(m[2]));
  }
  unsignedLeb(align, out);
  unsignedLeb(offset, out);
  return i;
}

/** Assemble one function body into code-section bytes (locals declaration included). */
function assembleBody(fn: WasmFunction, functionIndex: Map<string, number>): number[] {
  const localIndex = new Map<string, number>();
  for (const [name] of [...fn.params, ...fn.locals]) {
    if (localIndex.has(name)) throw new Error(`${fn.name}: local $${name} declared twice`);
    localIndex.set(name, localIndex.size);
  }
  const code: number[] = [];
  unsignedLeb(fn.locals.length, code);
  for (const [, type] of fn.locals) {
    code.push(1, TYPE_CODE[type]);
  }
  const tokens = fn.body.replace(/;;[^\n]*/g, ' ').split(/\s+/).filter((t) => t.length > 0);
  const labels: (string | null)[] = [];
  const local = (token: string | undefined): number => {
    const index = token?.startsWith('$') ? localIndex.get(token.slice(1)) : undefined;
    if (index === undefined) throw new Error(`${fn.name}: unknown local ${token}`);
    return index;
  };
  for (let i = 0; i < tokens.length; ) {
    const op = tokens[i++];
    if (op in PLAIN) {
      code.push(PLAIN[op]);
      if (op === 'end') {
        if (labels.length === 0) throw new Error(`${fn.name}: 'end' without a block`);
        labels.pop();
      }
    } else if (op === 'block' || op === 'loop' || op === 'if') {
      code.push(op === 'block' ? 0x02 : op === 'loop' ? 0x03 : 0x04, 0x40);
      labels.push(tokens[i]?.startsWith('$') ? tokens[i++] : null);
    } else if (op === 'br' || op === 'br_if') {
      const depth = labels.length - 1 - labels.lastIndexOf(tokens[i++]);
      if (depth >= labels.length) throw new Error(`${fn.name}: unknown label ${tokens[i - 1]}`);
      code.push(op === 'br' ? 0x0c : 0x0d);
      unsignedLeb(depth, code);
    } else if (op === 'local.get' || op === 'local.set' || op === 'local.tee') {
      code.push(op === 'local.get' ? 0x20 : op === 'local.set' ? 0x21 : 0x22);
      unsignedLeb(local(tokens[i++]), code);
    } else if (op === 'call') {
      const index = functionIndex.get(tokens[i++].slice(1));
      if (index === undefined) throw new Error(`${fn.name}: unknown function ${tokens[i - 1]}`);
      code.push(0x10);
      unsignedLeb(index, code);
    } else if (op === 'i32.const') {
      code.push(0x41);
      signedLeb32(Number(tokens[i++]), code);
    } else if (op === 'f64.const') {
      code.push(0x44);
      const x = Number(tokens[i++]);
      if (Number.isNaN(x)) throw new Error(`${fn.name}: bad f64 constant ${tokens[i - 1]}`);
      f64Bytes(x, code);
    } else if (op in MEMORY) {
      code.push(MEMORY[op][0]);
      i = memarg(tokens, i, MEMORY[op][1], code);
    } else if (op in SATURATING) {
      code.push(0xfc);
      unsignedLeb(SATURATING[op], code);
    } else if (op === 'i8x16.shuffle') {
      // Sixteen lane indices into the two operands' 32 bytes.
      code.push(0xfd);
      unsignedLeb(13, code);
      for (let l = 0; l < 16; l++) {
        const lane = Number(tokens[i++]);
        if (!(Number.isInteger(lane) && lane >= 0 && lane < 32)) throw new Error(`${fn.name}: bad shuffle lane ${tokens[i - 1]}`);
        code.push(lane);
      }
    } else if (op in SIMD_PLAIN || op in SIMD_LANE || op in SIMD_MEMORY) {
      code.push(0xfd);
      if (op in SIMD_PLAIN) {
        unsignedLeb(SIMD_PLAIN[op], code);
      } else if (op in SIMD_LANE) {
        unsignedLeb(SIMD_LANE[op], code);
        code.push(Number(tokens[i++]));
      } else {
        unsignedLeb(SIMD_MEMORY[op][0], code);
        i = memarg(tokens, i, SIMD_MEMORY[op][1], code);
      }
    } else {
      throw new Error(`${fn.name}: unknown instruction '${op}'`);
    }
  }
  if (labels.length !== 0) throw new Error(`${fn.name}: ${labels.length} block(s) not closed`);
  code.push(0x0b);
  const out: number[] = [];
  unsignedLeb(code.length, out);
  out.push(...code);
  return out;
}

/** The binary module for `text`: its own exported memory, every function exported. */
export function assembleModule(text: WasmModuleText): Uint8Array {
  const imports = text.imports ?? [];
  // Function indices: imports first, then the module's own functions.
  const functionIndex = new Map<string, number>();
  imports.forEach((f, i) => functionIndex.set(f.name, i));
  text.functions.forEach((f, i) => functionIndex.set(f.name, imports.length + i));
  const signatures = [
    ...imports.map((f) => ({ params: f.params, results: f.results })),
    ...text.functions.map((f) => ({ params: f.params.map(([, t]) => t), results: f.results })),
  ];
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  // One type per function, in function-index order.
  const types: number[] = [];
  unsignedLeb(signatures.length, types);
  for (const { params, results } of signatures) {
    types.push(0x60);
    unsignedLeb(params.length, types);
    for (const t of params) types.push(TYPE_CODE[t]);
    unsignedLeb(results.length, types);
    for (const t of results) types.push(TYPE_CODE[t]);
  }
  section(1, types, out);
  if (imports.length > 0) {
    const entries: number[] = [];
    unsignedLeb(imports.length, entries);
    imports.forEach((f, i) => {
      nameBytes(f.module, entries);
      nameBytes(f.name, entries);
      entries.push(0x00);
      unsignedLeb(i, entries);
    });
    section(2, entries, out);
  }
  const funcs: number[] = [];
  unsignedLeb(text.functions.length, funcs);
  text.functions.forEach((_, i) => unsignedLeb(imports.length + i, funcs));
  section(3, funcs, out);
  const memory: number[] = [1, 0x00];
  unsignedLeb(text.memoryPages, memory);
  section(5, memory, out);
  const exports: number[] = [];
  unsignedLeb(text.functions.length + 1, exports);
  nameBytes('memory', exports);
  exports.push(0x02, 0);
  text.functions.forEach((f, i) => {
    nameBytes(f.name, exports);
    exports.push(0x00);
    unsignedLeb(imports.length + i, exports);
  });
  section(7, exports, out);
  const code: number[] = [];
  unsignedLeb(text.functions.length, code);
  for (const f of text.functions) code.push(...assembleBody(f, functionIndex));
  section(10, code, out);
  return Uint8Array.from(out);
}
