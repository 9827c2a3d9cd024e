/** Small HTML helpers: escaping, SQL highlighting, status badges (charts are in charts.ts). */
export const escape = (text: unknown): string =>
  String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const KEYWORDS =
  /\b(select|from|where|group|by|order|having|with|as|join|left|right|inner|outer|on|using|and|or|not|in|is|null|case|when|then|else|end|union|all|distinct|limit|over|partition|filter|interval|cast|true|false|between|like|exists|qualify|asc|desc)\b/gi;

export function highlightSql(sql: string): string {
  const parts: string[] = [];
  const pattern = /(--[^\n]*)|('(?:[^']|'')*')|(\b\d+(?:\.\d+)?\b)|([^'-]+|-)/g;
  for (const match of sql.matchAll(pattern)) {
    if (match[1]) parts.push(`<span class="cm">${escape(match[1])}</span>`);
    else if (match[2]) parts.push(`<span class="str">${escape(match[2])}</span>`);
    else if (match[3]) parts.push(`<span class="num">${match[3]}</span>`);
    else parts.push(escape(match[0]).replace(KEYWORDS, '<span class="kw">$1</span>'));
  }
  return parts.join('');
}

export const badge = (status: string | null | undefined) =>
  `<span class="status s-${escape(status ?? 'none')}">${escape(status ?? 'not run')}</span>`;
