import { listLabel, relationOf } from '../compile/kinds.js';
import { type Manifest, type ManifestNode, relationName } from '../compile/manifest.js';
import type { JsonValue } from '../core/json.js';
import { didYouMean } from '../core/suggest.js';
import { lastRunResults } from '../run/run.js';
import { dialectFor } from '../warehouse/registry.js';
import type { Sandbox } from './sandbox.js';

type Described = { columns: string[]; rows: Record<string, JsonValue>[]; tables: string[]; details: Record<string, unknown> | null };

const relationText = (node: ManifestNode) => {
  const relation = relationOf(node);
  return relation ? relationName(relation) : null;
};

/** list_models: every model and source with its layer and description. */
export function listModels(manifest: Manifest): Described {
  const rows = Object.values(manifest.nodes)
    .filter((n): n is Extract<ManifestNode, { kind: 'model' | 'source' }> => n.kind === 'model' || n.kind === 'source')
    .map((n) => ({
      name: n.name,
      kind: n.kind,
      layer: n.kind === 'model' ? n.folder || null : 'source',
      relation: relationText(n),
      materialized: listLabel(n),
      description: n.description,
    }));
  return { columns: ['name', 'kind', 'layer', 'relation', 'materialized', 'description'], rows, tables: [], details: null };
}

/** describe_model: columns (types from the database), description, tests with their last status, last run. */
export async function describeModel(manifest: Manifest, name: string, sandbox: Sandbox): Promise<Described | { error: string }> {
  const candidates = Object.values(manifest.nodes).filter(
    (n): n is Extract<ManifestNode, { kind: 'model' | 'source' }> => n.kind === 'model' || n.kind === 'source',
  );
  const node = candidates.find((n) => n.name === name || relationText(n) === name || relationName(n.relation) === name);
  if (!node) {
    const hint = didYouMean(
      name,
      candidates.map((n) => n.name),
    );
    return { error: `no model or source "${name}"${hint ? ` (${hint})` : ''}; list_models shows them all` };
  }
  const results = new Map((lastRunResults(manifest)?.results ?? []).map((r) => [r.uniqueId, r]));
  const tests = Object.values(manifest.nodes).filter(
    (t) => t.kind === 'test' && (t.attachedTo === node.uniqueId || t.dependsOn.includes(node.uniqueId)),
  );
  const relation = relationText(node);
  const types = new Map<string, string>();
  if (relation) {
    const found = await sandbox.run(dialectFor(manifest.target).columnsQuery(node.relation), {}, { rows: 10_000, timeoutMs: 5_000 });
    for (const row of found.rows) types.set(String(row.column_name), String(row.data_type));
  }
  const declared = new Map(node.columns.map((c) => [c.name, c]));
  const names = [...new Set([...types.keys(), ...declared.keys()])];
  const rows = names.map((column) => ({
    column,
    type: types.get(column) ?? declared.get(column)?.type ?? null,
    description: declared.get(column)?.description ?? '',
    tests: tests
      .filter((t) => t.kind === 'test' && t.column === column)
      .map((t) => `${t.name} (${results.get(t.uniqueId)?.status ?? 'not run'})`)
      .join(', '),
  }));
  const last = results.get(node.uniqueId);
  return {
    columns: ['column', 'type', 'description', 'tests'],
    rows,
    tables: relation ? [relation] : [],
    details: {
      name: node.name,
      kind: node.kind,
      relation,
      materialized: listLabel(node),
      description: node.description,
      tests: tests.map((t) => ({ name: t.name, status: results.get(t.uniqueId)?.status ?? 'not run' })),
      lastRun: last ? { status: last.status, rows: last.rows, seconds: last.executionTime, at: last.completedAt } : null,
    },
  };
}
