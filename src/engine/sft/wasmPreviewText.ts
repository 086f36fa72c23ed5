/**
 * The text of the preview path's WebAssembly kernel (wasmPreview.ts runs it): its memory layout
 * and its module. Each function is the translation of a TypeScript reference, operation for
 * operation: `moments` of sampleMoments for hard labels (previewMoments.ts: hardIntegrals, then the
 * moments of docs/preview.md §3), with expm1Kernel, expKernel and erfScaled (previewErf.ts);
 * `sums` of previewSums (preview.ts: the moments, three normal draws, the Cholesky factor, the
 * drawn sums); `step` of a whole step of the chain, ReducedKernel.advance (reduced.ts: the frame,
 * the sums, the third direction's normal and the χ²_{d−3} draw of gamma(), distributions.ts, and
 * the update); `slow` of normalSlowPath (distributions.ts), as in the exact kernel.
 *
 * The quadrature's nodes go in pairs (nodes 2j and 2j + 1 of the table), one to each lane of
 * f64x2 vectors: each lane does its own node's operations, so the lanes are the reference's two
 * sets of sums. Branches of the reference become selects on lane masks, and the work of a branch
 * is skipped when no lane of the pair takes it (a pair past x = 6 has no erf to compute); garbage
 * computed in a lane whose result is not selected is discarded, and nothing here can trap on it.
 */
import { ZIG_R } from '../distributions';
import { assembleModule, F64, I32, doubles, ints, vectors, type WasmFunction } from '../wasm/assemble';
import { ERF_COEFFICIENTS, EXP_CONSTANTS } from './previewErf';
import { LEVELS, Q_MIN, QUARTERS } from './previewMoments';
import { slowNormal, stateIo, uniform, xoshiro } from './wasmText';

const { A, B, C, D, P, Q, INV_SQRT_PI } = ERF_COEFFICIENTS;
const { LOG2E, LN2_HI, LN2_LO, F } = EXP_CONSTANTS;

/** The vector constants of the loop, each stored twice (both lanes) at its own 16 bytes. */
const CONSTANTS: Record<string, number> = {
  LOG2E,
  LN2_HI,
  LN2_LO,
  ZERO: 0,
  HALF: 0.5,
  ONE: 1,
  TWO: 2,
  MINUS_ONE: -1,
  MINUS_TWO: -2,
  SIX: 6,
  NINETEEN: 19,
  FOUR: 4,
  SMALL: 0.46875,
  SQRT1_2: Math.SQRT1_2,
  INV_SQRT_PI,
  INV_SQRT_2PI: 1 / Math.sqrt(2 * Math.PI),
  // 2^52 + 1023: k + MAGIC holds k + 1023 in its low mantissa bits, shifted up into 2^k's exponent.
  MAGIC: 4503599627371519,
  ...Object.fromEntries(F.map((c, j) => [`F${j + 1}`, c])),
  ...Object.fromEntries(A.map((c, j) => [`A${j}`, c])),
  ...Object.fromEntries(B.map((c, j) => [`B${j}`, c])),
  ...Object.fromEntries(C.map((c, j) => [`C${j}`, c])),
  ...Object.fromEntries(D.map((c, j) => [`D${j}`, c])),
  ...Object.fromEntries(P.map((c, j) => [`P${j}`, c])),
  ...Object.fromEntries(Q.map((c, j) => [`Q${j}`, c])),
};
const CONSTANT_NAMES = Object.keys(CONSTANTS);

/** The step's arguments, in their order in the memory (the host writes them before each step). */
export const STEP_PARAMS = ['alpha', 'b', 'rho', 'cT', 'sT', 'h', 'f', 'batchSize', 'inflation', 'learningRate', 'shape'] as const;

// Memory layout (bytes).
export const PREVIEW_LAYOUT = (() => {
  const STATE = 0; // s0..s3, i32
  const MOMENTS = 16; // μ1, μ2, μ3, C11, C12, C22, C13, C23, C33, f64
  const SUMS = 96; // S1, S2, Q, f64
  const STEP = 128; // α, b, ρ after a step, f64
  const SCRATCH = 152; // a double whose exponent is read, f64
  // A step's arguments: α, b, ρ, c_T, s_T, β/2, 1 − 2ε, B, the inflation, η, (d − 3)/2, f64
  const PARAMS = 160;
  const POW2_UP = PARAMS + 8 * STEP_PARAMS.length; // 2^k, k = 0 … 40, f64
  const align = (at: number) => Math.ceil(at / 16) * 16; // for 16-byte vector loads
  const CONSTS = align(POW2_UP + 8 * 41); // CONSTANT_NAMES, 16 bytes each
  const ZK = CONSTS + 16 * CONSTANT_NAMES.length; // ZIG_K, 256 × i32
  const ZW = ZK + 4 * 256; // ZIG_W, 256 × f64
  const ZF = ZW + 8 * 256; // ZIG_F, 256 × f64
  const DIRECTORY = ZF + 8 * 256; // per scale level: its node table's address and pairs of nodes, i32 × 2
  // The node tables: per pair of nodes (v_2j, v_2j+1, w_2j, w_2j+1), f64.
  const TABLES = align(DIRECTORY + 8 * LEVELS);
  return { STATE, MOMENTS, SUMS, STEP, SCRATCH, PARAMS, POW2_UP, CONSTS, ZK, ZW, ZF, DIRECTORY, TABLES };
})();
export const PREVIEW_CONSTANTS: readonly (readonly [number, number])[] = CONSTANT_NAMES.map((name, i) => [PREVIEW_LAYOUT.CONSTS + 16 * i, CONSTANTS[name]]);
export const PAGE = 65536;


const { STATE, MOMENTS, SUMS, STEP, SCRATCH, PARAMS, POW2_UP, ZK, ZW, ZF, DIRECTORY } = PREVIEW_LAYOUT;

/** A constant's vector, pushed. */
const c = (name: string) => {
  const i = CONSTANT_NAMES.indexOf(name);
  if (i < 0) throw new Error(`no constant ${name}`);
  return `i32.const 0 v128.load offset=${PREVIEW_LAYOUT.CONSTS + 16 * i}`;
};
const get = (...names: string[]) => names.map((n) => `local.get $${n}`).join(' ');

/** e^r − 1 of the lanes of $r into $pm (expm1Reduced: Estrin's scheme). */
const expm1Reduced = `
  ${get('r', 'r')} f64x2.mul local.set $r2
  ${get('r2', 'r2')} f64x2.mul local.set $r4
  ${get('r4', 'r4')} f64x2.mul local.set $r8
  ${c('F1')} ${c('F2')} ${get('r')} f64x2.mul f64x2.add local.set $a0
  ${c('F3')} ${c('F4')} ${get('r')} f64x2.mul f64x2.add local.set $a1
  ${c('F5')} ${c('F6')} ${get('r')} f64x2.mul f64x2.add local.set $a2
  ${c('F7')} ${c('F8')} ${get('r')} f64x2.mul f64x2.add local.set $a3
  ${c('F9')} ${c('F10')} ${get('r')} f64x2.mul f64x2.add local.set $a4
  ${c('F11')} ${c('F12')} ${get('r')} f64x2.mul f64x2.add local.set $a5
  ${get('a0', 'a1', 'r2')} f64x2.mul f64x2.add local.set $b0
  ${get('a2', 'a3', 'r2')} f64x2.mul f64x2.add local.set $b1
  ${get('a4', 'a5', 'r2')} f64x2.mul f64x2.add local.set $b2
  ${get('b0', 'b1', 'r4')} f64x2.mul f64x2.add local.set $c0
  ${get('b2')} ${c('F13')} ${get('r4')} f64x2.mul f64x2.add local.set $c1
  ${get('r', 'c0', 'c1', 'r8')} f64x2.mul f64x2.add f64x2.mul local.set $pm`;

/**
 * The argument reduction of expm1Kernel / expKernel for the lanes of $arg: k = ⌊x log2e + ½⌋,
 * r = x − k ln2_hi − k ln2_lo, $scale = 2^k (built from k's bits: exact, as the reference's table),
 * then $pm = e^r − 1.
 */
const reduce = `
  ${get('arg')} ${c('LOG2E')} f64x2.mul ${c('HALF')} f64x2.add f64x2.floor local.set $kf
  ${get('arg', 'kf')} ${c('LN2_HI')} f64x2.mul f64x2.sub ${get('kf')} ${c('LN2_LO')} f64x2.mul f64x2.sub local.set $r
  ${get('kf')} ${c('MAGIC')} f64x2.add i32.const 52 i64x2.shl local.set $scale
  ${expm1Reduced}`;

/** A rational's numerator and denominator by the reference's loop: num = c[top]·y, den = y, then (num + c_i)·y, (den + d_i)·y. */
const rational = (y: string, num: string, den: string, top: number, steps: number) => {
  let text = `${c(`${num}${top}`)} ${get(y)} f64x2.mul local.set $num ${get(y)} local.set $den`;
  for (let i = 0; i < steps; i++) {
    text += `\n  ${get('num')} ${c(`${num}${i}`)} f64x2.add ${get(y)} f64x2.mul local.set $num`;
    text += `\n  ${get('den')} ${c(`${den}${i}`)} f64x2.add ${get(y)} f64x2.mul local.set $den`;
  }
  return text;
};

/**
 * erfScaled(x, gauss) of the lanes of $x and $gauss into $erf, where x < 6 ($nearMask; 1 elsewhere):
 * each of Cody's three intervals computed only when a lane lies in it, then selected.
 */
const erfLanes = `
  ${c('ONE')} local.set $erf
  ${get('x')} ${c('SMALL')} f64x2.le local.tee $region v128.any_true
  if ;; x ≤ 0.46875: x R1(x²)
    ${get('x', 'x')} f64x2.mul local.set $y
    ${rational('y', 'A', 'B', 4, 3)}
    ${get('x', 'num')} ${c('A3')} f64x2.add f64x2.mul ${get('den')} ${c('B3')} f64x2.add f64x2.div
    ${get('erf', 'region')} v128.bitselect local.set $erf
  end
  ${get('x')} ${c('FOUR')} f64x2.le ${get('region')} v128.andnot local.tee $region v128.any_true
  if ;; 0.46875 < x ≤ 4: 1 − e^{−x²} R2(x)
    ${rational('x', 'C', 'D', 8, 7)}
    ${c('ONE')} ${get('gauss', 'num')} ${c('C7')} f64x2.add f64x2.mul ${get('den')} ${c('D7')} f64x2.add f64x2.div f64x2.sub
    ${get('erf', 'region')} v128.bitselect local.set $erf
  end
  ${get('x')} ${c('FOUR')} f64x2.gt ${get('nearMask')} v128.and local.tee $region v128.any_true
  if ;; 4 < x < 6: 1 − e^{−x²}/x (1/√π − z R3(z)), z = 1/x²
    ${c('ONE')} ${get('x', 'x')} f64x2.mul f64x2.div local.set $y
    ${rational('y', 'P', 'Q', 5, 4)}
    ${c('ONE')}
    ${get('gauss')} ${c('INV_SQRT_PI')} ${get('y', 'num')} ${c('P4')} f64x2.add f64x2.mul ${get('den')} ${c('Q4')} f64x2.add f64x2.div f64x2.sub f64x2.mul
    ${get('x')} f64x2.div f64x2.sub
    ${get('erf', 'region')} v128.bitselect local.set $erf
  end`;

const ACCUMULATORS = Array.from({ length: 12 }, (_, j) => `acc${j + 1}`);

/** acc_j += term (the reference's lanes[at + j] += term). */
const accumulate = (j: number, term: string) => `\n  local.get $acc${j} ${term} f64x2.add local.set $acc${j}`;

/** hardNode (previewMoments.ts) for the pair of nodes at $addr: v = (v_2j, v_2j+1), w likewise. */
const nodePair = `
  local.get $addr v128.load offset=0 local.set $v
  local.get $addr v128.load offset=16 local.set $w
  ${get('gamma2', 'v')} f64x2.mul local.tee $gv ${c('NINETEEN')} f64x2.lt local.tee $mask v128.any_true
  if ;; e = e^{−2γv} − 1 where γv < 19, else −1
    ${c('MINUS_TWO')} ${get('gv')} f64x2.mul local.set $arg
    ${reduce}
    ${get('scale', 'pm')} f64x2.mul ${get('scale')} ${c('ONE')} f64x2.sub f64x2.add ${c('MINUS_ONE')} ${get('mask')} v128.bitselect local.set $e
  else
    ${c('MINUS_ONE')} local.set $e
  end
  ${get('negh2', 'e')} f64x2.mul ${c('TWO')} ${get('e')} f64x2.add f64x2.div local.set $t
  ${get('slope2', 'v')} f64x2.mul local.tee $k f64x2.abs ${c('SQRT1_2')} f64x2.mul local.tee $x ${c('SIX')} f64x2.lt local.tee $nearMask v128.any_true
  if ;; gauss = e^{−x²} and erf x where x < 6, else 0 and 1
    ${get('x')} f64x2.neg ${get('x')} f64x2.mul local.set $arg
    ${reduce}
    ${get('scale')} ${c('ONE')} ${get('pm')} f64x2.add f64x2.mul
    ${c('ZERO')} ${get('nearMask')} v128.bitselect local.set $gauss
    ${erfLanes}
  else
    ${c('ZERO')} local.set $gauss
    ${c('ONE')} local.set $erf
  end
  ${get('erf')} f64x2.neg ${get('erf', 'k')} ${c('ZERO')} f64x2.lt v128.bitselect local.set $s0
  ${c('INV_SQRT_2PI')} ${get('gauss')} f64x2.mul local.set $phiK
  ${get('s0')} ${c('TWO')} ${get('k')} f64x2.mul ${get('phiK')} f64x2.mul f64x2.sub local.set $s2
  ${get('w', 't')} f64x2.mul local.tee $wt ${get('t')} f64x2.mul local.tee $wtt ${get('t')} f64x2.mul local.set $wttt
  ${get('v', 'v')} f64x2.mul local.set $vv
  ${get('wt', 'v')} f64x2.mul local.set $wtv
  ${accumulate(1, get('wtv'))}
  ${accumulate(2, get('wtt'))}
  ${accumulate(3, `${get('wt', 's0')} f64x2.mul`)}
  ${accumulate(4, `${get('wtt', 'vv')} f64x2.mul`)}
  ${accumulate(5, `${get('wt', 'vv')} f64x2.mul ${get('s0')} f64x2.mul`)}
  ${accumulate(6, `${get('wtv', 'phiK')} f64x2.mul`)}
  ${accumulate(7, `${get('wt', 's2')} f64x2.mul`)}
  ${accumulate(8, `${get('wttt', 'v')} f64x2.mul`)}
  ${accumulate(9, `${get('wtt', 'v')} f64x2.mul ${get('s0')} f64x2.mul`)}
  ${accumulate(10, `${get('wtt', 'phiK')} f64x2.mul`)}
  ${accumulate(11, `${get('wttt', 't')} f64x2.mul`)}
  ${accumulate(12, `${get('wttt', 's0')} f64x2.mul`)}`;

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
/** scaleLevel's smallest scale, 2^−40 (previewMoments.ts). */
const SMALLEST_SCALE = Math.pow(2, -(LEVELS - 1) / 4);

/** sampleMoments for hard labels: the integrals (pairs of nodes), then the moments into MOMENTS. */
const momentsFunction: WasmFunction = {
  name: 'moments',
  params: [['pairs', I32], ['table', I32], ['h', F64], ['gamma', F64], ['slope', F64], ['f', F64], ['p', F64], ['qq', F64]],
  results: [],
  locals: [
    ...ints('addr', 'i'),
    ...doubles('hf', 'h2', 'vSign', 'gSign', 'm1', 'm2', 'm3', 'm11', 'm12', 'm22', 'm13', 'm23', 'm33'),
    ...Array.from({ length: 12 }, (_, j) => [`i${j + 1}`, F64] as const),
    ...vectors('gamma2', 'slope2', 'negh2', 'v', 'w', 'gv', 'mask', 'nearMask', 'region', 'arg', 'kf', 'r', 'scale', 'pm', 'r2', 'r4', 'r8'),
    ...vectors('a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'b0', 'b1', 'b2', 'c0', 'c1', 'e', 't', 'k', 'x', 'y', 'num', 'den', 'gauss', 'erf'),
    ...vectors('s0', 'phiK', 's2', 'wt', 'wtt', 'wttt', 'vv', 'wtv', ...ACCUMULATORS),
  ],
  body: `
    ${get('gamma')} f64x2.splat local.set $gamma2
    ${get('slope')} f64x2.splat local.set $slope2
    ${get('h')} f64.neg f64x2.splat local.set $negh2
    local.get $table local.set $addr
    block $done
      local.get $pairs i32.const 0 i32.le_s br_if $done
      loop $pair
        ${nodePair}
        local.get $addr i32.const 32 i32.add local.set $addr
        local.get $i i32.const 1 i32.add local.tee $i local.get $pairs i32.lt_s br_if $pair
      end
    end
    ${ACCUMULATORS.map((acc, j) => `local.get $${acc} f64x2.extract_lane 0 local.get $${acc} f64x2.extract_lane 1 f64.add local.set $i${j + 1}`).join('\n    ')}
    ${get('h', 'f')} f64.mul local.set $hf
    ${get('h', 'h')} f64.mul local.set $h2
    ${get('f', 'p')} f64.mul f64.const ${SQRT_2_OVER_PI} f64.mul local.set $vSign
    ${get('f', 'qq')} f64.mul f64.const ${SQRT_2_OVER_PI} f64.mul local.set $gSign
    ${get('i1', 'h', 'vSign')} f64.mul f64.sub local.set $m1
    ${get('h')} f64.neg ${get('gSign')} f64.mul local.set $m2
    ${get('i2')} f64.const 2 ${get('hf')} f64.mul ${get('i3')} f64.mul f64.sub ${get('h2')} f64.add local.set $m3
    ${get('i4')} f64.const 2 ${get('hf')} f64.mul ${get('i5')} f64.mul f64.sub ${get('h2')} f64.add local.set $m11
    f64.const -4 ${get('hf')} f64.mul ${get('i6')} f64.mul local.set $m12
    ${get('i2')} f64.const 2 ${get('hf')} f64.mul ${get('i7')} f64.mul f64.sub ${get('h2')} f64.add local.set $m22
    ${get('i8')} f64.const 3 ${get('hf')} f64.mul ${get('i9')} f64.mul f64.sub
    f64.const 3 ${get('h2')} f64.mul ${get('i1')} f64.mul f64.add
    ${get('h2', 'h')} f64.mul ${get('vSign')} f64.mul f64.sub local.set $m13
    f64.const -6 ${get('hf')} f64.mul ${get('i10')} f64.mul ${get('h2', 'h')} f64.mul ${get('gSign')} f64.mul f64.sub local.set $m23
    ${get('i11')} f64.const 4 ${get('hf')} f64.mul ${get('i12')} f64.mul f64.sub
    f64.const 6 ${get('h2')} f64.mul ${get('i2')} f64.mul f64.add
    f64.const 4 ${get('h2')} f64.mul ${get('hf')} f64.mul ${get('i3')} f64.mul f64.sub
    ${get('h2', 'h2')} f64.mul f64.add local.set $m33
    i32.const 0 ${get('m1')} f64.store offset=${MOMENTS}
    i32.const 0 ${get('m2')} f64.store offset=${MOMENTS + 8}
    i32.const 0 ${get('m3')} f64.store offset=${MOMENTS + 16}
    i32.const 0 ${get('m11', 'm1', 'm1')} f64.mul f64.sub f64.store offset=${MOMENTS + 24}
    i32.const 0 ${get('m12', 'm1', 'm2')} f64.mul f64.sub f64.store offset=${MOMENTS + 32}
    i32.const 0 ${get('m22', 'm2', 'm2')} f64.mul f64.sub f64.store offset=${MOMENTS + 40}
    i32.const 0 ${get('m13', 'm1', 'm3')} f64.mul f64.sub f64.store offset=${MOMENTS + 48}
    i32.const 0 ${get('m23', 'm2', 'm3')} f64.mul f64.sub f64.store offset=${MOMENTS + 56}
    i32.const 0 ${get('m33', 'm3', 'm3')} f64.mul f64.sub f64.store offset=${MOMENTS + 64}`,
};

const { load: loadState, store: storeState } = stateIo(STATE);

/** normal() (distributions.ts) into `out`: the ziggurat's fast path, else its slow path on the state in memory. */
const normal = (out: string) => `
  ${xoshiro('$hz')}
  local.get $hz i32.const 8 i32.shr_s local.set $m
  local.get $m local.get $m i32.const 31 i32.shr_s i32.xor local.get $m i32.const 31 i32.shr_s i32.sub
  local.get $hz i32.const 255 i32.and i32.const 2 i32.shl i32.load offset=${ZK} i32.lt_s
  if
    local.get $m f64.convert_i32_s local.get $hz i32.const 255 i32.and i32.const 3 i32.shl f64.load offset=${ZW} f64.mul local.set ${out}
  else
    ${storeState} local.get $hz call $slow local.set ${out} ${loadState}
  end`;

const moment = (i: number) => `i32.const 0 f64.load offset=${MOMENTS + 8 * i}`;

/**
 * PreviewKernel.batchSums for hard labels: (S1, S2, Q) = Bμ + √B L z into SUMS, the generator's
 * state in memory advanced by the three draws.
 */
const sumsFunction: WasmFunction = {
  name: 'sums',
  params: [...momentsFunction.params, ['batchSize', F64], ['inflation', F64]],
  results: [],
  locals: [
    ...ints('s0', 's1', 's2', 's3', 't', 'hz', 'm'),
    ...doubles('z1', 'z2', 'z3', 'c11', 'c12', 'c22', 'c13', 'c23', 'c33', 'l11', 'l21', 'l31', 'l22', 'l32', 'l33', 'root'),
  ],
  body: `
    ${get('pairs', 'table', 'h', 'gamma', 'slope', 'f', 'p', 'qq')} call $moments
    ${loadState}
    ${normal('$z1')} ${normal('$z2')} ${normal('$z3')}
    ${storeState}
    ${get('inflation')} ${moment(3)} f64.mul local.set $c11
    ${get('inflation')} ${moment(4)} f64.mul local.set $c12
    ${get('inflation')} ${moment(5)} f64.mul local.set $c22
    ${get('inflation')} ${moment(6)} f64.mul local.set $c13
    ${get('inflation')} ${moment(7)} f64.mul local.set $c23
    ${get('inflation')} ${moment(8)} f64.mul local.set $c33
    ${get('c11')} f64.const 0 f64.max f64.sqrt local.set $l11
    ${get('c12', 'l11')} f64.div f64.const 0 ${get('l11')} f64.const 0 f64.gt select local.set $l21
    ${get('c13', 'l11')} f64.div f64.const 0 ${get('l11')} f64.const 0 f64.gt select local.set $l31
    ${get('c22', 'l21', 'l21')} f64.mul f64.sub f64.const 0 f64.max f64.sqrt local.set $l22
    ${get('c23', 'l31', 'l21')} f64.mul f64.sub ${get('l22')} f64.div f64.const 0 ${get('l22')} f64.const 0 f64.gt select local.set $l32
    ${get('c33', 'l31', 'l31')} f64.mul f64.sub ${get('l32', 'l32')} f64.mul f64.sub f64.const 0 f64.max f64.sqrt local.set $l33
    ${get('batchSize')} f64.sqrt local.set $root
    i32.const 0 ${get('batchSize')} ${moment(0)} f64.mul ${get('root', 'l11')} f64.mul ${get('z1')} f64.mul f64.add f64.store offset=${SUMS}
    i32.const 0 ${get('batchSize')} ${moment(1)} f64.mul ${get('root', 'l21', 'z1')} f64.mul ${get('l22', 'z2')} f64.mul f64.add f64.mul f64.add f64.store offset=${SUMS + 8}
    i32.const 0 f64.const 0
    ${get('batchSize')} ${moment(2)} f64.mul ${get('root', 'l31', 'z1')} f64.mul ${get('l32', 'z2')} f64.mul f64.add ${get('l33', 'z3')} f64.mul f64.add f64.mul f64.add
    f64.max f64.store offset=${SUMS + 16}`,
};

/** orthogonalUnit (reduced.ts) of ($u1x, $u1y, $u1z) into ($u2x, $u2y, $u2z): cross with the axis least aligned. */
const orthogonalUnit = `
  ${get('u1x')} f64.abs local.set $ax
  ${get('u1y')} f64.abs local.set $ay
  ${get('u1z')} f64.abs local.set $az
  ${get('ax', 'ay')} f64.le ${get('ax', 'az')} f64.le i32.and
  if
    f64.const 0 local.set $u2x ${get('u1z')} f64.neg local.set $u2y ${get('u1y')} local.set $u2z
  else
    ${get('ay', 'az')} f64.le
    if
      ${get('u1z')} local.set $u2x f64.const 0 local.set $u2y ${get('u1x')} f64.neg local.set $u2z
    else
      ${get('u1y')} f64.neg local.set $u2x ${get('u1x')} local.set $u2y f64.const 0 local.set $u2z
    end
  end
  ${get('u2x', 'u2y', 'u2z')} call $hypot local.set $n
  ${get('u2x', 'n')} f64.div local.set $u2x
  ${get('u2y', 'n')} f64.div local.set $u2y
  ${get('u2z', 'n')} f64.div local.set $u2z`;

/**
 * gamma(rng, shape) (distributions.ts, Marsaglia & Tsang) into $draw, on the state in locals: for
 * shape < 1, gamma(shape + 1) · U^{1/shape}, U drawn after.
 */
const gammaDraw = `
  ${get('shape')} f64.const 1 f64.add ${get('shape', 'shape')} f64.const 1 f64.lt select local.set $gs
  ${get('gs')} f64.const ${1 / 3} f64.sub local.set $gd
  f64.const 1 f64.const 9 ${get('gd')} f64.mul f64.sqrt f64.div local.set $gc
  block $accepted
    loop $try
      loop $positive
        ${normal('$gx')}
        f64.const 1 ${get('gc', 'gx')} f64.mul f64.add local.tee $gv f64.const 0 f64.le br_if $positive
      end
      ${get('gv', 'gv')} f64.mul ${get('gv')} f64.mul local.set $gv
      ${uniform} local.set $gu
      ${get('gx', 'gx')} f64.mul local.set $gx2
      ${get('gu')} f64.const 1 f64.const 0.0331 ${get('gx2')} f64.mul ${get('gx2')} f64.mul f64.sub f64.lt br_if $accepted
      ${get('gu')} call $log f64.const 0.5 ${get('gx2')} f64.mul ${get('gd')} f64.const 1 ${get('gv')} f64.sub ${get('gv')} call $log f64.add f64.mul f64.add f64.lt br_if $accepted
      br $try
    end
  end
  ${get('gd', 'gv')} f64.mul local.set $draw
  ${get('shape')} f64.const 1 f64.lt
  if
    ${get('draw')} ${uniform} f64.const 1 ${get('shape')} f64.div call $pow f64.mul local.set $draw
  end`;

/**
 * One step of the preview chain, ReducedKernel.advance with previewSums: from (α, b, ρ) in the
 * frame (w*, f, h) and the teacher's (c_T, s_T) to the next (α, b, ρ) into STEP, the generator's
 * state in memory advanced by the step's draws. `shape` is (d − 3)/2 for the χ²_{d−3} draw, 0 when d = 3.
 */
const stepFunction: WasmFunction = {
  name: 'step',
  params: [],
  results: [],
  locals: [
    ...doubles(...STEP_PARAMS),
    ...ints('s0', 's1', 's2', 's3', 't', 'hz', 'm', 'hi', 'lo', 'level', 'e'),
    ...doubles('norm', 'u1x', 'u1y', 'u1z', 'p', 'u2x', 'u2y', 'u2z', 'q', 'u3x', 'u3y', 'u3z', 'ax', 'ay', 'az', 'n'),
    ...doubles('gamma', 'qq', 'a', 'mantissa', 'sum1', 'sum2', 'sq', 'rootQ', 'n3', 'chi2', 'k', 'g3', 'along'),
    ...doubles('gs', 'gd', 'gc', 'gx', 'gv', 'gu', 'gx2', 'draw'),
  ],
  body: `
    ${STEP_PARAMS.map((name, i) => `i32.const 0 f64.load offset=${PARAMS + 8 * i} local.set $${name}`).join('\n    ')}
    ${get('alpha', 'alpha')} f64.mul ${get('b', 'b')} f64.mul f64.add ${get('rho', 'rho')} f64.mul f64.add f64.sqrt local.set $norm
    f64.const 1 local.set $u1x f64.const 0 local.set $u1y f64.const 0 local.set $u1z
    ${get('norm')} f64.const 0 f64.gt
    if
      ${get('alpha', 'norm')} f64.div local.set $u1x
      ${get('b', 'norm')} f64.div local.set $u1y
      ${get('rho', 'norm')} f64.div local.set $u1z
    end
    ${get('u1x', 'cT')} f64.mul ${get('u1y', 'sT')} f64.mul f64.add local.set $p
    ${get('cT', 'p', 'u1x')} f64.mul f64.sub local.set $u2x
    ${get('sT', 'p', 'u1y')} f64.mul f64.sub local.set $u2y
    ${get('p')} f64.neg ${get('u1z')} f64.mul local.set $u2z
    ${get('u2x', 'u2x')} f64.mul ${get('u2y', 'u2y')} f64.mul f64.add ${get('u2z', 'u2z')} f64.mul f64.add f64.sqrt local.set $q
    ${get('q')} f64.const 1e-12 f64.lt
    if ;; a teacher parallel to the student: any unit u2 ⊥ u1
      ${orthogonalUnit}
      f64.const 0 local.set $q
    else
      ${get('u2x', 'q')} f64.div local.set $u2x
      ${get('u2y', 'q')} f64.div local.set $u2y
      ${get('u2z', 'q')} f64.div local.set $u2z
    end
    ${get('u1y', 'u2z')} f64.mul ${get('u1z', 'u2y')} f64.mul f64.sub local.set $u3x
    ${get('u1z', 'u2x')} f64.mul ${get('u1x', 'u2z')} f64.mul f64.sub local.set $u3y
    ${get('u1x', 'u2y')} f64.mul ${get('u1y', 'u2x')} f64.mul f64.sub local.set $u3z
    ;; previewSums(norm, p, q): sampleMoments' arguments, and scaleLevel (previewMoments.ts)
    ${get('h', 'norm')} f64.mul local.set $gamma
    ${get('q')} f64.const ${Q_MIN} ${get('q')} f64.const ${Q_MIN} f64.gt select local.set $qq
    f64.const 1 local.set $a
    ${get('gamma')} f64.const 1 f64.gt
    if f64.const 1 ${get('gamma')} f64.div local.set $a end
    ${get('qq', 'a', 'p')} f64.abs f64.mul f64.lt
    if ${get('qq', 'p')} f64.abs f64.div local.set $a end
    i32.const ${LEVELS - 1} local.set $level
    ${get('a')} f64.const ${SMALLEST_SCALE} f64.gt
    if ;; a = m 2^e: level −4e − #{i: m ≥ QUARTERS[i]}, clamped
      i32.const 0 ${get('a')} f64.store offset=${SCRATCH}
      i32.const 0 i32.load offset=${SCRATCH + 4} i32.const 20 i32.shr_u i32.const 2047 i32.and i32.const 1023 i32.sub local.set $e
      ${get('a')} i32.const 0 ${get('e')} i32.sub i32.const 3 i32.shl f64.load offset=${POW2_UP} f64.mul local.set $mantissa
      i32.const -4 ${get('e')} i32.mul
      ${QUARTERS.map((threshold) => `${get('mantissa')} f64.const ${threshold} f64.ge i32.sub`).join(' ')}
      local.tee $level i32.const 0 i32.lt_s
      if i32.const 0 local.set $level end
      ${get('level')} i32.const ${LEVELS - 1} i32.gt_s
      if i32.const ${LEVELS - 1} local.set $level end
    end
    ${get('level')} i32.const 3 i32.shl i32.load offset=${DIRECTORY}
    ${get('level')} i32.const 3 i32.shl i32.load offset=${DIRECTORY + 4}
    ${get('h', 'gamma', 'p', 'qq')} f64.div ${get('f', 'p', 'qq', 'batchSize', 'inflation')} call $sums
    i32.const 0 f64.load offset=${SUMS} local.set $sum1
    i32.const 0 f64.load offset=${SUMS + 8} local.set $sum2
    i32.const 0 f64.load offset=${SUMS + 16} local.set $sq
    ${get('sq')} f64.sqrt local.set $rootQ
    ${loadState}
    ${normal('$n3')}
    f64.const 0 local.set $chi2
    ${get('shape')} f64.const 0 f64.gt
    if
      ${gammaDraw}
      f64.const 2 ${get('draw')} f64.mul local.set $chi2
    end
    ${storeState}
    ${get('learningRate', 'batchSize')} f64.div local.set $k
    ${get('rootQ', 'n3')} f64.mul local.set $g3
    i32.const 0 ${get('alpha', 'k', 'sum1', 'u1x')} f64.mul ${get('sum2', 'u2x')} f64.mul f64.add ${get('g3', 'u3x')} f64.mul f64.add f64.mul f64.sub f64.store offset=${STEP}
    i32.const 0 ${get('b', 'k', 'sum1', 'u1y')} f64.mul ${get('sum2', 'u2y')} f64.mul f64.add ${get('g3', 'u3y')} f64.mul f64.add f64.mul f64.sub f64.store offset=${STEP + 8}
    ${get('rho', 'k', 'sum1', 'u1z')} f64.mul ${get('sum2', 'u2z')} f64.mul f64.add ${get('g3', 'u3z')} f64.mul f64.add f64.mul f64.sub local.set $along
    i32.const 0 ${get('along', 'along')} f64.mul ${get('k', 'k')} f64.mul ${get('sq')} f64.mul ${get('chi2')} f64.mul f64.add f64.sqrt f64.store offset=${STEP + 16}`,
};

/** The module's text, assembled on first use (hosts that never run the preview path never pay for it). */
export function previewModuleBytes(): Uint8Array {
  return assembleModule({
    imports: [
      { module: 'math', name: 'exp', params: [F64], results: [F64] },
      { module: 'math', name: 'log', params: [F64], results: [F64] },
      { module: 'math', name: 'hypot', params: [F64, F64, F64], results: [F64] },
      { module: 'math', name: 'pow', params: [F64, F64], results: [F64] },
    ],
    memoryPages: Math.ceil((PREVIEW_LAYOUT.TABLES + 32 * 1024) / PAGE),
    functions: [
      {
        name: 'slow',
        params: [['hz', I32]],
        results: [F64],
        locals: [...ints('s0', 's1', 's2', 's3', 't', 'hi', 'lo', 'm'), ...doubles('x', 'tx', 'ty')],
        body: slowNormal({ loadState, storeState, ZW, ZK, ZF, R: ZIG_R }),
      },
      momentsFunction,
      sumsFunction,
      stepFunction,
    ],
  });
}
