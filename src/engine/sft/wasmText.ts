/**
 * Pieces of the batch kernel's WebAssembly text (wasmBatch.ts), each the translation of one piece
 * of the TypeScript reference: the generator (rng.ts), the ziggurat (distributions.ts) and the
 * fused loop's sample (batch.ts). Locals are named as in the reference.
 */

/** One xoshiro128** output into `out` (Rng.nextInt32). */
export const xoshiro = (out: string) => `
  local.get $s1 i32.const 5 i32.mul i32.const 7 i32.rotl i32.const 9 i32.mul local.set ${out}
  local.get $s1 i32.const 9 i32.shl local.set $t
  local.get $s2 local.get $s0 i32.xor local.set $s2
  local.get $s3 local.get $s1 i32.xor local.set $s3
  local.get $s1 local.get $s2 i32.xor local.set $s1
  local.get $s0 local.get $s3 i32.xor local.set $s0
  local.get $s2 local.get $t i32.xor local.set $s2
  local.get $s3 i32.const 11 i32.rotl local.set $s3`;

/** The generator's state s0..s3 between memory at `offset` and the locals: `load` before a run of draws, `store` after (and around the slow path). */
export const stateIo = (offset: number) => ({
  load: `
  i32.const 0 i32.load offset=${offset} local.set $s0
  i32.const 0 i32.load offset=${offset + 4} local.set $s1
  i32.const 0 i32.load offset=${offset + 8} local.set $s2
  i32.const 0 i32.load offset=${offset + 12} local.set $s3`,
  store: `
  i32.const 0 local.get $s0 i32.store offset=${offset}
  i32.const 0 local.get $s1 i32.store offset=${offset + 4}
  i32.const 0 local.get $s2 i32.store offset=${offset + 8}
  i32.const 0 local.get $s3 i32.store offset=${offset + 12}`,
});

/** Rng.uniform(): (hi · 2^26 + lo + ½) / 2^52 with the top 26 bits of two outputs; leaves it on the stack. */
export const uniform = `
  ${xoshiro('$hi')} ${xoshiro('$lo')}
  local.get $hi i32.const 6 i32.shr_u f64.convert_i32_u f64.const 67108864 f64.mul
  local.get $lo i32.const 6 i32.shr_u f64.convert_i32_u f64.add f64.const 0.5 f64.add f64.const 4503599627370496 f64.div`;

/**
 * The ziggurat's fast-path test of the four draws h1..h4 at once: layers i_k = h_k & 255 (scalars,
 * for the loads), abscissae n = h >> 8 as the i32x4 $nv = (n1, n3, n2, n4), and "every |n_k| <
 * ZIG_K[i_k]" as an i32 on the stack (the reference's sign test of the four differences, which
 * cannot overflow for |n| ≤ 2^23).
 */
export const ziggurat = (ZK: number) => {
  let text = '';
  for (const k of [1, 2, 3, 4]) text += `\n  local.get $h${k} i32.const 255 i32.and local.set $i${k}`;
  const limit = (k: number) => `local.get $i${k} i32.const 2 i32.shl i32.load offset=${ZK}`;
  return `${text}
  local.get $h1 i32x4.splat local.get $h3 i32x4.replace_lane 1 local.get $h2 i32x4.replace_lane 2 local.get $h4 i32x4.replace_lane 3
  i32.const 8 i32x4.shr_s local.tee $nv i32x4.abs
  ${limit(1)} i32x4.splat ${limit(3)} i32x4.replace_lane 1 ${limit(2)} i32x4.replace_lane 2 ${limit(4)} i32x4.replace_lane 3
  i32x4.lt_s i32x4.all_true`;
};

/** Lanes 0 of two f64x2 as one (unpack low), and lanes 1 (unpack high). */
const LOW = '0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23';
const HIGH = '8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31';

/**
 * The four coefficients of each lane's sigmoid-table interval, (T[kA + j], T[kB + j]) for j = 0…3,
 * into $t0…$t3: two 16-byte loads per lane, then unpacks.
 */
const coefficients = (TABLE: number) => `
  local.get $kA v128.load offset=${TABLE} local.set $ta
  local.get $kB v128.load offset=${TABLE} local.set $tb
  local.get $ta local.get $tb i8x16.shuffle ${LOW} local.set $t0
  local.get $ta local.get $tb i8x16.shuffle ${HIGH} local.set $t1
  local.get $kA v128.load offset=${TABLE + 16} local.set $ta
  local.get $kB v128.load offset=${TABLE + 16} local.set $tb
  local.get $ta local.get $tb i8x16.shuffle ${LOW} local.set $t2
  local.get $ta local.get $tb i8x16.shuffle ${HIGH} local.set $t3`;

/** (ZIG_W[ia], ZIG_W[ib]) times (na, nb), with (na, nb) the low lanes of `abscissae`: two normals as one vector. */
const normals = (ZW: number, a: number, b: number, abscissae: string) => `
  ${abscissae} f64x2.convert_low_i32x4_s
  local.get $i${a} i32.const 3 i32.shl f64.load offset=${ZW} f64x2.splat local.get $i${b} i32.const 3 i32.shl f64.load offset=${ZW} f64x2.replace_lane 1
  f64x2.mul`;

/**
 * Samples a = (g1, g2) from draws 1, 2 and b from draws 3, 4, as lanes 0 and 1, into $v1 = (ga1,
 * gb1) and $v2 = (ga2, gb2); leaves (σ(β‖w‖ ga1), σ(β‖w‖ gb1)) on the stack: position in the
 * sigmoid table (clamped; NaN → 0 as `x | 0` does), Hermite cubic.
 */
const sigmaLanes = ({ ZW, TABLE }: { ZW: number; TABLE: number }) => `
  ${normals(ZW, 1, 3, 'local.get $nv')} local.set $v1
  ${normals(ZW, 2, 4, `local.get $nv local.get $nv i8x16.shuffle ${HIGH}`)} local.set $v2
  local.get $v1 local.get $scale2 f64x2.mul local.get $offset2 f64x2.add local.get $zero2 f64x2.pmax local.get $top2 f64x2.pmin local.tee $vpos
  local.get $vpos i32x4.trunc_sat_f64x2_s_zero local.tee $vk f64x2.convert_low_i32x4_s f64x2.sub local.set $vu
  local.get $vk i32x4.extract_lane 0 i32.const 5 i32.shl local.set $kA
  local.get $vk i32x4.extract_lane 1 i32.const 5 i32.shl local.set $kB
  ${coefficients(TABLE)}
  local.get $t0 local.get $vu local.get $t1 local.get $vu local.get $t2 local.get $vu local.get $t3 f64x2.mul
  f64x2.add f64x2.mul f64x2.add f64x2.mul f64x2.add`;

/** acc += term when the four draws were all inside (`$keep`), else acc += −0. */
const accumulate = (acc: string, term: string) => `
  local.get ${acc} ${term} local.get $negzero2 local.get $keep v128.bitselect f64x2.add local.set ${acc}`;

/**
 * The plain sample (batch.ts's fused loop): c = σ − ½ − ½·margin/(|margin| + 10⁻³⁰⁰), accumulate
 * c·g1, c·g2, c². Computed for every iteration, without a branch: when the four draws are not all
 * inside their rectangles (`$keep` all zeros) the terms added are −0, which leaves any sum, ±0
 * included, as it is.
 */
export const sampleLanes = (at: { ZW: number; TABLE: number }) => `
  ${sigmaLanes(at)}
  local.get $half2 f64x2.sub
  local.get $half2 local.get $p2 local.get $v1 f64x2.mul local.get $q2 local.get $v2 f64x2.mul f64x2.add local.tee $vmargin f64x2.mul
  local.get $vmargin f64x2.abs local.get $tiny2 f64x2.add f64x2.div
  f64x2.sub local.set $vc
  ${accumulate('$acc1', 'local.get $vc local.get $v1 f64x2.mul')}
  ${accumulate('$acc2', 'local.get $vc local.get $v2 f64x2.mul')}
  ${accumulate('$accq', 'local.get $vc local.get $vc f64x2.mul')}`;

/** Store lane `lane` of (g1, g2, c) at the kept count, which the lane's band mask (i32 lane `mask`: −1 or 0) advances. */
const keptLane = (lane: number, mask: number) => `
  local.get $n i32.const 3 i32.shl local.get $kept i32.add local.tee $addr local.get $v1 f64x2.extract_lane ${lane} f64.store
  local.get $addr local.get $stride i32.add local.tee $addr local.get $v2 f64x2.extract_lane ${lane} f64.store
  local.get $addr local.get $stride i32.add local.get $vc f64x2.extract_lane ${lane} f64.store
  local.get $n local.get $vband i32x4.extract_lane ${mask} i32.sub local.set $n`;

/**
 * The auxiliary-confidence sample (auxHardGaussian.ts's fused loop), lanes a and b:
 *   y = ½ + ½·margin/(|margin| + 10⁻³⁰⁰),  own = 1{g1 > 0},  c = σ − (1 − α_t)·y − α_t·own,
 * accumulate c·g1, c·g2, c² (as sampleLanes, −0 when not `$keep`), labelSum += ya + yb (when
 * `$inside`, in the reference's order) and own into the lanes of $accown (sums of 0 and 1: exact in
 * any order). With `band`, store (g1, g2, c) of each lane with |g1| < band at the kept count $n (g1
 * at $kept, g2 at $kept + $stride, c at $kept + 2·$stride), which grows by one only for kept lanes;
 * both lanes are stored when either is kept (a lane not kept is overwritten later), behind a branch
 * taken by ~10 % of the pairs (measured: ~0.7 ns a sample less than storing every pair
 * branch-free). Without `band` (τ = 0, where the reference's band is 0 and keeps nothing), no stores.
 * g1 = n·ZIG_W[i] with ZIG_W > 0, so 1{g1 > 0} is the reference's 1{n > 0}.
 */
export const auxLanes = (at: { ZW: number; TABLE: number; band: boolean }) => `
  ${sigmaLanes(at)} local.set $vsigma
  local.get $half2
  local.get $half2 local.get $p2 local.get $v1 f64x2.mul local.get $q2 local.get $v2 f64x2.mul f64x2.add local.tee $vmargin f64x2.mul
  local.get $vmargin f64x2.abs local.get $tiny2 f64x2.add f64x2.div
  f64x2.add local.set $vy
  local.get $one2 local.get $v1 local.get $zero2 f64x2.gt v128.and local.tee $vown
  local.get $keep v128.and local.get $accown f64x2.add local.set $accown
  local.get $vsigma local.get $teacher2 local.get $vy f64x2.mul f64x2.sub local.get $alpha2 local.get $vown f64x2.mul f64x2.sub local.set $vc
  ${accumulate('$acc1', 'local.get $vc local.get $v1 f64x2.mul')}
  ${accumulate('$acc2', 'local.get $vc local.get $v2 f64x2.mul')}
  ${accumulate('$accq', 'local.get $vc local.get $vc f64x2.mul')}
  local.get $labelSum
  local.get $vy f64x2.extract_lane 0 local.get $vy f64x2.extract_lane 1 f64.add f64.const -0 local.get $inside select
  f64.add local.set $labelSum
  ${
    at.band
      ? `local.get $v1 f64x2.abs local.get $band2 f64x2.lt local.get $keep v128.and local.tee $vband
  v128.any_true
  if
  ${keptLane(0, 0)}
  ${keptLane(1, 2)}
  end`
      : ''
  }`;

/**
 * normalSlowPath (distributions.ts) for draw $hz: the tail beyond R (iz = 0), the wedge test, or a
 * fresh draw; works on the generator state in memory.
 */
export const slowNormal = (at: { loadState: string; storeState: string; ZW: number; ZK: number; ZF: number; R: number }) => `
  ${at.loadState}
  loop $retry
    local.get $hz i32.const 8 i32.shr_s local.set $m
    local.get $m f64.convert_i32_s local.get $hz i32.const 255 i32.and i32.const 3 i32.shl f64.load offset=${at.ZW} f64.mul local.set $x
    local.get $hz i32.const 255 i32.and i32.eqz
    if
      loop $tail
        ${uniform} call $log f64.neg f64.const ${at.R} f64.div local.set $tx
        ${uniform} call $log f64.neg local.set $ty
        local.get $ty local.get $ty f64.add local.get $tx local.get $tx f64.mul f64.lt br_if $tail
      end
      ${at.storeState}
      f64.const ${at.R} local.get $tx f64.add
      f64.const ${-at.R} local.get $tx f64.sub
      local.get $m i32.const 0 i32.gt_s select
      return
    end
    local.get $hz i32.const 255 i32.and i32.const 3 i32.shl f64.load offset=${at.ZF}
    ${uniform}
    local.get $hz i32.const 255 i32.and i32.const 3 i32.shl f64.load offset=${at.ZF - 8}
    local.get $hz i32.const 255 i32.and i32.const 3 i32.shl f64.load offset=${at.ZF}
    f64.sub f64.mul f64.add
    f64.const -0.5 local.get $x f64.mul local.get $x f64.mul call $exp
    f64.lt
    if
      ${at.storeState} local.get $x return
    end
    ${xoshiro('$hz')}
    local.get $hz i32.const 8 i32.shr_s local.set $m
    local.get $m local.get $m i32.const 31 i32.shr_s i32.xor local.get $m i32.const 31 i32.shr_s i32.sub
    local.get $hz i32.const 255 i32.and i32.const 2 i32.shl i32.load offset=${at.ZK} i32.lt_s
    if
      ${at.storeState} local.get $m f64.convert_i32_s local.get $hz i32.const 255 i32.and i32.const 3 i32.shl f64.load offset=${at.ZW} f64.mul return
    end
    br $retry
  end
  unreachable`;
