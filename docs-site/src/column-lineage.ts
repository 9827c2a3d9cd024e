import type { ColumnRef } from '../../framework/docs/lineage.js';
import type { Details } from './details.js';
import { KIND_COLORS, NODE_SIZE, type Scene, type SceneEdge, type SceneNode } from './graph/scene.js';
import type { Site } from './site.js';

export const columnKey = (ref: ColumnRef) => `${ref.node}.${ref.column}`;

/**
 * Every column a column is computed from, transitively, as a scene for the same lineage view as
 * nodes: each step loads the details (and so the column lineage) of the nodes it reaches.
 */
export async function columnLineage(site: Site, details: Details, start: ColumnRef): Promise<{ scene: Scene; upstream: ColumnRef[] }> {
  const refs = new Map([[columnKey(start), start]]);
  const edges: SceneEdge[] = [];
  let level = [start];
  for (let depth = 0; depth < 30 && level.length; depth++) {
    const found = await Promise.all(
      level.map(async (ref) => ({ ref, from: (await details.of(ref.node))?.lineage.find((c) => c.name === ref.column)?.from ?? [] })),
    );
    const next: ColumnRef[] = [];
    for (const { ref, from } of found) {
      for (const source of from) {
        edges.push({ source: columnKey(source), target: columnKey(ref), weight: 1 });
        if (!refs.has(columnKey(source))) {
          refs.set(columnKey(source), source);
          next.push(source);
        }
      }
    }
    level = next;
  }
  const nodes: SceneNode[] = [...refs.values()].map((ref) => {
    const node = site.byId.get(ref.node);
    const focused = columnKey(ref) === columnKey(start);
    return {
      id: columnKey(ref),
      label: `${node?.name ?? ref.node}.${ref.column}`,
      kind: node?.kind ?? 'model',
      opens: ref.node,
      column: ref.column,
      badge: null,
      size: focused ? NODE_SIZE + 3 : NODE_SIZE,
      color: KIND_COLORS[node?.kind ?? 'model'],
      focused,
    };
  });
  return { scene: { nodes, edges, focus: columnKey(start) }, upstream: [...refs.values()].slice(1) };
}
