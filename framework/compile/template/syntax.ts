import type { TemplateLocation } from './context.js';

export interface SyntaxProblem {
  message: string;
  at: TemplateLocation;
  hint: string | null;
}

/** Where Handlebars' parser stopped: the token it could not take (jison's lexer location, 1-based line, 0-based column). */
export interface ParserStop {
  line: number;
  column: number;
}

/**
 * Explains a Handlebars syntax error. Its parser stops where it notices the problem — an
 * unclosed `{{#if}}` at the end of the file — so blocks and mustaches are matched here to point
 * at the tag that causes it; otherwise the parser's own complaint is told at its token.
 */
export function explainSyntaxError(template: string, message: string, stop: ParserStop | null): SyntaxProblem {
  const own = blockProblem(template);
  const parsed = /Expecting (.*), got '([^']+)'/.exec(message);
  if (own && (!stop || before(own.at, stop))) return own;
  if (parsed && stop) {
    const expected = parsed[1]!.split(', ').map((t) => describe(t.replace(/'/g, '')));
    const expecting = expected.length <= 4 ? `; expecting ${[...new Set(expected)].join(' or ')}` : '';
    return { message: `unexpected ${describe(parsed[2]!)}${expecting}`, at: stop, hint: null };
  }
  return own ?? { message: firstLine(message), at: stop ?? { line: 1, column: 0 }, hint: null };
}

const tokens: Record<string, string> = {
  EOF: 'end of file',
  CLOSE: '}}',
  CLOSE_UNESCAPED: '}}}',
  CLOSE_RAW_BLOCK: '}}}}',
  OPEN: '{{',
  OPEN_BLOCK: '{{#',
  OPEN_ENDBLOCK: '{{/',
  OPEN_INVERSE: '{{^',
  INVERSE: '{{else}}',
  OPEN_INVERSE_CHAIN: '{{else …}}',
  OPEN_PARTIAL: '{{>',
  OPEN_SEXPR: '(',
  CLOSE_SEXPR: ')',
  ID: 'a name',
  STRING: 'a string',
  NUMBER: 'a number',
  BOOLEAN: 'true or false',
  EQUALS: '=',
  SEP: '. or /',
  DATA: '@',
  INVALID: 'text that is not template syntax',
};

function describe(token: string): string {
  return tokens[token] ?? token;
}

function before(a: TemplateLocation, b: ParserStop): boolean {
  return a.line < b.line || (a.line === b.line && a.column <= b.column);
}

/** Blocks opened and closed out of order, or a mustache never closed; null when they all match. */
function blockProblem(template: string): SyntaxProblem | null {
  const open: { name: string; tag: string; at: TemplateLocation }[] = [];
  let i = 0;
  while ((i = template.indexOf('{{', i)) !== -1) {
    if (template[i - 1] === '\\') {
      i += 2;
      continue;
    }
    const at = locationOf(template, i);
    const comment = template.startsWith('{{!--', i) ? '--}}' : template.startsWith('{{!', i) ? '}}' : null;
    const end = template.indexOf(comment ?? '}}', i + 2);
    if (end === -1) {
      const start = template
        .slice(i, i + 20)
        .split('\n')[0]!
        .trimEnd();
      return { message: `${comment ? 'comment' : `"${start}"`} is never closed`, at, hint: `close it with ${comment ?? '}}'}` };
    }
    const tag = /^\{\{~?\s*([#^/])\s*[>*]?\s*([^\s}~()]+)/.exec(template.slice(i, end + 2));
    i = end + (comment ?? '}}').length;
    if (comment || !tag) continue;
    const sigil = tag[1]!;
    const name = tag[2]!;
    if (sigil !== '/') {
      open.push({ name, tag: `{{${sigil}${name}}}`, at });
      continue;
    }
    const innermost = open.pop();
    if (!innermost) return { message: `{{/${name}}} closes no block`, at, hint: `remove it, or open the block with {{#${name} …}}` };
    if (innermost.name !== name) {
      const where = `${innermost.at.line}:${innermost.at.column + 1}`;
      return {
        message: `{{/${name}}} does not close ${innermost.tag} (opened at ${where})`,
        at,
        hint: `close ${innermost.tag} with {{/${innermost.name}}} first`,
      };
    }
  }
  const unclosed = open.pop();
  return unclosed ? { message: `${unclosed.tag} is never closed`, at: unclosed.at, hint: `close it with {{/${unclosed.name}}}` } : null;
}

function locationOf(text: string, offset: number): TemplateLocation {
  const lines = text.slice(0, offset).split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length };
}

function firstLine(message: string): string {
  return message.split('\n').filter((l) => l.trim() && !/^[-^]+$/.test(l.trim()))[0] ?? message;
}
