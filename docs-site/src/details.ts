import type { DetailsChunk, NodeDetails } from '../../framework/docs/types.js';
import type { Site } from './site.js';

declare global {
  interface Window {
    __PLAT_DOCS_DETAILS__: (chunk: DetailsChunk) => void;
  }
}

/**
 * Each node's description, columns, SQL and column lineage, loaded when first asked for: a
 * details/<n>.js script per chunk of nodes (a script tag, since fetch() is refused on file://).
 */
export class Details {
  private readonly chunks = new Map<number, Promise<Record<string, NodeDetails>>>();
  private readonly arrived = new Map<number, Record<string, NodeDetails>>();
  private readonly waiting = new Map<number, (nodes: Record<string, NodeDetails>) => void>();

  constructor(private readonly site: Site) {
    window.__PLAT_DOCS_DETAILS__ = (chunk) => {
      // Generated again since this page loaded: its details no longer match this index.
      if (chunk.generatedAt !== site.index.project.generatedAt) return location.reload();
      this.arrived.set(chunk.chunk, chunk.nodes);
      this.waiting.get(chunk.chunk)?.(chunk.nodes);
    };
  }

  /** The node's details if their chunk has arrived, so a page can be drawn at once. */
  peek(id: string): NodeDetails | undefined {
    const node = this.site.byId.get(id);
    return node ? this.arrived.get(node.chunk)?.[id] : undefined;
  }

  async of(id: string): Promise<NodeDetails | undefined> {
    const node = this.site.byId.get(id);
    return node ? (await this.chunk(node.chunk))[id] : undefined;
  }

  private chunk(n: number): Promise<Record<string, NodeDetails>> {
    let loading = this.chunks.get(n);
    if (!loading) {
      loading = new Promise((resolve, reject) => {
        this.waiting.set(n, resolve);
        const script = document.createElement('script');
        script.src = `details/${n}.js`;
        script.onerror = () => {
          this.chunks.delete(n);
          reject(new Error(`details/${n}.js did not load: generate the site again (plat docs generate)`));
        };
        document.head.append(script);
      });
      this.chunks.set(n, loading);
    }
    return loading;
  }
}
