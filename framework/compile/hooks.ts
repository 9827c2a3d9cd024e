import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import type { ModelConfig, ModelFile, ModelProperties, ProjectConfig, ProjectSpec } from '../project/spec.js';
import { folderConfigs } from './config.js';
import type { Linker } from './link.js';
import type { FilePlace, HookSql, Relation } from './manifest.js';
import { renderModel, type RenderedModel, type RenderEnvironment } from './render.js';

/** A hook as written: its template and where. */
export interface HookDeclaration {
  sql: string;
  place: FilePlace;
}

type Hooks = string | string[] | undefined;
const list = (hooks: Hooks) => (hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]);

/**
 * A model's pre_hook or post_hook: unlike other config keys, hooks add up, in the order of the
 * layers (project defaults, folders, properties, {{config}}), so a folder's audit hook and a
 * model's own both run.
 */
export function modelHooks(
  spec: ProjectSpec,
  model: ModelFile,
  properties: ModelProperties | undefined,
  inline: ModelConfig,
  key: 'pre_hook' | 'post_hook',
): HookDeclaration[] {
  const project: ProjectConfig = spec.config;
  // Called twice for each model: most projects have no hooks, and looking through the layers costs.
  const inFolders = Object.values(project.models?.paths ?? {}).some((config) => config?.[key] !== undefined);
  if (!inFolders && project.models?.defaults?.[key] === undefined && properties?.config?.[key] === undefined && inline[key] === undefined)
    return [];
  const inYaml = (file: string, path: (string | number)[]) => ({ file, line: null, column: null, ...spec.locator.locate(file, path) });
  const fromYaml = (hooks: Hooks, file: string, path: (string | number)[]) =>
    list(hooks).map((sql, i) => ({ sql, place: inYaml(file, Array.isArray(hooks) ? [...path, i] : path) }));
  return [
    ...fromYaml(project.models?.defaults?.[key], spec.configFile, ['models', 'defaults', key]),
    ...folderConfigs(project, model).flatMap(([folder, config]) =>
      fromYaml(config[key], spec.configFile, ['models', 'paths', folder, key]),
    ),
    ...(properties ? fromYaml(properties.config?.[key], properties.origin.file, [...properties.origin.path, 'config', key]) : []),
    ...list(inline[key]).map((sql) => ({ sql, place: { file: model.path, ...inlinePosition(model.sql, key) } })),
  ];
}

/** on_run_start or on_run_end of plat_project.yml. */
export function projectHooks(spec: ProjectSpec, key: 'on_run_start' | 'on_run_end'): HookDeclaration[] {
  const hooks = spec.config[key];
  return list(hooks).map((sql, i) => ({
    sql,
    place: {
      file: spec.configFile,
      line: null,
      column: null,
      ...spec.locator.locate(spec.configFile, Array.isArray(hooks) ? [key, i] : [key]),
    },
  }));
}

/**
 * Renders and links one hook with the model helpers ({{this}}: the model's relation). Its
 * mistakes are reported at the hook (its lines are its own, not the file's).
 */
export function compileHook(
  hook: HookDeclaration,
  self: Relation | null,
  context: { environment: RenderEnvironment; linker: Linker; checkRefs: (rendered: RenderedModel, diagnostics: Diagnostic[]) => void },
  diagnostics: Diagnostic[],
): HookSql | null {
  const own: Diagnostic[] = [];
  const noConfig = (_: Record<string, unknown>, report: (message: string, hint: string | null) => void) => {
    report('{{config}} cannot be used in a hook', 'configure the model in its own template or properties');
    return {};
  };
  const rendered = renderModel({ path: hook.place.file, sql: hook.sql }, context.environment, false, own, noConfig);
  if (rendered) context.checkRefs(rendered, own);
  diagnostics.push(...own.map((d) => ({ ...d, file: hook.place.file, line: hook.place.line, column: hook.place.column })));
  if (!rendered || own.some((d) => d.severity === 'error')) return null;
  if (rendered.sql.trim() === '') {
    diagnostics.push(diagnostic('NO_SQL', { kind: 'hook' }, hook.place, 'remove the empty hook'));
    return null;
  }
  return { sql: context.linker.link(rendered, self).sql, place: hook.place };
}

/** Where `key=` is set in a template's {{config}} calls (the last one). */
function inlinePosition(sql: string, key: string): { line: number | null; column: number | null } {
  const at = sql.lastIndexOf(`${key}=`);
  if (at === -1) return { line: null, column: null };
  const before = sql.slice(0, at);
  return { line: before.split('\n').length, column: at - before.lastIndexOf('\n') };
}
