/** "1 row", "2 rows", "10,000 rows": a count with its noun, in the plural unless it is one. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${thousands(n)} ${n === 1 ? singular : plural}`;
}

/**
 * "10,000", as toLocaleString('en-US') writes a count; without Intl, whose first use costs
 * a short command (`plat compile` with nothing to do) a tenth of a second.
 */
export function thousands(n: number): string {
  if (!Number.isInteger(n)) return n.toLocaleString('en-US');
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}
