/** "1 row", "2 rows", "10,000 rows": a count with its noun, in the plural unless it is one. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}
