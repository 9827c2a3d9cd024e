/**
 * target/node_results.json: each node's latest result, whichever command ran it, and its
 * definition when it last succeeded. run_results.json holds only the latest command, so the
 * docs site reads each node's last run from here; state:modified compares with the
 * definitions here, so a failed run, a compile or a run of other nodes does not reset them.
 */
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../compile/manifest.js';
import { definitionOf, type NodeDefinition, type StateBaseline } from '../compile/select.js';
import { PlatError } from '../core/errors.js';
import { naming } from '../core/paths.js';
import type { NodeResult } from './results.js';

export interface NodeHistory {
  latest: NodeResult;
  /** The node as it was defined when it last ran successfully, or null when it never has. */
  lastSuccess: { completedAt: string; definition: NodeDefinition } | null;
}

export interface NodeResultsFile {
  version: 1;
  nodes: Record<string, NodeHistory>;
}

const FILE = 'node_results.json';

/** A node whose definition is now in the database (or, for a test, was checked as it is now). */
const succeeded = (result: NodeResult) => result.status === 'success' || result.status === 'pass' || result.status === 'warn';

export function readNodeResults(targetDir: string): NodeResultsFile | null {
  const path = join(targetDir, FILE);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as NodeResultsFile;
  } catch {
    throw new PlatError(
      'STATE_MISSING',
      `${path} is not valid JSON`,
      'delete it: the next run writes it again (state:modified then selects every node once)',
    );
  }
}

/** Merges a run's results, node by node, into what target/ holds. */
export function recordNodeResults(targetDir: string, manifest: Manifest, results: readonly NodeResult[]): void {
  const file: NodeResultsFile = readNodeResults(targetDir) ?? { version: 1, nodes: {} };
  for (const result of results) {
    const node = manifest.nodes[result.uniqueId];
    const before = file.nodes[result.uniqueId];
    const lastSuccess =
      node && succeeded(result)
        ? { completedAt: result.completedAt, definition: definitionOf(node, manifest) }
        : (before?.lastSuccess ?? null);
    file.nodes[result.uniqueId] = { latest: result, lastSuccess };
  }
  mkdirSync(targetDir, { recursive: true });
  // Written aside and renamed: a process killed mid-write leaves the previous file whole.
  const path = join(targetDir, FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  naming(temporary, () => writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`));
  renameSync(temporary, path);
}

/** Each node's latest result, from any command. */
export function latestResults(targetDir: string): Map<string, NodeResult> {
  return new Map(Object.entries(readNodeResults(targetDir)?.nodes ?? {}).map(([id, history]) => [id, history.latest]));
}

/** The definitions of the nodes' last successful runs; null before anything has succeeded. */
export function lastSuccessBaseline(targetDir: string): StateBaseline | null {
  const nodes = Object.entries(readNodeResults(targetDir)?.nodes ?? {}).flatMap(([id, history]) =>
    history.lastSuccess ? [[id, history.lastSuccess.definition] as const] : [],
  );
  return nodes.length ? { nodes: Object.fromEntries(nodes) } : null;
}
