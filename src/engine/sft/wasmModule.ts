/**
 * The text of the WebAssembly batch kernel (wasmBatch.ts runs it): the memory layout it shares with
 * the host, the fragments of its loops and the module assembled from them. Each function here is
 * the translation of a TypeScript reference, operation for operation: `batch` of
 * accumulateHardGaussian (batch.ts), `aux` and `auxFixed` of accumulateAuxHardGaussian up to the
 * relabelling (auxHardGaussian.ts), `slow` of normalSlowPath and `uniform` (distributions.ts).
 */
import { ZIG_R } from '../distributions';
import { SIGMOID_TABLE, SIGMOID_TABLE_DENSITY, SIGMOID_TABLE_RANGE } from '../sigmoid';
import { assembleModule, F64, I32, doubles, ints, vectors, type WasmFunction } from '../wasm/assemble';
import { auxLanes, sampleLanes, slowNormal, stateIo, uniform, xoshiro, ziggurat } from './wasmText';

// Memory layout (bytes).
export const LAYOUT = (() => {
  const STATE = 0; // s0..s3, i32
  const SUMS = 16; // S1, S2, Q before the factors β, β², f64
  // The auxiliary batch's results: lane a's sums (deferred samples included) a1, a2, aq, lane b's
  // b1, b2, bq, the teacher's label sum (f64); the own positives k₀ and the kept count (i32).
  const AUX = 64;
  const ZK = 128; // ZIG_K, 256 × i32
  const ZW = ZK + 4 * 256; // ZIG_W, 256 × f64
  const ZF = ZW + 8 * 256; // ZIG_F, 256 × f64
  const TABLE = ZF + 8 * 256; // SIGMOID_TABLE, f64
  // Deferred draws (i32), then for the auxiliary batch the kept samples' g1, g2, c (f64 arrays).
  const DEFERRED = Math.ceil((TABLE + 8 * SIGMOID_TABLE.length) / 16) * 16;
  return { STATE, SUMS, AUX, ZK, ZW, ZF, TABLE, DEFERRED };
})();
export const PAGE = 65536;
const TABLE_TOP = 2 * SIGMOID_TABLE_RANGE * SIGMOID_TABLE_DENSITY;


const { STATE, SUMS, AUX, ZK, ZW, DEFERRED, TABLE } = LAYOUT;
const { load: loadState, store: storeState } = stateIo(STATE);

/** Deferred draw $j → $g: its rectangle's point, or the slow path (which draws from the state in memory). */
const finishDraw = (g: string) => `
  local.get $j i32.const 2 i32.shl i32.load offset=${DEFERRED} local.set $hz
  local.get $hz i32.const 8 i32.shr_s local.set $m
  local.get $m local.get $m i32.const 31 i32.shr_s i32.xor local.get $m i32.const 31 i32.shr_s i32.sub
  local.get $hz i32.const 255 i32.and i32.const 2 i32.shl i32.load offset=${ZK} i32.lt_s
  if
    local.get $m f64.convert_i32_s local.get $hz i32.const 255 i32.and i32.const 3 i32.shl f64.load offset=${ZW} f64.mul local.set ${g}
  else
    ${storeState} local.get $hz call $slow local.set ${g} ${loadState}
  end
  local.get $j i32.const 1 i32.add local.set $j`;

/** σ(β‖w‖ g1) of a deferred sample on the stack, as sigmoidTable computes it (its clamp: NaN → 0). */
const deferredSigma = `
  local.get $betaNorm local.get $g1 f64.mul f64.const ${SIGMOID_TABLE_RANGE} f64.add f64.const ${SIGMOID_TABLE_DENSITY} f64.mul local.tee $pos
  f64.const ${TABLE_TOP} local.get $pos f64.const ${TABLE_TOP} f64.lt select
  f64.const 0 local.get $pos f64.const 0 f64.gt select local.tee $pos
  local.get $pos i32.trunc_sat_f64_s local.tee $k f64.convert_i32_s f64.sub local.set $u
  local.get $k i32.const 5 i32.shl local.set $k
  local.get $k f64.load offset=${TABLE} local.get $u
  local.get $k f64.load offset=${TABLE + 8} local.get $u
  local.get $k f64.load offset=${TABLE + 16} local.get $u local.get $k f64.load offset=${TABLE + 24} f64.mul
  f64.add f64.mul f64.add f64.mul f64.add`;

/** One deferred sample (g1, g2), as the reference's loop after the fused one. */
const deferredSample = `
  ${deferredSigma}
  local.get $p local.get $g1 f64.mul local.get $q local.get $g2 f64.mul f64.add f64.const 0 f64.gt f64.convert_i32_u
  f64.sub local.set $c
  local.get $sum1 local.get $c local.get $g1 f64.mul f64.add local.set $sum1
  local.get $sum2 local.get $c local.get $g2 f64.mul f64.add local.set $sum2
  local.get $sumSq local.get $c local.get $c f64.mul f64.add local.set $sumSq`;

/**
 * One deferred sample under the auxiliary loss, as auxHardGaussian.ts's loop after the fused one:
 * y = 1{p g1 + q g2 > 0}, own = 1{g1 > 0}, c = σ − (1 − α_t) y − α_t own; kept when |g1| < band;
 * added to lane a's sums (the reference's a1, a2, aq).
 */
const auxDeferredSample = `
  local.get $p local.get $g1 f64.mul local.get $q local.get $g2 f64.mul f64.add f64.const 0 f64.gt f64.convert_i32_u local.set $y
  local.get $g1 f64.const 0 f64.gt local.set $own
  ${deferredSigma}
  local.get $teacherWeight local.get $y f64.mul f64.sub
  local.get $alphaT local.get $own f64.convert_i32_u f64.mul f64.sub local.set $c
  local.get $g1 f64.abs local.get $band f64.lt
  if
    local.get $n i32.const 3 i32.shl local.get $kept i32.add local.tee $addr local.get $g1 f64.store
    local.get $addr local.get $stride i32.add local.tee $addr local.get $g2 f64.store
    local.get $addr local.get $stride i32.add local.get $c f64.store
    local.get $n i32.const 1 i32.add local.set $n
  end
  local.get $positives local.get $own i32.add local.set $positives
  local.get $labelSum local.get $y f64.add local.set $labelSum
  local.get $sum1 local.get $c local.get $g1 f64.mul f64.add local.set $sum1
  local.get $sum2 local.get $c local.get $g2 f64.mul f64.add local.set $sum2
  local.get $sumSq local.get $c local.get $c f64.mul f64.add local.set $sumSq`;

/**
 * The fused loop over pairs with `lanes` as each iteration's two samples, then the odd last
 * sample's two draws appended to the deferred ones (shared by the plain and the auxiliary batch).
 */
const fusedLoop = (lanes: string) => `
  block $fused
    local.get $pairs i32.const 0 i32.le_s br_if $fused
    loop $next
      ${xoshiro('$h1')} ${xoshiro('$h2')} ${xoshiro('$h3')} ${xoshiro('$h4')}
      ;; Branch-free (an unpredictable branch here cost ~1 ns a sample): the four draws are
      ;; always written at the end of the deferred list, which grows only when one of them
      ;; missed its rectangle; the samples' terms are kept only when none did.
      ${ziggurat(ZK)} local.set $inside
      i32.const 0 local.get $inside i32.sub i32x4.splat local.set $keep
      ${lanes}
      local.get $pending i32.const 2 i32.shl local.get $h1 i32.store offset=${DEFERRED}
      local.get $pending i32.const 2 i32.shl local.get $h2 i32.store offset=${DEFERRED + 4}
      local.get $pending i32.const 2 i32.shl local.get $h3 i32.store offset=${DEFERRED + 8}
      local.get $pending i32.const 2 i32.shl local.get $h4 i32.store offset=${DEFERRED + 12}
      local.get $pending i32.const 4 i32.const 4 local.get $inside i32.mul i32.sub i32.add local.set $pending
      local.get $i i32.const 1 i32.add local.tee $i local.get $pairs i32.lt_s br_if $next
    end
  end
  local.get $odd
  if ;; the odd last sample: two plain draws, finished like the deferred ones
    ${xoshiro('$h1')} ${xoshiro('$h2')}
    local.get $pending i32.const 2 i32.shl local.get $h1 i32.store offset=${DEFERRED}
    local.get $pending i32.const 2 i32.shl local.get $h2 i32.store offset=${DEFERRED + 4}
    local.get $pending i32.const 2 i32.add local.set $pending
  end`;

/** The deferred samples, each finished by `sample`. */
const deferredLoop = (sample: string) => `
  block $finished
    loop $each
      local.get $j local.get $pending i32.ge_s br_if $finished
      ${finishDraw('$g1')} ${finishDraw('$g2')}
      ${sample}
      br $each
    end
  end`;

/** The constant vectors of both loops. */
const splats = `
  local.get $scale f64x2.splat local.set $scale2
  local.get $offset f64x2.splat local.set $offset2
  f64.const 0 f64x2.splat local.set $zero2
  f64.const ${TABLE_TOP} f64x2.splat local.set $top2
  local.get $p f64x2.splat local.set $p2
  local.get $q f64x2.splat local.set $q2
  f64.const 0.5 f64x2.splat local.set $half2
  f64.const 1e-300 f64x2.splat local.set $tiny2
  f64.const -0 f64x2.splat local.set $negzero2`;

const BATCH_PARAMS = [['pairs', I32], ['odd', I32], ['scale', F64], ['offset', F64], ['p', F64], ['q', F64], ['betaNorm', F64]] as const;
const BATCH_LOCALS = [
  ...ints('s0', 's1', 's2', 's3', 't', 'i', 'j', 'pending', 'kA', 'kB', 'hz', 'm', 'k', 'inside'),
  ...[1, 2, 3, 4].flatMap((n) => ints(`h${n}`, `i${n}`)),
  ...doubles('g1', 'g2', 'pos', 'u', 'c', 'sum1', 'sum2', 'sumSq'),
  ...vectors('nv', 'v1', 'v2', 'vpos', 'vk', 'vu', 'vmargin', 'vc', 'acc1', 'acc2', 'accq'),
  ...vectors('scale2', 'offset2', 'zero2', 'top2', 'p2', 'q2', 'half2', 'tiny2', 'negzero2', 'keep', 'ta', 'tb', 't0', 't1', 't2', 't3'),
];

/**
 * auxHardGaussian.ts's onePass up to the relabelling (which the host does on the kept samples):
 * `aux` keeps the samples of the band, `auxFixed` (τ = 0, band 0) has nothing to keep.
 */
const auxFunction = (name: string, band: boolean): WasmFunction => ({
  name,
  params: [...BATCH_PARAMS, ['teacherWeight', F64], ['alphaT', F64], ['band', F64], ['kept', I32], ['stride', I32]],
  results: [],
  locals: [
    ...BATCH_LOCALS,
    ...ints('positives', 'n', 'addr', 'own'),
    ...doubles('y', 'labelSum'),
    ...vectors('vsigma', 'vy', 'vown', 'vband', 'accown', 'teacher2', 'alpha2', 'one2', 'band2'),
  ],
  body: `
    ${loadState}
    ${splats}
    local.get $teacherWeight f64x2.splat local.set $teacher2
    local.get $alphaT f64x2.splat local.set $alpha2
    f64.const 1 f64x2.splat local.set $one2
    local.get $band f64x2.splat local.set $band2
    ${fusedLoop(auxLanes({ ZW, TABLE, band }))}
    local.get $acc1 f64x2.extract_lane 0 local.set $sum1
    local.get $acc2 f64x2.extract_lane 0 local.set $sum2
    local.get $accq f64x2.extract_lane 0 local.set $sumSq
    local.get $accown f64x2.extract_lane 0 local.get $accown f64x2.extract_lane 1 f64.add i32.trunc_sat_f64_s local.set $positives
    ${deferredLoop(auxDeferredSample)}
    ${storeState}
    i32.const 0 local.get $sum1 f64.store offset=${AUX}
    i32.const 0 local.get $sum2 f64.store offset=${AUX + 8}
    i32.const 0 local.get $sumSq f64.store offset=${AUX + 16}
    i32.const 0 local.get $acc1 f64x2.extract_lane 1 f64.store offset=${AUX + 24}
    i32.const 0 local.get $acc2 f64x2.extract_lane 1 f64.store offset=${AUX + 32}
    i32.const 0 local.get $accq f64x2.extract_lane 1 f64.store offset=${AUX + 40}
    i32.const 0 local.get $labelSum f64.store offset=${AUX + 48}
    i32.const 0 local.get $positives i32.store offset=${AUX + 56}
    i32.const 0 local.get $n i32.store offset=${AUX + 60}`,
});

/** The module's text, assembled on first use (hosts that never run SFT, like the UI, never pay for it). */
export function moduleBytes(): Uint8Array {
  return assembleModule({
    imports: [
      { module: 'math', name: 'exp', params: [F64], results: [F64] },
      { module: 'math', name: 'log', params: [F64], results: [F64] },
    ],
    memoryPages: Math.ceil((DEFERRED + 4 * 4096) / PAGE),
    functions: [
      {
        name: 'slow',
        params: [['hz', I32]],
        results: [F64],
        locals: [...ints('s0', 's1', 's2', 's3', 't', 'hi', 'lo', 'm'), ...doubles('x', 'tx', 'ty')],
        body: slowNormal({ loadState, storeState, ZW, ZK, ZF: LAYOUT.ZF, R: ZIG_R }),
      },
      {
        name: 'batch',
        params: BATCH_PARAMS,
        results: [],
        locals: BATCH_LOCALS,
        body: `
          ${loadState}
          ${splats}
          ${fusedLoop(sampleLanes({ ZW, TABLE }))}
          local.get $acc1 f64x2.extract_lane 0 local.get $acc1 f64x2.extract_lane 1 f64.add local.set $sum1
          local.get $acc2 f64x2.extract_lane 0 local.get $acc2 f64x2.extract_lane 1 f64.add local.set $sum2
          local.get $accq f64x2.extract_lane 0 local.get $accq f64x2.extract_lane 1 f64.add local.set $sumSq
          ${deferredLoop(deferredSample)}
          ${storeState}
          i32.const 0 local.get $sum1 f64.store offset=${SUMS}
          i32.const 0 local.get $sum2 f64.store offset=${SUMS + 8}
          i32.const 0 local.get $sumSq f64.store offset=${SUMS + 16}`,
      },
      auxFunction('aux', true),
      auxFunction('auxFixed', false),
      {
        name: 'uniform',
        params: [],
        results: [F64],
        locals: ints('s0', 's1', 's2', 's3', 't', 'hi', 'lo'),
        body: `${loadState} ${uniform} ${storeState}`,
      },
    ],
  });
}

