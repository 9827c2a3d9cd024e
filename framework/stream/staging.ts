/**
 * Staging tables left behind by ingest processes that died (`kill -9`, a lost machine). Where
 * the warehouse has no session-private tables, each process stages in tables of its own in
 * `_plat`, named after its worker id; a process that dies never drops them. The next process
 * to start on the source drops those whose worker is no member of the consumer group (Kafka
 * evicts a dead one after its session timeout) and that are older than a worker takes to join
 * (so a process that has created its tables and is still joining keeps them).
 */
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { SourceNode } from '../compile/manifest.js';
import type { Connection } from '../warehouse/connection.js';
import { offsetsTable, type Staging } from './landing.js';

/** Longer than a process takes from creating its staging tables to joining the group (Kafka's rebalance timeout is 60 s). */
export const STAGING_GRACE_MS = 5 * 60_000;

const PREFIXES = ['plat_staging', 'plat_dead_letters', 'plat_unlanded'];

/** A new worker's id: when it started (base-36 milliseconds) and a random tail. */
export function newWorkerId(now = Date.now()): string {
  return `w${now.toString(36)}_${randomBytes(2).toString('hex')}`;
}

/** The Kafka client id a worker's consumer joins with, which the group lists for it. */
export const workerClientId = (worker: string) => `plat-ingest-${worker}`;

/** The staging tables of a source's workers in `_plat`: each with its worker and when that worker started. */
async function stagingTables(connection: Connection, node: SourceNode) {
  const stem = `${node.relation.schema}_${node.relation.name}_`;
  const found: { name: string; worker: string; startedAt: number }[] = [];
  for (const [key, kind] of await connection.relations()) {
    const [schema, name] = key.split('\u0000') as [string, string];
    if (schema !== offsetsTable.schema || kind !== 'table') continue;
    const prefix = PREFIXES.find((p) => name.startsWith(`${p}_${stem}`));
    const worker = prefix ? name.slice(prefix.length + 1 + stem.length) : '';
    const match = /^w([0-9a-z]+)_[0-9a-f]{4}$/.exec(worker);
    if (match) found.push({ name, worker, startedAt: Number.parseInt(match[1]!, 36) });
  }
  return found;
}

/** The workers the consumer group lists now. */
async function liveWorkers(kafka: Kafka, groupId: string): Promise<Set<string>> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const { groups } = await admin.describeGroups([groupId]);
    return new Set((groups[0]?.members ?? []).map((m) => m.clientId));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Drops the staging tables of this source's dead workers; returns their names. */
export async function dropStaleStaging(
  connection: Connection,
  node: SourceNode,
  kafka: Kafka,
  options: { groupId: string; self: string; now?: number },
): Promise<string[]> {
  const now = options.now ?? Date.now();
  const candidates = (await stagingTables(connection, node)).filter(
    (t) => t.worker !== options.self && now - t.startedAt > STAGING_GRACE_MS,
  );
  if (candidates.length === 0) return [];
  const live = await liveWorkers(kafka, options.groupId);
  const stale = candidates.filter((t) => !live.has(workerClientId(t.worker)));
  for (const t of stale)
    await connection.execute(connection.dialect.drop({ schema: offsetsTable.schema, name: t.name }, 'table', { ifExists: true }));
  return stale.map((t) => t.name);
}

/** Drops a worker's own staging tables as it stops (session-private ones go with the session). */
export async function dropOwnStaging(connection: Connection, staging: Staging): Promise<void> {
  if (connection.capabilities.tempTables) return;
  for (const { target } of [staging.messages, staging.dead, staging.unlanded])
    if ('schema' in target) await connection.execute(connection.dialect.drop(target, 'table', { ifExists: true }));
}
