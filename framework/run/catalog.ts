import type { Relation } from '../compile/manifest.js';
import type { RelationKind, WarehouseSession } from './adapter.js';

/**
 * Which relations exist, read once when a run starts and kept current as nodes build them.
 * A run holds the database's write lock, so nothing else changes the catalog meanwhile, and
 * each relation is built by one node only.
 */
export class RelationCatalog {
  private constructor(private readonly kinds: Map<string, RelationKind>) {}

  static async load(session: WarehouseSession): Promise<RelationCatalog> {
    return new RelationCatalog(await session.relations());
  }

  static empty(): RelationCatalog {
    return new RelationCatalog(new Map());
  }

  kind(relation: Relation): RelationKind | null {
    return this.kinds.get(key(relation)) ?? null;
  }

  set(relation: Relation, kind: RelationKind | null): void {
    if (kind) this.kinds.set(key(relation), kind);
    else this.kinds.delete(key(relation));
  }
}

const key = (relation: Relation) => `${relation.schema}\u0000${relation.name}`;
