/**
 * Hand-built xoshiro128** states whose next outputs are chosen in advance.
 *
 * The output r = rotl(s1 · 5, 7) · 9 (mod 2^32) depends on s1 alone and is a bijection of it, so
 * s1 = rotr(r · 9⁻¹, 7) · 5⁻¹. One step maps s1 to s1 ⊕ s2 ⊕ s0; with s0 = 0 and s2 = s1 ⊕ s1'
 * the second output is the one of s1'. Built from the published algorithm, not from src.
 */

const INVERSE_OF_9 = 0x38e38e39; // 9 · 0x38e38e39 ≡ 1 (mod 2^32)
const INVERSE_OF_5 = 0xcccccccd; // 5 · 0xcccccccd ≡ 1 (mod 2^32)

/** The word s1 whose xoshiro128** output is `output`. */
export function s1ForOutput(output: number): number {
  const y = Math.imul(output >>> 0, INVERSE_OF_9);
  const rotatedRight = (y >>> 7) | (y << 25);
  return Math.imul(rotatedRight, INVERSE_OF_5) >>> 0;
}

/** A state whose first two uint32 outputs are `first` and `second` (s3 = 1 keeps it non-zero). */
export function stateWithOutputs(first: number, second: number): [number, number, number, number] {
  const s1 = s1ForOutput(first);
  const s1Next = s1ForOutput(second);
  return [0, s1, (s1 ^ s1Next) >>> 0, 1];
}
