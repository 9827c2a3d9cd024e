import { diagnostic, type Diagnostic, type Place } from '../../core/diagnostics.js';

/**
 * Test names taken so far, by lowercase name: DuckDB compares names case-insensitively, and a
 * test that stores its failures does so in a table named after it.
 */
export type TestNames = Map<string, { name: string; file: string }>;

/** A name plat makes up (not_null_orders_id): a taken one gets a suffix. */
export function generatedName(name: string, file: string, names: TestNames): string {
  let candidate = name;
  for (let i = 2; names.has(candidate.toLowerCase()); i++) candidate = `${name}_${i}`;
  names.set(candidate.toLowerCase(), { name: candidate, file });
  return candidate;
}

/** A name the user chose (a file name, `name:`): one taken already is an error naming the other; null then. */
export function chosenName(name: string, place: Place & { file: string }, names: TestNames, diagnostics: Diagnostic[]): string | null {
  const other = names.get(name.toLowerCase());
  if (!other) {
    names.set(name.toLowerCase(), { name, file: place.file });
    return name;
  }
  const sameCase = other.name === name;
  const hint = sameCase
    ? 'test names are global: rename one of them'
    : 'the names differ only in case, and DuckDB names are case-insensitive: rename one of them';
  diagnostics.push(diagnostic('DUPLICATE_TEST', { name, other: sameCase ? other.file : `"${other.name}" in ${other.file}` }, place, hint));
  return null;
}
