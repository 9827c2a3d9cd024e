/** Ephemeral models are not built; their SQL is inlined as CTEs into the models that ref them. */
export const ephemeralCteName = (model: string) => `__plat_ephemeral_${model}`;

/** A CTE to put in front of a model's SQL: an ephemeral model, or a unit test's fixture. */
export interface EphemeralBody {
  cte: string;
  sql: string;
}

/**
 * Prefixes `WITH <ephemerals>` to a model's SQL. When the model starts with its own WITH, that
 * keyword becomes a comma so both CTE lists join; either way the model's own lines keep their
 * numbers after the prefix, which keeps the line map simple.
 */
export function inlineEphemerals(sql: string, lineMap: number[], ephemerals: EphemeralBody[]): { sql: string; lineMap: number[] } {
  if (ephemerals.length === 0) return { sql, lineMap };
  const ctes = ephemerals.map((e) => `${e.cte} AS (\n${e.sql}\n)`).join(',\n');
  const prefix = `WITH ${ctes}\n`;
  const leadingWith = /^((?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*)with(\s)(?!\s*recursive\b)/i.exec(sql);
  const body = leadingWith ? `${leadingWith[1]},${leadingWith[2]}${sql.slice(leadingWith[0].length)}` : sql;
  const prefixLines = prefix.split('\n').length - 1;
  return { sql: prefix + body, lineMap: [...new Array<number>(prefixLines).fill(0), ...lineMap] };
}

/** Trailing semicolons and blank lines would break the statements plat wraps around a model. */
export function trimStatement(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}
