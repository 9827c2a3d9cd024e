import type { Manifest } from '../compile/manifest.js';
import { walk } from '../compile/select.js';

/**
 * In a build, a node waits for the tests of what it reads: a failing error-severity test stops
 * bad data from flowing downstream. A model also waits for its own unit tests. A child never
 * waits for a test that itself reads that child (that would be a deadlock).
 */
export function testBlockers(manifest: Manifest, selected: ReadonlySet<string>): Map<string, Set<string>> {
  const blockers = new Map<string, Set<string>>();
  const add = (node: string, test: string) => {
    if (!selected.has(node) || !selected.has(test)) return;
    const set = blockers.get(node) ?? new Set<string>();
    set.add(test);
    blockers.set(node, set);
  };
  for (const id of selected) {
    const test = manifest.nodes[id]!;
    if (test.kind !== 'test' || test.config.severity !== 'error' || !test.attachedTo) continue;
    if (test.testType === 'unit') {
      add(test.attachedTo, id);
      continue;
    }
    // Only a test reading several nodes can read a child of the node it is attached to.
    const upstreamOfTest = test.dependsOn.length > 1 ? walk(manifest.parents, new Set([id])) : new Set<string>();
    for (const child of manifest.children[test.attachedTo] ?? []) {
      if (manifest.nodes[child]?.kind !== 'test' && !upstreamOfTest.has(child)) add(child, id);
    }
  }
  return blockers;
}
