import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import type { SourceNode } from '../framework/compile/manifest.js';
import { compileProjectDir, ingest, produceTo } from '../framework/index.js';
import { consumerGroup, kafkaClient } from '../framework/stream/kafka.js';
import { queryDb, writeProject } from './helpers.js';

const brokers = inject('kafkaBrokers');

/** A copy of one project (same name, same source) reading a topic of its own. */
function copyReading(topic: string): string {
  return writeProject({
    'plat_project.yml': 'name: twins\n',
    'sources.yml': `sources:
  - name: shop
    tables:
      - name: events
        kafka: { topic: ${topic}, partitions: 3 }
        generator:
          rows: 300
          seed: 5
          fields:
            event_id: { uuid: {} }
        columns:
          - { name: event_id, type: VARCHAR, required: true }
`,
  });
}

describe.skipIf(!brokers)('consumer groups (real broker)', () => {
  // kafkajs's group leader assigns only the topics it reads itself, and a member drops what it
  // does not read: copies of a project on different topics in one group starved each other
  // (a test's copy of project/ beside a bench's stream stalled 60 s, then failed its first build).
  it('ingests a copy of a project while another copy of it, on another topic, holds its consumer group', async () => {
    const suffix = randomUUID().slice(0, 8);
    const held = copyReading(`plat_twin_a_${suffix}`);
    const ingested = copyReading(`plat_twin_b_${suffix}`);
    const heldManifest = compileProjectDir({ projectDir: held }).manifest;
    const { manifest } = compileProjectDir({ projectDir: ingested });
    const env = { KAFKA_BROKERS: brokers! };
    await produceTo(heldManifest, 'shop.events', { env, count: 10 });
    expect((await produceTo(manifest, 'shop.events', { env, count: 300 })).sent).toBe(300);

    const heldNode = Object.values(heldManifest.nodes).find((n): n is SourceNode => n.kind === 'source')!;
    const holder = kafkaClient(brokers!.split(','), 'plat-test-holder').consumer({ groupId: consumerGroup('twins', heldNode) });
    const joined = new Promise<void>((resolve) => holder.on(holder.events.GROUP_JOIN, () => resolve()));
    try {
      await holder.connect();
      await holder.subscribe({ topics: [heldNode.loader.kafka!.topic], fromBeginning: true });
      await holder.run({ eachBatch: async () => undefined });
      await joined;
      const [result] = await ingest(manifest, { env });
      expect(result).toMatchObject({ landed: 300, deadLetters: 0 });
      expect(await queryDb(ingested, 'select count(*) as n, count(distinct (_partition, _offset)) as offsets from shop.events')).toEqual([
        { n: 300n, offsets: 300n },
      ]);
    } finally {
      await holder.disconnect();
    }
  });
});
