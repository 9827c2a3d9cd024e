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

/** How a lander paces its landings. */
export interface LandingPace {
  /** Rows queued beyond which the fetch loop waits. */
  maxQueuedRows: number;
  /** Time (ms) one landing waits after the one before while less than maxQueuedRows is queued. */
  spacing: number;
  /** Rows a landing gathers before it starts while at least that many are queued or still coming (the warehouse's capabilities.directWriteRows). */
  gather: number;
  /** Messages the consumer knows are still to come: fetched or not, and not yet queued. */
  coming: () => number;
}

/** The most a landing waits to gather rows: a consumer that stalls delays its rows by no more than this. */
const GATHER_MS = 1000;

/** Rows queued beyond which the fetch loop waits for a landing. */
const MAX_QUEUED_ROWS = 250_000;

/** How `plat ingest` paces landings on this connection; `coming` as in LandingPace. */
export function ingestPace(connection: Connection, coming: () => number): LandingPace {
  return {
    maxQueuedRows: MAX_QUEUED_ROWS,
    // Without an appender each bulk load is a file and each landing a new table snapshot: at most one landing a second keeps them few and large.
    spacing: connection.capabilities.appender ? 0 : 1000,
    gather: connection.capabilities.directWriteRows,
    coming,
  };
}

/**
 * Lands parsed batches in the background so the consumer keeps fetching meanwhile. Whatever is
 * queued when a landing starts is staged in bulk and landed by one list of statements, in one
 * transaction where the warehouse has them: rows, dead letters and each partition's next
 * offset commit together, or not at all. While the consumer is behind, a landing first gathers
 * enough rows for the warehouse to write them straight to its file: fewer go through its log as
 * well and are written again by a checkpoint (the first landings of a backlog were 35,000–
 * 106,000 rows and cost 3–5 µs a row on two cores against 1.7 for 212,000).
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
  /** Ends a landing's wait to gather rows: a batch arrived, or everything queued is to land now. */
  private arrived: (() => void) | null = null;
  private hurry = false;

  constructor(
    private readonly connection: Connection,
    private readonly staging: Staging,
    /** The statements that land what is staged with these offsets. */
    private readonly sql: (spans: Map<number, OffsetSpan>) => LandingSql,
    /** After each landing: its batches, and how many of their valid rows the landing found a value it could not store in, and moved to the dead letters. */
    private readonly landed: (batches: ParsedBatch[], unlanded: number) => void,
    private readonly pace: LandingPace = { maxQueuedRows: MAX_QUEUED_ROWS, spacing: 0, gather: 0, coming: () => 0 },
  ) {}

  /** Queues a batch; waits while too much is queued (backpressure on the fetch loop). */
  async add(batch: ParsedBatch): Promise<void> {
    this.throwIfFailed();
    this.queue.push(batch);
    this.queuedRows += batch.valid + batch.dead.length;
    this.running ??= this.drain();
    this.arrived?.();
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
    this.hurry = true;
    this.arrived?.();
    try {
      while (this.running) await this.running;
    } finally {
      this.hurry = false;
    }
    this.throwIfFailed();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length && !this.failure) {
        // Only a landing that gathers yields here: one that does not takes just what is queued now, as before.
        if (this.gathering()) await this.gather();
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

  /** Whether fewer rows than `gather` are queued and enough are still coming to make them up. */
  private gathering(): boolean {
    const { gather, coming } = this.pace;
    return !this.hurry && !this.failure && this.queuedRows < gather && coming() >= gather - this.queuedRows;
  }

  /** Waits, up to GATHER_MS, while `gathering`. */
  private async gather(): Promise<void> {
    const until = performance.now() + GATHER_MS;
    while (this.gathering()) {
      const left = until - performance.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.arrived = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.arrived = null;
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
