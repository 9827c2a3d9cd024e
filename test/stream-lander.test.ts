import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceNode } from '../framework/compile/manifest.js';
import { ingestPace, Lander, type ParsedBatch } from '../framework/stream/lander.js';
import { FIELD, landingSql, prepareLanding, prepareStaging, RECORD } from '../framework/stream/landing.js';
import { newWorkerId } from '../framework/stream/staging.js';
import type { Connection, Warehouse } from '../framework/warehouse/connection.js';
import { openWarehouse } from '../framework/warehouse/registry.js';
import { compileDir, writeProject } from './helpers.js';

let opened: Warehouse | null = null;
afterEach(() => {
  opened?.close();
  opened = null;
});

/** A lander on a fresh DuckDB file, paced as `plat ingest` paces it; `coming` says how many messages are still to come. */
async function lander(coming: () => number) {
  const root = writeProject({
    'plat_project.yml': 'name: lander\n',
    'sources.yml':
      'sources:\n  - name: shop\n    tables:\n      - name: events\n        kafka: { topic: events }\n        columns:\n          - { name: id, type: INTEGER }\n',
  });
  const manifest = compileDir(root);
  const node = Object.values(manifest.nodes).find((n): n is SourceNode => n.kind === 'source')!;
  opened = (await openWarehouse(manifest.target, { root })) as Warehouse;
  const connection = (await opened.session()) as Connection;
  await prepareLanding(connection, node);
  const staging = await prepareStaging(connection, node, newWorkerId());
  const landings: number[] = [];
  const walBytes: number[] = [];
  const wal = join(root, 'target/plat.duckdb.wal');
  let landedOne: () => void = () => undefined;
  const landedOnce = new Promise<void>((resolve) => (landedOne = resolve));
  const pace = ingestPace(connection, coming);
  const instance = new Lander(
    connection,
    staging,
    (offsets) => landingSql(connection.dialect, node, 'events', staging, offsets, new Date()),
    (batches) => {
      landings.push(batches.reduce((sum, b) => sum + b.valid, 0));
      walBytes.push(existsSync(wal) ? statSync(wal).size : 0);
      landedOne();
    },
    pace,
  );
  return { lander: instance, landings, walBytes, landedOnce, gather: pace.gather, count: () => rows(connection, node) };
}

async function rows(connection: Connection, node: SourceNode): Promise<number> {
  const [row] = await connection.query(`SELECT count(*) AS n FROM ${connection.dialect.relation(node.relation)}`);
  return Number(row!.n);
}

/** `count` valid messages from `first` on, staged as parseBatch stages them. */
function batch(first: number, count: number): ParsedBatch {
  const messages = Array.from({ length: count }, (_, i) => `${first + i}${FIELD}1700000000000${FIELD}{"id": ${first + i}}`);
  const rows: unknown[][] = [];
  for (let at = 0; at < count; at += 2048) rows.push([messages.slice(at, at + 2048).join(RECORD), 0]);
  return { partition: 0, rows, valid: count, dead: [], firstOffset: first, nextOffset: first + count };
}

describe('the Kafka lander', () => {
  it('gathers a row group before landing while the consumer is behind, so DuckDB writes it to the file and not through its log', async () => {
    const total = 200_000;
    let added = 0;
    const l = await lander(() => total - added);
    for (let first = 0; first < total; first += 10_000) {
      added += 10_000;
      await l.lander.add(batch(first, 10_000));
    }
    await l.lander.flush();
    expect(l.landings.reduce((a, b) => a + b, 0)).toBe(total);
    expect(await l.count()).toBe(total);
    // Only what was left once nothing more was coming lands short of a row group.
    expect(l.landings.slice(0, -1).every((n) => n >= l.gather)).toBe(true);
    expect(l.landings[0]).toBeGreaterThanOrEqual(l.gather);
    expect(l.gather).toBe(122_880);
    // 100,000 rows through the log took 16 MB of it; a row group written straight to the file, a few kilobytes.
    expect(l.walBytes[0]).toBeLessThan(1 << 20);
  });

  it("lands a stream's small batch at once when nothing more is coming", async () => {
    const l = await lander(() => 0);
    await l.lander.add(batch(0, 100));
    await l.landedOnce;
    expect(l.landings).toEqual([100]);
  });

  it('starts a landing that does not gather with what is queued then, not with the batches that follow it', async () => {
    const l = await lander(() => 0);
    // Both added at once, as a fetch's partitions are: the first landing starts with the first alone.
    await Promise.all([l.lander.add(batch(0, 100)), l.lander.add(batch(100, 100))]);
    await l.lander.flush();
    expect(l.landings).toEqual([100, 100]);
  });

  it('lands what it has after a while when the rows said to be coming do not come', async () => {
    const l = await lander(() => 1_000_000);
    await l.lander.add(batch(0, 100));
    await l.landedOnce;
    expect(l.landings).toEqual([100]);
    expect(await l.count()).toBe(100);
  });

  it('lands everything queued on flush, without waiting for more', async () => {
    const l = await lander(() => 1_000_000);
    await l.lander.add(batch(0, 100));
    await l.lander.add(batch(100, 50));
    await l.lander.flush();
    expect(l.landings).toEqual([150]);
  });
});
