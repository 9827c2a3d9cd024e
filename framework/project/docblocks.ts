import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import type { DocBlock } from './spec.js';

const BLOCK = /\{%-?\s*docs\s+([A-Za-z_][A-Za-z0-9_]*)\s*-?%\}([\s\S]*?)\{%-?\s*enddocs\s*-?%\}/g;
const OPENING = /\{%-?\s*docs\b/g;

/**
 * The doc blocks of one Markdown file (dbt's syntax): `{% docs name %}` … `{% enddocs %}`.
 * An opening without its end is reported at its line.
 */
export function parseDocBlocks(file: string, text: string, diagnostics: Diagnostic[]): DocBlock[] {
  const blocks: DocBlock[] = [];
  const closed = new Set<number>();
  for (const match of text.matchAll(BLOCK)) {
    closed.add(match.index);
    blocks.push({ name: match[1]!, file, line: lineAt(text, match.index), text: match[2]!.trim() });
  }
  for (const open of text.matchAll(OPENING)) {
    if (closed.has(open.index)) continue;
    diagnostics.push(
      diagnostic(
        'TEMPLATE',
        { detail: 'a docs block is not closed, or its name is not a valid name' },
        { file, line: lineAt(text, open.index), column: open.index - text.lastIndexOf('\n', open.index - 1) },
        'write {% docs name %} … {% enddocs %} (names: letters, digits and _)',
      ),
    );
  }
  return blocks;
}

function lineAt(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}
