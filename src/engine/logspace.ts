/** logspace(a, b, n): n points from 10^a to 10^b, the paper's learning-rate grid. */
export function logspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [Math.pow(10, a)];
  return Array.from({ length: n }, (_, i) => Number(Math.pow(10, a + ((b - a) * i) / (n - 1)).toPrecision(15)));
}
