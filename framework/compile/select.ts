import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { stableStringify } from '../core/json.js';
import { closest } from '../core/suggest.js';
import type { Manifest, ManifestNode } from './manifest.js';

/**
 * dbt's node selection: `--select` values are unions, space-separated terms within a value
 * are unions, comma-joined parts of a term are intersections. A part is an optional `@` or
 * `N+` prefix, a `method:value` (or a bare name), and an optional `+N` suffix.
 */
export interface Selection {
  select?: readonly string[];
  exclude?: readonly string[];
  /** The manifest to compare with for state:modified / state:new. */
  state?: Manifest | null;
}

export function selectNodes(manifest: Manifest, selection: Selection): { ids: Set<string>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const terms = (values: readonly string[] | undefined) => (values ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);
  const selectTerms = terms(selection.select);
  const ids = selectTerms.length === 0 ? new Set(Object.keys(manifest.nodes)) : union(selectTerms.map((t) => evaluateTerm(manifest, t, selection.state ?? null, diagnostics)));
  for (const id of union(terms(selection.exclude).map((t) => evaluateTerm(manifest, t, selection.state ?? null, diagnostics)))) ids.delete(id);
  return { ids, diagnostics };
}

function union(sets: Set<string>[]): Set<string> {
  const out = new Set<string>();
  for (const set of sets) for (const id of set) out.add(id);
  return out;
}

function evaluateTerm(manifest: Manifest, term: string, state: Manifest | null, diagnostics: Diagnostic[]): Set<string> {
  const parts = term.split(',').filter(Boolean).map((part) => evaluatePart(manifest, part, state, diagnostics));
  const [first, ...rest] = parts;
  if (!first) return new Set();
  return new Set([...first].filter((id) => rest.every((set) => set.has(id))));
}

const PART = /^(@)?(?:(\d*)\+)?([^+]+?)(?:\+(\d*))?$/;

function evaluatePart(manifest: Manifest, part: string, state: Manifest | null, diagnostics: Diagnostic[]): Set<string> {
  const match = PART.exec(part);
  if (!match) {
    diagnostics.push(diagnostic('SELECTOR', { detail: `cannot read selector "${part}"` }, {}, 'forms: name, +name, name+, 2+name, @name, tag:x, path:models/marts, source:src, state:modified'));
    return new Set();
  }
  const [, at, upDepth, body, downDepth] = match;
  const hasUp = part.includes('+') && match[2] !== undefined;
  const hasDown = match[4] !== undefined;
  const base = matchMethod(manifest, body!, state, diagnostics);
  const result = new Set(base);
  if (at) {
    const descendants = walk(manifest.children, base, Infinity);
    for (const id of descendants) result.add(id);
    for (const id of walk(manifest.parents, descendants, Infinity)) result.add(id);
    return result;
  }
  if (hasUp) for (const id of walk(manifest.parents, base, depth(upDepth))) result.add(id);
  if (hasDown) for (const id of walk(manifest.children, base, depth(downDepth))) result.add(id);
  return result;
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

function matchMethod(manifest: Manifest, body: string, state: Manifest | null, diagnostics: Diagnostic[]): Set<string> {
  const colon = body.indexOf(':');
  const method = colon === -1 ? (body.includes('/') ? 'path' : 'name') : body.slice(0, colon);
  const value = colon === -1 ? body : body.slice(colon + 1);
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
      result = pick((n) => n.kind === 'source' && glob(sourceName ?? '')(n.sourceName) && (tableName === undefined || glob(tableName)(n.tableName)));
      break;
    }
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
      diagnostics.push(
        diagnostic('SELECTOR', { detail: `unknown selector method "${method}"` }, {}, closestHint(method, ['tag', 'path', 'source', 'state', 'fqn', 'unique_id', 'resource_type', 'test_type', 'test_name', 'config.materialized'])),
      );
      return new Set();
  }
  if (result.size === 0) {
    const names = nodes.map((n) => n.name);
    const hint = method === 'name' ? closestHint(value, names) : method === 'tag' ? closestHint(value, nodes.flatMap((n) => n.tags)) : null;
    diagnostics.push(diagnostic('SELECTOR', { detail: `no node matches "${body}"` }, {}, hint, 'warn'));
  }
  return result;
}

function stateSelection(manifest: Manifest, value: string, state: Manifest | null, diagnostics: Diagnostic[]): Set<string> {
  if (!state) {
    diagnostics.push(diagnostic('SELECTOR', { detail: `state:${value} needs a manifest to compare with` }, {}, 'pass --state <dir with manifest.json>, or run `plat compile` once so target/manifest.json exists'));
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
    else if (value === 'modified' && isModified(node, before, manifest, state)) result.add(node.uniqueId);
  }
  return result;
}

function isModified(node: ManifestNode, before: ManifestNode, manifest: Manifest, state: Manifest): boolean {
  if (node.checksums.body !== before.checksums.body || node.checksums.config !== before.checksums.config) return true;
  if (node.kind !== 'model') return false;
  const macroChanged = node.macros.some((m) => manifest.macros[m] !== state.macros?.[m]);
  const varChanged = node.vars.some((v) => stableStringify(manifest.vars[v]) !== stableStringify(state.vars?.[v]));
  return macroChanged || varChanged;
}

function glob(pattern: string): (text: string) => boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return (text) => text === pattern;
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return (text) => regex.test(text);
}

function closestHint(name: string, candidates: string[]): string | null {
  const match = closest(name, new Set(candidates));
  return match ? `did you mean "${match}"?` : null;
}
