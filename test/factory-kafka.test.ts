import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { compileProjectDir, ingest, produceTo, stream, type MicroBatch, type SourceNode } from '../framework/index.js';
import { generateTable } from '../framework/run/sources/generator.js';
import { copyProject, queryDb, repoRoot } from './helpers.js';

const brokers = inject('kafkaBrokers');
const TOPICS = ['equipment-sensors', 'equipment-status', 'quality-metrics'];
const LANDING = {
  'factory.equipment_sensors': 'bronze.equipment_sensors',
  'factory.equipment_status': 'bronze.equipment_status',
  'factory.quality_metrics': 'bronze.quality_metrics',
} as const;
type Source = keyof typeof LANDING;

/** The manufacturing example on topics (and consumer groups) of its own, so runs never share data. */
function factoryOnFreshTopics() {
  const dir = copyProject(join(repoRoot, 'examples/factory'));
  const suffix = randomUUID().slice(0, 8);
  let sources = readFileSync(join(dir, 'sources.yml'), 'utf8');
  // A group of their own too: runs sharing a broker must not share a consumer group.
  for (const topic of TOPICS) sources = sources.replace(`topic: ${topic},`, `topic: ${topic}-${suffix}, group: plat-${topic}-${suffix},`);
  writeFileSync(join(dir, 'sources.yml'), sources);
  return { dir, env: { KAFKA_BROKERS: brokers! } };
}

/** Messages the producer sends without an equipment_id, a required column: each must be a dead letter. */
function withoutMachine(node: SourceNode, dir: string, seed: number, count: number): number {
  const table = generateTable({ ...node.loader.generator!, rows: count }, new Date(), seed, { root: dir });
  const at = table.columns.findIndex((c) => c.name === 'equipment_id');
  return [...table.rows].filter((row) => row[at] === null).length;
}

const landedIn = (batches: MicroBatch[]) => batches.reduce((sum, b) => sum + [...b.landed.values()].reduce((a, n) => a + n, 0), 0);
const waitFor = async (condition: () => boolean) => {
  const until = performance.now() + 150_000;
  while (!condition() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
};

describe.skipIf(!brokers)('the manufacturing example over Kafka (real broker)', () => {
  it('lands the three topics exactly once with dead letters for messages without a machine, then streams them into the marts', async () => {
    const { dir, env } = factoryOnFreshTopics();
    const { manifest } = compileProjectDir({ projectDir: dir });
    const node = (name: Source) => Object.values(manifest.nodes).find((n): n is SourceNode => n.kind === 'source' && n.name === name)!;
    // The spec's own seeds: the producers send what the embedded default would generate (sensor
    // readings capped to keep the test short).
    const plan: [Source, number, number | undefined][] = [
      ['factory.equipment_sensors', 7, 60_000],
      ['factory.equipment_status', 8, undefined],
      ['factory.quality_metrics', 9, undefined],
    ];
    const sent = new Map<Source, number>();
    for (const [source, seed, count] of plan) sent.set(source, (await produceTo(manifest, source, { env, seed, count })).sent);
    expect(sent.get('factory.equipment_sensors')).toBe(60_000);
    expect(sent.get('factory.equipment_status')).toBeGreaterThan(1_500);

    // One source at a time: several landing at once on a fresh database race to create
    // _plat.kafka_offsets (a framework defect, stream/landing.ts prepareLanding, reported).
    const results = [];
    for (const [source] of plan) results.push(...(await ingest(manifest, { env, select: [`source:${source}`] })));
    for (const [source, seed] of plan) {
      const landed = results.find((r) => r.source === source)!;
      const dead = withoutMachine(node(source), dir, seed, sent.get(source)!);
      expect(dead, source).toBeGreaterThan(0);
      expect(landed, source).toMatchObject({ deadLetters: dead, landed: sent.get(source)! - dead });
      const table = LANDING[source];
      expect(
        await queryDb(dir, `select count(*) as n, count(distinct (_topic, _partition, _offset)) as offsets from ${table}`),
        source,
      ).toEqual([{ n: BigInt(landed.landed), offsets: BigInt(landed.landed) }]);
      expect(await queryDb(dir, `select error, count(*) as n from ${table}_dead_letter group by 1`), source).toEqual([
        { error: 'equipment_id: is required (got null)', n: BigInt(dead) },
      ]);
    }
    // Offsets live in DuckDB with the rows: a second ingest finds nothing new.
    expect((await ingest(manifest, { env })).map((r) => r.landed)).toEqual([0, 0, 0]);

    // plat run --stream: the first build reads what landed; a new producer run of quality
    // batches arrives and the quality marts are refreshed from it.
    const controller = new AbortController();
    const batches: MicroBatch[] = [];
    let ready = (): void => undefined;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const running = stream(manifest, {
      env,
      signal: controller.signal,
      batchInterval: 300,
      onBatch: (b) => batches.push(b),
      onReady: ready,
    });
    const more = 3_000;
    const moreDead = withoutMachine(node('factory.quality_metrics'), dir, 99, more);
    try {
      await Promise.race([started, running]);
      await produceTo(manifest, 'factory.quality_metrics', { env, seed: 99, count: more });
      expect(await waitFor(() => landedIn(batches) >= more - moreDead)).toBe(true);
    } finally {
      controller.abort();
    }
    await running;
    expect(
      batches.flatMap((b) =>
        b.results.results.filter((r) => !['success', 'pass', 'warn'].includes(r.status)).map((r) => [r.name, r.status, r.error?.message]),
      ),
    ).toEqual([]);
    expect(batches.flatMap((b) => b.results.results.filter((r) => r.kind === 'model').map((r) => r.name))).toContain(
      'mart_quality_dashboard',
    );

    const quality = sent.get('factory.quality_metrics')! + more;
    const qualityDead = withoutMachine(node('factory.quality_metrics'), dir, 9, sent.get('factory.quality_metrics')!) + moreDead;
    const [counts] = await queryDb(
      dir,
      `select (select count(*) from bronze.quality_metrics) as landed, (select count(distinct (_partition, _offset)) from bronze.quality_metrics) as offsets,
         (select count(*) from bronze.quality_metrics_dead_letter) as dead, (select count(*) from staging.stg_quality_inspections) as staged,
         (select count(*) from staging.stg_rejected_rows where source_table = 'quality_metrics') as rejected, (select sum(batches) from marts.mart_quality_dashboard) as dashboard,
         (select count(*) from marts.mart_equipment_health) as machines, (select count(*) from staging.stg_sensor_readings) as readings`,
    );
    expect(counts).toMatchObject({
      landed: BigInt(quality - qualityDead),
      offsets: BigInt(quality - qualityDead),
      dead: BigInt(qualityDead),
      machines: 36n,
    });
    expect(Number(counts!.staged) + Number(counts!.rejected)).toBe(quality - qualityDead);
    expect(Number(counts!.dashboard)).toBe(Number(counts!.staged));
    expect(Number(counts!.readings)).toBeGreaterThan(59_000);
  });
});
