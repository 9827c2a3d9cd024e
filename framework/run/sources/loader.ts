import type { SourceNode } from '../../compile/manifest.js';
import type { Connection } from '../../warehouse/connection.js';
import type { RelationCatalog } from '../catalog.js';
import type { IngestProgress } from '../results.js';

export interface SourceContext {
  catalog: RelationCatalog;
  /** The project's name (Kafka consumer groups are named by it) and folder. */
  project: string;
  projectRoot: string;
  env: Record<string, string | undefined>;
  now: Date;
  note: (message: string) => void;
  progress: (progress: IngestProgress) => void;
}

export interface SourceOutcome {
  rows: number;
  action: string;
}

/**
 * One way of landing a source table. Loaders are tried in the order of their registry and
 * the first that applies lands the table; the stages that own a way of loading (stream/ for
 * Kafka) contribute theirs where the stages are wired (api.ts).
 */
export interface SourceLoader {
  name: string;
  applies(node: SourceNode, context: SourceContext): boolean;
  load(node: SourceNode, connection: Connection, context: SourceContext): Promise<SourceOutcome>;
}

export function loadSource(
  loaders: readonly SourceLoader[],
  node: SourceNode,
  connection: Connection,
  context: SourceContext,
): Promise<SourceOutcome> {
  const loader = loaders.find((l) => l.applies(node, context));
  // The registry ends with a loader that applies to every table.
  if (!loader) throw new Error(`no loader for source ${node.name}`);
  return loader.load(node, connection, context);
}
