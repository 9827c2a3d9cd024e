import * as jsYaml from 'js-yaml';
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

/** Finds line/column of a value (or, with `key`, of a mapping key) inside YAML text (yaml_locator.ts). */
export interface YamlLocator {
  /** A YAML file's text, for checks that look into the SQL it holds. */
  text(file: string): string | undefined;
  locate(file: string, path: YamlPath, key?: string): Position | null;
}
