import * as jsYaml from 'js-yaml';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { diagnostic, type Diagnostic } from '../core/diagnostics.js';

/**
 * YAML is parsed twice only when needed: js-yaml is several times faster and parses every
 * file, while the position-keeping `yaml` parser runs lazily, just for files that have a
 * diagnostic to place. See bench/compile.ts for the figures that made this worth it.
 */
export function parseYaml(file: string, text: string): { data: unknown; diagnostics: Diagnostic[] } {
  try {
    return { data: jsYaml.load(text, { filename: file, schema: jsYaml.CORE_SCHEMA }) ?? null, diagnostics: [] };
  } catch (error) {
    if (error instanceof jsYaml.YAMLException) {
      const mark = error.mark;
      return {
        data: null,
        diagnostics: [
          diagnostic(
            'YAML_SYNTAX',
            { detail: error.reason },
            { file, line: mark ? mark.line + 1 : null, column: mark ? mark.column + 1 : null },
          ),
        ],
      };
    }
    throw error;
  }
}

export type YamlPath = readonly (string | number)[];

export interface Position {
  line: number;
  column: number;
}

// The position-keeping parser is loaded when a place is first asked for: a compile that reports
// nothing in YAML (one model's SQL edited) does without it.
let yamlModule: typeof Yaml | null = null;
const yaml = () => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml);

/** Finds line/column of a value (or, with `key`, of a mapping key) inside YAML text. */
export class YamlLocator {
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
