import type { Manifest } from '../../framework/compile/manifest.js';
import type { IndexNode, SiteIndex } from '../../framework/docs/types.js';

/** The index of data.js, with the lookups every view needs. */
export interface Site {
  index: SiteIndex;
  nodes: IndexNode[];
  byId: Map<string, IndexNode>;
  parents: Record<string, string[]>;
  children: Record<string, string[]>;
  /** Tests by the node whose badge counts them. */
  testsOf: Map<string, IndexNode[]>;
  /** Lower-cased names, in node order, for search. */
  searchNames: string[];
  /** What compile/select.ts reads, so the filter box evaluates selectors with the CLI's code. */
  manifest: Manifest;
}

export function loadSite(index: SiteIndex): Site {
  const nodes = rows(index.nodes);
  const ids = nodes.map((n) => n.id);
  const parents: Record<string, string[]> = {};
  const children: Record<string, string[]> = {};
  for (const id of ids) children[id] = [];
  index.parents.forEach((list, i) => {
    parents[ids[i]!] = list.map((p) => ids[p]!);
    for (const p of list) children[ids[p]!]!.push(ids[i]!);
  });
  const testsOf = new Map<string, IndexNode[]>();
  for (const node of nodes) {
    for (const i of node.checks) {
      const list = testsOf.get(ids[i]!) ?? [];
      list.push(node);
      testsOf.set(ids[i]!, list);
    }
  }
  const manifest = {
    nodes: Object.fromEntries(
      nodes.map((n) => [n.id, { uniqueId: n.id, kind: n.kind, name: n.name, fqn: n.fqn, tags: n.tags, path: n.path, ...n.select }]),
    ),
    parents,
    children,
    vars: {},
    macros: {},
  } as unknown as Manifest;
  return {
    index,
    nodes,
    byId: new Map(nodes.map((n) => [n.id, n])),
    parents,
    children,
    testsOf,
    searchNames: nodes.map((n) => n.name.toLowerCase()),
    manifest,
  };
}

function rows(columns: SiteIndex['nodes']): IndexNode[] {
  const keys = Object.keys(columns) as (keyof IndexNode)[];
  return columns.id.map((_, i) => Object.fromEntries(keys.map((key) => [key, columns[key][i]])) as unknown as IndexNode);
}

/** A test's last status, or the worst of a node's tests: what a badge shows. */
export function worstStatus(tests: IndexNode[]): 'fail' | 'warn' | 'pass' | 'none' {
  const statuses = new Set(tests.map((t) => t.lastRun?.status));
  if (statuses.has('fail') || statuses.has('error')) return 'fail';
  if (statuses.has('warn')) return 'warn';
  if (statuses.has('pass')) return 'pass';
  return 'none';
}
