import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { didYouMean } from '../core/suggest.js';
import type { ModelConfig, ModelFile } from '../project/spec.js';
import { checkInlineConfig } from './config.js';
import type { TemplateHelpers, TemplateLocation } from './template/context.js';
import { renderFast } from './template/fast.js';
import type { HandlebarsRenderer } from './template/handlebars.js';
import { TARGET_TYPES } from '../warehouse/registry.js';
import type { TargetType } from '../warehouse/types.js';

/**
 * Renders one model template. refs and {{this}} become placeholders that are resolved once
 * every model's configuration is known (a ref's text depends on whether its target is
 * ephemeral, which only its own template says).
 */
export interface RenderedModel {
  sql: string;
  lineMap: number[];
  refs: { name: string; at: TemplateLocation }[];
  sources: { source: string; table: string; at: TemplateLocation }[];
  vars: string[];
  macros: string[];
  inlineConfig: ModelConfig & Record<string, unknown>;
}

export interface RenderEnvironment {
  /** The type of the target compiled for: {{#on "trino"}} blocks render for it. */
  target: TargetType;
  vars: Record<string, unknown>;
  env: Record<string, string | undefined>;
  handlebars: () => HandlebarsRenderer;
}

export const placeholder = {
  ref: (name: string) => `\u0001ref:${name}\u0001`,
  source: (source: string, table: string) => `\u0001source:${source}.${table}\u0001`,
  this: '\u0001this\u0001',
  // biome-ignore lint/suspicious/noControlCharactersInRegex: placeholders are delimited by U+0001, which no template holds.
  pattern: /\u0001(ref|source|this):?([^\u0001]*)\u0001/g,
};

const BLANK = /[\s;]/;

/**
 * Whether rendered SQL holds a statement, not just comments, whitespace and semicolons. A scan
 * that stops at the first character of a statement: SQL usually starts with one, after a comment.
 */
export function hasStatement(sql: string): boolean {
  for (let i = 0; i < sql.length; i++) {
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      if (end === -1) return false;
      i = end;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) return false;
      i = end + 1;
    } else if (!BLANK.test(sql[i]!)) return true;
  }
  return false;
}

/**
 * Renders from an earlier compile, by path and mode. An entry is reused while the template's
 * text, the values of the vars it read, the macros and the environment are unchanged; renders
 * that produced diagnostics are never kept, since a later edit elsewhere can fix them.
 */
export type RenderCache = Map<string, { sql: string; scope: string; vars: string; rendered: RenderedModel }>;

/** What every render can depend on besides its own text and vars: the target's type, macros and {{env}}. */
export function renderScope(
  target: TargetType,
  macros: readonly { name: string; template: string }[],
  env: Record<string, string | undefined>,
): string {
  return JSON.stringify([target, macros.map((m) => [m.name, m.template]), env]);
}

export function renderModelCached(
  cache: RenderCache,
  scope: string,
  model: Pick<ModelFile, 'path' | 'sql'>,
  environment: RenderEnvironment,
  incremental: boolean,
  diagnostics: Diagnostic[],
): RenderedModel | null {
  const key = `${incremental ? 'i' : 'f'}:${model.path}`;
  const hit = cache.get(key);
  const varsRead = (names: string[]) => JSON.stringify(names.map((name) => environment.vars[name]));
  if (hit && hit.sql === model.sql && hit.scope === scope && hit.vars === varsRead(hit.rendered.vars)) return hit.rendered;
  const own: Diagnostic[] = [];
  const rendered = renderModel(model, environment, incremental, own);
  diagnostics.push(...own);
  if (rendered && own.length === 0) cache.set(key, { sql: model.sql, scope, vars: varsRead(rendered.vars), rendered });
  else cache.delete(key);
  return rendered;
}

type ConfigCheck = (settings: Record<string, unknown>, report: (message: string, hint: string | null) => void) => Record<string, unknown>;

/** Renders a model (or a singular test: any SQL file using the same helpers). */
export function renderModel(
  model: Pick<ModelFile, 'path' | 'sql'>,
  environment: RenderEnvironment,
  incremental: boolean,
  diagnostics: Diagnostic[],
  checkConfig: ConfigCheck = checkInlineConfig as ConfigCheck,
  variables: Record<string, unknown> | null = null,
): RenderedModel | null {
  const rendered: Omit<RenderedModel, 'sql' | 'lineMap'> = { refs: [], sources: [], vars: [], macros: [], inlineConfig: {} };
  const place = (at: TemplateLocation) => ({ file: model.path, line: at.line, column: at.column + 1 });
  const helpers: TemplateHelpers = {
    ref(name, at) {
      rendered.refs.push({ name, at });
      return placeholder.ref(name);
    },
    source(source, table, at) {
      rendered.sources.push({ source, table, at });
      return placeholder.source(source, table);
    },
    var(name, fallback, at) {
      if (!rendered.vars.includes(name)) rendered.vars.push(name);
      if (Object.hasOwn(environment.vars, name)) return environment.vars[name];
      if (fallback !== undefined) return fallback;
      diagnostics.push(
        diagnostic(
          'UNKNOWN_VAR',
          { name },
          place(at),
          `add it under vars: in plat_project.yml, pass --vars '{"${name}": …}', or give a default: {{var "${name}" <default>}}`,
        ),
      );
      return '';
    },
    env(name, fallback, at) {
      const value = environment.env[name];
      if (value !== undefined) return value;
      if (fallback !== undefined) return fallback;
      diagnostics.push(
        diagnostic(
          'TEMPLATE',
          { detail: `environment variable ${name} is not set and has no default` },
          place(at),
          `set ${name}, or give a default: {{env "${name}" "value"}}`,
        ),
      );
      return '';
    },
    config(settings, at) {
      Object.assign(
        rendered.inlineConfig,
        checkConfig(settings, (message, hint) => diagnostics.push(diagnostic('BAD_CONFIG', { detail: message }, place(at), hint))),
      );
    },
    this: () => placeholder.this,
    isIncremental: () => incremental,
    on(types, at) {
      for (const type of types.filter((t) => !(TARGET_TYPES as string[]).includes(t)))
        diagnostics.push(
          diagnostic(
            'TEMPLATE',
            { detail: `{{#on}} names no target type "${type}"` },
            place(at),
            didYouMean(type, TARGET_TYPES) ?? `target types: ${TARGET_TYPES.join(', ')}`,
          ),
        );
      if (types.length === 0)
        diagnostics.push(
          diagnostic('TEMPLATE', { detail: '{{#on}} names no target type' }, place(at), `write {{#on "${TARGET_TYPES[0]}"}}…{{/on}}`),
        );
      return types.includes(environment.target);
    },
    macro(name) {
      if (!rendered.macros.includes(name)) rendered.macros.push(name);
    },
    error(message, at, hint) {
      diagnostics.push(diagnostic('TEMPLATE', { detail: message }, place(at), hint ?? null));
    },
  };
  // Variables (a custom test's model, column, args) exist only in Handlebars.
  const result =
    (variables ? null : renderFast(model.sql, helpers)) ?? environment.handlebars().render(model.sql, helpers, variables ?? {});
  if (!result) return null;
  const { refs, sources, vars, macros, inlineConfig } = rendered;
  return { refs, sources, vars, macros, inlineConfig, sql: result.sql, lineMap: result.lineMap };
}
