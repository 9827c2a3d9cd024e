/**
 * Kafka into Iceberg on the real two-node cluster, exactly once without transactions: each
 * landing statement adds only offsets the table does not hold yet and the offsets are recorded
 * last, so a landing replayed after a crash adds nothing twice, and several `plat ingest`
 * processes in one consumer group can share a topic and take over from one killed mid-way; the
 * staging tables a killed one leaves are dropped by the next to start.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { KafkaMessage } from 'kafkajs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { SourceNode } from '../framework/compile/manifest.js';
import { compileProjectDir, ingest, produceTo } from '../framework/index.js';
import { ingestSource, parseBatch, prepareSources } from '../framework/stream/ingest.js';
import { consumerGroup, kafkaClient } from '../framework/stream/kafka.js';
import { Lander, type ParsedBatch } from '../framework/stream/lander.js';
import {
  deadLetterRelation,
  landingSql,
  offsetsTable,
  prepareLanding,
  prepareStaging,
  storedOffsets,
} from '../framework/stream/landing.js';
import { compileTextCheck } from '../framework/stream/text_check.js';
import { dropOwnStaging, newWorkerId } from '../framework/stream/staging.js';
import { openWarehouse } from '../framework/warehouse/registry.js';
import type { TrinoTarget } from '../framework/warehouse/types.js';
import { request } from '../framework/warehouse/trino/protocol.js';
import { cli, writeProject } from './helpers.js';
import { dropTrinoSchemas, trinoTestTarget } from './trino-helpers.js';

/** plat_project.yml of a project on the test cluster's target. */
function projectFile(name: string, target: TrinoTarget): string {
  const landing = target.landing ? `, landing: { folder: "${target.landing.folder}", location: "${target.landing.location}" }` : '';
  return `name: ${name}\ntarget: { type: trino, url: "${target.url}", catalog: iceberg, schema_prefix: ${target.schemaPrefix}${landing} }\n`;
}

const url = inject('trinoUrl');
const files = inject('trinoFiles');
const brokers = inject('kafkaBrokers');

describe.skipIf(!url || !brokers)('Kafka ingest into Iceberg on Trino', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** A project on the cluster whose one source reads a fresh 6-partition topic; its own name, so its own consumer group. */
  function project(rows: number, options: { kafka?: string; fields?: string } = {}) {
    const id = randomUUID().slice(0, 8);
    const target = trinoTestTarget(url!, files, `k${id}`);
    const dir = writeProject({
      'plat_project.yml': projectFile(`ingest_${id}`, target),
      'sources.yml': `sources:
  - name: shop
    tables:
      - name: events
        kafka: { topic: plat_test_${id}, key: user_id, partitions: 6${options.kafka ?? ''} }
        generator:
          rows: ${rows}
          seed: 5
          fields:
            event_id: { uuid: {} }
            user_id: { int: { min: 1, max: 5000 } }
            price: { float: { min: 1, max: 100 } }${options.fields ?? ''}
        columns:
          - { name: event_id, type: VARCHAR, required: true }
          - { name: user_id, type: INTEGER }
          - { name: price, type: DOUBLE }
`,
    });
    cleanups.push(async () => {
      await dropTrinoSchemas(target);
      rmSync(dir, { recursive: true, force: true });
    });
    const server = { url: target.url, user: target.user, catalog: target.catalog };
    const sql = async (statement: string) => (await request(server, statement)).rows;
    const events = `iceberg."${target.schemaPrefix}_shop".events`;
    /** Rows, distinct (partition, offset) pairs, and distinct event ids landed. */
    const landed = async () => {
      const [[n, offsets, ids]] = (await sql(
        `select count(*), count(distinct (_partition, _offset)), count(distinct event_id) from ${events}`,
      )) as [[number, number, number]];
      return { n, offsets, ids };
    };
    const env = { KAFKA_BROKERS: brokers! };
    const { manifest } = compileProjectDir({ projectDir: dir, env });
    const platSchema = `${target.schemaPrefix}_${offsetsTable.schema}`;
    return {
      dir,
      env,
      manifest,
      sql,
      landed,
      platSchema,
      plat: `iceberg."${platSchema}"`,
      offsets: `iceberg."${platSchema}"."${offsetsTable.name}"`,
    };
  }

  it('lands a replay of landings whose offsets were never recorded (a crash just before) without a message twice', async () => {
    const p = project(3_000);
    await produceTo(p.manifest, 'shop.events', { env: p.env });
    const [first] = await ingest(p.manifest, { env: p.env });
    expect(first!.landed).toBe(3_000);
    expect(await p.landed()).toEqual({ n: 3_000, offsets: 3_000, ids: 3_000 });
    // The crash: everything landed, no offset recorded. The next ingest starts from the beginning of every partition.
    await p.sql(`delete from ${p.offsets}`);
    await ingest(p.manifest, { env: p.env });
    expect(await p.landed()).toEqual({ n: 3_000, offsets: 3_000, ids: 3_000 });
    expect(await p.sql(`select count(*), sum(next_offset) from ${p.offsets}`)).toEqual([[6, 3_000]]);
  }, 600_000);

  it("drops the staging tables a dead worker left in _plat when the next ingest starts, keeps a joining one's, and drops its own", async () => {
    const p = project(1_000);
    await produceTo(p.manifest, 'shop.events', { env: p.env });
    // A worker killed an hour ago (no member of the group now), and one that has just made its tables and is still joining.
    const dead = newWorkerId(Date.now() - 3_600_000);
    const joining = newWorkerId();
    const tables = (worker: string) => ['plat_dead_letters', 'plat_staging', 'plat_unlanded'].map((t) => `${t}_shop_events_${worker}`);
    await p.sql(`create schema if not exists ${p.plat}`);
    for (const table of [...tables(dead), ...tables(joining)]) await p.sql(`create table ${p.plat}."${table}" (payload varchar)`);
    const [result] = await ingest(p.manifest, { env: p.env });
    expect(result!.landed).toBe(1_000);
    const left = await p.sql(
      `select table_name from iceberg.information_schema.tables where table_schema = '${p.platSchema}' and table_name like 'plat%' order by 1`,
    );
    expect(left.map(([name]) => name)).toEqual(tables(joining));
  }, 600_000);

  it('reads the stored offsets again for partitions a process gains, rather than fetching what their last owner landed', async () => {
    const p = project(1_000);
    const node = Object.values(p.manifest.nodes).find((n): n is SourceNode => n.kind === 'source')!;
    const groupId = consumerGroup(p.manifest.project.name, node);
    const warehouse = await openWarehouse(p.manifest.target, { root: p.dir });
    const admin = kafkaClient([brokers!], 'plat-test-admin').admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: node.loader.kafka!.topic, numPartitions: 6 }], waitForLeaders: true });
      await prepareSources(await warehouse.session(), [node]);
      /** Until the group has settled with this many members. */
      const settled = async (members: number) => {
        for (;;) {
          const [group] = (await admin.describeGroups([groupId])).groups;
          if (group?.state === 'Stable' && group.members.length === members) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      /** Until the stored offsets say this many messages have landed. */
      const recorded = async (n: number) => {
        while (Number((await p.sql(`select coalesce(sum(next_offset), 0) from ${p.offsets}`))[0]![0]) < n)
          await new Promise((resolve) => setTimeout(resolve, 200));
      };
      const worker = async () => {
        const stop = new AbortController();
        const session = await warehouse.session();
        const result = ingestSource(session, node, {
          brokers: [brokers!],
          groupId,
          mode: 'continuous',
          signal: stop.signal,
          prepared: true,
        });
        return { stop: () => stop.abort(), result };
      };
      const first = await worker();
      const second = await worker();
      /** A wait that fails as soon as a worker stops before it is told to. */
      const meanwhile = (wait: Promise<void>, ...workers: (typeof first)[]) =>
        Promise.race([wait, ...workers.map((w) => w.result.then(() => Promise.reject(new Error('a worker stopped early'))))]);
      await meanwhile(settled(2), first, second);
      // Each lands its share; then the first leaves, and the second, which has landed nothing of the first's
      // partitions, gains them.
      await produceTo(p.manifest, 'shop.events', { env: p.env });
      await meanwhile(recorded(1_000), first, second);
      first.stop();
      const a = await first.result;
      await meanwhile(settled(1), second);
      await produceTo(p.manifest, 'shop.events', { env: p.env });
      await meanwhile(recorded(2_000), second);
      second.stop();
      const b = await second.result;
      expect(await p.landed()).toEqual({ n: 2_000, offsets: 2_000, ids: 2_000 });
      // Each message was fetched and landed by one process only.
      expect({ a: a.landed > 0, b: b.landed > 1_000, both: a.landed + b.landed }).toEqual({ a: true, b: true, both: 2_000 });
    } finally {
      await admin.disconnect();
      warehouse.close();
    }
  }, 600_000);

  it('shares 6 partitions between two plat ingest processes of one consumer group; one killed mid-way, the other lands the rest, each offset once', async () => {
    const rows = 60_000;
    // Messages of a kilobyte: a fetch (4 MB a partition) holds a few thousand, so the doomed
    // process's first landing, which starts with the first fetch, cannot be all of its share and
    // the kill comes mid-way. The survivor gains its partitions once the group gives up on it:
    // 10 s, not 30.
    const p = project(rows, { kafka: ', session_timeout: 10s', fields: `\n            padding: { const: ${'x'.repeat(1000)} }` });
    await produceTo(p.manifest, 'shop.events', { env: p.env });
    const worker = () => spawn(process.execPath, [cli, 'ingest'], { cwd: p.dir, env: { ...process.env, ...p.env, NO_COLOR: '1' } });
    const doomed = worker();
    const survivor = worker();
    // Listened for from the start: a survivor that lands everything before the kill has exited by
    // the time the test would wait for it, and an exit listened for after it happened never comes.
    const survivorExit = new Promise<number | null>((resolve) => survivor.on('exit', resolve));
    const survivorOutput: string[] = [];
    survivor.stdout.on('data', (chunk: Buffer) => survivorOutput.push(chunk.toString()));
    survivor.stderr.on('data', (chunk: Buffer) => survivorOutput.push(chunk.toString()));
    // Killed once it has landed some rows (its progress line says so), but before the topic is drained.
    // What it had landed is read from its own progress line: the survivor goes on landing meanwhile,
    // so a count of the table taken after the kill may already be whole.
    const killed = await new Promise<{ landed: number; signal: NodeJS.Signals | null }>((resolve, reject) => {
      let landed = 0;
      doomed.stdout.on('data', (chunk: Buffer) => {
        const counts = [...chunk.toString().matchAll(/: ([\d,]+) landed/g)].map((m) => Number(m[1]!.replace(/,/g, '')));
        landed = Math.max(landed, ...counts);
        if (landed > 0) doomed.kill('SIGKILL');
      });
      doomed.on('exit', (_code, signal) => resolve({ landed, signal }));
      doomed.on('error', reject);
    });
    const exit = await survivorExit;
    expect({ exit, output: exit === 0 ? '' : survivorOutput.join('') }).toEqual({ exit: 0, output: '' });
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.landed).toBeGreaterThan(0);
    expect(killed.landed).toBeLessThan(rows);
    expect(await p.landed()).toEqual({ n: rows, offsets: rows, ids: rows });
    expect(await p.sql(`select count(*), sum(next_offset) from ${p.offsets}`)).toEqual([[6, rows]]);
  }, 600_000);
});

describe.skipIf(!url)('Kafka landings into Iceberg on Trino from several processes at once', () => {
  it('lands offsets that several workers stage at once once each, dead letters too, and never moves a recorded offset back', async () => {
    const id = randomUUID().slice(0, 8);
    const target = trinoTestTarget(url!, files, `l${id}`);
    const dir = writeProject({
      'plat_project.yml': projectFile(`landing_${id}`, target),
      'sources.yml':
        'sources:\n  - name: shop\n    tables:\n      - name: events\n        kafka: { topic: events }\n        columns:\n          - { name: id, type: INTEGER }\n          - { name: day, type: DATE }\n',
    });
    const { manifest } = compileProjectDir({ projectDir: dir, env: {} });
    const node = Object.values(manifest.nodes).find((n): n is SourceNode => n.kind === 'source')!;
    const warehouse = await openWarehouse(manifest.target, { root: dir });
    try {
      const connection = await warehouse.session();
      await prepareLanding(connection, node);
      const validate = compileTextCheck(node.columns);
      /** Offsets [from, to) of a partition; every tenth message is not JSON, a dead letter. */
      const batch = (partition: number, from: number, to: number): ParsedBatch => {
        const messages = Array.from({ length: to - from }, (_, i) => {
          const offset = from + i;
          const value = offset % 10 === 0 ? 'not json' : JSON.stringify({ id: offset, day: '2026-11-20' });
          return {
            offset: String(offset),
            timestamp: '1700000000000',
            value: Buffer.from(value),
            key: null,
            attributes: 0,
          } as KafkaMessage;
        });
        return parseBatch(partition, messages, 'events', validate);
      };
      /** One worker: its own session and staging tables, as each plat ingest process has. */
      const worker = async (batches: ParsedBatch[]) => {
        const session = await warehouse.session();
        const staging = await prepareStaging(session, node, newWorkerId());
        const lander = new Lander(
          session,
          staging,
          (spans) => landingSql(session.dialect, node, 'events', staging, spans, new Date()),
          () => undefined,
        );
        for (const b of batches) await lander.add(b);
        await lander.flush();
        await dropOwnStaging(session, staging);
      };
      // Three workers stage the same offsets of partitions 0 and 1 (a partition's old owner and its new ones
      // after rebalances), a fourth a span of partition 0 overlapping theirs, and all land at once.
      const same = () => worker([batch(0, 0, 2_000), batch(1, 0, 2_000)]);
      await Promise.all([same(), same(), same(), worker([batch(0, 1_000, 3_000)])]);
      // A worker still holding partition 0's first offsets lands them last.
      await worker([batch(0, 0, 500)]);

      const counts = async (relation: { schema: string; name: string }) =>
        await connection.query(
          `SELECT _partition AS p, count(*) AS n, count(DISTINCT _offset) AS offsets FROM ${connection.dialect.relation(relation)} GROUP BY _partition ORDER BY 1`,
        );
      expect((await counts(node.relation)).map((r) => [r.p, Number(r.n), Number(r.offsets)])).toEqual([
        [0, 2_700, 2_700],
        [1, 1_800, 1_800],
      ]);
      expect((await counts(deadLetterRelation(node))).map((r) => [r.p, Number(r.n), Number(r.offsets)])).toEqual([
        [0, 300, 300],
        [1, 200, 200],
      ]);
      expect(await storedOffsets(connection, node, 'events')).toEqual(
        new Map([
          [0, 3_000],
          [1, 2_000],
        ]),
      );
    } finally {
      warehouse.close();
      await dropTrinoSchemas(target);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
