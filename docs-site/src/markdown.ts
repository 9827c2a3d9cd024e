import { escape } from './render.js';

/**
 * The Markdown of descriptions and doc blocks, as HTML: paragraphs, headings, bullet and
 * numbered lists, code blocks; inline code, bold, italics and http(s) links. The text is escaped
 * first, so a description cannot inject markup.
 */
export function markdown(text: string): string {
  const blocks = text
    .replace(/\r\n/g, '\n')
    .trim()
    .split(/\n{2,}/);
  return blocks
    .filter((b) => b.trim() !== '')
    .map((block) => {
      if (block.startsWith('```')) return `<pre>${escape(block.replace(/^```[^\n]*\n?/, '').replace(/\n?```$/, ''))}</pre>`;
      const heading = /^(#{1,6})\s+(.*)$/.exec(block);
      if (heading && !block.includes('\n'))
        return `<h${Math.min(6, heading[1]!.length + 2)}>${inline(heading[2]!)}</h${Math.min(6, heading[1]!.length + 2)}>`;
      const lines = block.split('\n');
      if (lines.every((l) => /^\s*[-*]\s+/.test(l)))
        return `<ul>${lines.map((l) => `<li>${inline(l.replace(/^\s*[-*]\s+/, ''))}</li>`).join('')}</ul>`;
      if (lines.every((l) => /^\s*\d+[.)]\s+/.test(l)))
        return `<ol>${lines.map((l) => `<li>${inline(l.replace(/^\s*\d+[.)]\s+/, ''))}</li>`).join('')}</ol>`;
      return `<p>${inline(block)}</p>`;
    })
    .join('');
}

/** Inline Markdown within one block (for table cells: no paragraphs). */
export function inline(text: string): string {
  const codes: string[] = [];
  // Code spans first, kept aside so their text is not read as emphasis or links.
  const marked = escape(text).replace(/`([^`]+)`/g, (_, code: string) => `\u0000${codes.push(code) - 1}\u0000`);
  return (
    marked
      .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, '<a href="$2" rel="noopener">$1</a>')
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
      .replace(/(^|[^\w*])[*_]([^*_]+)[*_](?=$|[^\w*])/g, '$1<em>$2</em>')
      .replace(/\n/g, '<br>')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 marks the code spans set aside above; escaped text holds none.
      .replace(/\u0000(\d+)\u0000/g, (_, i: string) => `<code>${codes[Number(i)]}</code>`)
  );
}
