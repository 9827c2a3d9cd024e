import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { compileProjectDir, ingest, produceTo } from '../framework/index.js';
import { queryDb, writeProject } from './helpers.js';

const brokers = inject('kafkaBrokers');

/** Several Kafka sources, each on a topic of its own, in a project whose database does not exist yet. */
function severalSources(count: number) {
  const id = randomUUID().slice(0, 8);
  const tables = Array.from(
    { length: count },
    (_, i) => `      - name: t${i}
        kafka: { topic: plat_test_prepare_${id}_${i}, partitions: 1 }
        generator: { rows: 50, seed: ${i + 1}, fields: { id: { sequence: {} } } }
        columns: [{ name: id, type: INTEGER }]
`,
  );
  const dir = writeProject({
    'plat_project.yml': `name: prepare_${id}\n`,
    'sources.yml': `sources:\n  - name: raw\n    schema: raw\n    tables:\n${tables.join('')}`,
  });
  return { dir, env: { KAFKA_BROKERS: brokers! } };
}

describe.skipIf(!brokers)('ingest of several Kafka sources at once (real broker)', () => {
  it('lands every source on a fresh database: the landing tables and the offsets table are created once, before the consumers start', async () => {
    // The consumers reach the database at moments the broker decides: fresh databases, several times over, to meet the race.
    const sources = [0, 1, 2, 3, 4, 5];
    for (let round = 0; round < 4; round++) {
      const { dir, env } = severalSources(sources.length);
      const { manifest } = compileProjectDir({ projectDir: dir });
      for (const i of sources) expect((await produceTo(manifest, `raw.t${i}`, { env })).sent).toBe(50);
      const results = await ingest(manifest, { env });
      expect(results.map((r) => [r.source, r.landed])).toEqual(sources.map((i) => [`raw.t${i}`, 50]));
      expect(await queryDb(dir, 'select source, sum(next_offset) as next from _plat.kafka_offsets group by 1 order by 1')).toEqual(
        sources.map((i) => ({ source: `raw.t${i}`, next: 50n })),
      );
    }
  });
});
