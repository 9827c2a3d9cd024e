/**
 * `$name` placeholders rewritten as `?` for engines that bind parameters only by position
 * (capabilities.parameters 'positional'): each use becomes a `?` and its value is repeated in
 * order. Text in quotes and comments is left alone.
 */
export function positionalParameters(sql: string, named: Record<string, unknown>): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const rewritten = sql.replace(
    /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (token, name: string | undefined) => {
      if (name === undefined) return token;
      values.push(named[name]);
      return '?';
    },
  );
  return { sql: rewritten, values };
}
