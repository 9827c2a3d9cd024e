import type { SourceNode } from '../compile/manifest.js';
import type { Warehouse } from '../warehouse/connection.js';
import type { IngestProgress, RunResults } from '../run/results.js';
import { ingestSource, prepareSources, type IngestResult } from './ingest.js';

export interface MicroBatch {
  number: number;
  /** Rows landed per source since the previous micro-batch. */
  landed: Map<string, number>;
  results: RunResults;
  /** Seconds from the micro-batch's start to its refresh finishing. */
  seconds: number;
}

export interface StreamLoopOptions {
  warehouse: Warehouse;
  sources: SourceNode[];
  brokers: string[];
  groupOf: (node: SourceNode) => string;
  /** Refresh what is downstream of these sources (node ids); called at most once at a time. */
  refresh: (sources: Set<string>) => Promise<RunResults>;
  /** Start a micro-batch after this long (ms) once rows have landed… */
  interval: number;
  /** …or as soon as this many rows have. */
  batchSize: number;
  signal: AbortSignal;
  onBatch?: (batch: MicroBatch) => void;
  onProgress?: (progress: IngestProgress) => void;
}

/**
 * Continuous mode: every Kafka source is consumed without end, and after each micro-batch the
 * models downstream of the sources that received rows are refreshed, with their tests.
 */
export async function streamLoop(options: StreamLoopOptions): Promise<IngestResult[]> {
  let pending = new Map<string, number>();
  let pendingRows = 0;
  let firstPendingAt = 0;
  let wake: (() => void) | null = null;
  const nudge = () => {
    wake?.();
    wake = null;
  };

  const preparing = await options.warehouse.session();
  try {
    await prepareSources(preparing, options.sources);
  } finally {
    preparing.close();
  }
  const consumers = options.sources.map(async (node) => {
    const connection = await options.warehouse.session();
    try {
      return await ingestSource(connection, node, {
        brokers: options.brokers,
        groupId: options.groupOf(node),
        mode: 'continuous',
        prepared: true,
        signal: options.signal,
        onProgress: options.onProgress,
        onLanded: (rows) => {
          if (rows === 0) return;
          if (pendingRows === 0) firstPendingAt = performance.now();
          pending.set(node.uniqueId, (pending.get(node.uniqueId) ?? 0) + rows);
          pendingRows += rows;
          if (pendingRows >= options.batchSize) nudge();
        },
      });
    } finally {
      connection.close();
    }
  });

  options.signal.addEventListener('abort', nudge, { once: true });
  const batches = (async () => {
    let number = 0;
    while (!options.signal.aborted) {
      const waitFor = pendingRows === 0 ? options.interval : Math.max(0, options.interval - (performance.now() - firstPendingAt));
      if (pendingRows < options.batchSize) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitFor);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
          if (options.signal.aborted) nudge();
        });
      }
      if (pendingRows === 0 || options.signal.aborted) continue;
      const landed = pending;
      const started = performance.now();
      pending = new Map();
      pendingRows = 0;
      const results = await options.refresh(new Set(landed.keys()));
      options.onBatch?.({ number: ++number, landed, results, seconds: (performance.now() - started) / 1000 });
    }
  })();

  const [ingested] = await Promise.all([Promise.all(consumers), batches]);
  return ingested;
}
