import Graph from 'graphology';
import { topologicalSort } from 'graphology-dag';
import { describe, expect, it } from 'vitest';
import { addToDag, buildDag, findCycles, topologicalOrder } from '../framework/compile/dag.js';

/** Random nodes whose parents repeat, are missing, point at the node itself or close cycles (with `cycles`). */
function randomNodes(seed: number, count: number, cycles: boolean): { uniqueId: string; dependsOn: string[] }[] {
  let state = seed;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  return Array.from({ length: count }, (_, i) => ({
    uniqueId: `model.p.m${i}`,
    dependsOn: Array.from({ length: random(5) }, () => {
      const kind = random(10);
      if (kind === 0) return 'model.p.missing';
      if (kind === 1 && cycles) return `model.p.m${random(count)}`;
      return `model.p.m${i === 0 ? 0 : random(i)}`;
    }).filter((parent) => cycles || parent !== `model.p.m${i}`),
  }));
}

/** The DAG as compile built it with graphology before it had a graph of its own. */
function graphologyDag(nodes: { uniqueId: string; dependsOn: string[] }[]) {
  const graph = new Graph.DirectedGraph();
  for (const node of nodes) graph.addNode(node.uniqueId);
  for (const node of nodes) for (const parent of node.dependsOn) if (graph.hasNode(parent)) graph.mergeEdge(parent, node.uniqueId);
  return graph;
}

describe('the compile DAG', () => {
  it('lists parents, children and a topological order as graphology did (the manifest keeps that order)', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const nodes = randomNodes(seed, 200, false);
      const ours = buildDag(nodes);
      const theirs = graphologyDag(nodes);
      expect([...ours.nodes()]).toEqual(theirs.nodes());
      for (const { uniqueId } of nodes) {
        expect(ours.inNeighbors(uniqueId)).toEqual(theirs.inNeighbors(uniqueId));
        expect(ours.outNeighbors(uniqueId)).toEqual(theirs.outNeighbors(uniqueId));
      }
      expect(topologicalOrder(ours)).toEqual(topologicalSort(theirs));
      expect(findCycles(ours)).toEqual([]);
    }
  });

  it('finds cycles, refuses a topological order with one, and adds the missing node an edge names', () => {
    let cyclicGraphs = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const nodes = randomNodes(seed, 60, true);
      const ours = buildDag(nodes);
      const theirs = graphologyDag(nodes);
      const cyclic = (() => {
        try {
          topologicalSort(theirs);
          return false;
        } catch {
          return true;
        }
      })();
      expect(findCycles(ours).length > 0).toBe(cyclic);
      if (cyclic) cyclicGraphs++;
      if (cyclic) expect(() => topologicalOrder(ours)).toThrow(/cycle/);
      else expect(topologicalOrder(ours)).toEqual(topologicalSort(theirs));
      for (const cycle of findCycles(ours)) {
        expect(cycle[0]).toBe(cycle.at(-1));
        for (let i = 1; i < cycle.length; i++) expect(ours.outNeighbors(cycle[i - 1]!)).toContain(cycle[i]);
      }
    }
    // Both kinds of graph were drawn.
    expect(cyclicGraphs).toBeGreaterThan(0);
    expect(cyclicGraphs).toBeLessThan(30);
    const graph = addToDag(buildDag([{ uniqueId: 'a', dependsOn: [] }]), [{ uniqueId: 'b', dependsOn: ['a', 'a'] }]);
    graph.mergeEdge('ml_score.p.x', 'b');
    expect([...graph.nodes()]).toEqual(['a', 'b', 'ml_score.p.x']);
    expect(graph.inNeighbors('b')).toEqual(['a', 'ml_score.p.x']);
    expect(() => graph.addNode('a')).toThrow(/already/);
  });
});
