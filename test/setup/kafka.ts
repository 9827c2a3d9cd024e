import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Gives the Kafka tests a real broker: KAFKA_BROKERS if set, else a local single-node Kafka
 * started with scripts/kafka.sh and stopped after the run. Under CI=true a broker that cannot
 * be had fails the run; elsewhere the Kafka tests are skipped, loudly.
 */
const script = join(import.meta.dirname, '../../scripts/kafka.sh');
let started = false;

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string | null;
    /** Whether scripts/kafka.sh runs the broker (so tests may restart it). */
    kafkaManaged: boolean;
  }
}

export function setup(project: TestProject): void {
  let brokers = process.env.KAFKA_BROKERS?.trim() || null;
  const external = brokers !== null;
  if (!brokers) {
    // A broker the script already runs (a developer's) is used, and left running afterwards.
    try {
      brokers =
        /KAFKA_BROKERS=(\S+)/.exec(
          execFileSync('bash', [script, 'status'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
        )?.[1] ?? null;
    } catch {
      brokers = null;
    }
  }
  if (!brokers) {
    try {
      const output = execFileSync('bash', [script, 'up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
      brokers = /KAFKA_BROKERS=(\S+)/.exec(output)?.[1] ?? null;
      started = brokers !== null;
    } catch (error) {
      if (process.env.CI === 'true') throw new Error(`CI=true and no Kafka broker: scripts/kafka.sh up failed: ${String(error)}`);
      process.stderr.write(`\n*** Kafka tests skipped: no KAFKA_BROKERS and scripts/kafka.sh up failed ***\n\n`);
    }
  }
  project.provide('kafkaBrokers', brokers);
  project.provide('kafkaManaged', brokers !== null && !external);
}

export function teardown(): void {
  if (started) execFileSync('bash', [script, 'down'], { stdio: 'inherit' });
}
