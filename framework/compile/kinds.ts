/**
 * What each node kind is called and what it builds, in one place. The table is keyed by
 * every NodeKind, so a new kind does not compile until it says how it is labelled and
 * which relation, if any, it builds.
 */
import type { ManifestNode, NodeKind, Relation } from './manifest.js';

type NodeOf<K extends NodeKind> = Extract<ManifestNode, { kind: K }>;

interface KindFacts<K extends NodeKind> {
  /** Counted in summaries: "1 source", "37 tests". */
  singular: string;
  plural: string;
  /** What a run result says was done before the executor says more (a model: its materialization). */
  action: (node: NodeOf<K>) => string;
  /** The word before the relation in a run line; a model's comes from its result's action. */
  lineLabel: (action: string) => string;
  /** What `plat ls` shows in its materialized column. */
  listLabel: (node: NodeOf<K>) => string;
  /** The relation the node builds in the database, or null. */
  relation: (node: NodeOf<K>) => Relation | null;
}

const kinds: { [K in NodeKind]: KindFacts<K> } = {
  source: {
    singular: 'source',
    plural: 'sources',
    action: () => 'source',
    lineLabel: () => 'source',
    listLabel: () => 'source',
    relation: (node) => node.relation,
  },
  model: {
    singular: 'model',
    plural: 'models',
    action: (node) => node.config.materialized,
    // "incremental (merge)" → incremental; an ephemeral model is "inlined" rather than built.
    lineLabel: (action) => (action === 'inlined' ? 'ephemeral' : action.split(' ')[0]!),
    listLabel: (node) => node.config.materialized,
    relation: (node) => (node.config.materialized === 'ephemeral' ? null : node.relation),
  },
  test: {
    singular: 'test',
    plural: 'tests',
    action: (node) => node.testType,
    lineLabel: () => 'test',
    listLabel: (node) => `${node.testType} test`,
    relation: () => null,
  },
  ml_train: {
    singular: 'training',
    plural: 'trainings',
    action: () => 'train',
    lineLabel: () => 'train',
    listLabel: () => 'ml training',
    relation: () => null,
  },
  ml_score: {
    singular: 'scoring',
    plural: 'scorings',
    action: () => 'score',
    lineLabel: () => 'score',
    listLabel: () => 'ml scoring',
    relation: (node) => node.relation,
  },
  agent_tool: {
    singular: 'agent tool',
    plural: 'agent tools',
    action: () => 'tool',
    lineLabel: () => 'tool',
    listLabel: () => 'agent tool',
    relation: () => null,
  },
};

/** The facts of a node's own kind; the cast is safe because the table is keyed by kind. */
const factsOf = (node: ManifestNode) => kinds[node.kind] as KindFacts<NodeKind>;

export const NODE_KINDS = Object.keys(kinds) as NodeKind[];

/** The relation a node builds, if it builds one. */
export function relationOf(node: ManifestNode): Relation | null {
  return factsOf(node).relation(node);
}

export function initialAction(node: ManifestNode): string {
  return factsOf(node).action(node);
}

export function listLabel(node: ManifestNode): string {
  return factsOf(node).listLabel(node);
}

export function lineLabel(kind: NodeKind, action: string): string {
  return kinds[kind].lineLabel(action);
}

/** "1 source, 8 models, 37 tests": the kinds present, in table order. */
export function countKinds(counts: Partial<Record<NodeKind, number>>): string {
  return NODE_KINDS.filter((kind) => (counts[kind] ?? 0) > 0)
    .map((kind) => {
      const n = counts[kind]!;
      return `${n.toLocaleString('en-US')} ${n === 1 ? kinds[kind].singular : kinds[kind].plural}`;
    })
    .join(', ');
}
