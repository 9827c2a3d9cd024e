import type { Connection } from '../warehouse/connection.js';
import { executeAtomically } from '../warehouse/queries.js';
import type { LandingSql, OffsetSpan } from '../warehouse/dialect.js';
import type { Staging } from './landing.js';

export interface ParsedBatch {
  partition: number;
  /** Valid messages as staging rows (see landing.ts stagingColumns). */
  rows: unknown[][];
  /** Valid messages in `rows`. */
  valid: number;
  dead: unknown[][];
  /** The batch's first message's offset. */
  firstOffset: number;
  /** The offset after the batch's last message. */
  nextOffset: number;
}

/**
 * Lands parsed batches in the background so the consumer keeps fetching meanwhile. Whatever is
 * queued when a landing starts is staged in bulk and landed by one list of statements, in one
 * transaction where the warehouse has them: rows, dead letters and each partition's next
 * offset commit together, or not at all.
 */
export class Lander {
  private queue: ParsedBatch[] = [];
  private queuedRows = 0;
  private running: Promise<void> | null = null;
  private failure: unknown = null;
  private waiters: (() => void)[] = [];
  private lastLanding = Number.NEGATIVE_INFINITY;
  /** The connection's turn: a landing and a read through `between` never share it. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connection: Connection,
    private readonly staging: Staging,
    /** The statements that land what is staged with these offsets. */
    private readonly sql: (spans: Map<number, OffsetSpan>) => LandingSql,
    /** After each landing: its batches, and how many of their valid rows the landing found a value it could not store in, and moved to the dead letters. */
    private readonly landed: (batches: ParsedBatch[], unlanded: number) => void,
    private readonly pace: {
      /** Rows queued beyond which the fetch loop waits. */
      maxQueuedRows: number;
      /** Time (ms) one landing waits after the one before while less than maxQueuedRows is queued. */
      spacing: number;
    } = { maxQueuedRows: 250_000, spacing: 0 },
  ) {}

  /** Queues a batch; waits while too much is queued (backpressure on the fetch loop). */
  async add(batch: ParsedBatch): Promise<void> {
    this.throwIfFailed();
    this.queue.push(batch);
    this.queuedRows += batch.valid + batch.dead.length;
    this.running ??= this.drain();
    while (this.queuedRows > this.pace.maxQueuedRows && !this.failure) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.throwIfFailed();
  }

  /** Runs a read on the landing's connection between two landings. */
  between<T>(read: () => Promise<T>): Promise<T> {
    const result = this.turn.then(read);
    this.turn = result.catch(() => undefined);
    return result;
  }

  /** Waits until everything queued so far has landed. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    this.throwIfFailed();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length && !this.failure) {
        const wait = this.lastLanding + this.pace.spacing - performance.now();
        if (wait > 0 && this.queuedRows <= this.pace.maxQueuedRows) await new Promise((resolve) => setTimeout(resolve, wait));
        this.lastLanding = performance.now();
        const batches = this.queue;
        this.queue = [];
        this.queuedRows = 0;
        this.wake();
        this.landed(batches, await this.between(() => this.land(batches)));
      }
    } catch (error) {
      this.failure = error;
      this.wake();
    } finally {
      this.running = null;
    }
  }

  private async land(batches: ParsedBatch[]): Promise<number> {
    const spans = new Map<number, OffsetSpan>();
    for (const { partition, firstOffset, nextOffset } of batches) {
      const span = spans.get(partition);
      spans.set(
        partition,
        span
          ? { first: Math.min(span.first, firstOffset), next: Math.max(span.next, nextOffset) }
          : { first: firstOffset, next: nextOffset },
      );
    }
    const sql = this.sql(spans);
    const { connection, staging } = this;
    try {
      const rows = batches.flatMap((b) => b.rows);
      const dead = batches.flatMap((b) => b.dead);
      if (rows.length) await connection.bulkLoad(staging.messages.target, rows);
      if (dead.length) await connection.bulkLoad(staging.dead.target, dead);
      // The staging tables are emptied in the landing's transaction: one round trip for both.
      await executeAtomically(connection, [...sql.land, ...sql.clear]);
    } catch (error) {
      // Staged rows are discarded after a failure: the next landing starts empty.
      await connection.execute(sql.clear).catch(() => undefined);
      throw error;
    }
    if (sql.unlanded === null) return 0;
    const [answer] = await connection.query(sql.unlanded);
    return Number(answer?.unlanded ?? 0);
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
