import type { ManifestNode } from '../compile/manifest.js';
import type { NodeResult } from '../run/results.js';
import type { OutputColumn } from './lineage.js';

/** What the site shows, as one JSON document (written as data.js so file:// works). */
export interface DocsData {
  version: 1;
  project: { name: string; generatedAt: string; database: string };
  nodes: DocNode[];
  lineage: Record<string, OutputColumn[]>;
  lastRun: { command: string; generatedAt: string; elapsed: number; counts: Record<string, number> } | null;
  /** The manifest parts the selector syntax needs, for the filter box. */
  parents: Record<string, string[]>;
  children: Record<string, string[]>;
}

export interface DocNode {
  id: string;
  kind: ManifestNode['kind'];
  name: string;
  path: string;
  description: string;
  tags: string[];
  fqn: string[];
  relation: string | null;
  /** Column in the left-to-right lineage layout: the longest path from a root. */
  layer: number;
  materialized: string | null;
  columns: { name: string; type: string | null; description: string; tests: { id: string; name: string; status: string | null }[] }[];
  rawSql: string | null;
  compiledSql: string | null;
  rows: number | null;
  lastRun: Pick<NodeResult, 'status' | 'rows' | 'executionTime' | 'completedAt' | 'failures' | 'action'> & { message: string | null } | null;
  details: Record<string, unknown>;
  /** Extra fields selectors read (relation and materialization for models, names for sources and tests). */
  select: Record<string, unknown>;
}
