import type { InlinedSql } from './manifest.js';

/** Ephemeral models are not built; their SQL is inlined as CTEs into the SQL that refs them. */
export const ephemeralCteName = (model: string) => `__plat_ephemeral_${model}`;

/** A CTE to put in front of a statement: an ephemeral model (with its file, to map errors back), or a unit test's fixture. */
export interface EphemeralBody {
  cte: string;
  sql: string;
  origin: { path: string; lineMap: number[] } | null;
}

/**
 * Prefixes `WITH <ephemerals>` to a statement. When it starts with its own WITH, that keyword
 * becomes a comma so both CTE lists join; either way the statement's own lines keep their
 * numbers after the prefix, and each ephemeral's lines are recorded with its file.
 */
export function inlineEphemerals(
  sql: string,
  lineMap: number[],
  ephemerals: EphemeralBody[],
): { sql: string; lineMap: number[]; inlined: InlinedSql[] } {
  if (ephemerals.length === 0) return { sql, lineMap, inlined: [] };
  const ctes = ephemerals.map((e) => `${e.cte} AS (\n${e.sql}\n)`).join(',\n');
  const prefix = `WITH ${ctes}\n`;
  const leadingWith = /^((?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*)with(\s)(?!\s*recursive\b)/i.exec(sql);
  const body = leadingWith ? `${leadingWith[1]},${leadingWith[2]}${sql.slice(leadingWith[0].length)}` : sql;
  const prefixLines = prefix.split('\n').length - 1;
  const inlined: InlinedSql[] = [];
  // Line 1 opens the first CTE; each body follows its `cte AS (` line and is followed by `),`.
  let opening = 1;
  for (const e of ephemerals) {
    const lines = e.sql.split('\n').length;
    if (e.origin) inlined.push({ path: e.origin.path, line: opening + 1, lineMap: e.origin.lineMap.slice(0, lines) });
    opening += lines + 2;
  }
  return { sql: prefix + body, lineMap: [...new Array<number>(prefixLines).fill(0), ...lineMap], inlined };
}

/** The file and template line a line of compiled SQL comes from: the node's own, or an inlined ephemeral model's. */
export function templateLineOf(
  own: { path: string; lineMap: number[]; inlined: InlinedSql[] },
  compiledLine: number,
): { file: string; line: number | null } {
  for (const span of own.inlined) {
    const offset = compiledLine - span.line;
    if (offset >= 0 && offset < span.lineMap.length) return { file: span.path, line: span.lineMap[offset] || null };
  }
  return { file: own.path, line: own.lineMap[compiledLine - 1] || null };
}

/** Trailing semicolons and blank lines would break the statements plat wraps around a model. */
export function trimStatement(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}
