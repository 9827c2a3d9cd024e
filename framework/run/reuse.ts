import type { Manifest } from '../compile/manifest.js';
import type { NodeResult } from './results.js';
import { selectedAncestors } from './scheduler.js';

/** What a watch rebuild may skip: see RunOptions.reuse. */
export interface ReuseOptions {
  /** Nodes that run whatever their inputs did: what changed since the last good compile. */
  mustRun: ReadonlySet<string>;
  /** The last result of every node, from earlier rebuilds. */
  previous: ReadonlyMap<string, NodeResult>;
}

/**
 * Early cutoff: a node whose definition did not change and whose selected parents all left
 * their output as it was (an incremental model that merged nothing, a table rebuilt with the
 * same columns and rows, a training that kept its version, or a node reused itself) would
 * compute what it computed last time, so its last result is reused instead. Only a
 * result that succeeded is reused; anything that failed, or never ran, runs.
 */
export class UnchangedInputs {
  private readonly unchanged = new Set<string>();
  private readonly parents: Map<string, Set<string>>;

  constructor(
    manifest: Manifest,
    selected: Set<string>,
    private readonly options: ReuseOptions,
  ) {
    this.parents = selectedAncestors(manifest, selected);
  }

  /** The result to report instead of running the node, or null when it must run. */
  reusable(id: string): NodeResult | null {
    const parents = this.parents.get(id);
    const last = this.options.previous.get(id);
    if (this.options.mustRun.has(id) || !parents?.size || !last || !['success', 'pass', 'warn'].includes(last.status)) return null;
    if (![...parents].every((parent) => this.unchanged.has(parent))) return null;
    this.unchanged.add(id);
    return { ...last, reused: true, executionTime: 0, error: null, skippedBecause: null };
  }

  /** Records that a node ran and left its output exactly as it was. */
  leftUnchanged(id: string): void {
    this.unchanged.add(id);
  }
}
