/** A script's statements, split at semicolons outside quotes and comments (Trino takes one statement a request). */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  const token = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|;/g;
  for (let match = token.exec(sql); match; match = token.exec(sql)) {
    if (match[0] !== ';') continue;
    statements.push(sql.slice(start, match.index));
    start = match.index + 1;
  }
  statements.push(sql.slice(start));
  return statements.filter((s) => stripComments(s).trim() !== '');
}

export function stripComments(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, (t) => (t.startsWith('-') || t.startsWith('/') ? ' ' : t));
}

/** The statement's first keyword, upper-case, past comments and opening parentheses. */
export function leadingKeyword(sql: string): string {
  return /^[a-z]+/i.exec(stripComments(sql).replace(/^[\s(]+/, ''))?.[0]?.toUpperCase() ?? '';
}

/** How a query (and nothing else) starts in Trino's grammar. */
export const QUERY_KEYWORDS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']);
