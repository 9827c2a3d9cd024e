/**
 * Models stay portable between engines: a model whose SQL uses a spelling the target's dialect
 * lacks (DuckDB's `::` or QUALIFY on Trino, say) gets a warning at that line and column, with
 * what to write instead, before anything runs. Text in quotes and comments is not looked at, nor
 * what an {{#on "…"}}…{{else}}…{{/on}} block renders for other targets only.
 */
import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import type { ModelFile } from '../project/spec.js';
import type { Dialect } from '../warehouse/dialect.js';

const blank = (text: string) => text.replace(/[^\n]/g, ' ');

/** The branches of {{#on}} blocks not rendered for `target` blanked (blocks are not nested in practice; an inner one is left as it is). */
function forTarget(sql: string, target: string): string {
  return sql.replace(
    /(\{\{#on((?:\s+"[^"]*")+)\s*\}\})((?:(?!\{\{#on\b)[\s\S])*?)(?:(\{\{else\}\})((?:(?!\{\{#on\b)[\s\S])*?))?(\{\{\/on\}\})/g,
    (_all, open: string, types: string, block: string, otherwise: string | undefined, inverse: string | undefined, close: string) => {
      const taken = [...types.matchAll(/"([^"]*)"/g)].some((m) => m[1] === target);
      return `${blank(open)}${taken ? block : blank(block)}${blank(otherwise ?? '')}${taken ? blank(inverse ?? '') : (inverse ?? '')}${blank(close)}`;
    },
  );
}

/** The SQL with quoted text and comments blanked, lengths and line breaks kept, so positions still hold. */
function code(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|\{\{!--[\s\S]*?--\}\}/g, (t) =>
    t.startsWith('"') ? t : blank(t),
  );
}

export function checkPortability(file: ModelFile, dialect: Dialect, diagnostics: Diagnostic[]): void {
  if (dialect.lacks.length === 0) return;
  const lines = code(forTarget(file.sql, dialect.type)).split('\n');
  for (const trap of dialect.lacks) {
    const pattern = new RegExp(trap.pattern.source, trap.pattern.flags.includes('i') ? 'i' : '');
    const index = lines.findIndex((line) => pattern.test(line));
    if (index < 0) continue;
    const matched = pattern.exec(lines[index]!)!;
    const syntax = typeof trap.syntax === 'string' ? trap.syntax : trap.syntax(matched[0]);
    diagnostics.push(
      diagnostic(
        'DIALECT_SYNTAX',
        { syntax, target: dialect.type },
        { file: file.path, line: index + 1, column: matched.index + 1 },
        trap.instead,
        'warn',
      ),
    );
  }
}
