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
import { afterEach, describe, expect, inject, it } from 'vitest';
import { compileProjectDir, ingest, produceTo } from '../framework/index.js';
import { offsetsTable } from '../framework/stream/landing.js';
import { newWorkerId } from '../framework/stream/staging.js';
import { request } from '../framework/warehouse/trino/protocol.js';
import { cli, writeProject } from './helpers.js';
import { dropTrinoSchemas, trinoTestTarget } from './trino-helpers.js';

const url = inject('trinoUrl');
const files = inject('trinoFiles');
const brokers = inject('kafkaBrokers');

describe.skipIf(!url || !brokers)('Kafka ingest into Iceberg on Trino', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** A project on the cluster whose one source reads a fresh 6-partition topic; its own name, so its own consumer group. */
  function project(rows: number) {
    const id = randomUUID().slice(0, 8);
    const target = trinoTestTarget(url!, files, `k${id}`);
    const dir = writeProject({
      'plat_project.yml': `name: ingest_${id}
target: { type: trino, url: "${target.url}", catalog: iceberg, schema_prefix: ${target.schemaPrefix}${target.landing ? `, landing: { folder: "${target.landing.folder}", location: "${target.landing.location}" }` : ''} }
`,
      'sources.yml': `sources:
  - name: shop
    tables:
      - name: events
        kafka: { topic: plat_test_${id}, key: user_id, partitions: 6 }
        generator:
          rows: ${rows}
          seed: 5
          fields:
            event_id: { uuid: {} }
            user_id: { int: { min: 1, max: 5000 } }
            price: { float: { min: 1, max: 100 } }
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

  it('shares 6 partitions between two plat ingest processes of one consumer group; one killed mid-way, the other lands the rest, each offset once', async () => {
    const rows = 60_000;
    const p = project(rows);
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
