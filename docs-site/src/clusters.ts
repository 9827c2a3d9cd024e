import type { IndexNode } from '../../framework/docs/types.js';
import { KIND_COLORS, type Scene, type SceneEdge, type SceneNode } from './graph/scene.js';
import { nodeOf } from './lineage.js';
import { worstStatus, type Site } from './site.js';

export type Grouping = 'folder' | 'schema' | 'tag';

/** A group of nodes: a folder (or schema, or tag, then folders), or a slice of a crowded one. */
export interface Cluster {
  key: string;
  name: string;
  children: Cluster[];
  /** Nodes directly in the cluster (tests included). */
  members: string[];
  /** Every node under the cluster, by kind. */
  counts: Map<IndexNode['kind'], number>;
  tests: IndexNode[];
  /** A slice of a crowded folder's nodes, by name. */
  slice: boolean;
  /** The name with its parent's, so `group_3` reads as `intermediate/group_3` (set when indexed). */
  title: string;
}

/** A cluster with more direct members than this is cut into slices of SLICE, by name. */
const CROWDED = 40;
const SLICE = 25;
/** The first overview expands clusters, a whole level at a time, while it shows at most this many. */
const FIRST_VIEW = 50;

/**
 * The overview of a big project: nodes grouped by folder, schema or tag into clusters, drawn with
 * their counts and the number of lineage edges between them; expanded clusters show what is inside.
 */
export class ClusterTree {
  readonly root: Cluster;
  /** Clusters from the root down to the one holding the node (the root excluded). */
  private readonly paths = new Map<string, Cluster[]>();
  private readonly byKey = new Map<string, Cluster>();

  constructor(
    private readonly site: Site,
    readonly grouping: Grouping,
    /** The nodes to group: a selection, or every node. */
    readonly ids: ReadonlySet<string>,
  ) {
    this.root = blank(`${grouping}:`, '');
    for (const id of ids) {
      const node = site.byId.get(id)!;
      let cluster = this.root;
      for (const part of this.groupPath(node)) {
        let child = cluster.children.find((c) => c.name === part);
        if (!child) cluster.children.push((child = blank(`${cluster.key}/${part}`, part)));
        cluster = child;
      }
      cluster.members.push(id);
    }
    compress(this.root, grouping !== 'folder');
    slice(this.root, site);
    this.index(this.root, []);
  }

  /**
   * Clusters to expand for a first view of at most FIRST_VIEW items, a level at a time, folders
   * only: slices of a crowded folder are cut by name, not by structure, and wait for a click.
   */
  firstView(): Set<string> {
    const expanded = new Set<string>();
    let level = this.root.children.filter((c) => !c.children.some((child) => child.slice));
    while (level.length) {
      if (this.items(new Set([...expanded, ...level.map((c) => c.key)]), false).size > FIRST_VIEW) break;
      for (const c of level) expanded.add(c.key);
      level = level.flatMap((c) => c.children).filter((c) => !c.children.some((child) => child.slice));
    }
    return expanded;
  }

  /** The cluster or node that stands for a node when `expanded` are open. */
  itemOf(id: string, expanded: ReadonlySet<string>): string {
    for (const cluster of this.paths.get(id) ?? []) if (!expanded.has(cluster.key)) return cluster.key;
    return id;
  }

  find(key: string): Cluster | undefined {
    return this.byKey.get(key);
  }

  /** A node inside the item (the node itself, or one under the cluster). */
  representative(item: string): string | undefined {
    const cluster = this.byKey.get(item);
    if (!cluster) return this.site.byId.has(item) ? item : undefined;
    for (let c: Cluster | undefined = cluster; c; c = c.children[0]) if (c.members.length) return c.members[0];
    return undefined;
  }

  /** Items and the edges between them, tests folded into badges unless `tests`. */
  scene(expanded: ReadonlySet<string>, tests: boolean): Scene {
    const items = this.items(expanded, tests);
    const nodes: SceneNode[] = [];
    for (const key of items) {
      const node = this.site.byId.get(key);
      nodes.push(node ? nodeOf(this.site, node, { tests }, false) : clusterNode(this.find(key)!, tests));
    }
    const weights = new Map<string, SceneEdge>();
    for (const id of this.ids) {
      if (!tests && this.site.byId.get(id)!.kind === 'test') continue;
      const to = this.itemOf(id, expanded);
      for (const parent of this.site.parents[id] ?? []) {
        if (!this.ids.has(parent)) continue;
        const from = this.itemOf(parent, expanded);
        if (from === to) continue;
        const edge = weights.get(`${from}\n${to}`);
        if (edge) edge.weight++;
        else weights.set(`${from}\n${to}`, { source: from, target: to, weight: 1 });
      }
    }
    return { nodes, edges: [...weights.values()], focus: null };
  }

  private items(expanded: ReadonlySet<string>, tests: boolean): Set<string> {
    const items = new Set<string>();
    for (const id of this.ids) {
      const item = this.itemOf(id, expanded);
      // A test stands alone only when asked for, or when what it checks is not in view.
      if (
        item === id &&
        !tests &&
        this.site.byId.get(id)!.kind === 'test' &&
        this.site.byId.get(id)!.checks.some((i) => this.ids.has(this.site.nodes[i]!.id))
      )
        continue;
      items.add(item);
    }
    return items;
  }

  private groupPath(node: IndexNode): string[] {
    // Tests go where the node they check is, so a cluster's badge counts its own tests.
    const checked = node.kind === 'test' && node.checks.length ? this.site.nodes[node.checks[0]!]! : node;
    const folders = checked.path.split('/').slice(0, -1);
    const where = folders.length
      ? folders
      : checked.kind === 'source'
        ? ['sources', String(checked.select.sourceName ?? '')]
        : ['(project root)'];
    switch (this.grouping) {
      case 'folder':
        return where;
      case 'schema':
        return [checked.relation?.split('.')[0] ?? '(no relation)', ...where];
      case 'tag':
        return [checked.tags[0] ?? '(no tag)', ...where];
    }
  }

  /**
   * The name, with context where it is not enough on its own: the parent folder of `group_3`
   * (`intermediate/group_3`), of a slice (`group_3: int_300 … int_324`), or the schema or tag a
   * folder is under (`staging: group_0`). Not a top level everything shares (`models`).
   */
  private titleOf(cluster: Cluster, path: Cluster[]): string {
    const parent = path[path.length - 2];
    const last = (name: string) => name.slice(name.lastIndexOf('/') + 1);
    if (!parent) return cluster.name;
    if (cluster.slice) return `${last(parent.name)}: ${cluster.name}`;
    if (this.grouping !== 'folder') return `${path[0]!.name}: ${path.length > 2 ? last(cluster.name) : cluster.name}`;
    return path.length > 2 ? `${last(parent.name)}/${cluster.name}` : cluster.name;
  }

  private index(cluster: Cluster, path: Cluster[]): void {
    this.byKey.set(cluster.key, cluster);
    cluster.title = this.titleOf(cluster, path);
    for (const id of cluster.members) {
      this.paths.set(id, path);
      const node = this.site.byId.get(id)!;
      for (const c of path) {
        c.counts.set(node.kind, (c.counts.get(node.kind) ?? 0) + 1);
        if (node.kind === 'test') c.tests.push(node);
      }
    }
    for (const child of cluster.children) this.index(child, [...path, child]);
  }
}

function blank(key: string, name: string): Cluster {
  return { key, name, children: [], members: [], counts: new Map(), tests: [], slice: false, title: '' };
}

/**
 * A folder holding nothing but one folder is shown as one cluster (`models/staging`); a schema or
 * tag (`keepTop`) stays a cluster of its own.
 */
function compress(cluster: Cluster, keepTop = false): void {
  for (const [i, child] of cluster.children.entries()) {
    let merged = child;
    while (!keepTop && merged.members.length === 0 && merged.children.length === 1) {
      const only = merged.children[0]!;
      merged = { ...only, name: `${merged.name}/${only.name}` };
    }
    cluster.children[i] = merged;
    compress(merged);
  }
}

/** Crowded clusters get slices of their direct members, by name, tests with what they check. */
function slice(cluster: Cluster, site: Site): void {
  for (const child of cluster.children) slice(child, site);
  const nodes = cluster.members.filter((id) => site.byId.get(id)!.kind !== 'test');
  if (nodes.length <= CROWDED) return;
  nodes.sort((a, b) => site.byId.get(a)!.name.localeCompare(site.byId.get(b)!.name, 'en', { numeric: true }));
  const sliceOf = new Map<string, Cluster>();
  for (let start = 0; start < nodes.length; start += SLICE) {
    const part = nodes.slice(start, start + SLICE);
    const name = `${site.byId.get(part[0]!)!.name} … ${site.byId.get(part[part.length - 1]!)!.name}`;
    const piece = blank(`${cluster.key}#${start / SLICE}`, name);
    piece.members = part;
    piece.slice = true;
    for (const id of part) sliceOf.set(id, piece);
    cluster.children.push(piece);
  }
  const rest: string[] = [];
  for (const id of cluster.members) {
    const node = site.byId.get(id)!;
    if (node.kind !== 'test') continue;
    const home = node.checks.map((i) => sliceOf.get(site.nodes[i]!.id)).find(Boolean);
    if (home) home.members.push(id);
    else rest.push(id);
  }
  cluster.members = rest;
}

const plural: Record<string, [string, string]> = {
  source: ['source', 'sources'],
  model: ['model', 'models'],
  ml_train: ['ML model', 'ML models'],
  ml_score: ['scoring', 'scorings'],
  agent_tool: ['tool', 'tools'],
  seed: ['seed', 'seeds'],
  snapshot: ['snapshot', 'snapshots'],
  exposure: ['exposure', 'exposures'],
  endpoint: ['endpoint', 'endpoints'],
  test: ['test', 'tests'],
};

function clusterNode(cluster: Cluster, tests: boolean): SceneNode {
  const counted = [...cluster.counts].filter(([kind]) => tests || kind !== 'test');
  const total = counted.reduce((sum, [, n]) => sum + n, 0);
  const counts = counted.map(([kind, n]) => `${n.toLocaleString('en-US')} ${plural[kind]![n === 1 ? 0 : 1]}`).join(', ');
  return {
    id: cluster.key,
    label: `${cluster.title} · ${counts}`,
    kind: 'cluster',
    opens: null,
    badge: !tests && cluster.tests.length ? { count: cluster.tests.length, status: worstStatus(cluster.tests) } : null,
    size: Math.min(26, 8 + Math.sqrt(total) / 3),
    color: KIND_COLORS.cluster,
  };
}
