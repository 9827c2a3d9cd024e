import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { didYouMean } from '../core/suggest.js';
import type { ModelConfig, ModelFile, ProjectConfig } from '../project/spec.js';
import type { ResolvedModelConfig } from './manifest.js';

const MATERIALIZATIONS = ['view', 'table', 'incremental', 'ephemeral'] as const;
const STRATEGIES = ['append', 'merge', 'delete+insert'] as const;
const SCHEMA_CHANGES = ['fail', 'append_new_columns', 'sync_all_columns'] as const;
const CONFIG_KEYS = ['materialized', 'schema', 'tags', 'unique_key', 'incremental_strategy', 'on_schema_change', 'enabled'] as const;

/** Project defaults, then the longest matching folder, then the properties file, then {{config}}. */
export function layeredConfig(project: ProjectConfig, model: ModelFile, fromProperties: ModelConfig | undefined): ModelConfig {
  const layers: ModelConfig[] = [project.models?.defaults ?? {}];
  const paths = Object.entries(project.models?.paths ?? {})
    .filter(([folder]) => model.folder === folder || model.folder.startsWith(`${folder}/`))
    .sort(([a], [b]) => a.length - b.length);
  for (const [, config] of paths) layers.push(config);
  if (fromProperties) layers.push(fromProperties);
  return Object.assign({}, ...layers) as ModelConfig;
}

/** Checks a {{config}} call's settings; returns them typed, and reports bad keys and values. */
export function checkInlineConfig(
  settings: Record<string, unknown>,
  report: (message: string, hint: string | null) => void,
): ModelConfig {
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
    if (key === 'unique_key' || key === 'tags') config[key] = String(value).split(',').map((s) => s.trim()).filter(Boolean);
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
      diagnostic('BAD_CONFIG', { detail: `incremental_strategy "${strategy}" needs a unique_key` }, place, 'add unique_key="<column>" to the config, or use incremental_strategy="append"'),
    );
  }
  return {
    materialized,
    schema: config.schema ?? 'main',
    tags: config.tags ?? [],
    uniqueKey,
    incrementalStrategy: strategy,
    onSchemaChange: config.on_schema_change ?? 'fail',
  };
}
