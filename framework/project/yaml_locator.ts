import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Position, YamlLocator, YamlPath } from './yaml.js';

// The position-keeping parser is loaded when a place is first asked for: a compile that reports
// nothing in YAML (one model's SQL edited) does without it.
let yamlModule: typeof Yaml | null = null;
const yaml = () => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml);

/** Finds line/column of a value (or, with `key`, of a mapping key) inside YAML text. */
export class YamlTextLocator implements YamlLocator {
  private readonly parsed = new Map<string, { doc: Yaml.Document.Parsed; lines: Yaml.LineCounter }>();

  constructor(private readonly texts: ReadonlyMap<string, string>) {}

  /** A YAML file's text, for checks that look into the SQL it holds. */
  text(file: string): string | undefined {
    return this.texts.get(file);
  }

  locate(file: string, path: YamlPath, key?: string): Position | null {
    const text = this.texts.get(file);
    if (text === undefined) return null;
    let entry = this.parsed.get(file);
    if (!entry) {
      const { LineCounter, parseDocument } = yaml();
      const lines = new LineCounter();
      entry = { doc: parseDocument(text, { lineCounter: lines }), lines };
      this.parsed.set(file, entry);
    }
    // Values are located at the value itself; a missing tail points at the nearest parent.
    let node: unknown = entry.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const segment of path) {
      const next = child(node, segment);
      if (next === undefined) break;
      node = next.value;
      offset = rangeStart(node) ?? next.keyOffset ?? offset;
    }
    if (key !== undefined) {
      const pair = child(node, key);
      if (pair?.keyOffset !== undefined) offset = pair.keyOffset;
    }
    const pos = entry.lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }
}

function rangeStart(node: unknown): number | undefined {
  return (node as Yaml.Node | null)?.range?.[0];
}

function child(node: unknown, segment: string | number): { value: unknown; keyOffset?: number } | undefined {
  const { isMap, isPair, isScalar, isSeq } = yaml();
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment];
    return item === undefined ? undefined : { value: item };
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(key) === String(segment)) {
        return { value: pair.value, keyOffset: rangeStart(pair.key) };
      }
    }
  }
  return undefined;
}
