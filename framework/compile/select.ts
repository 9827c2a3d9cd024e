import { diagnostic, type Diagnostic, type Severity } from '../core/diagnostics.js';
import { stableStringify } from '../core/json.js';
import { didYouMean } from '../core/suggest.js';
import { NODE_KINDS } from './kinds.js';
import type { Manifest, ManifestNode } from './manifest.js';

/**
 * dbt's node selection: `--select` values are unions, space-separated terms within a value
 * are unions, comma-joined parts of a term are intersections. A part is an optional `@` or
 * `N+` prefix, a `method:value` (or a bare name), and an optional `+N` suffix.
 */
export interface Selection {
  select?: readonly string[];
  exclude?: readonly string[];
  /** What state:modified / state:new compare with. */
  state?: StateBaseline | null;
  /**
   * How a term that matches no node is reported: a warning by default (`plat ls`), an error
   * for commands that act on what they select (a typo there must not quietly run nothing).
   */
  unmatched?: Severity;
}

export function selectNodes(manifest: Manifest, selection: Selection): { ids: Set<string>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const terms = (values: readonly string[] | undefined) => (values ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);
  const evaluate = (term: string, excluding: boolean) => {
    const before = diagnostics.length;
    const { ids, hint } = evaluateTerm(manifest, term, selection.state ?? null, diagnostics);
    // An empty state: term means nothing changed, which is an answer, not a mistake.
    const reported = diagnostics.slice(before).some((d) => d.severity === 'error');
    if (ids.size === 0 && !reported && !/(^|[,@+])state:/.test(term)) {
      const detail = `no node matches ${excluding ? '--exclude ' : ''}"${term}"`;
      diagnostics.push(diagnostic('SELECTOR', { detail }, {}, hint, selection.unmatched ?? 'warn'));
    }
    return ids;
  };
  const selectTerms = terms(selection.select);
  const ids = selectTerms.length === 0 ? new Set(Object.keys(manifest.nodes)) : union(selectTerms.map((t) => evaluate(t, false)));
  for (const id of union(terms(selection.exclude).map((t) => evaluate(t, true)))) ids.delete(id);
  return { ids, diagnostics };
}

function union(sets: Set<string>[]): Set<string> {
  const out = new Set<string>();
  for (const set of sets) for (const id of set) out.add(id);
  return out;
}

/** A term's nodes, and when it has none, why: the closest name to a part that matched nothing. */
function evaluateTerm(
  manifest: Manifest,
  term: string,
  state: StateBaseline | null,
  diagnostics: Diagnostic[],
): { ids: Set<string>; hint: string | null } {
  const parts = term
    .split(',')
    .filter(Boolean)
    .map((part) => evaluatePart(manifest, part, state, diagnostics));
  const [first, ...rest] = parts;
  if (!first) return { ids: new Set(), hint: null };
  const ids = new Set([...first.ids].filter((id) => rest.every((part) => part.ids.has(id))));
  const empty = parts.find((part) => part.ids.size === 0);
  const hint = ids.size > 0 ? null : empty ? empty.hint : 'each part matches nodes, but no node matches all of them';
  return { ids, hint };
}

const PART = /^(@)?(?:(\d*)\+)?([^+]+?)(?:\+(\d*))?$/;

function evaluatePart(
  manifest: Manifest,
  part: string,
  state: StateBaseline | null,
  diagnostics: Diagnostic[],
): { ids: Set<string>; hint: string | null } {
  const match = PART.exec(part);
  if (!match) {
    diagnostics.push(
      diagnostic(
        'SELECTOR',
        { detail: `cannot read selector "${part}"` },
        {},
        'forms: name, +name, name+, 2+name, @name, tag:x, path:models/marts, source:src, state:modified',
      ),
    );
    return { ids: new Set(), hint: null };
  }
  const [, at, upDepth, body, downDepth] = match;
  const hasUp = part.includes('+') && match[2] !== undefined;
  const hasDown = match[4] !== undefined;
  const base = matchMethod(manifest, body!, state, diagnostics);
  if (base.size === 0) return { ids: base, hint: closestHint(manifest, body!) };
  const result = new Set(base);
  if (at) {
    const descendants = walk(manifest.children, base, Infinity);
    for (const id of descendants) result.add(id);
    for (const id of walk(manifest.parents, descendants, Infinity)) result.add(id);
    return { ids: result, hint: null };
  }
  if (hasUp) for (const id of walk(manifest.parents, base, depth(upDepth))) result.add(id);
  if (hasDown) for (const id of walk(manifest.children, base, depth(downDepth))) result.add(id);
  return { ids: result, hint: null };
}

const depth = (text: string | undefined) => (text ? Number(text) : Infinity);

/** Everything reachable from `start` along `edges` (parents or children), within `maxDepth` steps. */
export function walk(edges: Record<string, string[]>, start: ReadonlySet<string>, maxDepth = Infinity): Set<string> {
  const seen = new Set<string>(start);
  let frontier = [...start];
  for (let level = 0; level < maxDepth && frontier.length; level++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const neighbour of edges[id] ?? []) {
        if (!seen.has(neighbour)) {
          seen.add(neighbour);
          next.push(neighbour);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

const METHODS = [
  'tag',
  'path',
  'source',
  'exposure',
  'state',
  'fqn',
  'unique_id',
  'resource_type',
  'test_type',
  'test_name',
  'config.materialized',
];

/** Declared exposures, and agent tools: consumers of models declared in plat without extra YAML. */
const isExposure = (node: ManifestNode) => node.kind === 'exposure' || node.kind === 'agent_tool';

/** `tag:x` → tag, x; a bare name, or a bare path when it has a slash. */
function methodOf(body: string): { method: string; value: string } {
  const colon = body.indexOf(':');
  return colon === -1
    ? { method: body.includes('/') ? 'path' : 'name', value: body }
    : { method: body.slice(0, colon), value: body.slice(colon + 1) };
}

function matchMethod(manifest: Manifest, body: string, state: StateBaseline | null, diagnostics: Diagnostic[]): Set<string> {
  const { method, value } = methodOf(body);
  const nodes = Object.values(manifest.nodes);
  const pick = (predicate: (node: ManifestNode) => boolean) => new Set(nodes.filter(predicate).map((n) => n.uniqueId));
  let result: Set<string>;
  switch (method) {
    case 'name':
    case 'fqn': {
      const test = glob(value);
      result = pick((n) => test(n.name) || test(n.fqn.join('.')) || (n.kind === 'model' && test(`${n.relation.schema}.${n.name}`)));
      break;
    }
    case 'tag':
      result = pick((n) => n.tags.some(glob(value)));
      break;
    case 'unique_id':
      // Exact ids (what watch mode passes) are looked up, not matched against every node.
      result = /[*?[]/.test(value) ? pick((n) => glob(value)(n.uniqueId)) : new Set(manifest.nodes[value] ? [value] : []);
      break;
    case 'path': {
      const prefix = value.replace(/\/+$/, '');
      result = pick((n) => n.path === prefix || n.path.startsWith(`${prefix}/`) || glob(prefix)(n.path));
      break;
    }
    case 'source': {
      const [sourceName, tableName] = value.split('.');
      result = pick(
        (n) => n.kind === 'source' && glob(sourceName ?? '')(n.sourceName) && (tableName === undefined || glob(tableName)(n.tableName)),
      );
      break;
    }
    case 'exposure':
      result = pick((n) => isExposure(n) && glob(value)(n.name));
      break;
    case 'resource_type':
    case 'kind':
      result = pick((n) => n.kind === value);
      break;
    case 'test_type':
      result = pick((n) => n.kind === 'test' && n.testType === value);
      break;
    case 'test_name':
      result = pick((n) => n.kind === 'test' && glob(value)(n.testName));
      break;
    case 'config.materialized':
      result = pick((n) => n.kind === 'model' && n.config.materialized === value);
      break;
    case 'state':
      return stateSelection(manifest, value, state, diagnostics);
    default:
      diagnostics.push(diagnostic('SELECTOR', { detail: `unknown selector method "${method}"` }, {}, didYouMean(method, METHODS)));
      return new Set();
  }
  return result;
}

/** For a part that matched nothing: the closest value its method could have matched. */
function closestHint(manifest: Manifest, body: string): string | null {
  const { method, value } = methodOf(body);
  if (/[*?]/.test(value)) return null;
  const nodes = Object.values(manifest.nodes);
  const candidates: Record<string, () => Iterable<string>> = {
    name: () => nodes.map((n) => n.name),
    fqn: () => nodes.map((n) => n.fqn.join('.')),
    tag: () => nodes.flatMap((n) => n.tags),
    unique_id: () => nodes.map((n) => n.uniqueId),
    path: () => nodes.flatMap((n) => n.path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'))),
    source: () => nodes.flatMap((n) => (n.kind === 'source' ? [n.sourceName, `${n.sourceName}.${n.tableName}`] : [])),
    exposure: () => nodes.filter(isExposure).map((n) => n.name),
    resource_type: () => NODE_KINDS,
    kind: () => NODE_KINDS,
    test_type: () => ['generic', 'singular', 'unit'],
    test_name: () => nodes.flatMap((n) => (n.kind === 'test' ? [n.testName] : [])),
    'config.materialized': () => ['view', 'table', 'incremental', 'ephemeral'],
  };
  const list = candidates[method];
  return list ? didYouMean(value, new Set(list())) : null;
}

/**
 * What state:modified compares a node with: its definition when it last ran successfully
 * (target/node_results.json), or as another manifest has it (--state DIR, watch mode).
 */
export interface NodeDefinition {
  checksums: { body: string; config: string };
  /** A model's macros (name → checksum) and vars (name → value as stable JSON): edits to them modify it. */
  macros: Record<string, string>;
  vars: Record<string, string>;
}

export interface StateBaseline {
  nodes: Record<string, NodeDefinition>;
}

export function definitionOf(node: ManifestNode, manifest: Manifest): NodeDefinition {
  if (node.kind !== 'model') return { checksums: node.checksums, macros: {}, vars: {} };
  return {
    checksums: node.checksums,
    macros: Object.fromEntries(node.macros.map((m) => [m, manifest.macros[m] ?? ''])),
    vars: Object.fromEntries(node.vars.map((v) => [v, stableStringify(manifest.vars[v])])),
  };
}

/** Every node of a manifest as it is defined there. */
export function baselineOf(manifest: Manifest): StateBaseline {
  return { nodes: Object.fromEntries(Object.values(manifest.nodes).map((n) => [n.uniqueId, definitionOf(n, manifest)])) };
}

function stateSelection(manifest: Manifest, value: string, state: StateBaseline | null, diagnostics: Diagnostic[]): Set<string> {
  if (!state) {
    diagnostics.push(
      diagnostic(
        'SELECTOR',
        { detail: `state:${value} needs a state to compare with, and no node has run successfully yet` },
        {},
        'run `plat build` once, or pass --state DIR (a folder with the manifest.json to compare with)',
      ),
    );
    return new Set();
  }
  if (value !== 'modified' && value !== 'new') {
    diagnostics.push(diagnostic('SELECTOR', { detail: `unknown state "${value}"` }, {}, 'use state:modified or state:new'));
    return new Set();
  }
  const result = new Set<string>();
  for (const node of Object.values(manifest.nodes)) {
    const before = state.nodes[node.uniqueId];
    if (!before) result.add(node.uniqueId);
    else if (value === 'modified' && isModified(definitionOf(node, manifest), before)) result.add(node.uniqueId);
  }
  return result;
}

function isModified(now: NodeDefinition, before: NodeDefinition): boolean {
  if (now.checksums.body !== before.checksums.body || now.checksums.config !== before.checksums.config) return true;
  return stableStringify(now.macros) !== stableStringify(before.macros) || stableStringify(now.vars) !== stableStringify(before.vars);
}

function glob(pattern: string): (text: string) => boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return (text) => text === pattern;
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return (text) => regex.test(text);
}
