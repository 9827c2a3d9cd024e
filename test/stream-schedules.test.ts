import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { compileProjectDir, produceTo, streamWithSchedules, type MicroBatch, type ScheduleEvent } from '../framework/index.js';
import { kafkaClient } from '../framework/stream/kafka.js';
import { cli, queryDb, writeProject } from './helpers.js';

const brokers = inject('kafkaBrokers');

/** Polls until `condition` holds; the deadline only keeps a broken run from outliving the test timeout. */
const waitFor = async (condition: () => boolean) => {
  const until = performance.now() + 150_000;
  while (!condition() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
};

/**
 * A stream over a topic of its own, with per_user downstream (the micro-batches rebuild it),
 * and an every: 2s schedule building +summary: the topic's source, which the stream owns, and a
 * count over it with a test.
 */
function project() {
  const topic = `plat_sched_${randomUUID().slice(0, 8)}`;
  const dir = writeProject({
    'plat_project.yml': `name: sched_${topic.slice('plat_sched_'.length)}
models: { defaults: { materialized: table } }
schedules:
  - { name: tally, every: 2s, command: build, select: ["+summary"] }
`,
    'sources.yml': `sources:
  - name: shop
    tables:
      - name: events
        kafka: { topic: ${topic}, partitions: 2 }
        generator:
          rows: 100
          seed: 5
          fields:
            event_id: { uuid: {} }
            user_id: { int: { min: 1, max: 50 } }
        columns:
          - { name: event_id, type: VARCHAR, required: true }
          - { name: user_id, type: INTEGER }
`,
    'models/per_user.sql': 'select user_id, count(*) as events from {{source "shop" "events"}} group by user_id\n',
    // Slow enough that a micro-batch is due while it runs.
    'models/summary.sql':
      'select count(*) as events, count(distinct event_id) as ids, (select sum(i % 7) from range(60000000) t(i)) as busy from {{source "shop" "events"}}\n',
    'models/summary.yml': 'models:\n  - name: summary\n    columns:\n      - { name: events, tests: [not_null] }\n',
  });
  return { dir, topic, env: { KAFKA_BROKERS: brokers! } };
}

describe.skipIf(!brokers)('a stream and the schedules in one process (real broker)', () => {
  it('runs scheduled builds between micro-batches, on one database, leaving the streamed source to the stream; every row lands once', async () => {
    const { dir, topic, env } = project();
    const { manifest } = compileProjectDir({ projectDir: dir });
    await produceTo(manifest, 'shop.events', { env, count: 300 });
    const producer = kafkaClient(brokers!.split(',')).producer();
    await producer.connect();
    const rounds = 3;
    const perRound = 200;
    const sendRound = (round: number) =>
      producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: perRound }, (_, i) => ({
          value: JSON.stringify({ event_id: `r${round}-${i}`, user_id: (i % 50) + 1 }),
        })),
      });

    const controller = new AbortController();
    const batches: MicroBatch[] = [];
    const jobs: Extract<ScheduleEvent, { type: 'job_finished' }>[] = [];
    let sent = 0;
    let allLandedAt: number | null = null;
    const landed = () => batches.reduce((sum, b) => sum + [...b.landed.values()].reduce((a, n) => a + n, 0), 0);
    const running = streamWithSchedules(manifest, {
      env,
      signal: controller.signal,
      batchInterval: 200,
      onBatch: (batch) => {
        batches.push(batch);
        if (landed() === rounds * perRound) allLandedAt ??= jobs.length;
      },
      onScheduleEvent: (event) => {
        // A round of events as each of the first scheduled runs starts: its micro-batch is due while that run builds.
        if (event.type === 'job_started' && sent < rounds) void sendRound(++sent);
        if (event.type === 'job_finished') jobs.push(event);
      },
    });
    // Done once a scheduled run has started after the last row landed.
    const done = await waitFor(() => allLandedAt !== null && jobs.length >= allLandedAt + 2);
    controller.abort();
    const ingested = await running;
    await producer.disconnect();
    expect(done).toBe(true);

    expect(ingested).toMatchObject([{ source: 'shop.events', landed: rounds * perRound, deadLetters: 0 }]);
    expect(batches.flatMap((b) => b.results.results.flatMap((r) => (r.error ? [r.error.message] : [])))).toEqual([]);
    expect(batches.every((b) => b.results.success)).toBe(true);
    expect(jobs.map((j) => j.summary.status)).toEqual(jobs.map(() => 'success'));

    // Exactly once: every offset and every event once, and the last scheduled count saw them all.
    const total = 300 + rounds * perRound;
    expect(
      await queryDb(
        dir,
        'select count(*) as n, count(distinct (_partition, _offset)) as offsets, count(distinct event_id) as ids from shop.events',
      ),
    ).toEqual([{ n: BigInt(total), offsets: BigInt(total), ids: BigInt(total) }]);
    expect(await queryDb(dir, 'select events, ids from main.summary')).toEqual([{ events: BigInt(total), ids: BigInt(total) }]);
    expect(await queryDb(dir, 'select sum(events) as n from main.per_user')).toEqual([{ n: BigInt(total) }]);

    // The history: the stream's build and micro-batches and the scheduled builds, interleaved, never overlapping, none failed.
    const runs = await queryDb(
      dir,
      'select id, trigger, command, status, error, epoch_ms(started_at) as s, epoch_ms(finished_at) as f from _plat.runs order by started_at',
    );
    expect(runs.every((r) => r.status === 'success' && r.error === null)).toBe(true);
    const triggers = runs.map((r) => String(r.trigger));
    expect(new Set(triggers)).toEqual(new Set(['stream', 'schedule']));
    expect(triggers.filter((t) => t === 'schedule').length).toBe(jobs.length);
    expect(triggers.filter((t, i) => t === 'stream' && triggers[i - 1] === 'schedule').length).toBeGreaterThanOrEqual(rounds);
    for (let i = 1; i < runs.length; i++) expect(Number(runs[i]!.s)).toBeGreaterThanOrEqual(Number(runs[i - 1]!.f));
    // Scheduled builds built summary and its test, never the source the stream lands.
    expect(
      await queryDb(
        dir,
        "select distinct n.kind, n.name from _plat.node_runs n join _plat.runs r on r.id = n.run_id where r.trigger = 'schedule' order by 1, 2",
      ),
    ).toEqual([
      { kind: 'model', name: 'summary' },
      { kind: 'test', name: 'not_null_summary_events' },
    ]);
  });

  it('plat run --stream runs the schedules beside it until Ctrl-C; --no-schedules leaves them out', async () => {
    const { dir, env } = project();
    const { manifest } = compileProjectDir({ projectDir: dir });
    await produceTo(manifest, 'shop.events', { env, count: 100 });
    /** `plat run --stream` until its stderr matches `until`, then Ctrl-C. */
    const streamUntil = async (args: string[], until: RegExp) => {
      const child = spawn(process.execPath, [cli, 'run', '--stream', '--batch-interval', '200ms', ...args], {
        cwd: dir,
        env: { ...process.env, ...env, NO_COLOR: '1' },
      });
      const output = { stdout: '', stderr: '' };
      let stopping = false;
      child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => {
        output.stderr += chunk.toString();
        // One Ctrl-C: a second one exits at once.
        if (until.test(output.stderr) && !stopping) stopping = child.kill('SIGINT');
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      return { code, ...output };
    };
    const scheduleRuns = async () =>
      (await queryDb(dir, "select count(*) as n from _plat.runs where trigger = 'schedule' and status = 'success'"))[0]!.n;

    const both = await streamUntil([], /SUCCESS tally \(build, run \d+\)[\s\S]*SUCCESS tally/);
    expect(both.code).toBe(0);
    expect(both.stderr).toContain('schedule tally: next run');
    expect(both.stdout).toMatch(/Stopped after .* landed, 0 dead letters; the database is closed\./);
    expect(await scheduleRuns()).toBeGreaterThanOrEqual(2n);
    const before = await scheduleRuns();

    const alone = await streamUntil(['--no-schedules'], /streaming: waiting for events/);
    expect(alone.code).toBe(0);
    expect(alone.stderr).not.toContain('tally');
    expect(await scheduleRuns()).toBe(before);
  });
});
