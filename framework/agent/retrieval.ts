import { relationOf } from '../compile/kinds.js';
import { type Manifest, relationName } from '../compile/manifest.js';
import { sha256 } from '../core/hash.js';
import { atomically } from '../warehouse/queries.js';
import { openWarehouse } from '../warehouse/registry.js';
import { Bm25 } from './bm25.js';

/** Something the agent can find: a model or source, or one of their columns. */
export interface CatalogEntry {
  kind: 'model' | 'source' | 'column';
  name: string;
  relation: string | null;
  description: string;
}

export interface CatalogHit extends CatalogEntry {
  score: number;
}

/** The part of LangChain's Embeddings that retrieval uses (OllamaEmbeddings in production). */
export interface EmbeddingsLike {
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
}

export function catalogEntries(manifest: Manifest): CatalogEntry[] {
  const entries: CatalogEntry[] = [];
  for (const node of Object.values(manifest.nodes)) {
    if (node.kind !== 'model' && node.kind !== 'source') continue;
    const built = relationOf(node);
    const relation = built ? relationName(built) : null;
    entries.push({ kind: node.kind, name: node.name, relation, description: node.description });
    for (const column of node.columns)
      entries.push({ kind: 'column', name: `${node.name}.${column.name}`, relation, description: column.description });
  }
  return entries;
}

const textOf = (entry: CatalogEntry) => `${entry.kind} ${entry.name.replace(/[._]/g, ' ')}: ${entry.description}`;

/** Where the embeddings are kept, in the agent's index store beside the project's warehouse. */
const EMBEDDINGS = { schema: 'main', name: 'catalog_embeddings' };

/**
 * search_catalog: with an embedding model, entries are embedded once (cached in the agent's
 * index, target/agent_index.duckdb on DuckDB, by text checksum) and ranked by the warehouse's
 * vector similarity; without one, or when it fails, BM25 keyword ranking.
 */
export class CatalogSearch {
  private readonly entries: CatalogEntry[];
  private keyword: Bm25<CatalogEntry> | null = null;

  constructor(
    private readonly manifest: Manifest,
    private readonly embeddings: { model: string; client: EmbeddingsLike } | null,
  ) {
    this.entries = catalogEntries(manifest);
  }

  async search(query: string, limit: number): Promise<{ method: 'embeddings' | 'bm25'; note: string | null; hits: CatalogHit[] }> {
    let note: string | null = null;
    if (this.embeddings) {
      try {
        return { method: 'embeddings', note: null, hits: await this.byEmbeddings(query, limit, this.embeddings) };
      } catch (error) {
        note = `embeddings unavailable (${error instanceof Error ? error.message : String(error)}); ranked by keywords`;
      }
    }
    this.keyword ??= new Bm25(this.entries, textOf);
    return { method: 'bm25', note, hits: this.keyword.search(query, limit).map(({ item, score }) => ({ ...item, score: round(score) })) };
  }

  private async byEmbeddings(query: string, limit: number, embeddings: { model: string; client: EmbeddingsLike }): Promise<CatalogHit[]> {
    const warehouse = await openWarehouse(this.manifest.target, { root: this.manifest.project.root, store: 'agent_index' });
    const connection = await warehouse.session();
    const { dialect } = connection;
    try {
      await connection.execute(dialect.vectorTable(EMBEDDINGS));
      const texts = this.entries.map(textOf);
      const checksums = texts.map((t) => sha256(t));
      const known = await connection.query(`SELECT checksum FROM ${dialect.relation(EMBEDDINGS)} WHERE model = ?`, [embeddings.model]);
      const stored = new Set(known.map((r) => String(r.checksum)));
      const missing = texts.map((text, i) => ({ text, checksum: checksums[i]! })).filter((m) => !stored.has(m.checksum));
      if (missing.length > 0) {
        const vectors = await embeddings.client.embedDocuments(missing.map((m) => m.text));
        await atomically(connection, async () => {
          for (let i = 0; i < missing.length; i++) {
            await connection.query(dialect.insertVector(EMBEDDINGS), [embeddings.model, missing[i]!.checksum, JSON.stringify(vectors[i])]);
          }
        });
      }
      const vector = await embeddings.client.embedQuery(query);
      const dimension = vector.length;
      if (!Number.isInteger(dimension) || dimension === 0) throw new Error('the embedding model returned an empty vector');
      const rows = await connection.query(dialect.nearestVectors(EMBEDDINGS, dimension), [JSON.stringify(vector), embeddings.model]);
      const byChecksum = new Map(checksums.map((c, i) => [c, this.entries[i]!]));
      return rows
        .filter((r) => byChecksum.has(String(r.checksum)))
        .slice(0, limit)
        .map((r) => ({ ...byChecksum.get(String(r.checksum))!, score: round(Number(r.score)) }));
    } finally {
      connection.close();
      warehouse.close();
    }
  }
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;
