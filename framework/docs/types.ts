import type { ManifestNode } from '../compile/manifest.js';
import type { NodeRunRecord, RunRecord } from '../run/records.js';
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
  materialized: string | null;
  columns: { name: string; type: string | null; description: string; tests: { id: string; name: string; status: string | null }[] }[];
  rawSql: string | null;
  compiledSql: string | null;
  rows: number | null;
  lastRun:
    | (Pick<NodeResult, 'status' | 'rows' | 'executionTime' | 'completedAt' | 'failures' | 'action'> & { message: string | null })
    | null;
  details: Record<string, unknown>;
  /** Extra fields selectors read (relation and materialization for models, names for sources and tests). */
  select: Record<string, unknown>;
}

/**
 * What generate writes (site-files.ts): data.js holds the index, enough to draw any graph, search,
 * filter and head a node page; each node's description, columns, SQL, kind details and column
 * lineage wait in details/<chunk>.js until its page is opened, because parsing them up front was
 * half of the time to the first render on 10,000 models.
 */
export interface SiteIndex {
  version: 2;
  project: DocsData['project'];
  lastRun: DocsData['lastRun'];
  /** One array per field, in node order: field names once rather than once per node (half the index). */
  nodes: { [K in keyof IndexNode]: IndexNode[K][] };
  /** parents[i]: node i's parents, as indices into nodes (children are derived in the browser). */
  parents: number[][];
  /** details/0.js … details/<chunks - 1>.js */
  chunks: number;
}

export type IndexNode = Pick<
  DocNode,
  'id' | 'kind' | 'name' | 'path' | 'tags' | 'fqn' | 'relation' | 'materialized' | 'lastRun' | 'select'
> & {
  /** For a test: the nodes whose badge counts it (what it is attached to, else its parents), as indices. */
  checks: number[];
  /** Which details/<chunk>.js holds the node's details. */
  chunk: number;
};

export type NodeDetails = Pick<DocNode, 'description' | 'columns' | 'rawSql' | 'compiledSql' | 'rows' | 'details'> & {
  lineage: OutputColumn[];
};

/** The argument of window.__PLAT_DOCS_DETAILS__(…) in details/<chunk>.js. */
export interface DetailsChunk {
  /** The index's project.generatedAt: a page opened before the site was generated again reloads. */
  generatedAt: string;
  chunk: number;
  nodes: Record<string, NodeDetails>;
}

/** runs.js: the latest runs of the history (`_plat.runs`), newest first, each with its node executions in the order they started. */
export interface RunsData {
  runs: { run: RunRecord; nodes: NodeRunRecord[] }[];
}
