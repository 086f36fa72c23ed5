/**
 * The random-features kernels (kernels.ts, the TypeScript reference) as WebAssembly with SIMD:
 * the same doubles bit for bit. Each f64x2 lane does its own entry's operations in the reference's
 * order (WebAssembly has no fused multiply-add, and rounds every operation as JavaScript does):
 *
 * - gemm/features: two rows × eight columns per block, eight f64x2 sums, each entry summed over t
 *   ascending; σ in the epilogue (relu as pmax(0, z), i.e. z > 0 ? z : 0; tanh by the host's
 *   Math.tanh, lane by lane), then (σ − b)·s;
 * - headStep: a row's logit in one f64x2 sum (lane 0 the even features, lane 1 the odd ones),
 *   the sigmoid with the host's Math.exp in sigmoid.ts's two branches, the gradient g + c·φ in order
 *   (two rows at a time);
 * - delta: relu's derivative as the mask z > 0 and 1.0.
 *
 * Speed (BENCHMARKS.md): the product at the heart of a fresh-batch step, 500 × 50 by 50 × 1 000, runs
 * at ~10 GMAC/s on one core here, against ~0.6 for the TypeScript loops.
 */
import { assembleModule, F64, I32, doubles, ints, vectors, type WasmFunction, type WasmApi, type WasmMemory } from '../wasm/assemble';
import type { KernelMemory, Kernels } from './kernels';


const GEMM_PARAMS = ints('a', 'aRow', 'aInner', 'rows', 'inner', 'b', 'bRow', 'cols', 'c', 'cRow');
const ACC = ['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2', 'b3'];

/** σ of the vector in $v, by the code in $act (0 identity, 1 relu, 2 tanh). */
const activate = `
  local.get $act i32.const 1 i32.eq
  if local.get $zero2 local.get $v f64x2.pmax local.set $v end
  local.get $act i32.const 2 i32.eq
  if
    local.get $v local.get $v f64x2.extract_lane 0 call $tanh f64x2.replace_lane 0 local.set $v
    local.get $v local.get $v f64x2.extract_lane 1 call $tanh f64x2.replace_lane 1 local.set $v
  end`;

/** The block's stores: plain, or z kept and φ = (σ(z) − b)·s written. */
function epilogue(features: boolean): string {
  let out = '';
  ACC.forEach((acc, n) => {
    const row = n < 4 ? '$o' : '$ob';
    const off = 16 * (n % 4);
    if (!features) {
      out += `local.get ${row} local.get $${acc} v128.store offset=${off}\n`;
      return;
    }
    const zrow = n < 4 ? '$oz' : '$ozb';
    out += `
      local.get $z if local.get ${zrow} local.get $${acc} v128.store offset=${off} end
      local.get $${acc} local.set $v
      ${activate}
      local.get ${row} local.get $v local.get $pc v128.load offset=${off} f64x2.sub local.get $scale2 f64x2.mul v128.store offset=${off}`;
  });
  return out;
}

/** C = A·B by blocks of two rows × eight columns (kernels.ts). */
function gemmFunction(name: string, features: boolean): WasmFunction {
  const zeros = ACC.map((a) => `local.get $zero2 local.set $${a}`).join(' ');
  const madd = (acc: string, s: string, f: string) => `local.get $${acc} local.get $${s} local.get $${f} f64x2.mul f64x2.add local.set $${acc}`;
  return {
    name,
    params: features ? [...GEMM_PARAMS, ['act', I32], ['centre', I32], ['scale', F64], ['z', I32]] : GEMM_PARAMS,
    results: [],
    locals: [
      ...ints('i', 'jb', 't', 'pa', 'pb', 'pf', 'o', 'ob', 'oz', 'ozb', 'pc'),
      ...vectors('sa', 'sb', 'f0', 'f1', 'f2', 'f3', ...ACC, 'zero2', 'scale2', 'v'),
    ],
    body: `
      local.get $aRow i32.const 3 i32.shl local.set $aRow
      local.get $aInner i32.const 3 i32.shl local.set $aInner
      local.get $bRow i32.const 3 i32.shl local.set $bRow
      local.get $cRow i32.const 3 i32.shl local.set $cRow
      f64.const 0 f64x2.splat local.set $zero2
      ${features ? 'local.get $scale f64x2.splat local.set $scale2' : ''}
      i32.const 0 local.set $i
      block $rowsDone
        loop $rowLoop
          local.get $i local.get $rows i32.ge_s br_if $rowsDone
          i32.const 0 local.set $jb
          block $colsDone
            loop $colLoop
              local.get $jb local.get $cols i32.ge_s br_if $colsDone
              ${zeros}
              local.get $a local.get $i local.get $aRow i32.mul i32.add local.tee $pa local.get $aRow i32.add local.set $pb
              local.get $b local.get $jb i32.const 3 i32.shl i32.add local.set $pf
              i32.const 0 local.set $t
              block $innerDone
                loop $innerLoop
                  local.get $t local.get $inner i32.ge_s br_if $innerDone
                  local.get $pa f64.load f64x2.splat local.set $sa
                  local.get $pb f64.load f64x2.splat local.set $sb
                  local.get $pf v128.load local.set $f0
                  local.get $pf v128.load offset=16 local.set $f1
                  local.get $pf v128.load offset=32 local.set $f2
                  local.get $pf v128.load offset=48 local.set $f3
                  ${madd('a0', 'sa', 'f0')} ${madd('a1', 'sa', 'f1')} ${madd('a2', 'sa', 'f2')} ${madd('a3', 'sa', 'f3')}
                  ${madd('b0', 'sb', 'f0')} ${madd('b1', 'sb', 'f1')} ${madd('b2', 'sb', 'f2')} ${madd('b3', 'sb', 'f3')}
                  local.get $pa local.get $aInner i32.add local.set $pa
                  local.get $pb local.get $aInner i32.add local.set $pb
                  local.get $pf local.get $bRow i32.add local.set $pf
                  local.get $t i32.const 1 i32.add local.set $t
                  br $innerLoop
                end
              end
              local.get $i local.get $cRow i32.mul local.get $jb i32.const 3 i32.shl i32.add local.tee $o
              local.get $cRow i32.add local.set $ob
              ${features ? 'local.get $o local.get $z i32.add local.set $oz local.get $ob local.get $z i32.add local.set $ozb local.get $centre local.get $jb i32.const 3 i32.shl i32.add local.set $pc' : ''}
              local.get $o local.get $c i32.add local.set $o
              local.get $ob local.get $c i32.add local.set $ob
              ${epilogue(features)}
              local.get $jb i32.const 8 i32.add local.set $jb
              br $colLoop
            end
          end
          local.get $i i32.const 2 i32.add local.set $i
          br $rowLoop
        end
      end`,
  };
}

/** A loop over p = 0, 16, … < $mpb (bytes of one feature row). */
const overRow = (label: string, body: string) => `
  i32.const 0 local.set $p
  block $${label}Done
    loop $${label}
      local.get $p local.get $mpb i32.ge_s br_if $${label}Done
      ${body}
      local.get $p i32.const 16 i32.add local.set $p
      br $${label}
    end
  end`;

/** c = β(σ(β·cm·(lane 0 + lane 1 of $acc)) − y_k) into $c and coefficients[k], for the row k in $k (sigmoid.ts's two branches). */
const coefficient = (acc: string, k: string, c: string) => `
  local.get $cm local.get ${acc} f64x2.extract_lane 0 local.get ${acc} f64x2.extract_lane 1 f64.add f64.mul local.set $logit
  local.get $beta local.get $logit f64.mul local.set $tb
  local.get $tb f64.const 0 f64.ge
  if
    f64.const 1 f64.const 1 local.get $tb f64.neg call $exp f64.add f64.div local.set $sig
  else
    local.get $tb call $exp local.set $e
    local.get $e f64.const 1 local.get $e f64.add f64.div local.set $sig
  end
  local.get $beta local.get $sig local.get $labels local.get ${k} i32.const 3 i32.shl i32.add f64.load f64.sub f64.mul local.set ${c}
  local.get $coefficients local.get ${k} i32.const 3 i32.shl i32.add local.get ${c} f64.store`;

/** The address of the feature row listed at position $k + `plus`. */
const rowAddress = (plus: number) =>
  `local.get $features local.get $rowIndices local.get $k i32.const 2 i32.shl i32.add i32.load offset=${4 * plus} local.get $mpb i32.mul i32.add`;

/**
 * Rows two at a time (two independent sums in flight: the dot is otherwise bound by the add's
 * latency, and two rows are fetched at once), the gradient updated by both in one pass, g + c₁φ₁
 * then + c₂φ₂: the reference's order.
 */
const headStep: WasmFunction = {
  name: 'headStep',
  params: [...ints('features', 'mp', 'rowIndices', 'n', 'head', 'labels'), ...doubles('beta', 'cm'), ...ints('gradient', 'coefficients')],
  results: [],
  locals: [...ints('mpb', 'k', 'k2', 'p', 'o', 'o2', 'q'), ...doubles('logit', 'tb', 'sig', 'e', 'c', 'c2'), ...vectors('acc', 'acc2', 'cv', 'cv2', 'h', 'zero2')],
  body: `
    local.get $mp i32.const 3 i32.shl local.set $mpb
    f64.const 0 f64x2.splat local.set $zero2
    ${overRow('zero', 'local.get $gradient local.get $p i32.add local.get $zero2 v128.store')}
    i32.const 0 local.set $k
    block $pairsDone
      loop $pair
        local.get $k i32.const 1 i32.add local.get $n i32.ge_s br_if $pairsDone
        ${rowAddress(0)} local.set $o
        ${rowAddress(1)} local.set $o2
        local.get $zero2 local.set $acc
        local.get $zero2 local.set $acc2
        ${overRow('dots', `local.get $head local.get $p i32.add v128.load local.set $h
          local.get $acc local.get $h local.get $o local.get $p i32.add v128.load f64x2.mul f64x2.add local.set $acc
          local.get $acc2 local.get $h local.get $o2 local.get $p i32.add v128.load f64x2.mul f64x2.add local.set $acc2`)}
        ${coefficient('$acc', '$k', '$c')}
        local.get $k i32.const 1 i32.add local.set $k2
        ${coefficient('$acc2', '$k2', '$c2')}
        local.get $c f64x2.splat local.set $cv
        local.get $c2 f64x2.splat local.set $cv2
        ${overRow('axpys', `local.get $gradient local.get $p i32.add local.tee $q
          local.get $q v128.load local.get $cv local.get $o local.get $p i32.add v128.load f64x2.mul f64x2.add
          local.get $cv2 local.get $o2 local.get $p i32.add v128.load f64x2.mul f64x2.add v128.store`)}
        local.get $k i32.const 2 i32.add local.set $k
        br $pair
      end
    end
    local.get $k local.get $n i32.lt_s
    if ;; the odd last row
      ${rowAddress(0)} local.set $o
      local.get $zero2 local.set $acc
      ${overRow('dot', 'local.get $acc local.get $head local.get $p i32.add v128.load local.get $o local.get $p i32.add v128.load f64x2.mul f64x2.add local.set $acc')}
      ${coefficient('$acc', '$k', '$c')}
      local.get $c f64x2.splat local.set $cv
      ${overRow('axpy', 'local.get $gradient local.get $p i32.add local.tee $q local.get $q v128.load local.get $cv local.get $o local.get $p i32.add v128.load f64x2.mul f64x2.add v128.store')}
    end`,
};

/** out = ((c_k·factor)·a)·σ'(z), one loop per activation. */
const deltaRow = (derivative: string) =>
  overRow(
    'row',
    `local.get $pre local.get $p i32.add v128.load local.set $z
     ${derivative}
     local.get $out local.get $p i32.add
     local.get $ckv local.get $head local.get $p i32.add v128.load f64x2.mul local.get $d f64x2.mul
     v128.store`,
  );

const delta: WasmFunction = {
  name: 'delta',
  params: [...ints('preactivations', 'mp', 'n', 'coefficients', 'head'), ['factor', F64], ...ints('act', 'out')],
  results: [],
  locals: [...ints('mpb', 'k', 'p', 'pre'), ...vectors('ckv', 'z', 'd', 't', 'one2', 'zero2')],
  body: `
    local.get $mp i32.const 3 i32.shl local.set $mpb
    f64.const 1 f64x2.splat local.set $one2
    f64.const 0 f64x2.splat local.set $zero2
    local.get $preactivations local.set $pre
    i32.const 0 local.set $k
    block $samplesDone
      loop $sample
        local.get $k local.get $n i32.ge_s br_if $samplesDone
        local.get $coefficients local.get $k i32.const 3 i32.shl i32.add f64.load local.get $factor f64.mul f64x2.splat local.set $ckv
        local.get $act i32.const 0 i32.eq
        if ${deltaRow('local.get $one2 local.set $d')} end
        local.get $act i32.const 1 i32.eq
        if ${deltaRow('local.get $z local.get $zero2 f64x2.gt local.get $one2 v128.and local.set $d')} end
        local.get $act i32.const 2 i32.eq
        if
          ${deltaRow(`local.get $z local.get $z f64x2.extract_lane 0 call $tanh f64x2.replace_lane 0
            local.get $z f64x2.extract_lane 1 call $tanh f64x2.replace_lane 1 local.set $t
            local.get $one2 local.get $t local.get $t f64x2.mul f64x2.sub local.set $d`)}
        end
        local.get $pre local.get $mpb i32.add local.set $pre
        local.get $out local.get $mpb i32.add local.set $out
        local.get $k i32.const 1 i32.add local.set $k
        br $sample
      end
    end`,
};

let bytes: Uint8Array | undefined;

/** The module, assembled once per process. */
export function randomFeaturesModuleBytes(): Uint8Array {
  bytes ??= assembleModule({
    imports: [
      { module: 'math', name: 'exp', params: [F64], results: [F64] },
      { module: 'math', name: 'tanh', params: [F64], results: [F64] },
    ],
    memoryPages: 1,
    functions: [gemmFunction('gemm', false), gemmFunction('features', true), headStep, delta],
  });
  return bytes;
}

const PAGE = 65536;
let compiled: object | null | undefined;

/** The kernels on a module instance of their own (its memory is the context's). */
export class WasmKernels implements Kernels {
  readonly kind = 'wasm' as const;
  readonly memory: KernelMemory;
  readonly gemm: Kernels['gemm'];
  readonly features: Kernels['features'];
  readonly headStep: Kernels['headStep'];
  readonly delta: Kernels['delta'];

  private constructor(api: WasmApi, module: object) {
    const instance = new api.Instance(module, { math: { exp: Math.exp, tanh: Math.tanh } });
    const memory = instance.exports.memory as WasmMemory;
    this.memory = {
      get buffer() {
        return memory.buffer;
      },
      reserve(n: number) {
        if (memory.buffer.byteLength < n) memory.grow(Math.ceil((n - memory.buffer.byteLength) / PAGE));
      },
    };
    this.gemm = instance.exports.gemm as Kernels['gemm'];
    this.features = instance.exports.features as Kernels['features'];
    this.headStep = instance.exports.headStep as Kernels['headStep'];
    this.delta = instance.exports.delta as Kernels['delta'];
  }

  /** A new instance, or null when this host has no WebAssembly with SIMD (the reference is used then). */
  static create(): WasmKernels | null {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (api === undefined) return null;
    try {
      compiled ??= new api.Module(randomFeaturesModuleBytes());
      return new WasmKernels(api, compiled);
    } catch {
      compiled = null;
      return null; // no SIMD, or a content security policy without 'wasm-unsafe-eval'
    }
  }
}
