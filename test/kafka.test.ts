import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { compileProjectDir, ingest, produceTo, stream, type MicroBatch } from '../framework/index.js';
import { kafkaClient } from '../framework/stream/kafka.js';
import { messageSchema } from '../framework/stream/schema.js';
import { cli, queryDb, repoRoot, writeProject } from './helpers.js';

const brokers = inject('kafkaBrokers');
const managed = inject('kafkaManaged');

/** A project whose one source reads a topic of its own, so tests never share data. */
function streamingProject(rows: number, kafka = '') {
  const topic = `plat_test_${randomUUID().slice(0, 8)}`;
  const dir = writeProject({
    // Its own name too: consumer groups are named after the project, and runs sharing a broker must not share a group.
    'plat_project.yml': `name: streaming_${topic.slice('plat_test_'.length)}\n`,
    'sources.yml': `sources:
  - name: shop
    tables:
      - name: events
        kafka: { topic: ${topic}, key: user_id, partitions: 3${kafka} }
        generator:
          rows: ${rows}
          seed: 3
          fields:
            event_id: { uuid: {} }
            user_id: { int: { min: 1, max: 1000 } }
            event_type: { choice: [view, cart, purchase] }
            price: { float: { min: 1, max: 100 } }
        columns:
          - { name: event_id, type: VARCHAR, required: true }
          - { name: user_id, type: INTEGER }
          - { name: event_type, type: VARCHAR }
          - { name: price, type: DOUBLE }
`,
  });
  return { dir, topic, env: { KAFKA_BROKERS: brokers! } };
}

async function sendPoison(topic: string, count: number): Promise<void> {
  const producer = kafkaClient(brokers!.split(',')).producer();
  await producer.connect();
  const kinds = ['not json at all', '[1, 2, 3]', '{"event_id": "p", "user_id": "not a number"}', '{"user_id": 5}'];
  await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ value: kinds[i % kinds.length]! })) });
  await producer.disconnect();
}

describe.skipIf(!brokers)('Kafka ingestion (real broker)', () => {
  it('lands every valid message once and every poison message as a dead letter', async () => {
    const { dir, topic, env } = streamingProject(99_000);
    const { manifest } = compileProjectDir({ projectDir: dir });
    expect((await produceTo(manifest, 'shop.events', { env })).sent).toBe(99_000);
    await sendPoison(topic, 1_000);
    const [result] = await ingest(manifest, { env });
    expect(result).toMatchObject({ source: 'shop.events', landed: 99_000, deadLetters: 1_000 });
    expect(
      await queryDb(
        dir,
        'select count(*) as n, count(distinct (_partition, _offset)) as offsets, count(distinct event_id) as ids from shop.events',
      ),
    ).toEqual([{ n: 99_000n, offsets: 99_000n, ids: 99_000n }]);
    // Every parsed column holds what its message said, with the message's metadata beside it.
    expect(
      await queryDb(
        dir,
        `select count(*) filter (where event_id is distinct from (_raw::json->>'event_id') or user_id is distinct from (_raw::json->>'user_id')::integer
                                  or price is distinct from (_raw::json->>'price')::double or _topic <> '${topic}' or _kafka_ts is null or _ingested_at < _kafka_ts) as wrong
         from shop.events`,
      ),
    ).toEqual([{ wrong: 0n }]);
    expect(await queryDb(dir, 'select error, count(*) as n from shop.events_dead_letter group by 1 order by 1')).toEqual([
      { error: 'missing required field event_id', n: 250n },
      { error: 'not JSON: Unexpected token \'o\', "not json at all" is not valid JSON', n: 250n },
      { error: 'not a JSON object', n: 250n },
      { error: 'user_id: must be integer', n: 250n },
    ]);
    expect(await queryDb(dir, 'select sum(next_offset) as total from _plat.kafka_offsets')).toEqual([{ total: 100_000n }]);
    const [again] = await ingest(manifest, { env });
    expect(again).toMatchObject({ landed: 0, deadLetters: 0 });
  });

  it('lands a message exactly as sent, escapes, line breaks and all', async () => {
    const { dir, topic, env } = streamingProject(0);
    const { manifest } = compileProjectDir({ projectDir: dir });
    const texts = [
      '{"event_id": "a\\u001e\\u001fb", "user_id": 1, "event_type": "tab\\there"}',
      '{\n\t"event_id": "pretty",\r\n\t"user_id": 2,\n\t"price": 1.5\n}',
      '{"event_id": "ünïcödé ✓", "user_id": 3}',
    ];
    const producer = kafkaClient(brokers!.split(',')).producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: texts.map((value) => ({ value })) });
    await producer.disconnect();
    const [result] = await ingest(manifest, { env });
    expect(result).toMatchObject({ landed: 3, deadLetters: 0 });
    const rows = await queryDb(dir, 'select _raw, event_id, user_id, event_type, price from shop.events order by user_id');
    expect(rows).toEqual([
      { _raw: texts[0], event_id: 'a\u001e\u001fb', user_id: 1, event_type: 'tab\there', price: null },
      { _raw: texts[1], event_id: 'pretty', user_id: 2, event_type: null, price: 1.5 },
      { _raw: texts[2], event_id: 'ünïcödé ✓', user_id: 3, event_type: null, price: null },
    ]);
  });

  it('sends new events on each produce run, and the same ones again with --seed', async () => {
    const { dir, env } = streamingProject(500);
    const { manifest } = compileProjectDir({ projectDir: dir });
    const produceCli = (...extra: string[]) =>
      execFileSync(process.execPath, [cli, 'produce', 'shop.events', ...extra], {
        cwd: dir,
        env: { ...process.env, ...env, NO_COLOR: '1' },
        encoding: 'utf8',
      });
    const ids = async () => (await queryDb(dir, 'select count(*) as n, count(distinct event_id) as ids from shop.events'))[0];
    const first = produceCli();
    const seed = /^OK sent 500 events in [\d.]+s \([\d,]+\/s, seed (\d+)\)$/m.exec(first)?.[1];
    expect(seed, first).toBeDefined();
    produceCli();
    await ingest(manifest, { env });
    expect(await ids()).toEqual({ n: 1_000n, ids: 1_000n });
    produceCli('--seed', seed!);
    await ingest(manifest, { env });
    expect(await ids()).toEqual({ n: 1_500n, ids: 1_000n });
  });

  it('neither loses nor duplicates a message when the ingest is killed mid-way and restarted', async () => {
    // Enough for several landings of a row group (122,880) each: the kill comes after the first.
    // The restart joins once the group has given up on the killed member: 6 s, not kafkajs's 30.
    const { dir, env } = streamingProject(600_000, ', session_timeout: 6s');
    const { manifest } = compileProjectDir({ projectDir: dir });
    await produceTo(manifest, 'shop.events', { env });
    const child = spawn(process.execPath, [cli, 'ingest'], { cwd: dir, env: { ...process.env, ...env, NO_COLOR: '1' } });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        // Kill as soon as some, but not all, rows have landed.
        const landed = [...chunk.toString().matchAll(/: ([\d,]+) landed/g)].map((m) => Number(m[1]!.replace(/,/g, '')));
        if (landed.some((n) => n > 0)) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    await new Promise((resolve) => child.on('exit', resolve));
    const [partial] = await queryDb(dir, 'select count(*) as n from shop.events');
    expect(Number(partial!.n)).toBeGreaterThan(0);
    expect(Number(partial!.n)).toBeLessThan(600_000);
    const [rest] = await ingest(manifest, { env });
    expect(Number(partial!.n) + rest!.landed).toBe(600_000);
    expect(await queryDb(dir, 'select count(*) as n, count(distinct (_partition, _offset)) as offsets from shop.events')).toEqual([
      { n: 600_000n, offsets: 600_000n },
    ]);
  });

  it('names a topic that does not exist, and a session_timeout the broker refuses, as what to change (not as a bug in plat)', () => {
    const ingestIn = (dir: string, env: Record<string, string>) =>
      spawnSync(process.execPath, [cli, 'ingest'], { cwd: dir, env: { ...process.env, ...env, NO_COLOR: '1' }, encoding: 'utf8' });
    const missing = streamingProject(10);
    const refused = ingestIn(missing.dir, missing.env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`topic "${missing.topic}" of source shop.events does not exist on ${brokers}`);
    expect(refused.stderr).toContain('hint: check kafka.topic in sources.yml, or create the topic (plat produce shop.events creates it');
    expect(refused.stderr).not.toContain('bug in plat');

    // Brokers take 6 s to 30 min unless configured otherwise.
    const short = streamingProject(10, ', session_timeout: 1s');
    execFileSync(process.execPath, [cli, 'produce', 'shop.events'], {
      cwd: short.dir,
      env: { ...process.env, ...short.env },
      stdio: 'ignore',
    });
    const tooShort = ingestIn(short.dir, short.env);
    expect(tooShort.status).toBe(1);
    expect(tooShort.stderr).toContain("the broker refuses source shop.events's session_timeout of 1s");
    expect(tooShort.stderr).toContain('hint: set kafka.session_timeout in sources.yml within the broker');
    expect(tooShort.stderr).not.toContain('bug in plat');
  });
});

/** Sends raw values (null: a tombstone) to a new one-partition topic, in order. */
async function sendRaw(topic: string, values: (string | null)[]): Promise<void> {
  const kafka = kafkaClient(brokers!.split(','));
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: 'k', value })) });
  await producer.disconnect();
}

describe('the JSON Schema of a Kafka source', () => {
  it('takes a session_timeout as a duration, and says where one is not', () => {
    const dir = writeProject({ 'plat_project.yml': 'name: timeouts\n' });
    const diagnostics = (yaml: string) => {
      writeFileSync(join(dir, 'sources.yml'), yaml);
      return compileProjectDir({ projectDir: dir }, false).diagnostics.map((d) => `${d.file}:${d.line}:${d.column} — ${d.message}`);
    };
    const yaml = (timeout: string) =>
      `sources:\n  - name: shop\n    tables:\n      - name: events\n        kafka: { topic: t, session_timeout: ${timeout} }\n`;
    expect(diagnostics(yaml('10 seconds'))).toEqual([
      'sources.yml:5:45 — at sources[0].tables[0].kafka.session_timeout: "10 seconds" is not a duration such as 10s or 1m (how long the consumer group waits for a member that stopped heartbeating before giving its partitions to the others; default 30s)',
    ]);
    expect(diagnostics(yaml('10s'))).toEqual([]);
  });

  it("carries each declared type's bounds and format", () => {
    const column = (name: string, type: string, required = false) => ({ name, type, description: '', required, tests: [] });
    const schema = messageSchema(
      [
        column('a', 'SMALLINT', true),
        column('b', 'UINTEGER'),
        column('c', 'HUGEINT'),
        column('d', 'NUMERIC(4,1)'),
        column('e', 'DECIMAL'),
        column('f', 'REAL'),
        column('g', 'DATE'),
        column('h', 'TIMESTAMPTZ'),
        column('i', 'UUID'),
      ],
      new Set(['a']),
    );
    expect(schema).toEqual({
      type: 'object',
      required: ['a'],
      properties: {
        a: { type: 'integer', minimum: -32768, maximum: 32767 },
        b: { type: ['integer', 'null'], minimum: 0, maximum: 4294967295 },
        c: { type: ['integer', 'null'], minimum: -(2 ** 127), maximum: 2 ** 127 },
        d: { type: ['number', 'null'], exclusiveMinimum: -999.95, exclusiveMaximum: 999.95 },
        e: { type: ['number', 'null'], exclusiveMinimum: -999999999999999.9995, exclusiveMaximum: 999999999999999.9995 },
        f: { type: ['number', 'null'], minimum: -3.4028234663852886e38, maximum: 3.4028234663852886e38 },
        g: { type: ['string', 'null'], format: 'date' },
        h: { type: ['string', 'null'], format: 'timestamp' },
        i: { type: ['string', 'null'] },
      },
    });
  });
});

describe.skipIf(!brokers)('Kafka values the landing cannot store (real broker)', () => {
  it('sends every value that would land as NULL to the dead letters, with the reason, and tells tombstones from empty messages', async () => {
    const topic = `plat_test_${randomUUID().slice(0, 8)}`;
    const dir = writeProject({
      'plat_project.yml': 'name: bounds\n',
      'sources.yml': `sources:
  - name: shop
    tables:
      - name: events
        kafka: { topic: ${topic} }
        columns:
          - { name: id, type: VARCHAR, required: true }
          - { name: user_id, type: INTEGER }
          - { name: small, type: TINYINT }
          - { name: big, type: BIGINT }
          - { name: unsigned, type: UBIGINT }
          - { name: amount, type: "DECIMAL(5, 2)" }
          - { name: day, type: DATE }
          - { name: at, type: TIMESTAMP }
`,
    });
    const sent = [
      '{"id": "fits", "user_id": 2147483647, "small": -128, "big": 9223372036854775807, "unsigned": 0, "amount": 999.99, "day": "2026-11-20", "at": "2026-11-20T10:00:00Z"}',
      '{"id": "nulls", "user_id": null, "day": null}',
      '{"id": "int", "user_id": 3000000000}',
      '{"id": "tiny", "small": 200}',
      '{"id": "negative", "unsigned": -1}',
      '{"id": "decimal", "amount": 999.995}',
      '{"id": "format", "at": "yesterday"}',
      '{"id": "calendar", "day": "2026-02-30"}',
      '{"id": "past 2^63", "big": 9223372036854775808, "small": 1}',
      null,
      '',
    ];
    await sendRaw(topic, sent);
    const { manifest } = compileProjectDir({ projectDir: dir });
    const [result] = await ingest(manifest, { env: { KAFKA_BROKERS: brokers! } });
    expect(result).toMatchObject({ landed: 2, deadLetters: 9 });
    expect(
      await queryDb(
        dir,
        'select id, user_id, small, big::varchar as big, amount::varchar as amount, day::varchar as day, "at"::varchar as "at" from shop.events order by _offset',
      ),
    ).toEqual([
      {
        id: 'fits',
        user_id: 2147483647,
        small: -128,
        big: '9223372036854775807',
        amount: '999.99',
        day: '2026-11-20',
        at: '2026-11-20 10:00:00',
      },
      { id: 'nulls', user_id: null, small: null, big: null, amount: null, day: null, at: null },
    ]);
    expect(await queryDb(dir, 'select _offset, _raw, error from shop.events_dead_letter order by _offset')).toEqual([
      { _offset: 2n, _raw: sent[2], error: 'user_id: 3000000000 is out of range for INTEGER (-2147483648 to 2147483647)' },
      { _offset: 3n, _raw: sent[3], error: 'small: 200 is out of range for TINYINT (-128 to 127)' },
      { _offset: 4n, _raw: sent[4], error: 'unsigned: -1 is out of range for UBIGINT (0 to 18446744073709551615)' },
      {
        _offset: 5n,
        _raw: sent[5],
        error: 'amount: 999.995 is out of range for DECIMAL(5,2) (-999.99 to 999.99 once rounded to 2 decimals)',
      },
      { _offset: 6n, _raw: sent[6], error: 'at: "yesterday" is not an ISO-8601 timestamp (YYYY-MM-DD[THH:MM[:SS[.f]]][Z|±HH:MM])' },
      { _offset: 7n, _raw: sent[7], error: 'day: "2026-02-30" cannot be stored as DATE' },
      { _offset: 8n, _raw: sent[8], error: 'big: 9223372036854775808 cannot be stored as BIGINT' },
      { _offset: 9n, _raw: null, error: 'tombstone' },
      { _offset: 10n, _raw: '', error: 'empty message' },
    ]);
    expect(await queryDb(dir, 'select sum(next_offset) as next from _plat.kafka_offsets')).toEqual([{ next: 11n }]);
  });
});

/** The e-commerce example on a topic of its own. */
function exampleOnFreshTopic() {
  const dir = mkdtempSync(join(tmpdir(), 'plat-stream-'));
  cpSync(join(repoRoot, 'project'), dir, { recursive: true, filter: (path) => !path.includes('/target') });
  const topic = `plat_stream_${randomUUID().slice(0, 8)}`;
  writeFileSync(
    join(dir, 'sources.yml'),
    readFileSync(join(dir, 'sources.yml'), 'utf8').replace('topic: ecommerce_events', `topic: ${topic}`),
  );
  rmSync(join(dir, 'target'), { recursive: true, force: true });
  return { dir, env: { KAFKA_BROKERS: brokers! } };
}

/** Runs `plat run --stream` in this process while `during` runs (from the end of the first build); returns the micro-batches. */
async function streamUntil(
  dir: string,
  env: Record<string, string>,
  during: (batches: MicroBatch[], sources: { name: string; status: string; rows: number | null }[]) => Promise<void>,
) {
  const { manifest } = compileProjectDir({ projectDir: dir });
  const controller = new AbortController();
  const batches: MicroBatch[] = [];
  /** What the first build did with each source: a wait on micro-batches counts on what it landed. */
  const sources: { name: string; status: string; rows: number | null }[] = [];
  let ready = (): void => undefined;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const running = stream(manifest, {
    env,
    signal: controller.signal,
    batchInterval: 300,
    onBatch: (batch) => batches.push(batch),
    onReady: ready,
    onEvent: (event) => {
      if (event.type === 'node_finished' && event.result.kind === 'source')
        sources.push({ name: event.result.name, status: event.result.status, rows: event.result.rows });
    },
  });
  try {
    await Promise.race([started, running]);
    await during(batches, sources);
  } finally {
    controller.abort();
  }
  return { ingested: await running, batches };
}

const landedIn = (batches: MicroBatch[]) => batches.reduce((sum, b) => sum + [...b.landed.values()].reduce((a, n) => a + n, 0), 0);
/** Polls until `condition` holds; the deadline only keeps a broken run from outliving the test timeout. */
const waitFor = async (condition: () => boolean) => {
  const until = performance.now() + 150_000;
  while (!condition() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
};

describe.skipIf(!brokers)('plat run --stream (real broker)', () => {
  it('refreshes the marts after events arrive, and lands each once', async () => {
    const { dir, env } = exampleOnFreshTopic();
    const { manifest } = compileProjectDir({ projectDir: dir });
    await produceTo(manifest, 'ecommerce.events', { env, count: 2_000 });
    const { batches } = await streamUntil(dir, env, async (seen, sources) => {
      // The wait below counts the stream's rows: the first build must have landed the first 2,000.
      expect(sources).toEqual([{ name: 'ecommerce.events', status: 'success', rows: 2_000 }]);
      await produceTo(manifest, 'ecommerce.events', { env, count: 6_000, rate: 3_000 });
      expect(await waitFor(() => landedIn(seen) >= 6_000)).toBe(true);
    });
    expect(
      batches.flatMap((b) =>
        b.results.results
          .filter((r) => r.status !== 'success' && r.status !== 'pass' && r.status !== 'warn')
          .map((r) => [r.name, r.status, r.error?.message]),
      ),
    ).toEqual([]);
    expect(
      batches[0]!.results.results
        .filter((r) => r.kind === 'model')
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      'active_users_per_hour',
      'conversion_rate',
      'int_events_classified',
      'int_hourly_event_counts',
      'int_hourly_shoppers',
      'int_shopper_totals',
      'revenue_per_hour',
      'stg_events',
      'stg_events_rejected',
      'user_features',
    ]);
    // Clean events, counted straight from the landing table: every one must reach staging, late ones included.
    const clean = `select distinct event_id from bronze.events where user_id is not null and product_id is not null and lower(trim(event_type)) in ('view', 'cart', 'purchase')
      and try_cast("timestamp" as timestamptz) is not null and price >= 0 and not (lower(trim(event_type)) = 'purchase' and price = 0)`;
    const [counts] = await queryDb(
      dir,
      `select (select count(*) from bronze.events) as landed, (select count(distinct (_partition, _offset)) from bronze.events) as offsets,
      (select count(*) from (${clean})) as clean, (select count(*) from staging.stg_events) as staged,
      (select count(*) from staging.stg_events where event_type = 'purchase') as staged_purchases, (select sum(purchase_count) from marts.revenue_per_hour) as mart_purchases`,
    );
    expect(counts).toMatchObject({ landed: 8_000n, offsets: 8_000n });
    expect(counts!.staged).toBe(counts!.clean);
    expect(Number(counts!.clean)).toBeGreaterThan(7_500);
    expect(Number(counts!.mart_purchases)).toBe(Number(counts!.staged_purchases));
  });

  it.skipIf(!managed)('keeps streaming through a broker restart without losing or repeating events', async () => {
    const { dir, env } = exampleOnFreshTopic();
    const { manifest } = compileProjectDir({ projectDir: dir });
    await produceTo(manifest, 'ecommerce.events', { env, count: 1_000 });
    await streamUntil(dir, env, async (seen) => {
      await produceTo(manifest, 'ecommerce.events', { env, count: 2_000 });
      expect(await waitFor(() => landedIn(seen) >= 2_000)).toBe(true);
      execFileSync('bash', [join(repoRoot, 'scripts/kafka.sh'), 'restart'], { stdio: 'ignore', timeout: 120_000 });
      await produceTo(manifest, 'ecommerce.events', { env, count: 3_000 });
      expect(await waitFor(() => landedIn(seen) >= 5_000)).toBe(true);
    });
    // Distinct offsets catch a message landed twice; the count, a send the producer retried into the topic twice.
    expect(await queryDb(dir, 'select count(*) as n, count(distinct (_partition, _offset)) as offsets from bronze.events')).toEqual([
      { n: 6_000n, offsets: 6_000n },
    ]);
  });
});
