import type { Dialect } from '../warehouse/dialect.js';
import { ephemeralCteName, inlineEphemerals, trimStatement, type EphemeralBody } from './ephemeral.js';
import type { InlinedSql, ModelNode, Relation, SourceNode } from './manifest.js';
import { placeholder, type RenderedModel } from './render.js';

/** Runnable SQL, with where each of its lines comes from. */
export interface LinkedSql {
  sql: string;
  /** Template line of each line, 0 for lines plat added. */
  lineMap: number[];
  inlined: InlinedSql[];
}

export interface LinkOptions {
  /** Inputs replaced by other SQL names (a unit test's fixtures), by givenKey. */
  given?: ReadonlyMap<string, string>;
  /** CTEs put first (the fixtures' rows). */
  fixtures?: EphemeralBody[];
  /** Leave ephemeral models out (the DAG has a cycle, so their order is undefined). */
  noEphemerals?: boolean;
}

/**
 * Turns rendered SQL (with ref/source/this placeholders) into runnable SQL once every model's
 * config is known: the one path models, tests, ML and agent tools are linked by, so each of
 * them can read an ephemeral model.
 */
export interface Linker {
  link(rendered: Pick<RenderedModel, 'sql' | 'lineMap' | 'refs'>, self: Relation | null, options?: LinkOptions): LinkedSql;
}

export const givenKey = { ref: (name: string) => `ref:${name}`, source: (id: string) => `source:${id}` };

export function createLinker(
  models: ReadonlyMap<string, { node: ModelNode; rendered: Pick<RenderedModel, 'sql' | 'lineMap'> }>,
  sources: ReadonlyMap<string, SourceNode>,
  extra: ReadonlyMap<string, Relation>,
  dialect: Dialect,
): Linker {
  const resolve = (sql: string, self: Relation | null, given?: ReadonlyMap<string, string>) =>
    sql.replace(placeholder.pattern, (_, kind: string, name: string) => {
      if (kind === 'this') return self ? dialect.relation(self) : dialect.identifier('this');
      const replacement = given?.get(`${kind}:${name}`);
      if (replacement) return replacement;
      if (kind === 'source') return dialect.relation(sources.get(name)?.relation ?? { schema: 'missing', name });
      const target = models.get(name)?.node;
      if (!target) return extra.has(name) ? dialect.relation(extra.get(name)!) : dialect.identifier(name);
      return target.config.materialized === 'ephemeral' ? ephemeralCteName(name) : dialect.relation(target.relation);
    });

  /** Ephemeral models reachable from `refs` through ephemeral models only, dependencies first. */
  const ephemerals = (refs: readonly string[], given?: ReadonlyMap<string, string>) => {
    const ordered: EphemeralBody[] = [];
    const seen = new Set<string>();
    const visit = (name: string, depth: number) => {
      const target = models.get(name);
      if (target?.node.config.materialized !== 'ephemeral' || seen.has(name) || given?.has(givenKey.ref(name)) || depth > 100) return;
      seen.add(name);
      for (const ref of target.node.refs) visit(ref, depth + 1);
      const sql = trimStatement(resolve(target.rendered.sql, target.node.relation, given));
      ordered.push({ cte: ephemeralCteName(name), sql, origin: { path: target.node.path, lineMap: target.rendered.lineMap } });
    };
    for (const ref of refs) visit(ref, 0);
    return ordered;
  };

  return {
    link(rendered, self, options = {}) {
      const refs = [...new Set(rendered.refs.map((r) => r.name))];
      const inlined = options.noEphemerals ? [] : ephemerals(refs, options.given);
      return inlineEphemerals(trimStatement(resolve(rendered.sql, self, options.given)), rendered.lineMap, [
        ...(options.fixtures ?? []),
        ...inlined,
      ]);
    },
  };
}
