/**
 * What each node kind is called and what it builds or writes, in one place. The table is
 * keyed by every NodeKind, so a new kind does not compile until it says how it is labelled and
 * which relations, if any, it builds and writes.
 */
import type { ManifestNode, NodeKind, Relation } from './manifest.js';
import { thousands } from '../core/plural.js';

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
  /** The relation the node builds in the database, or null (an ephemeral model is inlined instead). */
  relation: (node: NodeOf<K>) => Relation | null;
  /** The relation the node writes: what it builds, or a test's stored failures. */
  writes: (node: NodeOf<K>) => Relation | null;
  /** How a diagnostic names the node: `model "orders"`. */
  named: (node: NodeOf<K>) => string;
}

const builds = <K extends NodeKind>(node: NodeOf<K>) => factsOf(node).relation(node);

const kinds: { [K in NodeKind]: KindFacts<K> } = {
  source: {
    singular: 'source',
    plural: 'sources',
    action: () => 'source',
    lineLabel: () => 'source',
    listLabel: () => 'source',
    relation: (node) => node.relation,
    writes: builds,
    named: (node) => `source table "${node.name}"`,
  },
  model: {
    singular: 'model',
    plural: 'models',
    action: (node) => node.config.materialized,
    // "incremental (merge)" → incremental; an ephemeral model is "inlined" rather than built.
    lineLabel: (action) => (action === 'inlined' ? 'ephemeral' : action.split(' ')[0]!),
    listLabel: (node) => node.config.materialized,
    relation: (node) => (node.config.materialized === 'ephemeral' ? null : node.relation),
    writes: builds,
    named: (node) => `model "${node.name}"`,
  },
  test: {
    singular: 'test',
    plural: 'tests',
    action: (node) => node.testType,
    lineLabel: () => 'test',
    listLabel: (node) => `${node.testType} test`,
    relation: () => null,
    // store_failures keeps the failing rows of the last run in audit.<test>.
    writes: (node) => (node.config.storeFailures ? { schema: 'audit', name: node.name } : null),
    named: (node) => `test "${node.name}"`,
  },
  ml_train: {
    singular: 'training',
    plural: 'trainings',
    action: () => 'train',
    lineLabel: () => 'train',
    listLabel: () => 'ml training',
    relation: () => null,
    writes: builds,
    named: (node) => `ml_train "${node.name}"`,
  },
  ml_score: {
    singular: 'scoring',
    plural: 'scorings',
    action: () => 'score',
    lineLabel: () => 'score',
    listLabel: () => 'ml scoring',
    relation: (node) => node.relation,
    writes: builds,
    named: (node) => `the scoring of ML model "${node.model}"`,
  },
  agent_tool: {
    singular: 'agent tool',
    plural: 'agent tools',
    action: () => 'tool',
    lineLabel: () => 'tool',
    listLabel: () => 'agent tool',
    relation: () => null,
    writes: builds,
    named: (node) => `agent_tool "${node.name}"`,
  },
  seed: {
    singular: 'seed',
    plural: 'seeds',
    action: () => 'seed',
    lineLabel: () => 'seed',
    listLabel: () => 'seed',
    relation: (node) => node.relation,
    writes: builds,
    named: (node) => `seed "${node.name}"`,
  },
  snapshot: {
    singular: 'snapshot',
    plural: 'snapshots',
    action: (node) => `snapshot (${node.config.strategy})`,
    lineLabel: () => 'snapshot',
    listLabel: () => 'snapshot',
    relation: (node) => node.relation,
    writes: builds,
    named: (node) => `snapshot "${node.name}"`,
  },
  exposure: {
    singular: 'exposure',
    plural: 'exposures',
    action: () => 'exposure',
    lineLabel: () => 'exposure',
    listLabel: (node) => `${node.exposureType} exposure`,
    relation: () => null,
    writes: builds,
    named: (node) => `exposure "${node.name}"`,
  },
  endpoint: {
    singular: 'endpoint',
    plural: 'endpoints',
    action: () => 'endpoint',
    lineLabel: () => 'endpoint',
    listLabel: (node) => `${node.endpointType} endpoint`,
    relation: () => null,
    writes: builds,
    named: (node) => `endpoint "${node.name}" (POST ${node.route})`,
  },
};

/** The facts of a node's own kind; the cast is safe because the table is keyed by kind. */
const factsOf = (node: ManifestNode) => kinds[node.kind] as KindFacts<NodeKind>;

export const NODE_KINDS = Object.keys(kinds) as NodeKind[];

/** The relation a node builds, if it builds one. */
export function relationOf(node: ManifestNode): Relation | null {
  return factsOf(node).relation(node);
}

/** The relation a node writes, if any (see KindFacts.writes). */
export function writtenRelationOf(node: ManifestNode): Relation | null {
  return factsOf(node).writes(node);
}

export function nodeLabel(node: ManifestNode): string {
  return factsOf(node).named(node);
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
      return `${thousands(n)} ${n === 1 ? kinds[kind].singular : kinds[kind].plural}`;
    })
    .join(', ');
}
