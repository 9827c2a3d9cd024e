import Graph from 'graphology';
import { topologicalSort } from 'graphology-dag';

export type Dag = InstanceType<typeof Graph.DirectedGraph>;

/** Edges run parent → child (from what a node reads to the node). */
export function buildDag(nodes: Iterable<{ uniqueId: string; dependsOn: readonly string[] }>): Dag {
  return addToDag(new Graph.DirectedGraph(), nodes);
}

/** Adds nodes (and edges from their parents already in the graph) to a DAG. */
export function addToDag(graph: Dag, nodes: Iterable<{ uniqueId: string; dependsOn: readonly string[] }>): Dag {
  const list = [...nodes];
  for (const node of list) graph.addNode(node.uniqueId);
  for (const node of list) {
    for (const parent of node.dependsOn) if (graph.hasNode(parent)) graph.mergeEdge(parent, node.uniqueId);
  }
  return graph;
}

/** Every cycle's node path (first node repeated at the end), or [] for a DAG. */
export function findCycles(graph: Dag): string[][] {
  const state = new Map<string, 1 | 2>();
  const cycles: string[][] = [];
  const stack: string[] = [];
  const visit = (start: string) => {
    // Iterative DFS: 10,000-model projects would overflow a recursive one.
    const frames: { node: string; next: string[] }[] = [{ node: start, next: graph.outNeighbors(start) }];
    state.set(start, 1);
    stack.push(start);
    while (frames.length) {
      const frame = frames[frames.length - 1]!;
      const child = frame.next.pop();
      if (child === undefined) {
        state.set(frame.node, 2);
        stack.pop();
        frames.pop();
        continue;
      }
      const seen = state.get(child);
      if (seen === 1) cycles.push([...stack.slice(stack.indexOf(child)), child]);
      else if (seen === undefined) {
        state.set(child, 1);
        stack.push(child);
        frames.push({ node: child, next: graph.outNeighbors(child) });
      }
    }
  };
  graph.forEachNode((node) => {
    if (!state.has(node)) visit(node);
  });
  return cycles;
}

export function topologicalOrder(graph: Dag): string[] {
  return topologicalSort(graph);
}
