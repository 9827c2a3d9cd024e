/** Small HTML helpers: escaping, SQL highlighting, status badges, SVG charts. */
export const escape = (text: unknown): string =>
  String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const KEYWORDS = /\b(select|from|where|group|by|order|having|with|as|join|left|right|inner|outer|on|using|and|or|not|in|is|null|case|when|then|else|end|union|all|distinct|limit|over|partition|filter|interval|cast|true|false|between|like|exists|qualify|asc|desc)\b/gi;

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

export const badge = (status: string | null | undefined) => `<span class="status s-${escape(status ?? 'none')}">${escape(status ?? 'not run')}</span>`;

/** A line chart of one or more series over time. */
export function lineChart(points: number[][], names: string[], width = 460, height = 160): string {
  if (points.length < 2) return '';
  const xs = points.map((p) => p[0]!);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const colors = ['#2563eb', '#16a34a', '#d97706'];
  const lines = names.map((name, s) => {
    const ys = points.map((p) => p[s + 1]!);
    const [y0, y1] = [Math.min(0, ...ys), Math.max(...ys) || 1];
    const path = points.map((p) => `${(40 + ((p[0]! - x0) / (x1 - x0 || 1)) * (width - 50)).toFixed(1)},${(height - 20 - ((p[s + 1]! - y0) / (y1 - y0 || 1)) * (height - 30)).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${colors[s % 3]}" stroke-width="1.5" points="${path}"><title>${escape(name)}</title></polyline>`;
  });
  // Each series has its own scale, so the legend says each one's maximum.
  const legend = names.map((name, s) => `<span style="color:${colors[s % 3]}">■ ${escape(name)} (max ${Math.max(...points.map((p) => p[s + 1]!)).toLocaleString()})</span>`).join(' &nbsp; ');
  const label = (t: number) => new Date(t).toISOString().slice(5, 16).replace('T', ' ');
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="chart">${lines.join('')}<text x="40" y="${height - 4}">${label(x0)}</text><text x="${width - 110}" y="${height - 4}">${label(x1)}</text></svg><div class="muted">${legend}</div>`;
}

export function rocChart(points: [number, number][], auc: number | undefined): string {
  const size = 200;
  const line = points.map(([x, y]) => `${(20 + x * (size - 30)).toFixed(1)},${(size - 20 - y * (size - 30)).toFixed(1)}`).join(' ');
  return `<svg viewBox="0 0 ${size} ${size}" width="220" role="img" aria-label="ROC curve"><rect x="20" y="10" width="${size - 30}" height="${size - 30}" fill="none" stroke="#e5e7eb"/><line x1="20" y1="${size - 20}" x2="${size - 10}" y2="10" stroke="#cbd5e1" stroke-dasharray="4"/><polyline fill="none" stroke="#2563eb" stroke-width="2" points="${line}"/><text x="24" y="24">ROC-AUC ${auc?.toFixed(3) ?? ''}</text><text x="${size / 2 - 30}" y="${size - 4}">false positives</text></svg>`;
}
