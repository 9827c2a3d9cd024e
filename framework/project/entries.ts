import type { YamlPath } from './yaml.js';

/** The JSON Schema a YAML file is validated against (schemas/*.schema.json). */
export type SchemaName = 'project' | 'sources' | 'models' | 'ml' | 'agents' | 'dashboards' | 'endpoints';

/** What kind of thing other files refer to by name: a source table, a feature set, an ML model… */
export type NamedKind = 'sources' | 'featureSets' | 'mlModels' | 'scoring' | 'tools' | 'snapshots';

/** A name declared by an entry with errors; null when a whole file failed, so any name may be. */
export interface FaultyName {
  kind: NamedKind;
  name: string | null;
}

/** Names declared by entries whose errors are reported already: references to them are not reported again. */
export interface NameSet {
  names: Set<string>;
  /** A file of this kind could not be read at all. */
  any: boolean;
}

export type FaultyNames = Record<NamedKind, NameSet>;

export function faultyNames(found: readonly FaultyName[]): FaultyNames {
  const sets = {} as FaultyNames;
  for (const kind of ['sources', 'featureSets', 'mlModels', 'scoring', 'tools', 'snapshots'] as const)
    sets[kind] = { names: new Set(), any: false };
  for (const { kind, name } of found) {
    if (name === null) sets[kind].any = true;
    else sets[kind].names.add(name);
  }
  return sets;
}

export function isFaulty(set: NameSet, name: string): boolean {
  return set.any || set.names.has(name);
}

export interface SchemaFailure {
  path: YamlPath;
  keyword: string;
}

/** The lists of entries in each kind of file, and the kind of name each entry declares (`name:`, scoring: `model:`). */
const entryLists: Record<SchemaName, Record<string, { kind: NamedKind | null; key: string }>> = {
  project: {},
  sources: { sources: { kind: 'sources', key: 'name' } },
  models: {
    models: { kind: null, key: 'name' },
    unit_tests: { kind: null, key: 'name' },
    seeds: { kind: null, key: 'name' },
    snapshots: { kind: 'snapshots', key: 'name' },
    exposures: { kind: null, key: 'name' },
  },
  ml: {
    feature_sets: { kind: 'featureSets', key: 'name' },
    models: { kind: 'mlModels', key: 'name' },
    scoring: { kind: 'scoring', key: 'model' },
  },
  agents: { agents: { kind: null, key: 'name' }, tools: { kind: 'tools', key: 'name' } },
  // One dashboard a file: a dashboard with a schema error is left out whole (parse.ts).
  dashboards: {},
  endpoints: { endpoints: { kind: null, key: 'name' } },
};

/** Every name kind a file of this schema may declare: what an unreadable file leaves unknown. */
export function kindsOf(schema: SchemaName): FaultyName[] {
  return Object.values(entryLists[schema]).flatMap(({ kind }) => (kind ? [{ kind, name: null }] : []));
}

type Entry = Record<string, unknown>;

/**
 * Validation is entry by entry: an entry with a schema error becomes null (the others keep
 * their index, which positions are located by), and its name is remembered, so that one typo
 * does not discard the whole file and make every reference to it an error too. A source's
 * tables are entries of their own.
 */
export function keepValidEntries(
  schema: SchemaName,
  data: unknown,
  failures: readonly SchemaFailure[],
): { data: unknown; faulty: FaultyName[] } {
  const lists = entryLists[schema];
  if (!isObject(data)) return { data: null, faulty: kindsOf(schema) };
  const result: Entry = { ...data };
  const faulty: FaultyName[] = [];
  const badEntries = new Map<string, Set<number>>();
  const badTables = new Map<number, Set<number>>();
  for (const { path, keyword } of failures) {
    const [key, index, child, childIndex] = path;
    if (key === undefined) {
      // An unknown top-level key holds nothing plat reads; anything else at the top spoils the file.
      if (keyword === 'additionalProperties') continue;
      return { data: null, faulty: kindsOf(schema) };
    }
    const list = typeof key === 'string' ? lists[key] : undefined;
    if (!list) continue;
    if (typeof index !== 'number') {
      result[key] = [];
      if (list.kind) faulty.push({ kind: list.kind, name: null });
    } else if (schema === 'sources' && child === 'tables' && typeof childIndex === 'number') {
      badTables.set(index, (badTables.get(index) ?? new Set()).add(childIndex));
    } else badEntries.set(key as string, (badEntries.get(key as string) ?? new Set()).add(index));
  }

  for (const [key, indexes] of badEntries) {
    const { kind, key: nameKey } = lists[key]!;
    const entries = [...(result[key] as unknown[])];
    for (const index of indexes) {
      const entry = entries[index];
      if (kind === 'sources') faulty.push(...sourceTableIds(entry));
      else if (kind) faulty.push({ kind, name: isObject(entry) && typeof entry[nameKey] === 'string' ? entry[nameKey] : null });
      entries[index] = null;
    }
    result[key] = entries;
  }
  if (badTables.size > 0) {
    const sources = [...(result.sources as unknown[])];
    for (const [index, tables] of badTables) {
      const source = sources[index];
      if (!isObject(source) || !Array.isArray(source.tables)) continue; // the whole source is bad, above
      const kept = [...source.tables];
      for (const t of tables) {
        faulty.push(...sourceTableIds({ ...source, tables: [kept[t]] }));
        kept[t] = null;
      }
      sources[index] = { ...source, tables: kept };
    }
    result.sources = sources;
  }
  return { data: result, faulty };
}

/** The source.table ids a source entry declares, as far as they can be read. */
function sourceTableIds(source: unknown): FaultyName[] {
  if (!isObject(source) || typeof source.name !== 'string' || !Array.isArray(source.tables)) return [{ kind: 'sources', name: null }];
  return source.tables.map((table) => ({
    kind: 'sources' as const,
    name: isObject(table) && typeof table.name === 'string' ? `${source.name as string}.${table.name}` : null,
  }));
}

function isObject(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
