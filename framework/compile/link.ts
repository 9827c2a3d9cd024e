import { quoteRelation } from './relation.js';
import { ephemeralCteName, trimStatement, type EphemeralBody } from './ephemeral.js';
import type { ModelNode, Relation, SourceNode } from './manifest.js';
import { placeholder } from './render.js';

/**
 * Turns rendered SQL (with ref/source/this placeholders) into runnable SQL once every model's
 * config is known. `given` replaces chosen inputs with other SQL names (unit tests' fixtures).
 */
export interface Linker {
  resolve(sql: string, self: Relation | null, given?: ReadonlyMap<string, string>): string;
  /** Ephemeral models reachable from `refs` through ephemeral models only, dependencies first. */
  ephemerals(refs: readonly string[], given?: ReadonlyMap<string, string>): EphemeralBody[];
}

export const givenKey = { ref: (name: string) => `ref:${name}`, source: (id: string) => `source:${id}` };

export function createLinker(
  models: ReadonlyMap<string, { node: ModelNode; sql: string }>,
  sources: ReadonlyMap<string, SourceNode>,
  extra: ReadonlyMap<string, Relation> = new Map(),
): Linker {
  const resolve = (sql: string, self: Relation | null, given?: ReadonlyMap<string, string>) =>
    sql.replace(placeholder.pattern, (_, kind: string, name: string) => {
      if (kind === 'this') return self ? quoteRelation(self) : '"this"';
      const replacement = given?.get(`${kind}:${name}`);
      if (replacement) return replacement;
      if (kind === 'source') return quoteRelation(sources.get(name)?.relation ?? { schema: 'missing', name });
      const target = models.get(name)?.node;
      if (!target) return extra.has(name) ? quoteRelation(extra.get(name)!) : `"${name}"`;
      return target.config.materialized === 'ephemeral' ? ephemeralCteName(name) : quoteRelation(target.relation);
    });

  const ephemerals = (refs: readonly string[], given?: ReadonlyMap<string, string>) => {
    const ordered: EphemeralBody[] = [];
    const seen = new Set<string>();
    const visit = (name: string, depth: number) => {
      const target = models.get(name);
      if (!target || target.node.config.materialized !== 'ephemeral' || seen.has(name) || given?.has(givenKey.ref(name)) || depth > 100) return;
      seen.add(name);
      for (const ref of target.node.refs) visit(ref, depth + 1);
      ordered.push({ cte: ephemeralCteName(name), sql: trimStatement(resolve(target.sql, target.node.relation, given)) });
    };
    for (const ref of refs) visit(ref, 0);
    return ordered;
  };

  return { resolve, ephemerals };
}
