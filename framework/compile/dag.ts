/**
 * The compile's dependency graph: nodes and their neighbours in the order they were added, as
 * graphology kept them (the manifest's parents and children lists come out in that order). A
 * graph of its own, since a 10,000-model project spent a third of its compile in graphology's
 * edge bookkeeping (keys and attribute objects for every edge, which the compile never reads):
 * plain lists of neighbours here.
 */
export class Dag {
  private readonly parents = new Map<string, string[]>();
  private readonly children = new Map<string, string[]>();

  addNode(id: string): void {
    if (this.parents.has(id)) throw new Error(`the DAG has a node "${id}" already`);
    this.parents.set(id, []);
    this.children.set(id, []);
  }

  hasNode(id: string): boolean {
    return this.parents.has(id);
  }

  /** An edge parent → child unless there is one; a node it names that is missing is added. */
  mergeEdge(parent: string, child: string): void {
    if (!this.parents.has(parent)) this.addNode(parent);
    if (!this.parents.has(child)) this.addNode(child);
    const out = this.children.get(parent)!;
    const into = this.parents.get(child)!;
    // Either list says whether the edge exists; the shorter is searched (a source may feed thousands).
    if (out.length < into.length ? out.includes(child) : into.includes(parent)) return;
    out.push(child);
    into.push(parent);
  }

  inNeighbors(id: string): string[] {
    return this.neighbours(this.parents, id).slice();
  }

  outNeighbors(id: string): string[] {
    return this.neighbours(this.children, id).slice();
  }

  /**
   * The node's own parent and child lists, not copies: for the manifest, which takes them over
   * from a graph that is done with (30,000 copies cost a large compile tens of milliseconds).
   */
  takeLists(id: string): { parents: string[]; children: string[] } {
    return { parents: this.neighbours(this.parents, id), children: this.neighbours(this.children, id) };
  }

  inDegree(id: string): number {
    return this.neighbours(this.parents, id).length;
  }

  get order(): number {
    return this.parents.size;
  }

  nodes(): IterableIterator<string> {
    return this.parents.keys();
  }

  private neighbours(index: Map<string, string[]>, id: string): string[] {
    const found = index.get(id);
    if (!found) throw new Error(`the DAG has no node "${id}"`);
    return found;
  }
}

/** Edges run parent → child (from what a node reads to the node). */
export function buildDag(nodes: Iterable<{ uniqueId: string; dependsOn: readonly string[] }>): Dag {
  return addToDag(new Dag(), nodes);
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
  for (const node of graph.nodes()) if (!state.has(node)) visit(node);
  return cycles;
}

/**
 * Kahn's algorithm with a first-in first-out queue seeded in node order (graphology-dag's
 * order, which picks the node a singular test is attached to among unrelated parents).
 * Throws on a cycle.
 */
export function topologicalOrder(graph: Dag): string[] {
  const waiting = new Map<string, number>();
  const order: string[] = [];
  for (const node of graph.nodes()) {
    const parents = graph.inDegree(node);
    if (parents === 0) order.push(node);
    else waiting.set(node, parents);
  }
  for (let next = 0; next < order.length; next++) {
    for (const child of graph.outNeighbors(order[next]!)) {
      const left = waiting.get(child)! - 1;
      waiting.set(child, left);
      if (left === 0) order.push(child);
    }
  }
  if (order.length < graph.order) throw new Error('the DAG has a cycle');
  return order;
}
