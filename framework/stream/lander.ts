import type { Relation } from '../compile/manifest.js';
import type { ScratchTable, WarehouseSession } from '../run/adapter.js';

export interface ParsedBatch {
  partition: number;
  /** Valid messages as staging rows (see landing.ts stagingColumns). */
  rows: unknown[][];
  dead: unknown[][];
  /** The offset after the batch's last message. */
  nextOffset: number;
}

/**
 * Lands parsed batches in the background so the consumer keeps fetching meanwhile. Whatever is
 * queued when a landing starts goes into one transaction: rows, dead letters and each
 * partition's next offset commit together, or not at all.
 */
export class Lander {
  private queue: ParsedBatch[] = [];
  private queuedRows = 0;
  private running: Promise<void> | null = null;
  private failure: unknown = null;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly session: WarehouseSession,
    private readonly target: { staging: ScratchTable; landStaged: string; deadLetters: Relation },
    private readonly saveOffsets: (offsets: Map<number, number>) => Promise<void>,
    private readonly landed: (batches: ParsedBatch[]) => void,
    private readonly maxQueuedRows = 250_000,
  ) {}

  /** Queues a batch; waits while too much is queued (backpressure on the fetch loop). */
  async add(batch: ParsedBatch): Promise<void> {
    this.throwIfFailed();
    this.queue.push(batch);
    this.queuedRows += batch.rows.length + batch.dead.length;
    this.running ??= this.drain();
    while (this.queuedRows > this.maxQueuedRows && !this.failure) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.throwIfFailed();
  }

  /** Waits until everything queued so far has landed. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    this.throwIfFailed();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length && !this.failure) {
        const batches = this.queue;
        this.queue = [];
        this.queuedRows = 0;
        this.wake();
        await this.land(batches);
        this.landed(batches);
      }
    } catch (error) {
      this.failure = error;
      this.wake();
    } finally {
      this.running = null;
    }
  }

  private async land(batches: ParsedBatch[]): Promise<void> {
    const offsets = new Map<number, number>();
    for (const batch of batches) offsets.set(batch.partition, Math.max(offsets.get(batch.partition) ?? 0, batch.nextOffset));
    await this.session.transaction(async () => {
      const rows = batches.flatMap((b) => b.rows);
      if (rows.length > 0) {
        await append(this.session, this.target.staging, rows);
        await this.session.execute(this.target.landStaged);
        await this.session.execute(`DELETE FROM ${this.target.staging.sql}`);
      }
      await append(this.session, this.target.deadLetters, batches.flatMap((b) => b.dead));
      await this.saveOffsets(offsets);
    });
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

async function append(session: WarehouseSession, relation: Relation | ScratchTable, rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const appender = await session.appender(relation);
  try {
    for (const row of rows) appender.append(row);
  } finally {
    appender.close();
  }
}
