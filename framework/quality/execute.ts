import type { TestNode } from '../compile/manifest.js';
import { writtenRelationOf } from '../compile/kinds.js';
import type { Connection } from '../warehouse/connection.js';
import type { NodeOutcome } from '../run/executors.js';
import { jsonRow } from '../core/json.js';
import { testStatus } from './status.js';
import { runUnitTest } from './unit.js';

const SAMPLE_ROWS = 5;

/** Runs one test node: counts its failing rows and decides pass, warn or fail. */
export async function executeTest(node: TestNode, connection: Connection): Promise<NodeOutcome> {
  if (node.unit) return runUnitTest(node, node.unit, connection);
  const { dialect } = connection;
  let failures: number;
  let sample: Record<string, unknown>[] = [];
  if (node.config.storeFailures) {
    // Replaced on every run, so the audit table always shows the last run's failing rows.
    const audit = writtenRelationOf(node)!;
    failures = await connection.execute(dialect.createAs('table', audit, node.compiledSql, { replace: true }));
    if (failures > 0) sample = await connection.query(`SELECT * FROM ${dialect.relation(audit)} LIMIT ${SAMPLE_ROWS}`);
  } else {
    const counted = await connection.query(`SELECT count(*) AS failures FROM (\n${node.compiledSql}\n)`);
    failures = Number(counted[0]?.failures ?? 0);
    if (failures > 0) sample = await connection.query(`SELECT * FROM (\n${node.compiledSql}\n) LIMIT ${SAMPLE_ROWS}`);
  }
  return {
    rows: null,
    action: node.config.storeFailures ? `${node.testType}, failures in audit.${node.name}` : node.testType,
    status: testStatus(node, failures),
    failures,
    sample: sample.map(jsonRow),
  };
}
