/**
 * Link functions in JavaScript, written exactly as their SQL twins in `sql.ts` (same operations
 * in the same order), so that the warehouse and `predict` agree to the last bits.
 */
export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Unshifted, like `sqlSoftmax`: raw tree scores stay far inside exp's range. */
export function softmax(z: ArrayLike<number>): number[] {
  const exps = Array.from(z, (zk) => Math.exp(zk));
  let total = 0;
  for (const e of exps) total += e;
  return exps.map((e) => e / total);
}
