import type { Manifest, ManifestNode } from '../compile/manifest.js';
import type { Connection, Warehouse } from '../warehouse/connection.js';

/**
 * Walks the selected part of the DAG with up to `threads` nodes at once, each on its own
 * session. Knows nothing of node kinds: `execute` does the work, the scheduler only orders,
 * parallelizes and skips what sits downstream of a failure.
 */
export interface SchedulerOptions<R> {
  manifest: Manifest;
  selected: Set<string>;
  threads: number;
  warehouse: Warehouse;
  execute: (node: ManifestNode, connection: Connection, index: number) => Promise<R>;
  skip: (node: ManifestNode, index: number, because: string) => R;
  failed: (result: R) => boolean;
  extraBlockers?: ReadonlyMap<string, ReadonlySet<string>>;
}

export async function schedule<R>(options: SchedulerOptions<R>): Promise<R[]> {
  const { manifest, selected } = options;
  const blockers = selectedAncestors(manifest, selected);
  for (const [id, extra] of options.extraBlockers ?? []) {
    const own = blockers.get(id);
    if (own) for (const blocker of extra) if (selected.has(blocker)) own.add(blocker);
  }
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const [id, parents] of blockers) {
    waitingOn.set(id, parents.size);
    for (const parent of parents) dependents.set(parent, [...(dependents.get(parent) ?? []), id]);
  }
  const ready = [...selected].filter((id) => waitingOn.get(id) === 0);
  const failedUpstream = new Map<string, string>();
  const results: R[] = [];
  const sessions: Connection[] = [];
  let started = 0;
  let running = 0;

  return new Promise<R[]>((resolveAll, rejectAll) => {
    const finish = (id: string, failed: boolean) => {
      for (const child of dependents.get(id) ?? []) {
        if (failed && !failedUpstream.has(child)) failedUpstream.set(child, failedUpstream.get(id) ?? manifest.nodes[id]!.name);
        const left = waitingOn.get(child)! - 1;
        waitingOn.set(child, left);
        if (left === 0) ready.push(child);
      }
    };
    const pump = () => {
      while (ready.length && running < options.threads) {
        const id = ready.shift()!;
        const node = manifest.nodes[id]!;
        const index = ++started;
        const because = failedUpstream.get(id);
        if (because !== undefined) {
          results.push(options.skip(node, index, because));
          finish(id, true);
          continue;
        }
        running++;
        const session = sessions.pop();
        (session ? Promise.resolve(session) : options.warehouse.session())
          .then(async (s) => {
            try {
              const result = await options.execute(node, s, index);
              results.push(result);
              finish(id, options.failed(result));
            } finally {
              sessions.push(s);
            }
          })
          .then(() => {
            running--;
            if (results.length === selected.size) {
              for (const s of sessions) s.close();
              resolveAll(results);
            } else pump();
          })
          .catch(rejectAll);
      }
      if (results.length === selected.size && running === 0) {
        for (const s of sessions.splice(0)) s.close();
        resolveAll(results);
      }
    };
    pump();
  });
}

/** For each selected node, the nearest selected nodes upstream of it (through unselected ones). */
export function selectedAncestors(manifest: Manifest, selected: Set<string>): Map<string, Set<string>> {
  const memo = new Map<string, Set<string>>();
  const through = (id: string): Set<string> => {
    // Selected parents stop the walk; unselected ones are looked through.
    const cached = memo.get(id);
    if (cached) return cached;
    const out = new Set<string>();
    memo.set(id, out);
    for (const parent of manifest.parents[id] ?? []) {
      if (selected.has(parent)) out.add(parent);
      else for (const ancestor of through(parent)) out.add(ancestor);
    }
    return out;
  };
  return new Map([...selected].map((id) => [id, through(id)]));
}
