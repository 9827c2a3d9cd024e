/** The run history as `plat runs` and the docs site read it: the warehouse opened read-only, nothing created. */
import type { Manifest } from '../compile/manifest.js';
import { PlatError } from '../core/errors.js';
import { locateWarehouse, openWarehouse } from '../warehouse/registry.js';
import { RunHistory, type NodeRunRecord, type RunRecord } from './runs.js';

async function reading<T>(manifest: Manifest, empty: T, work: (history: RunHistory) => Promise<T>): Promise<T> {
  if (!locateWarehouse(manifest.target, { root: manifest.project.root }).exists) return empty;
  const warehouse = await openWarehouse(manifest.target, { root: manifest.project.root, mode: 'read-only' });
  try {
    const session = await warehouse.session();
    try {
      return (await RunHistory.exists(session)) ? await work(RunHistory.reader(session)) : empty;
    } finally {
      session.close();
    }
  } finally {
    warehouse.close();
  }
}

/** The latest runs, newest first. */
export function listRuns(manifest: Manifest, options: { limit: number; schedule?: string }): Promise<RunRecord[]> {
  return reading(manifest, [], (history) => history.list(options));
}

/** One run and its node executions (a retried node once per attempt), in the order they started. */
export async function showRun(manifest: Manifest, id: number): Promise<{ run: RunRecord; nodes: NodeRunRecord[] }> {
  const found = await reading(manifest, null, (history) => history.get(id));
  if (!found) throw new PlatError('USAGE', `no run ${id} in the history`, '`plat runs` lists the recorded runs');
  return found;
}

/** Each node's latest executions, newest first (the docs site's node pages). */
export function recentNodeRuns(manifest: Manifest, perNode: number): Promise<Map<string, NodeRunRecord[]>> {
  return reading(manifest, new Map(), async (history) => {
    const byNode = new Map<string, NodeRunRecord[]>();
    for (const record of await history.recent(perNode)) byNode.set(record.uniqueId, [...(byNode.get(record.uniqueId) ?? []), record]);
    return byNode;
  });
}
