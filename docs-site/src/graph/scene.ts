import type { IndexNode } from '../../../framework/docs/types.js';

/** What a view puts in the graph: nodes with labels, and edges parent → child. */
export interface Scene {
  nodes: SceneNode[];
  edges: SceneEdge[];
  /** The node the view is about: the camera starts on it when everything does not fit. */
  focus: string | null;
}

export type SceneKind = IndexNode['kind'] | 'cluster' | 'expander';

export interface SceneNode {
  /** The graph key. */
  id: string;
  label: string;
  kind: SceneKind;
  /** The site node a click opens, if any. */
  opens: string | null;
  /** In column lineage: the column of `opens` the node stands for. */
  column?: string;
  /** Tests collapsed onto the node: their count and worst last status. */
  badge: { count: number; status: 'pass' | 'warn' | 'fail' | 'none' } | null;
  /** Radius, in layout units (pixels when drawn at the scale of the layout). */
  size: number;
  color: string;
  /** For the focused node: drawn with a ring. */
  focused?: boolean;
  /** An expander adds these parents or children of `of` to the view. */
  expands?: { of: string; direction: -1 | 1; nodes: string[] };
}

export interface SceneEdge {
  source: string;
  target: string;
  /** How many lineage edges an edge between clusters stands for. */
  weight: number;
}

export const KIND_COLORS: Record<SceneKind, string> = {
  source: '#16a34a',
  model: '#2563eb',
  test: '#9ca3af',
  ml_train: '#c026d3',
  ml_score: '#db2777',
  agent_tool: '#ea580c',
  seed: '#0d9488',
  snapshot: '#7c3aed',
  exposure: '#ca8a04',
  endpoint: '#0891b2',
  cluster: '#475569',
  // Dark enough for its white `+3` to read (4.8:1; the lighter grey of edges gave 2.6:1).
  expander: '#64748b',
};

export const KIND_NAMES: Record<SceneKind, string> = {
  source: 'source',
  model: 'model',
  test: 'test',
  ml_train: 'ML training',
  ml_score: 'ML scoring',
  agent_tool: 'agent tool',
  seed: 'seed',
  snapshot: 'snapshot',
  exposure: 'exposure',
  endpoint: 'HTTP endpoint',
  cluster: 'group of nodes',
  expander: 'more lineage: click to add',
};

export const NODE_SIZE = 6;
