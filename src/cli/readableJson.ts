/**
 * The summary file written as it is made: the text of stringifyReadable (args.ts: JSON indented by
 * one space, lists of numbers on one line) in pieces, never as one string. A summary's mean
 * trajectories hold a number per recorded step and metric: at 3 × 10⁶ steps their text is past the
 * longest string V8 makes.
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';

/** Bytes gathered before each write. */
const PIECE = 1 << 20;
/** Numbers of a list turned into text at once. */
const LIST_SLICE = 1 << 14;

/** JSON.stringify's rendering of a value that is not an object or an array (undefined for what it leaves out). */
function scalar(value: unknown): string | undefined {
  return JSON.stringify(value);
}

/** A list stringifyReadable puts on one line: every element a number or null (JSON's null for NaN and holes). */
function isNumberList(values: readonly unknown[]): boolean {
  return values.length > 0 && values.every((v) => typeof v === 'number' || v === null || v === undefined);
}

function* pieces(value: unknown, indent: string): Generator<string> {
  const json = value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
  if (json === null || typeof json !== 'object') {
    yield scalar(json) ?? 'null';
    return;
  }
  const inner = `${indent} `;
  if (Array.isArray(json)) {
    if (json.length === 0) {
      yield '[]';
      return;
    }
    if (isNumberList(json)) {
      // A number as JSON writes it: the shortest round-trip form, null for NaN, ±Infinity and holes.
      const text = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? String(x) : 'null');
      yield '[';
      for (let i = 0; i < json.length; i += LIST_SLICE) yield `${i === 0 ? '' : ','}${(json.slice(i, i + LIST_SLICE) as unknown[]).map(text).join(',')}`;
      yield ']';
      return;
    }
    yield '[';
    for (let i = 0; i < json.length; i++) {
      yield `${i === 0 ? '' : ','}\n${inner}`;
      const element = json[i] as unknown;
      if (element === undefined || typeof element === 'function' || typeof element === 'symbol') yield 'null';
      else yield* pieces(element, inner);
    }
    yield `\n${indent}]`;
    return;
  }
  const entries = Object.entries(json).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  yield '{';
  for (let i = 0; i < entries.length; i++) {
    yield `${i === 0 ? '' : ','}\n${inner}${JSON.stringify(entries[i][0])}: `;
    yield* pieces(entries[i][1], inner);
  }
  yield `\n${indent}}`;
}

/** `value` as stringifyReadable writes it, and a newline, in pieces (for tests and for writing). */
export function* readableJsonPieces(value: unknown): Generator<string> {
  yield* pieces(value, '');
  yield '\n';
}

/** Write `value` to `file` as stringifyReadable would, through a temporary file renamed at the end. */
export function writeReadableJson(file: string, value: unknown): void {
  const temporary = `${file}.partial-${process.pid}`;
  const fd = openSync(temporary, 'w');
  try {
    let buffer = '';
    for (const piece of readableJsonPieces(value)) {
      buffer += piece;
      if (buffer.length >= PIECE) {
        writeSync(fd, buffer);
        buffer = '';
      }
    }
    writeSync(fd, buffer);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
}
