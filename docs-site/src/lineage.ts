import { walk } from '../../framework/compile/select.js';
import type { IndexNode } from '../../framework/docs/types.js';
import { KIND_COLORS, NODE_SIZE, type Scene, type SceneEdge, type SceneNode } from './graph/scene.js';
import { worstStatus, type Site } from './site.js';

/** Upstream and downstream steps shown around a node: 1, 2 or all (`2+name+2`, `+name+`). */
export type Depth = 1 | 2 | typeof Infinity;

export interface LineageOptions {
  depth: Depth;
  /** Tests as nodes of their own, instead of a badge on what they check. */
  tests: boolean;
}

/**
 * A node's focused lineage: its ancestors and descendants to the chosen depth (the `+` selector's
 * semantics), laid out on their own. Where the depth cuts lineage off, an expander node (`+3`)
 * adds the next step on that side.
 */
export function lineageScene(site: Site, focus: string, options: LineageOptions, added: ReadonlySet<string> = new Set()): Scene {
  const start = new Set([focus]);
  const upstream = walk(site.parents, start, options.depth);
  const downstream = walk(site.children, start, options.depth);
  const shown = (id: string) => options.tests || id === focus || site.byId.get(id)!.kind !== 'test';
  const members = new Set([...upstream, ...downstream, ...added].filter(shown));
  return sceneOf(site, members, focus, options, (id) => ({
    up: upstream.has(id) || added.has(id),
    down: downstream.has(id) || added.has(id),
  }));
}

/**
 * What an expander adds: the parents (or children) of its node not yet shown, each with its own
 * expander when it has more, and their edges to everything shown.
 */
export function expansion(
  site: Site,
  scene: Scene,
  expander: SceneNode,
  options: LineageOptions,
): { nodes: SceneNode[]; edges: SceneEdge[]; expanders: SceneNode[] } {
  const { direction, nodes: ids } = expander.expands!;
  const shown = new Set(scene.nodes.map((n) => n.id));
  const added = ids.filter((id) => !shown.has(id));
  const all = new Set([...shown, ...added]);
  const nodes = added.map((id) => nodeOf(site, site.byId.get(id)!, options, false));
  const edges: SceneEdge[] = [];
  for (const id of added) {
    for (const parent of site.parents[id] ?? []) if (all.has(parent)) edges.push({ source: parent, target: id, weight: 1 });
    for (const child of site.children[id] ?? [])
      if (all.has(child) && !added.includes(child)) edges.push({ source: id, target: child, weight: 1 });
  }
  const expanders = added.flatMap((id) => {
    const more = hidden(site, id, direction, all, options);
    return more.length ? [expanderOf(id, direction, more)] : [];
  });
  return { nodes, edges, expanders };
}

function sceneOf(
  site: Site,
  members: Set<string>,
  focus: string,
  options: LineageOptions,
  side: (id: string) => { up: boolean; down: boolean },
): Scene {
  const nodes: SceneNode[] = [];
  const edges: SceneEdge[] = [];
  for (const id of members) {
    nodes.push(nodeOf(site, site.byId.get(id)!, options, id === focus));
    for (const parent of site.parents[id] ?? []) if (members.has(parent)) edges.push({ source: parent, target: id, weight: 1 });
  }
  if (options.depth !== Infinity) {
    for (const id of members) {
      const { up, down } = side(id);
      for (const direction of [-1, 1] as const) {
        if (!(direction < 0 ? up : down)) continue;
        const more = hidden(site, id, direction, members, options);
        if (!more.length) continue;
        const expander = expanderOf(id, direction, more);
        nodes.push(expander);
        edges.push(direction < 0 ? { source: expander.id, target: id, weight: 1 } : { source: id, target: expander.id, weight: 1 });
      }
    }
  }
  return { nodes, edges, focus };
}

/** Parents (or children) of a node that are not shown. */
function hidden(site: Site, id: string, direction: -1 | 1, shown: ReadonlySet<string>, options: LineageOptions): string[] {
  const next = (direction < 0 ? site.parents : site.children)[id] ?? [];
  return next.filter((n) => !shown.has(n) && (options.tests || site.byId.get(n)!.kind !== 'test'));
}

function expanderOf(id: string, direction: -1 | 1, nodes: string[]): SceneNode {
  return {
    id: `${direction < 0 ? 'up' : 'down'}:${id}`,
    label: `+${nodes.length}`,
    kind: 'expander',
    opens: null,
    badge: null,
    size: 9,
    color: KIND_COLORS.expander,
    expands: { of: id, direction, nodes },
  };
}

export function nodeOf(site: Site, node: IndexNode, options: Pick<LineageOptions, 'tests'>, focused: boolean): SceneNode {
  const tests = options.tests ? [] : (site.testsOf.get(node.id) ?? []);
  return {
    id: node.id,
    label: node.name,
    kind: node.kind,
    opens: node.id,
    badge: tests.length ? { count: tests.length, status: worstStatus(tests) } : null,
    size: focused ? NODE_SIZE + 3 : NODE_SIZE,
    color: KIND_COLORS[node.kind],
    focused,
  };
}
