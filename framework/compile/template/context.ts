/**
 * What a template can call. Both renderers (the fast path and full Handlebars) call these
 * same functions, so a template renders the same whichever path takes it.
 */
export interface TemplateLocation {
  line: number;
  column: number;
}

export interface TemplateHelpers {
  ref(name: string, at: TemplateLocation): string;
  source(sourceName: string, tableName: string, at: TemplateLocation): string;
  var(name: string, fallback: unknown, at: TemplateLocation): unknown;
  env(name: string, fallback: unknown, at: TemplateLocation): unknown;
  config(settings: Record<string, unknown>, at: TemplateLocation): void;
  this(): string;
  isIncremental(): boolean;
  /** Whether the compile's target is of one of these types ({{#on "trino"}}…{{else}}…{{/on}}). */
  on(types: string[], at: TemplateLocation): boolean;
  /** A project macro was used (for dependency tracking). */
  macro(name: string): void;
  error(message: string, at: TemplateLocation, hint?: string | null): void;
}

/** How Handlebars turns a helper's return value into output when noEscape is on. */
export function renderValue(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

export interface RenderResult {
  sql: string;
  /** lineMap[i] is the 1-based template line that output line i+1 came from (0: none). */
  lineMap: number[];
}
