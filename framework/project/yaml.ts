import * as jsYaml from 'js-yaml';
import { diagnostic, type Diagnostic } from '../core/diagnostics.js';

export interface ParsedYaml {
  data: unknown;
  diagnostics: Diagnostic[];
}

/**
 * YAML is parsed twice only when needed: js-yaml is several times faster and parses every
 * file, while the position-keeping `yaml` parser runs lazily, just for files that have a
 * diagnostic to place. See bench/compile.ts for the figures that made this worth it.
 */
export function parseYaml(file: string, text: string): ParsedYaml {
  try {
    return { data: jsYaml.load(text, { filename: file, schema: jsYaml.CORE_SCHEMA }) ?? null, diagnostics: [] };
  } catch (error) {
    if (error instanceof jsYaml.YAMLException) return yamlSyntaxError(file, error.reason, error.mark);
    throw error;
  }
}

/** What parseYaml gives for js-yaml's error (its reason, and its 0-based mark) in `file`. */
export function yamlSyntaxError(file: string, reason: string, mark: { line: number; column: number } | null | undefined): ParsedYaml {
  return {
    data: null,
    diagnostics: [
      diagnostic('YAML_SYNTAX', { detail: reason }, { file, line: mark ? mark.line + 1 : null, column: mark ? mark.column + 1 : null }),
    ],
  };
}

export type YamlPath = readonly (string | number)[];

export interface Position {
  line: number;
  column: number;
}

/** Finds line/column of a value (or, with `key`, of a mapping key) inside YAML text (yaml_locator.ts). */
export interface YamlLocator {
  /** A YAML file's text, for checks that look into the SQL it holds. */
  text(file: string): string | undefined;
  locate(file: string, path: YamlPath, key?: string): Position | null;
}
