/**
 * SQL text shared by the algorithms' emitters. Only standard SQL that DuckDB and Trino both
 * read: CASE, arithmetic, exp, ln — no `::`, no list functions.
 */

/**
 * A number as a DOUBLE literal. Exponent notation (`1e-1`) is DOUBLE in DuckDB and Trino, whereas
 * `0.1` is DECIMAL in both, and `toExponential()` prints the shortest digits that read back to
 * the same double, so SQL and JavaScript compute with identical constants.
 */
export function sqlNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`cannot write ${n} as a SQL literal`);
  const text = n.toExponential();
  return n < 0 ? `(${text})` : text;
}

/** `a + b + …` over a list of expressions, one level of parentheses, 0 when empty. */
export function sqlSum(terms: readonly string[]): string {
  return terms.length === 0 ? sqlNumber(0) : `(${terms.join(' + ')})`;
}

/** The logistic function, the same formula as `sigmoid` in JavaScript so both round alike. */
export function sqlSigmoid(z: string): string {
  return `(1e0 / (1e0 + exp(-(${z}))))`;
}

/** Softmax of several expressions; raw tree scores stay far inside exp's range, so no shift. */
export function sqlSoftmax(z: readonly string[]): string[] {
  const exps = z.map((zk) => `exp(${zk})`);
  const total = `(${exps.join(' + ')})`;
  return exps.map((e) => `(${e} / ${total})`);
}
