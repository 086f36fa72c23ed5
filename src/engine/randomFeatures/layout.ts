/**
 * Where the random-features setup keeps its numbers: one linear memory per experiment context (the
 * WebAssembly module's, or an ArrayBuffer for the TypeScript kernels), laid out once from the
 * configuration, so the configuration's check can refuse what would not fit before anything is
 * allocated (docs/random-features.md §5).
 *
 * Padding (the kernels' blocks, kernels.ts): rows of inputs are d rounded up to even, features M
 * rounded up to a multiple of 8, row counts rounded up to even; padded entries are zero and stay
 * zero, so they change no sum.
 */

/**
 * The fields of a configuration its layout is made of (config.ts's RandomFeaturesConfig has them):
 * written here, not imported, since the configuration's check calls workspaceBytes.
 */
export interface LayoutConfig {
  readonly data: { readonly d: number; readonly pool: number | null };
  readonly features: { readonly student: number; readonly teacher: number; readonly train: 'head' | 'both' };
  readonly evaluation: { readonly testPoints: number };
  readonly sft: { readonly earlyStopping: string; readonly validationSize: number; readonly batchSize: number };
  readonly pretrain: { readonly studentPoints: number; readonly teacherPoints: number };
}

/** The most memory one context may lay out. */
export const WORKSPACE_LIMIT_BYTES = 2 ** 30;
/** Heads evaluated together in one pass over the test features (a multiple of 8). */
export const EVAL_HEADS = 32;
/** Rows whose features are computed at a time when they are not stored (teacher labels, two-layer evaluation). */
export const CHUNK_ROWS = 512;
/** Bytes at the start of the memory that no region uses: offset 0 means "none" to the kernels. */
const RESERVED = 16;

export const evenUp = (n: number) => n + (n & 1);
export const padFeatures = (m: number) => Math.ceil(m / 8) * 8;

/** The padded sizes of a configuration. */
export interface Dimensions {
  readonly d: number;
  /** d rounded up to even. */
  readonly dp: number;
  readonly studentFeatures: number;
  readonly teacherFeatures: number;
  /** M_s and M_t rounded up to a multiple of 8. */
  readonly mpStudent: number;
  readonly mpTeacher: number;
  readonly test: number;
  readonly validation: number;
  readonly pool: number;
  readonly batch: number;
  readonly pretrain: number;
  readonly teacherPretrain: number;
  readonly headOnly: boolean;
}

export function dimensionsOf(c: LayoutConfig): Dimensions {
  return {
    d: c.data.d,
    dp: evenUp(c.data.d),
    studentFeatures: c.features.student,
    teacherFeatures: c.features.teacher,
    mpStudent: padFeatures(c.features.student),
    mpTeacher: padFeatures(c.features.teacher),
    test: c.evaluation.testPoints,
    validation: c.sft.earlyStopping === 'validation' ? c.sft.validationSize : 0,
    pool: c.data.pool ?? 0,
    batch: c.sft.batchSize,
    pretrain: c.pretrain.studentPoints,
    teacherPretrain: c.pretrain.teacherPoints,
    headOnly: c.features.train === 'head',
  };
}

/** A region of the memory: its byte offset and its length in elements. */
export interface Region {
  readonly offset: number;
  readonly length: number;
}

class Planner {
  private end: number;
  constructor(start: number) {
    this.end = start;
  }
  /** `length` doubles (or int32s, taking 8 bytes each for simplicity), 16-byte aligned. */
  take(length: number): Region {
    const offset = this.end;
    this.end += Math.ceil((8 * length) / 16) * 16;
    return { offset, length };
  }
  get bytes(): number {
    return this.end;
  }
}

const NONE: Region = { offset: 0, length: 0 };

/** What the whole experiment shares: the student's first layer, the test, validation, pool and pretraining rows and their features. */
export function persistentLayout(dims: Dimensions) {
  const p = new Planner(RESERVED);
  const { dp, mpStudent: mp, headOnly } = dims;
  const test = evenUp(dims.test);
  const validation = evenUp(dims.validation);
  const pool = evenUp(dims.pool);
  return {
    studentFirstLayer: p.take(dp * mp),
    studentCentre: p.take(mp),
    testRows: p.take(test * dp),
    testFeatures: headOnly ? p.take(test * mp) : NONE,
    testLogits: p.take((headOnly ? test : CHUNK_ROWS) * EVAL_HEADS),
    validationRows: p.take(validation * dp),
    validationFeatures: headOnly ? p.take(validation * mp) : NONE,
    validationLogits: headOnly ? p.take(validation * EVAL_HEADS) : NONE,
    poolRows: p.take(pool * dp),
    poolFeatures: headOnly ? p.take(pool * mp) : NONE,
    pretrainRows: p.take(evenUp(dims.pretrain) * dp),
    end: p.bytes,
  };
}

/** What one run uses while it steps (every run of the context shares it, one at a time). */
export function runLayout(dims: Dimensions, start: number) {
  const p = new Planner(start);
  const { dp, mpStudent: mp, mpTeacher: mt, headOnly } = dims;
  const batch = evenUp(dims.batch);
  const chunkFeatures = Math.max(mp, mt);
  const teacherPretrain = evenUp(dims.teacherPretrain);
  return {
    teacherFirstLayer: p.take(dp * mt),
    teacherCentre: p.take(mt),
    /** The teacher's head as column 0 of an M_t × 8 matrix (the logits' product, kernels.ts). */
    teacherHeadColumn: p.take(mt * 8),
    teacherHead: p.take(mt),
    teacherGradient: p.take(mt),
    head: p.take(mp),
    gradient: p.take(mp),
    /** Heads waiting for evaluation, as the columns of an M_s × EVAL_HEADS matrix. */
    heads: p.take(mp * EVAL_HEADS),
    batchRows: p.take(batch * dp),
    batchFeatures: p.take(batch * mp),
    batchTeacherFeatures: p.take(batch * mt),
    batchTeacherLogits: p.take(batch * 8),
    labels: p.take(Math.max(batch, teacherPretrain)),
    rowIndices: p.take(Math.max(batch, teacherPretrain)),
    coefficients: p.take(Math.max(batch, teacherPretrain)),
    firstLayer: headOnly ? NONE : p.take(dp * mp),
    firstLayerGradient: headOnly ? NONE : p.take(dp * mp),
    batchPreactivations: headOnly ? NONE : p.take(batch * mp),
    batchDelta: headOnly ? NONE : p.take(batch * mp),
    chunkFeatures: p.take(CHUNK_ROWS * chunkFeatures),
    chunkLogits: p.take(CHUNK_ROWS * 8),
    teacherPretrainFeatures: p.take(teacherPretrain * mt),
    end: p.bytes,
  };
}

/** Scratch of the student's pretraining, laid where the run's scratch goes and released before it. */
export function pretrainLayout(dims: Dimensions, start: number) {
  const p = new Planner(start);
  const n = evenUp(dims.pretrain);
  return {
    features: p.take(n * dims.mpStudent),
    labels: p.take(n),
    rowIndices: p.take(n),
    coefficients: p.take(n),
    head: p.take(dims.mpStudent),
    gradient: p.take(dims.mpStudent),
    end: p.bytes,
  };
}

export type PersistentLayout = ReturnType<typeof persistentLayout>;
export type RunLayout = ReturnType<typeof runLayout>;
export type PretrainLayout = ReturnType<typeof pretrainLayout>;

/** The bytes a context of this configuration lays out. */
export function workspaceBytes(c: LayoutConfig): number {
  const dims = dimensionsOf(c);
  const persistent = persistentLayout(dims).end;
  return Math.max(runLayout(dims, persistent).end, pretrainLayout(dims, persistent).end);
}
