import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, inject, it } from 'vitest';
import { compileProjectDir, produceTo, run, stream, type MicroBatch } from '../framework/index.js';
import { kafkaClient } from '../framework/stream/kafka.js';
import { queryDb, repoRoot } from './helpers.js';

/**
 * The e-commerce example's downstream is incremental: each micro-batch of `plat run --stream`
 * classifies what landed since the last one and folds it into per-hour and per-shopper state.
 * Here a stream takes several micro-batches of events, late, out-of-order and repeated ones
 * among them, and then every mart (and staging) must hold what a --full-refresh build computes
 * from the same landed events.
 */
const brokers = inject('kafkaBrokers');

interface Event {
  event_id: string | null;
  user_id: number | null;
  product_id: number | null;
  event_type: string;
  price: number;
  timestamp: string;
}

const event = (event_id: string | null, user_id: number | null, event_type: string, price: number, timestamp: string): Event => ({
  event_id,
  user_id,
  product_id: 7,
  event_type,
  price,
  timestamp,
});

/** Events sent one micro-batch after another: each round lands and is refreshed before the next is sent. */
const rounds: Event[][] = [
  [
    event('paid-1', 11, 'purchase', 120.25, '2026-11-21T09:10:00Z'),
    event('paid-2', 12, 'purchase', 80.1, '2026-11-21T09:20:00Z'),
    event('cart-1', 11, 'cart', 0, '2026-11-21T09:05:00Z'),
    // The first copy to land breaks a rule; a clean copy of it later is staged, not a duplicate.
    event('fixed-later', null, 'view', 0, '2026-11-21T10:00:00Z'),
  ],
  [
    // Copies of events staged by the micro-batch before: duplicates.
    event('paid-1', 11, 'purchase', 120.25, '2026-11-21T09:10:00Z'),
    event('cart-1', 11, 'cart', 0, '2026-11-21T09:05:00Z'),
    // Two copies in the same micro-batch: the first is staged.
    event('twice', 13, 'purchase', 45.5, '2026-11-21T11:30:00Z'),
    event('twice', 13, 'purchase', 45.5, '2026-11-21T11:30:00Z'),
    // Late: an hour the stream has not seen, and one it has, well before the newest event.
    event('late-new-hour', 14, 'purchase', 19.99, '2026-11-19T03:15:00Z'),
    event('late-known-hour', 12, 'view', 0, '2026-11-20T05:40:00Z'),
    event('fixed-later', 15, 'view', 0, '2026-11-21T10:00:00Z'),
    event(null, 16, 'view', 0, '2026-11-21T10:00:00Z'),
    event('bad-time', 16, 'view', 0, 'not-a-date'),
  ],
  [
    // Newer than anything else: the "last 24h" as-of moves for every shopper.
    event('newest', 17, 'purchase', 300, '2026-11-22T06:00:00Z'),
    event('twice', 13, 'purchase', 45.5, '2026-11-21T11:30:00Z'),
    event('late-again', 11, 'purchase', 10, '2026-11-20T00:30:00Z'),
  ],
];

const marts = ['marts.revenue_per_hour', 'marts.active_users_per_hour', 'marts.conversion_rate', 'marts.user_features'];
const landedIn = (batches: MicroBatch[]) => batches.reduce((sum, b) => sum + [...b.landed.values()].reduce((a, n) => a + n, 0), 0);
/** Polls until `condition` holds; the deadline only keeps a broken run from outliving the test timeout. */
const waitFor = async (condition: () => boolean) => {
  const until = performance.now() + 150_000;
  while (!condition() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
};

/** Rows of `query` in one database that the other lacks (as multisets), both ways. */
async function differences(streamed: string, rebuilt: string, query: (db: string) => string) {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    await connection.run(`ATTACH '${streamed}' AS streamed (READ_ONLY); ATTACH '${rebuilt}' AS rebuilt (READ_ONLY)`);
    const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJson();
    const onlyStreamed = await rows(`${query('streamed')} EXCEPT ALL ${query('rebuilt')}`);
    const onlyRebuilt = await rows(`${query('rebuilt')} EXCEPT ALL ${query('streamed')}`);
    connection.closeSync();
    return { onlyStreamed, onlyRebuilt };
  } finally {
    instance.closeSync();
  }
}

describe.skipIf(!brokers)('the example streamed incrementally (real broker)', () => {
  it('ends every micro-batch with the marts a full refresh computes from the same events, late and repeated ones included', async () => {
    const env = { KAFKA_BROKERS: brokers! };
    const dir = mkdtempSync(join(tmpdir(), 'plat-stream-incremental-'));
    cpSync(join(repoRoot, 'project'), dir, { recursive: true, filter: (path) => !path.includes('/target') });
    const topic = `plat_incremental_${randomUUID().slice(0, 8)}`;
    writeFileSync(
      join(dir, 'sources.yml'),
      readFileSync(join(dir, 'sources.yml'), 'utf8').replace('topic: ecommerce_events', `topic: ${topic}`),
    );
    const { manifest } = compileProjectDir({ projectDir: dir });
    await produceTo(manifest, 'ecommerce.events', { env, count: 2_000 });

    const producer = kafkaClient(brokers!.split(',')).producer();
    await producer.connect();
    const controller = new AbortController();
    const batches: MicroBatch[] = [];
    let ready = (): void => undefined;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const running = stream(manifest, {
      env,
      signal: controller.signal,
      batchInterval: 200,
      onBatch: (batch) => batches.push(batch),
      onReady: ready,
    });
    let expected = 0;
    try {
      await Promise.race([started, running]);
      for (const round of rounds) {
        // Generated events with each round, so that every micro-batch also touches hours and shoppers at large.
        expected += (await produceTo(manifest, 'ecommerce.events', { env, count: 1_500 })).sent + round.length;
        await producer.send({ topic, acks: -1, messages: round.map((e) => ({ value: JSON.stringify(e) })) });
        expect(await waitFor(() => landedIn(batches) >= expected)).toBe(true);
      }
    } finally {
      controller.abort();
      await producer.disconnect();
    }
    await running;

    const refreshed = batches.filter((b) => landedIn([b]) > 0);
    expect(refreshed.length).toBeGreaterThanOrEqual(rounds.length);
    expect(
      batches.flatMap((b) =>
        b.results.results.filter((r) => !['success', 'pass', 'warn'].includes(r.status)).map((r) => [r.name, r.status, r.error?.message]),
      ),
    ).toEqual([]);
    // Unit tests ran in the first build: a micro-batch changes no SQL, so none runs again (they
    // were a fifth of each refresh, ahead of the models they gate).
    const unitTests = Object.values(manifest.nodes).filter((n) => n.kind === 'test' && n.testType === 'unit');
    expect(unitTests.length).toBeGreaterThan(0);
    expect(batches.flatMap((b) => b.results.results.filter((r) => unitTests.some((t) => t.uniqueId === r.uniqueId)))).toEqual([]);
    // Each landed event is classified once, by the micro-batch after it landed, and appended.
    const classified = refreshed.map((b) => b.results.results.find((r) => r.name === 'int_events_classified')!);
    expect(new Set(classified.map((r) => r.action))).toEqual(new Set(['incremental (append)']));
    expect(classified.reduce((sum, r) => sum + r.rows!, 0)).toBe(expected);

    // The same landed events, every model rebuilt from them.
    const rebuiltDir = mkdtempSync(join(tmpdir(), 'plat-stream-rebuilt-'));
    cpSync(dir, rebuiltDir, { recursive: true });
    rmSync(join(rebuiltDir, 'target/plat.duckdb.wal'), { force: true });
    const rebuilt = await run(compileProjectDir({ projectDir: rebuiltDir }).manifest, {
      env: {},
      fullRefresh: true,
      select: ['int_events_classified+'],
      exclude: ['resource_type:ml_train', 'resource_type:ml_score', 'resource_type:agent_tool'],
    });
    expect(rebuilt.results.filter((r) => r.status !== 'success')).toEqual([]);
    expect(rebuilt.results.find((r) => r.name === 'stg_events')!.action).toBe('incremental (full refresh)');

    const streamedDb = join(dir, 'target/plat.duckdb');
    const rebuiltDb = join(rebuiltDir, 'target/plat.duckdb');
    for (const mart of marts) {
      expect(await differences(streamedDb, rebuiltDb, (db) => `SELECT * FROM ${db}.${mart}`), mart).toEqual({
        onlyStreamed: [],
        onlyRebuilt: [],
      });
    }
    // Staging too, but for the batch each row came with.
    for (const table of ['staging.stg_events', 'staging.stg_events_rejected']) {
      expect(await differences(streamedDb, rebuiltDb, (db) => `SELECT * EXCLUDE (_batch) FROM ${db}.${table}`), table).toEqual({
        onlyStreamed: [],
        onlyRebuilt: [],
      });
    }

    // What the rounds were for: repeats rejected, late events in their hours, nothing invalid staged.
    const reasons = await queryDb(
      dir,
      `select event_id, reject_reason from staging.stg_events_rejected
      where event_id is null or event_id in ('paid-1', 'cart-1', 'twice', 'fixed-later', 'bad-time') order by all`,
    );
    expect(reasons).toEqual([
      { event_id: 'bad-time', reject_reason: 'invalid_timestamp' },
      { event_id: 'cart-1', reject_reason: 'duplicate' },
      { event_id: 'fixed-later', reject_reason: 'null_user_id' },
      { event_id: 'paid-1', reject_reason: 'duplicate' },
      { event_id: 'twice', reject_reason: 'duplicate' },
      { event_id: 'twice', reject_reason: 'duplicate' },
      { event_id: null, reject_reason: 'null_event_id' },
    ]);
    expect(
      await queryDb(
        dir,
        `select event_id, user_id from staging.stg_events where event_id in ('paid-1', 'twice', 'fixed-later', 'late-new-hour', 'late-again') order by 1`,
      ),
    ).toEqual([
      { event_id: 'fixed-later', user_id: 15 },
      { event_id: 'late-again', user_id: 11 },
      { event_id: 'late-new-hour', user_id: 14 },
      { event_id: 'paid-1', user_id: 11 },
      { event_id: 'twice', user_id: 13 },
    ]);
    expect(await queryDb(dir, `select count(*) as n from staging.stg_events where event_id is null`)).toEqual([{ n: 0n }]);
    expect(
      await queryDb(dir, `select total_revenue, purchase_count from marts.revenue_per_hour where hour_window = '2026-11-19 03:00:00'`),
    ).toEqual([{ total_revenue: 19.99, purchase_count: 1n }]);
    const [newest] = await queryDb(dir, `select purchases_last_24h from marts.user_features where user_id = 17`);
    expect(Number(newest!.purchases_last_24h)).toBeGreaterThanOrEqual(1);
  });
});
