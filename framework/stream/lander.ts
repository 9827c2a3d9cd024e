import type { RowAppender, WarehouseSession } from '../run/adapter.js';

export interface ParsedBatch {
  partition: number;
  /** Valid messages as staging rows (see landing.ts stagingColumns). */
  rows: unknown[][];
  /** Valid messages in `rows`. */
  valid: number;
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
    private readonly staging: { rows: RowAppender; dead: RowAppender },
    /** The statements that land what is staged with these offsets (answering with the rows they moved to the dead letters), and those that discard it. */
    private readonly sql: { land: (offsets: Map<number, number>) => string; discard: string },
    /** After each landing: its batches, and how many of their valid rows the landing found a value it could not store in, and moved to the dead letters. */
    private readonly landed: (batches: ParsedBatch[], unlanded: number) => void,
    private readonly maxQueuedRows = 250_000,
  ) {}

  /** Queues a batch; waits while too much is queued (backpressure on the fetch loop). */
  async add(batch: ParsedBatch): Promise<void> {
    this.throwIfFailed();
    this.queue.push(batch);
    this.queuedRows += batch.valid + batch.dead.length;
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
        this.landed(batches, await this.land(batches));
      }
    } catch (error) {
      this.failure = error;
      this.wake();
    } finally {
      this.running = null;
    }
  }

  private async land(batches: ParsedBatch[]): Promise<number> {
    const offsets = new Map<number, number>();
    for (const batch of batches) {
      offsets.set(batch.partition, Math.max(offsets.get(batch.partition) ?? 0, batch.nextOffset));
      for (const row of batch.rows) this.staging.rows.append(row);
      for (const row of batch.dead) this.staging.dead.append(row);
    }
    this.staging.rows.flush();
    this.staging.dead.flush();
    try {
      const [answer] = await this.session.query(this.sql.land(offsets));
      return Number(answer?.unlanded ?? 0);
    } catch (error) {
      await this.session.execute(`ROLLBACK; ${this.sql.discard}`).catch(() => undefined);
      throw error;
    }
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
