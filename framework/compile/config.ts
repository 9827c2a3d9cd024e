import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { parseDuration } from '../core/duration.js';
import { didYouMean } from '../core/suggest.js';
import type { ModelConfig, ModelFile, ModelProperties, ProjectConfig } from '../project/spec.js';
import type { Position, YamlPath } from '../project/yaml.js';
import type { ModelNode, ResolvedModelConfig, FilePlace } from './manifest.js';

const MATERIALIZATIONS = ['view', 'table', 'incremental', 'ephemeral'] as const;
const STRATEGIES = ['append', 'merge', 'delete+insert'] as const;
const SCHEMA_CHANGES = ['fail', 'append_new_columns', 'sync_all_columns'] as const;
const CONFIG_KEYS = [
  'materialized',
  'schema',
  'tags',
  'unique_key',
  'incremental_strategy',
  'on_schema_change',
  'enabled',
  'pre_hook',
  'post_hook',
  'retries',
  'retry_delay',
] as const;
/** As plat_project.schema.json bounds a schedule's and a model's retries. */
const MAX_RETRIES = 20;

/** Project defaults, then the longest matching folder, then the properties file, then {{config}}. */
export function layeredConfig(project: ProjectConfig, model: ModelFile, fromProperties: ModelConfig | undefined): ModelConfig {
  const layers: ModelConfig[] = [project.models?.defaults ?? {}];
  for (const [, config] of folderConfigs(project, model)) layers.push(config);
  if (fromProperties) layers.push(fromProperties);
  return Object.assign({}, ...layers) as ModelConfig;
}

/** The project's folder configs that apply to a model, the longest (winning) folder last. */
export function folderConfigs(project: ProjectConfig, model: ModelFile): [string, ModelConfig][] {
  return Object.entries(project.models?.paths ?? {})
    .filter(([folder]) => model.folder === folder || model.folder.startsWith(`${folder}/`))
    .sort(([a], [b]) => a.length - b.length);
}

/**
 * Where the winning unique_key is written, so a key naming no column can be reported there:
 * the model's {{config}}, its properties' config, or plat_project.yml (folder, then defaults).
 */
export function uniqueKeyPlace(
  input: { project: ProjectConfig; projectFile: string; model: ModelFile; properties: ModelProperties | undefined; inline: ModelConfig },
  locate: (file: string, path: YamlPath) => Position | null,
): FilePlace | null {
  const { project, projectFile, model, properties, inline } = input;
  const inYaml = (file: string, path: YamlPath) => ({ file, line: null, column: null, ...locate(file, path) });
  if (inline.unique_key !== undefined) return { file: model.path, ...templateConfigPosition(model.sql, 'unique_key') };
  if (properties?.config?.unique_key !== undefined)
    return inYaml(properties.origin.file, [...properties.origin.path, 'config', 'unique_key']);
  const folder = folderConfigs(project, model)
    .reverse()
    .find(([, config]) => config.unique_key !== undefined);
  if (folder) return inYaml(projectFile, ['models', 'paths', folder[0], 'unique_key']);
  if (project.models?.defaults?.unique_key !== undefined) return inYaml(projectFile, ['models', 'defaults', 'unique_key']);
  return null;
}

/** Line and column of the value of `key` in the template's last {{config}} that sets it (later calls win). */
export function templateConfigPosition(sql: string, key: string): { line: number | null; column: number | null } {
  let found: number | null = null;
  for (const call of sql.matchAll(/\{\{~?\s*config\b[^}]*\}\}/g)) {
    const setting = new RegExp(`(?:^|\\s)${key}\\s*=\\s*`).exec(call[0]);
    if (setting) found = call.index + setting.index + setting[0].length;
  }
  if (found === null) return { line: null, column: null };
  const before = sql.slice(0, found);
  return { line: before.split('\n').length, column: found - before.lastIndexOf('\n') };
}

/** The unique_key of an incremental model whose strategy uses one (append ignores it), or null. */
export function usedUniqueKey(node: Pick<ModelNode, 'config'>): string[] | null {
  const { materialized, incrementalStrategy, uniqueKey } = node.config;
  return materialized === 'incremental' && incrementalStrategy !== 'append' ? uniqueKey : null;
}

/** A unique_key must name columns of the model; checked here when its properties declare them. */
export function checkUniqueKeyColumns(node: ModelNode, diagnostics: Diagnostic[]): void {
  const keys = usedUniqueKey(node);
  if (!keys || node.columns.length === 0) return;
  const declared = node.columns.map((c) => c.name);
  for (const key of keys.filter((k) => !declared.includes(k))) {
    diagnostics.push(
      diagnostic(
        'BAD_CONFIG',
        {
          detail: `unique_key "${key}" is not a column of ${node.name} (its properties in ${node.propertiesPath} declare ${declared.join(', ')})`,
        },
        node.uniqueKeyAt ?? { file: node.path },
        didYouMean(key, declared) ?? `set unique_key to the column(s) that identify a row, or declare "${key}" under columns:`,
      ),
    );
  }
}

/** Checks a {{config}} call's settings; returns them typed, and reports bad keys and values. */
export function checkInlineConfig(settings: Record<string, unknown>, report: (message: string, hint: string | null) => void): ModelConfig {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      report(`unknown config "${key}"`, didYouMean(key, CONFIG_KEYS) ?? `allowed: ${CONFIG_KEYS.join(', ')}`);
      continue;
    }
    if (key === 'materialized' && !(MATERIALIZATIONS as readonly unknown[]).includes(value)) {
      report(`materialized="${String(value)}" is not one of ${MATERIALIZATIONS.join(', ')}`, didYouMean(String(value), MATERIALIZATIONS));
      continue;
    }
    if (key === 'incremental_strategy' && !(STRATEGIES as readonly unknown[]).includes(value)) {
      report(`incremental_strategy="${String(value)}" is not one of ${STRATEGIES.join(', ')}`, didYouMean(String(value), STRATEGIES));
      continue;
    }
    if (key === 'on_schema_change' && !(SCHEMA_CHANGES as readonly unknown[]).includes(value)) {
      report(`on_schema_change="${String(value)}" is not one of ${SCHEMA_CHANGES.join(', ')}`, didYouMean(String(value), SCHEMA_CHANGES));
      continue;
    }
    if (key === 'retries') {
      const retries = Number(value);
      if (!Number.isInteger(retries) || retries < 0 || retries > MAX_RETRIES) {
        report(`retries=${JSON.stringify(value)} is not a whole number from 0 to ${MAX_RETRIES}`, 'retries=2');
        continue;
      }
      config.retries = retries;
      continue;
    }
    if (key === 'retry_delay' && !isDuration(value)) {
      report(`retry_delay=${JSON.stringify(value)} is not a duration`, 'a number and a unit: retry_delay="30s" (500ms, 30s, 15m, 6h, 2d)');
      continue;
    }
    if (key === 'unique_key' || key === 'tags')
      config[key] = String(value)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else config[key] = value;
  }
  return config as ModelConfig;
}

export function resolveConfig(config: ModelConfig, place: { file: string }, diagnostics: Diagnostic[]): ResolvedModelConfig {
  const materialized = config.materialized ?? 'view';
  const uniqueKey = config.unique_key === undefined ? null : Array.isArray(config.unique_key) ? config.unique_key : [config.unique_key];
  const strategy = config.incremental_strategy ?? (uniqueKey ? 'merge' : 'append');
  if (materialized === 'incremental' && strategy !== 'append' && !uniqueKey) {
    diagnostics.push(
      diagnostic(
        'BAD_CONFIG',
        { detail: `incremental_strategy "${strategy}" needs a unique_key` },
        place,
        'add unique_key="<column>" to the config, or use incremental_strategy="append"',
      ),
    );
  }
  return {
    materialized,
    schema: config.schema ?? 'main',
    tags: config.tags ?? [],
    uniqueKey,
    incrementalStrategy: strategy,
    onSchemaChange: config.on_schema_change ?? 'fail',
    retries: config.retries ?? null,
    // The schema and checkInlineConfig have refused any other spelling.
    retryDelay: config.retry_delay === undefined ? null : parseDuration(config.retry_delay),
  };
}

function isDuration(value: unknown): value is string {
  try {
    return typeof value === 'string' && parseDuration(value) >= 0;
  } catch {
    return false;
  }
}

/** The config that decides what a model builds: its retries do not, so changing them leaves it unmodified (state:modified, watch). */
export function outputConfig(config: ResolvedModelConfig): Omit<ResolvedModelConfig, 'retries' | 'retryDelay'> {
  const { retries: _retries, retryDelay: _retryDelay, ...output } = config;
  return output;
}
