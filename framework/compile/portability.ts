/**
 * Projects stay portable between engines: SQL that uses a spelling the target's dialect lacks
 * (DuckDB's `::` or QUALIFY on Trino, say) gets a warning at that line and column, with what to
 * write instead, before anything runs: a model's file, and the SQL an agent tool or an endpoint
 * holds in its YAML. Text in quotes and comments is not looked at, nor what an
 * {{#on "…"}}…{{else}}…{{/on}} block renders for other targets only.
 */
import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import type { ModelFile } from '../project/spec.js';
import type { Dialect, SyntaxTrap } from '../warehouse/dialect.js';

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

/** The first line (0-based) and column (1-based) in `lines` where the trap matches, from line `from`. */
function firstMatch(
  lines: string[],
  trap: SyntaxTrap,
  from = 0,
  until = lines.length,
): { index: number; column: number; text: string } | null {
  const pattern = new RegExp(trap.pattern.source, trap.pattern.flags.includes('i') ? 'i' : '');
  for (let index = from; index < until; index++) {
    const matched = pattern.exec(lines[index]!);
    if (matched) return { index, column: matched.index + 1, text: matched[0] };
  }
  return null;
}

function warn(
  what: string,
  trap: SyntaxTrap,
  matched: string,
  dialect: Dialect,
  at: { file: string; line?: number; column?: number },
  diagnostics: Diagnostic[],
): void {
  const syntax = typeof trap.syntax === 'string' ? trap.syntax : trap.syntax(matched);
  diagnostics.push(diagnostic('DIALECT_SYNTAX', { what, syntax, target: dialect.type }, at, trap.instead, 'warn'));
}

export function checkPortability(file: ModelFile, dialect: Dialect, diagnostics: Diagnostic[]): void {
  if (dialect.lacks.length === 0) return;
  const lines = code(forTarget(file.sql, dialect.type)).split('\n');
  for (const trap of dialect.lacks) {
    const found = firstMatch(lines, trap);
    if (found) warn('model', trap, found.text, dialect, { file: file.path, line: found.index + 1, column: found.column }, diagnostics);
  }
}

/**
 * SQL held in a YAML file (an agent tool's `sql:`, an endpoint's), located at `at` (where the
 * locator puts the value). The warning points into the YAML text when the spelling is found
 * there: on the value's first line, or on the lines of its block (`|` or `>`), indented past
 * the line it starts on; else at the value.
 */
export function checkEmbeddedPortability(
  what: string,
  sql: string,
  yaml: string | undefined,
  at: { file: string; line?: number; column?: number },
  dialect: Dialect,
  diagnostics: Diagnostic[],
): void {
  if (dialect.lacks.length === 0) return;
  const inSql = code(forTarget(sql, dialect.type)).split('\n');
  // Line by line: an apostrophe in a YAML description is no SQL string.
  const lines = yaml === undefined ? [] : yaml.split('\n').map(code);
  const start = (at.line ?? 1) - 1;
  const indent = (line: string) => line.length - line.trimStart().length;
  let end = start + 1;
  while (end < lines.length && (lines[end]!.trim() === '' || indent(lines[end]!) > indent(lines[start] ?? ''))) end++;
  for (const trap of dialect.lacks) {
    const found = firstMatch(inSql, trap);
    if (!found) continue;
    const inYaml = firstMatch(lines, trap, start, end);
    const place = inYaml ? { file: at.file, line: inYaml.index + 1, column: inYaml.column } : at;
    warn(what, trap, found.text, dialect, place, diagnostics);
  }
}
