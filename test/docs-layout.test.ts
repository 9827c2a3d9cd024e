import { describe, expect, it } from 'vitest';
import { ClusterTree } from '../docs-site/src/clusters.js';
import { extend } from '../docs-site/src/layout/extend.js';
import { COLUMN_GAP, LABEL_OFFSET, ROW, isotonic, layered, type Layout, type LayoutNode } from '../docs-site/src/layout/layered.js';
import { loadSite } from '../docs-site/src/site.js';
import type { IndexNode, SiteIndex } from '../framework/docs/types.js';

const node = (id: string, width = 60): LayoutNode => ({ id, size: 6, width });

/** No two nodes of a column closer than a row; no label reaching into the next column's nodes. */
function expectRoomForLabels(layout: Layout, nodes: LayoutNode[]): void {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const columns = new Map<number, string[]>();
  for (const [id, at] of Object.entries(layout.positions)) columns.set(at.rank, [...(columns.get(at.rank) ?? []), id]);
  for (const ids of columns.values()) {
    const ys = ids.map((id) => layout.positions[id]!.y).sort((a, b) => a - b);
    for (const [k, y] of ys.slice(1).entries()) expect(y - ys[k]!).toBeGreaterThanOrEqual(ROW - 1e-9);
  }
  const sorted = [...layout.columns].sort((a, b) => a.x - b.x);
  for (const [k, column] of sorted.slice(1).entries())
    expect(column.x - column.left).toBeGreaterThanOrEqual(sorted[k]!.x + sorted[k]!.right + COLUMN_GAP - 1e-9);
  for (const [id, at] of Object.entries(layout.positions)) {
    const column = layout.columns.find((c) => c.rank === at.rank)!;
    expect(at.x).toBe(column.x);
    expect(byId.get(id)!.size + LABEL_OFFSET + byId.get(id)!.width).toBeLessThanOrEqual(column.right + 1e-9);
  }
}

describe('the lineage layout (docs-site/src/layout)', () => {
  it('puts every parent left of its children and gives each label room up to the next column', () => {
    const nodes = [node('src', 40), node('stg_a', 120), node('stg_b', 30), node('int', 200), node('mart', 80), node('tool', 50)];
    const edges: [string, string][] = [
      ['src', 'stg_a'],
      ['src', 'stg_b'],
      ['stg_a', 'int'],
      ['stg_b', 'int'],
      ['int', 'mart'],
      ['stg_a', 'mart'],
      ['mart', 'tool'],
    ];
    const layout = layered({ nodes, edges });
    for (const [parent, child] of edges) expect(layout.positions[parent]!.x).toBeLessThan(layout.positions[child]!.x);
    expect(layout.positions.mart!.rank).toBe(3);
    expectRoomForLabels(layout, nodes);
  });

  it('draws a root read only by a late node next to it, not in the first column', () => {
    const layout = layered({
      nodes: ['a', 'b', 'c', 'late_source'].map((id) => node(id)),
      edges: [
        ['a', 'b'],
        ['b', 'c'],
        ['late_source', 'c'],
      ],
    });
    expect(layout.positions.late_source!.rank).toBe(1);
  });

  it('lays out a cycle (which compile rejects, but a cluster graph may have) with every node placed', () => {
    const nodes = ['a', 'b', 'c'].map((id) => node(id));
    const layout = layered({
      nodes,
      edges: [
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'a'],
      ],
    });
    expect(Object.keys(layout.positions).sort()).toEqual(['a', 'b', 'c']);
    expectRoomForLabels(layout, nodes);
  });

  it('orders a column to keep edges from crossing', () => {
    // p1 feeds c1 and p2 feeds c2; listed crosswise, they are drawn side by side.
    const layout = layered({
      nodes: ['p1', 'p2', 'c2', 'c1'].map((id) => node(id)),
      edges: [
        ['p1', 'c1'],
        ['p2', 'c2'],
      ],
    });
    const above = (a: string, b: string) => layout.positions[a]!.y < layout.positions[b]!.y;
    expect(above('p1', 'p2')).toBe(above('c1', 'c2'));
  });

  it('keeps the order of hints, so a layout done again looks like the one it replaces', () => {
    const nodes = ['x', 'y', 'z'].map((id, k) => ({ ...node(id), hint: [30, 10, 20][k]! }));
    const layout = layered({ nodes, edges: [] });
    const order = ['x', 'y', 'z'].sort((a, b) => layout.positions[a]!.y - layout.positions[b]!.y);
    expect(order).toEqual(['y', 'z', 'x']);
  });

  it('fits heights as close to the wanted ones as their order and gaps allow', () => {
    expect(isotonic([0, 100, 200], [0, 26, 26])).toEqual([0, 100, 200]);
    expect(isotonic([10, 10, 10], [0, 26, 26])).toEqual([-16, 10, 36]);
  });

  it('adds an expansion beside its anchor without moving anything up or down', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const before = layered({
      nodes,
      edges: [
        ['a', 'b'],
        ['b', 'c'],
      ],
    });
    const after = extend({
      layout: before,
      groups: [
        { anchor: 'a', direction: -1, nodes: [node('p1', 300), node('p2')] },
        { anchor: 'c', direction: 1, nodes: [node('d')] },
      ],
    });
    for (const id of ['a', 'b', 'c']) expect(after.positions[id]!.y).toBe(before.positions[id]!.y);
    expect(after.positions.p1!.x).toBeLessThan(after.positions.a!.x);
    expect(after.positions.d!.x).toBeGreaterThan(after.positions.c!.x);
    expect(Math.abs(after.positions.p1!.y - after.positions.p2!.y)).toBeGreaterThanOrEqual(ROW);
    expectRoomForLabels(after, [...nodes, node('p1', 300), node('p2'), node('d')]);
  });

  it('widens a column for a longer label by moving the columns after it right, not by laying out again', () => {
    const nodes = [node('a'), node('b'), node('c'), node('d')];
    const before = layered({
      nodes,
      edges: [
        ['a', 'b'],
        ['b', 'c'],
        ['a', 'd'],
        ['d', 'c'],
      ],
    });
    const after = extend({ layout: before, groups: [{ anchor: 'a', direction: 1, nodes: [node('long', 500)] }] });
    expect(after.positions.long!.rank).toBe(before.positions.b!.rank);
    expect(after.positions.c!.x - before.positions.c!.x).toBeCloseTo(500 - 60);
    expect(after.positions.a!.x).toBe(before.positions.a!.x);
    expectRoomForLabels(after, [...nodes, node('long', 500)]);
  });
});

/** A site index of models in folders (`models/<folder>/<name>.sql`), each with a test. */
function siteOf(models: { name: string; folder: string; parents: string[]; schema?: string; tag?: string }[]): ReturnType<typeof loadSite> {
  const nodes: IndexNode[] = [];
  for (const m of models) {
    nodes.push({
      id: `model.p.${m.name}`,
      kind: 'model',
      name: m.name,
      path: `models/${m.folder}/${m.name}.sql`,
      tags: m.tag ? [m.tag] : [],
      fqn: ['p', m.name],
      relation: `${m.schema ?? 'main'}.${m.name}`,
      materialized: 'view',
      lastRun: null,
      select: {},
      checks: [],
      chunk: 0,
    });
  }
  const at = new Map(nodes.map((n, i) => [n.name, i]));
  const parents = models.map((m) => m.parents.map((p) => at.get(p)!));
  models.forEach((m, i) => {
    nodes.push({
      id: `test.p.not_null_${m.name}`,
      kind: 'test',
      name: `not_null_${m.name}`,
      path: `models/${m.folder}/_properties.yml`,
      tags: [],
      fqn: ['p', m.name],
      relation: null,
      materialized: null,
      lastRun: null,
      select: {},
      checks: [i],
      chunk: 0,
    });
    parents.push([i]);
  });
  const columns = Object.fromEntries(Object.keys(nodes[0]!).map((key) => [key, nodes.map((n) => n[key as keyof IndexNode])]));
  const index = {
    version: 2,
    project: { name: 'p', generatedAt: '', database: '' },
    lastRun: null,
    nodes: columns,
    parents,
    chunks: 1,
  } as unknown as SiteIndex;
  return loadSite(index);
}

describe('the overview clusters (docs-site/src/clusters.ts)', () => {
  const models = [
    ...Array.from({ length: 3 }, (_, i) => ({ name: `stg_${i}`, folder: 'staging', parents: [], schema: 'staging', tag: 'staging' })),
    ...Array.from({ length: 45 }, (_, i) => ({
      name: `int_${i}`,
      folder: 'intermediate/core',
      parents: [`stg_${i % 3}`],
      schema: 'intermediate',
      tag: 'core',
    })),
    { name: 'mart', folder: 'marts/finance', parents: ['int_0', 'int_1', 'int_44'], schema: 'marts', tag: 'finance' },
  ];
  const site = siteOf(models);
  const all = new Set(site.nodes.map((n) => n.id));

  it('groups by folder, names a chain of single folders as one, and slices a crowded folder by name', () => {
    const tree = new ClusterTree(site, 'folder', all);
    expect(tree.root.children.map((c) => c.name)).toEqual(['models']);
    const models = tree.root.children[0]!;
    expect(models.children.map((c) => c.name)).toEqual(['staging', 'intermediate/core', 'marts/finance']);
    const core = models.children[1]!;
    expect(core.children.map((c) => [c.name, c.members.length])).toEqual([
      ['int_0 … int_24', 50],
      ['int_25 … int_44', 40],
    ]);
    expect(core.counts.get('model')).toBe(45);
    expect(core.counts.get('test')).toBe(45);
  });

  it('opens a first view a level at a time, but leaves slices of a crowded folder closed', () => {
    const tree = new ClusterTree(site, 'folder', all);
    const scene = tree.scene(tree.firstView(), false);
    expect(scene.nodes.map((n) => n.label).sort()).toEqual(['intermediate/core · 45 models', 'mart', 'stg_0', 'stg_1', 'stg_2'].sort());
    const core = scene.nodes.find((n) => n.kind === 'cluster')!;
    expect(core.badge).toEqual({ count: 45, status: 'none' });
    // Each lineage edge counted once between what stands for its ends.
    expect(scene.edges.find((e) => e.source === core.id && e.target === 'model.p.mart')!.weight).toBe(3);
    expect(
      scene.edges
        .filter((e) => e.target === core.id)
        .map((e) => e.weight)
        .sort(),
    ).toEqual([15, 15, 15]);
  });

  it('shows what an opened cluster holds, tests as nodes only when asked for', () => {
    const tree = new ClusterTree(site, 'folder', all);
    const open = new Set([...tree.firstView(), 'folder:/models/intermediate/core', 'folder:/models/intermediate/core#1']);
    const ids = tree.scene(open, false).nodes.map((n) => n.id);
    expect(ids).toContain('folder:/models/intermediate/core#0');
    expect(ids).toContain('model.p.int_44');
    expect(ids).not.toContain('test.p.not_null_int_44');
    expect(tree.scene(open, true).nodes.map((n) => n.id)).toContain('test.p.not_null_int_44');
  });

  it('groups by schema and by tag, then by folder, each named with the schema or tag it is in', () => {
    const bySchema = new ClusterTree(site, 'schema', all);
    expect(bySchema.root.children.map((c) => c.name).sort()).toEqual(['intermediate', 'marts', 'staging']);
    const intermediate = bySchema.root.children.find((c) => c.name === 'intermediate')!;
    expect(intermediate.children.map((c) => c.title)).toEqual(['intermediate: models/intermediate/core']);
    expect(intermediate.children[0]!.children.map((c) => c.title)).toEqual(['core: int_0 … int_24', 'core: int_25 … int_44']);
    const byTag = new ClusterTree(site, 'tag', all);
    expect(byTag.root.children.map((c) => c.title).sort()).toEqual(['core', 'finance', 'staging']);
  });

  it('groups only what a selection holds', () => {
    const tree = new ClusterTree(site, 'folder', new Set(['model.p.mart', 'model.p.int_0']));
    expect(
      tree
        .scene(tree.firstView(), false)
        .nodes.map((n) => n.id)
        .sort(),
    ).toEqual(['model.p.int_0', 'model.p.mart']);
  });
});
