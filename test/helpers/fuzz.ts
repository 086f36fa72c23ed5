/**
 * Malformed LabApi calls from a seeded generator, each with the status the contract gives it: a
 * call to a real method whose input has exactly one known defect (a wrong type, a number or string
 * out of range, a missing or unknown field, a non-object), or an unknown method, or a well-formed
 * call about an experiment that does not exist. None of them may change the history.
 */
import { Rng } from '../../src/engine/rng';

export interface FuzzCall {
  readonly kind: string;
  readonly method: string;
  readonly input: unknown;
  /** 400 for bad input, 404 for an unknown method or experiment. */
  readonly expected: 400 | 404;
  /** The field a bad-field or missing-field call is about (its 400's message names it). */
  readonly field?: string;
}

type Field = 'id' | 'enum' | 'name' | 'label' | 'notes' | 'tags' | 'ids' | 'settings' | 'spec' | 'theory' | 'runs' | 'search';

interface MethodShape {
  /** A valid input (about experiment `id`). */
  readonly base: (id: number) => Record<string, unknown>;
  /** Its fields and what kind of value each takes. */
  readonly fields: Record<string, Field>;
  /** Whether a well-formed call about a missing experiment is a 404. */
  readonly byId: boolean;
}

const VALID_SPEC = { seed: 3, teachers: { count: 2 }, sft: { steps: 10, batchSize: 50, learningRates: [0.1] } };
const VALID_SEARCH = { axis: 'teachers.kappa', from: 0, to: 0.5, target: 'fractionImproved', level: 0.5 };

export const SHAPES: Record<string, MethodShape> = {
  listExperiments: { base: () => ({}), fields: {}, byId: false },
  getExperiment: { base: (id) => ({ id }), fields: { id: 'id' }, byId: true },
  getSeries: { base: (id) => ({ id, runs: 'selected' }), fields: { id: 'id', runs: 'runs' }, byId: true },
  checkSpec: { base: () => ({ spec: VALID_SPEC }), fields: {}, byId: false },
  submit: { base: () => ({ spec: VALID_SPEC, name: 'fuzz' }), fields: { spec: 'spec', name: 'name' }, byId: false },
  startSearch: { base: () => ({ spec: VALID_SPEC, search: VALID_SEARCH, name: 'fuzz', tags: ['fuzz'] }), fields: { spec: 'spec', search: 'search', name: 'name', tags: 'tags' }, byId: false },
  cancel: { base: (id) => ({ id }), fields: { id: 'id' }, byId: true },
  resume: { base: (id) => ({ id }), fields: { id: 'id' }, byId: true },
  rename: { base: (id) => ({ id, name: 'renamed by fuzz' }), fields: { id: 'id', name: 'label' }, byId: true },
  setNotes: { base: (id) => ({ id, notes: 'fuzz' }), fields: { id: 'id', notes: 'notes' }, byId: true },
  setTags: { base: (id) => ({ id, tags: ['fuzz'] }), fields: { id: 'id', tags: 'tags' }, byId: true },
  deleteExperiment: { base: (id) => ({ id }), fields: { id: 'id' }, byId: true },
  duplicateSpec: { base: (id) => ({ id }), fields: { id: 'id' }, byId: true },
  exportFigure: { base: (id) => ({ ids: [id], kind: 'gains', format: 'svg', settings: { fontSize: 8 } }), fields: { ids: 'ids', kind: 'enum', format: 'enum', settings: 'settings' }, byId: true },
  theory: {
    base: () => ({ studentCos: 0.8, studentNorm: 1, teacherCos: 0.6, kappa: 0.1, beta: 1 }),
    fields: { studentCos: 'theory', studentNorm: 'theory', teacherCos: 'theory', kappa: 'theory', beta: 'theory' },
    byId: false,
  },
};

/** Values that are never a positive safe integer (nor anything but a wrong type where a string is wanted). */
const NOT_IDS: unknown[] = ['1', '', true, null, [], {}, [1], 1.5, 0, -3, -0.5, 2 ** 53, 1e308, -1e308, 'NaN', '0x10', { id: 1 }];
const NOT_STRINGS: unknown[] = [0, 1.5, -1e308, true, false, null, [], ['a'], {}, { s: 'a' }];

export class FuzzGenerator {
  private readonly rng: Rng;

  constructor(
    seed: number,
    private readonly existingId: number,
    private readonly missingId: number,
  ) {
    this.rng = new Rng([seed, 0x9e3779b9, 0x243f6a88, 0x85a308d3]);
  }

  below(n: number): number {
    return this.rng.below(n);
  }

  pick<T>(values: readonly T[]): T {
    return values[this.rng.below(values.length)];
  }

  /**
   * A string of `length` code points (what the contract's length limits count) drawn from ASCII,
   * Latin, CJK, emoji, control characters and a lone surrogate.
   */
  text(length: number): string {
    const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '/', '<', '{', '\n', '\t', '\u0000', 'é', 'ß', '漢', '😀', '\u202e', '\uffff', '\ud800'];
    const parts: string[] = [];
    for (let i = 0; i < length; i++) parts.push(this.pick(alphabet));
    return parts.join('');
  }

  /** A value of the wrong type or range for a field of kind `field`. */
  private badValue(field: Field): unknown {
    switch (field) {
      case 'id':
        return this.pick(NOT_IDS);
      case 'enum':
      case 'runs':
        return this.pick<unknown>(['', 'ALL', 'gain', 'svgz', this.text(1 + this.below(40)), 3, null, true, ['selected'], {}]);
      case 'name': // optional, at most 200 characters: '' is a valid name
        return this.pick<unknown>([...NOT_STRINGS, this.text(201 + this.below(2000))]);
      case 'label': // 1 to 200 characters
        return this.pick<unknown>([...NOT_STRINGS, '', this.text(201 + this.below(2000))]);
      case 'notes':
        return this.pick<unknown>([...NOT_STRINGS, this.text(100_001 + this.below(1000))]);
      case 'tags':
        return this.pick<unknown>([
          'a,b',
          null,
          {},
          [''],
          [1, 2],
          [null],
          [this.text(65 + this.below(100))],
          Array.from({ length: 65 + this.below(50) }, (_, i) => `t${i}`),
          [['nested']],
        ]);
      case 'ids':
        return this.pick<unknown>([[], Array.from({ length: 9 + this.below(20) }, () => this.existingId), [0], ['1'], [1.5], this.existingId, null, [null], [-1]]);
      case 'settings':
        return this.pick<unknown>([
          { fontSize: 100 },
          { fontSize: 'big' },
          { fontSize: Number.MAX_VALUE },
          { dpi: 72 },
          { widthIn: -1 },
          { widthIn: 1e308 },
          { palette: 'rainbow' },
          { [`k${this.below(1000)}`]: 1 },
          'x',
          [],
          null,
        ]);
      case 'spec':
        // Never a valid spec: not an object, or an object with one refused field.
        return this.pick<unknown>([0, 'spec', null, true, [], [VALID_SPEC], { teachers: { count: 0 } }, { data: { d: 1 } }, { sft: { steps: -5 } }, { seed: -1 }, { unknownKey: 1 }, { beta: 'one' }]);
      case 'search': // not an object, or one field wrong, missing or unknown
        return this.pick<unknown>([
          0,
          'teachers.kappa',
          null,
          [],
          [VALID_SEARCH],
          { ...VALID_SEARCH, axis: 'teachers.count' },
          { ...VALID_SEARCH, axis: 'nope' },
          { ...VALID_SEARCH, from: 0.5, to: 0 },
          { ...VALID_SEARCH, to: null },
          { ...VALID_SEARCH, from: '0' },
          { ...VALID_SEARCH, target: 'gain' },
          { ...VALID_SEARCH, level: 1 },
          { ...VALID_SEARCH, level: 0 },
          { ...VALID_SEARCH, tolerance: 0 },
          { ...VALID_SEARCH, tolerance: 2 },
          { ...VALID_SEARCH, maxReplicates: 0 },
          { ...VALID_SEARCH, maxReplicates: 1.5 },
          { ...VALID_SEARCH, axis: 'data.d', from: 10.5, to: 100 },
          { ...VALID_SEARCH, extra: 1 },
          { axis: 'teachers.kappa', from: 0, to: 0.5, level: 0.5 },
        ]);
      case 'theory': // below every field's range, or not a number
        return this.pick<unknown>([-2, -1e308, '0.5', null, [], {}, true]);
    }
  }

  /** One malformed call. */
  next(): FuzzCall {
    const methods = Object.keys(SHAPES);
    const method = this.pick(methods);
    const shape = SHAPES[method];
    const base = shape.base(this.existingId);
    const fieldNames = Object.keys(shape.fields);
    const kinds = ['extra-key', 'not-an-object', 'unknown-method', ...(fieldNames.length > 0 ? ['bad-field', 'bad-field', 'bad-field', 'missing-field'] : []), ...(shape.byId ? ['missing-experiment'] : [])];
    const kind = this.pick(kinds);
    switch (kind) {
      case 'extra-key':
        return { kind, method, input: { ...base, [this.pick(['extra', 'ID', 'Id', 'token', 'constructor', `k${this.below(1e6)}`, this.text(1 + this.below(30))])]: this.pick<unknown>([1, 'x', null, {}]) }, expected: 400 };
      case 'not-an-object':
        return { kind, method, input: this.pick<unknown>([null, 0, 1, -1, 'text', '', true, false, [], [base], [1, 2, 3]]), expected: 400 };
      case 'unknown-method': {
        const name = this.pick([
          'listexperiments',
          'ListExperiments',
          'getExperiments',
          'toString',
          'constructor',
          '__proto__',
          'hasOwnProperty',
          'valueOf',
          '',
          `${method}X`,
          this.text(1 + this.below(100)),
          'a'.repeat(1000 + this.below(3000)),
        ]);
        return { kind, method: name, input: base, expected: 404 };
      }
      case 'bad-field': {
        const field = this.pick(fieldNames);
        return { kind: `${kind}:${field}`, method, input: { ...base, [field]: this.badValue(shape.fields[field]) }, expected: 400, field };
      }
      case 'missing-field': {
        const field = this.pick(fieldNames.filter((f) => !((method === 'submit' || method === 'startSearch') && f === 'name') && !(method === 'startSearch' && f === 'tags') && !(method === 'getSeries' && f === 'runs') && !(method === 'exportFigure' && f === 'settings')));
        if (field === undefined) return this.next();
        const input = { ...base };
        delete input[field];
        // submit without its spec: the spec is `unknown`, so undefined is read as a spec and refused as one.
        return { kind: `${kind}:${field}`, method, input, expected: 400, field };
      }
      default: {
        const input = method === 'exportFigure' ? { ...base, ids: [this.missingId] } : { ...base, id: this.missingId };
        return { kind, method, input, expected: 404 };
      }
    }
  }
}
