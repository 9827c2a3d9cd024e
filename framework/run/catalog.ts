import type { Connection } from '../warehouse/connection.js';
import { relationKey, type Relation, type RelationKind } from '../warehouse/types.js';

/**
 * Which relations exist, read once when a run starts and kept current as nodes build them.
 * A run holds the database's write lock, so nothing else changes the catalog meanwhile, and
 * each relation is built by one node only.
 */
export class RelationCatalog {
  private constructor(private readonly kinds: Map<string, RelationKind>) {}

  static async load(connection: Connection): Promise<RelationCatalog> {
    return new RelationCatalog(await connection.relations());
  }

  kind(relation: Relation): RelationKind | null {
    return this.kinds.get(relationKey(relation)) ?? null;
  }

  set(relation: Relation, kind: RelationKind | null): void {
    if (kind) this.kinds.set(relationKey(relation), kind);
    else this.kinds.delete(relationKey(relation));
  }
}
