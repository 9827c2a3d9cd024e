import type { TestNode, UnitTestSpec } from '../compile/manifest.js';
import { quoteIdentifier } from '../compile/relation.js';
import { literal } from '../compile/tests/unit.js';
import type { WarehouseSession } from '../run/adapter.js';
import type { NodeOutcome } from '../run/executors.js';
import { testStatus } from './status.js';
import { jsonRow } from '../core/json.js';

const SHOWN_ROWS = 20;

/**
 * Runs the model's SQL on the fixture rows and compares its output with the expected rows:
 * as multisets (EXCEPT ALL both ways) or, when ordered, row by row.
 */
export async function runUnitTest(node: TestNode, unit: UnitTestSpec, session: WarehouseSession): Promise<NodeOutcome> {
  const described = await session.query(`DESCRIBE (\n${unit.modelSql}\n)`);
  const types = new Map(described.map((r) => [String(r.column_name), String(r.column_type)]));
  const missingColumns = unit.expect.columns.filter((c) => !types.has(c));
  if (missingColumns.length) {
    throw new Error(`expected column${missingColumns.length > 1 ? 's' : ''} ${missingColumns.join(', ')} not in the output of ${node.attachedTo?.split('.').pop()} (it returns ${[...types.keys()].join(', ')})`);
  }
  const columns = unit.expect.columns;
  const list = columns.map(quoteIdentifier).join(', ');
  const expected = unit.expect.rows.length
    ? unit.expect.rows.map((row) => `SELECT ${row.map((value, i) => `CAST(${literal(value)} AS ${types.get(columns[i]!)}) AS ${quoteIdentifier(columns[i]!)}`).join(', ')}`).join('\nUNION ALL ')
    : `SELECT ${columns.map((c) => `CAST(NULL AS ${types.get(c)}) AS ${quoteIdentifier(c)}`).join(', ')} WHERE false`;
  const actual = `SELECT ${list} FROM (\n${unit.modelSql}\n)`;

  let missing: Record<string, unknown>[];
  let extra: Record<string, unknown>[];
  if (unit.expect.ordered) {
    const want = await session.query(expected);
    const got = await session.query(actual);
    const key = (row: Record<string, unknown> | undefined) => JSON.stringify(row === undefined ? null : jsonRow(row));
    const length = Math.max(want.length, got.length);
    missing = [];
    extra = [];
    for (let i = 0; i < length; i++) {
      if (key(want[i]) === key(got[i])) continue;
      if (want[i]) missing.push({ row_number: i + 1, ...want[i] });
      if (got[i]) extra.push({ row_number: i + 1, ...got[i] });
    }
  } else {
    const diff = (from: string, minus: string) => session.query(`WITH expected AS (${expected}), actual AS (${actual}) SELECT * FROM ${from} EXCEPT ALL SELECT * FROM ${minus}`);
    missing = await diff('expected', 'actual');
    extra = await diff('actual', 'expected');
  }
  const failures = missing.length + extra.length;
  return {
    rows: null,
    action: 'unit',
    status: testStatus(node, failures),
    failures,
    sample: null,
    unitDiff: failures ? { columns, missing: missing.slice(0, SHOWN_ROWS).map(jsonRow), extra: extra.slice(0, SHOWN_ROWS).map(jsonRow) } : null,
  };
}
