import type { Manifest, ManifestNode, NodeKind } from '../compile/manifest.js';
import type { Connection } from '../warehouse/connection.js';
import type { RelationCatalog } from './catalog.js';
import type { IngestProgress, NodeResult } from './results.js';
import type { RunOptions } from './run.js';

export interface ExecuteContext {
  catalog: RelationCatalog;
  manifest: Manifest;
  options: RunOptions;
  note: (message: string) => void;
  progress: (progress: IngestProgress) => void;
  now: Date;
}

/** What executing a node produced; the runner adds identity and timing. */
export type NodeOutcome = Pick<NodeResult, 'rows' | 'action'> &
  Partial<Pick<NodeResult, 'status' | 'failures' | 'sample' | 'unitDiff' | 'ml'>> & {
    /** The node's output is exactly what it was before it ran (see ModelOutcome.unchanged; a training that kept its version). */
    unchanged?: boolean;
  };

/**
 * One executor per node kind. The record type makes adding a kind a compile error until it
 * has an executor; the runner itself never looks at kinds.
 */
export type Executors = {
  [K in NodeKind]: (node: Extract<ManifestNode, { kind: K }>, connection: Connection, context: ExecuteContext) => Promise<NodeOutcome>;
};
