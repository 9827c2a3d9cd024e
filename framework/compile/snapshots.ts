import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { sha256 } from '../core/hash.js';
import { reportOrphanProperties } from './orphan_properties.js';
import { didYouMean } from '../core/suggest.js';
import type { ModelFile, ProjectSpec, SnapshotConfig as SnapshotSettings } from '../project/spec.js';
import { isFaulty } from '../project/entries.js';
import type { Unresolved } from './context.js';
import { linkDependencies } from './deps.js';
import type { Linker } from './link.js';
import { columnsOf, type ModelNode, type SnapshotConfig, type SnapshotNode, type SourceNode } from './manifest.js';
import { hasStatement, renderModel, type RenderedModel, type RenderEnvironment } from './render.js';

const KEYS = ['schema', 'tags', 'enabled', 'unique_key', 'strategy', 'updated_at', 'check_cols', 'invalidate_hard_deletes'] as const;
const STRATEGIES = ['timestamp', 'check'];

/** A snapshot rendered, configured and given its node, but not yet linked (its refs may name models not yet known). */
export interface RenderedSnapshot {
  file: ModelFile;
  rendered: RenderedModel;
  node: SnapshotNode;
}

/** Renders snapshots/**\/*.sql with the model helpers; {{config}} takes the snapshot keys. */
export function renderSnapshots(
  spec: ProjectSpec,
  project: string,
  environment: RenderEnvironment,
  diagnostics: Diagnostic[],
): RenderedSnapshot[] {
  const snapshots: RenderedSnapshot[] = [];
  for (const file of spec.snapshots) {
    const rendered = renderModel(file, environment, false, diagnostics, checkSnapshotConfig);
    if (!rendered) continue;
    const properties = spec.snapshotProperties.get(file.name);
    const settings: SnapshotSettings = { ...spec.config.snapshots?.defaults, ...properties?.config, ...rendered.inlineConfig };
    if (settings.enabled === false) continue;
    // Properties with a schema error are reported there; their config is not known, so neither is what is missing from it.
    if (isFaulty(spec.faulty.snapshots, file.name) && !properties) continue;
    if (!hasStatement(rendered.sql))
      diagnostics.push(diagnostic('NO_SQL', { kind: 'snapshot' }, { file: file.path }, 'write the SELECT whose rows are snapshotted'));
    const config = resolveSnapshotConfig(settings, file, diagnostics);
    if (!config) continue;
    const tags = [...new Set([...(Array.isArray(settings.tags) ? settings.tags : []), ...(properties?.tags ?? [])])];
    snapshots.push({
      file,
      rendered,
      node: {
        kind: 'snapshot',
        uniqueId: `snapshot.${project}.${file.name}`,
        name: file.name,
        path: file.path,
        description: properties?.description ?? '',
        tags,
        dependsOn: [],
        fqn: [project, ...file.folder.split('/').filter(Boolean), file.name],
        checksums: { body: sha256(file.sql), config: sha256(JSON.stringify({ config, columns: properties?.columns ?? [] })) },
        relation: { schema: config.schema, name: file.name },
        config,
        rawSql: file.sql,
        compiledSql: '',
        lineMap: [],
        inlined: [],
        columns: columnsOf(properties?.columns),
        refs: [...new Set(rendered.refs.map((r) => r.name))],
        sources: [...new Set(rendered.sources.map((s) => `${s.source}.${s.table}`))],
      },
    });
  }
  reportOrphanProperties(
    'snapshot',
    (name) => `snapshots/**/${name}.sql`,
    new Set(spec.snapshots.map((s) => s.name)),
    spec.snapshotProperties,
    spec,
    diagnostics,
  );
  return snapshots;
}

/** Links a snapshot's refs and sources: its dependencies and runnable SQL. */
export function linkSnapshot(
  snapshot: RenderedSnapshot,
  context: {
    models: ReadonlyMap<string, { node: ModelNode }>;
    sources: ReadonlyMap<string, SourceNode>;
    unresolved: Unresolved;
    linker: Linker;
    refables: ReadonlyMap<string, string>;
  },
  diagnostics: Diagnostic[],
): void {
  const { node, rendered } = snapshot;
  const others = new Map([...context.refables].filter(([name]) => name !== node.name));
  node.dependsOn = linkDependencies(node.path, rendered, context, diagnostics, others);
  const linked = context.linker.link(rendered, node.relation);
  Object.assign(node, { compiledSql: linked.sql, lineMap: linked.lineMap, inlined: linked.inlined });
}

function resolveSnapshotConfig(settings: SnapshotSettings, file: ModelFile, diagnostics: Diagnostic[]): SnapshotConfig | null {
  const report = (detail: string, hint: string) => diagnostics.push(diagnostic('BAD_CONFIG', { detail }, { file: file.path }, hint));
  const uniqueKey =
    settings.unique_key === undefined ? [] : Array.isArray(settings.unique_key) ? settings.unique_key : [settings.unique_key];
  const strategy = settings.strategy ?? (settings.updated_at ? 'timestamp' : settings.check_cols ? 'check' : null);
  if (uniqueKey.length === 0)
    report(`snapshot ${file.name} has no unique_key`, 'add unique_key="<column>" (the column(s) that identify a row)');
  if (strategy === null)
    report(
      `snapshot ${file.name} has no strategy`,
      'add strategy="timestamp" with updated_at="<column>", or strategy="check" with check_cols="all"',
    );
  else if (strategy === 'timestamp' && !settings.updated_at)
    report(
      `snapshot ${file.name} uses the timestamp strategy but has no updated_at`,
      'add updated_at="<the column that says when a row changed>"',
    );
  else if (strategy === 'check' && !settings.check_cols)
    report(`snapshot ${file.name} uses the check strategy but has no check_cols`, 'add check_cols="all", or the columns to compare');
  if (uniqueKey.length === 0 || strategy === null) return null;
  return {
    schema: settings.schema ?? 'snapshots',
    uniqueKey,
    strategy,
    updatedAt: strategy === 'timestamp' ? (settings.updated_at ?? null) : null,
    checkCols: strategy === 'check' ? (settings.check_cols ?? 'all') : 'all',
    invalidateHardDeletes: settings.invalidate_hard_deletes ?? false,
  };
}

/** {{config}} in a snapshot: its own keys, lists comma-separated. */
function checkSnapshotConfig(
  settings: Record<string, unknown>,
  report: (message: string, hint: string | null) => void,
): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      report(`unknown snapshot config "${key}"`, didYouMean(key, KEYS) ?? `allowed: ${KEYS.join(', ')}`);
      continue;
    }
    if (key === 'strategy' && !STRATEGIES.includes(String(value))) {
      report(`strategy="${String(value)}" is not one of ${STRATEGIES.join(', ')}`, didYouMean(String(value), STRATEGIES));
      continue;
    }
    if (key === 'invalidate_hard_deletes' && typeof value !== 'boolean') {
      report(`invalidate_hard_deletes=${JSON.stringify(value)} is not true or false`, 'write invalidate_hard_deletes=true (no quotes)');
      continue;
    }
    const list = String(value)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (key === 'unique_key' || key === 'tags') config[key] = list;
    else if (key === 'check_cols') config[key] = value === 'all' ? 'all' : list;
    else config[key] = value;
  }
  return config;
}
