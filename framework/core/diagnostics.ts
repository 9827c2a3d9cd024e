/**
 * User mistakes are collected, never thrown: every stage returns the diagnostics it found
 * so that one pass shows the user every problem. Messages come from one table keyed by code.
 */
export type Severity = 'error' | 'warn';

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  file: string | null;
  line: number | null;
  column: number | null;
  hint: string | null;
}

const templates = {
  YAML_SYNTAX: (a: { detail: string }) => `invalid YAML: ${a.detail}`,
  SCHEMA: (a: { detail: string }) => a.detail,
  PROJECT_MISSING: (a: { dir: string }) => `no plat_project.yml in ${a.dir}`,
  NOT_UTF8: (a: { byte: string }) => `file is not UTF-8: invalid byte sequence starting with ${a.byte}`,
  DUPLICATE_MODEL: (a: { name: string; other: string }) => `duplicate model name "${a.name}" (also defined in ${a.other})`,
  DUPLICATE_SOURCE: (a: { name: string }) => `source table "${a.name}" is declared twice`,
  DUPLICATE_PROPERTIES: (a: { name: string; other: string }) => `properties for model "${a.name}" are declared twice (also in ${a.other})`,
  DUPLICATE_NAME: (a: { what: string; other: string }) => `${a.what} is declared twice (also in ${a.other})`,
  DUPLICATE_RELATION: (a: { node: string; relation: string; other: string }) =>
    `${a.node} writes ${a.relation}, which ${a.other} writes too`,
  DUPLICATE_TEST: (a: { name: string; other: string }) => `duplicate test name "${a.name}" (also used by ${a.other})`,
  NO_SQL: (a: { kind: string }) => `${a.kind} has no SQL`,
  PROPERTIES_UNKNOWN_MODEL: (a: { name: string }) => `properties given for model "${a.name}", but there is no models/**/${a.name}.sql`,
  UNKNOWN_REF: (a: { name: string }) => `unknown ref "${a.name}"`,
  UNKNOWN_SOURCE: (a: { name: string }) => `unknown source "${a.name}"`,
  UNKNOWN_COLUMN: (a: { name: string; of: string }) => `unknown column "${a.name}" of ${a.of}`,
  UNKNOWN_DOC: (a: { name: string }) => `unknown docs block "${a.name}"`,
  UNKNOWN_VAR: (a: { name: string }) => `var "${a.name}" is not defined in plat_project.yml vars and has no default`,
  TEMPLATE: (a: { detail: string }) => `template error: ${a.detail}`,
  CYCLE: (a: { path: string }) => `dependency cycle: ${a.path}`,
  BAD_CONFIG: (a: { detail: string }) => a.detail,
  LOADER: (a: { detail: string }) => a.detail,
  SELECTOR: (a: { detail: string }) => a.detail,
  DIALECT_SYNTAX: (a: { what: string; syntax: string; target: string }) =>
    `${a.what} uses syntax the target's dialect lacks: ${a.syntax} (${a.target})`,
} as const;

export type DiagnosticCode = keyof typeof templates;
type Args<C extends DiagnosticCode> = Parameters<(typeof templates)[C]>[0];

export interface Place {
  file?: string | null;
  line?: number | null;
  column?: number | null;
}

export function diagnostic<C extends DiagnosticCode>(
  code: C,
  args: Args<C>,
  place: Place = {},
  hint: string | null = null,
  severity: Severity = 'error',
): Diagnostic {
  const message = (templates[code] as (a: Args<C>) => string)(args);
  return { code, severity, message, file: place.file ?? null, line: place.line ?? null, column: place.column ?? null, hint };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** `models/marts/revenue.sql:4:12 — unknown ref "stg_event" — did you mean "stg_events"?` */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}${d.column ? `:${d.column}` : ''}` : ''}` : '';
  const parts = [where, d.message, d.hint].filter((p): p is string => !!p);
  return parts.join(' — ');
}
