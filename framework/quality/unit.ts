import type { TestNode, UnitTestSpec } from '../compile/manifest.js';
import type { Connection } from '../warehouse/connection.js';
import type { NodeOutcome } from '../run/executors.js';
import { testStatus } from './status.js';
import { jsonRow } from '../core/json.js';
import { LocatedError } from '../core/errors.js';
import { WarehouseError } from '../warehouse/types.js';

const SHOWN_ROWS = 20;

/**
 * Runs the model's SQL on the fixture rows and compares its output with the expected rows:
 * as multisets (EXCEPT ALL both ways) or, when ordered, row by row.
 */
export async function runUnitTest(node: TestNode, unit: UnitTestSpec, connection: Connection): Promise<NodeOutcome> {
  try {
    return await compare(node, unit, connection);
  } catch (error) {
    if (unit.inferredText.length === 0 || !(error instanceof WarehouseError)) throw error;
    // A model comparing a given string with a timestamp or number fails with a type error that
    // says nothing of the fixture: name the columns whose type only a declaration can give.
    const named = unit.inferredText.map((t) => `${t.input}.${t.columns.join(`, ${t.input}.`)}`).join('; ');
    throw new LocatedError((error as Error).message, null, {
      hint: `given rows are typed from the inputs' declared columns; undeclared ones given as strings are text here (${named}): declare their data_type in the input's properties`,
    });
  }
}

async function compare(node: TestNode, unit: UnitTestSpec, connection: Connection): Promise<NodeOutcome> {
  const { dialect } = connection;
  const types = new Map((await connection.describe(unit.modelSql)).map((c) => [c.name, c.type]));
  const missingColumns = unit.expect.columns.filter((c) => !types.has(c));
  if (missingColumns.length) {
    throw new Error(
      `expected column${missingColumns.length > 1 ? 's' : ''} ${missingColumns.join(', ')} not in the output of ${node.attachedTo?.split('.').pop()} (it returns ${[...types.keys()].join(', ')})`,
    );
  }
  const columns = unit.expect.columns;
  const q = (column: string) => dialect.identifier(column);
  const list = columns.map(q).join(', ');
  const expected = unit.expect.rows.length
    ? unit.expect.rows
        .map(
          (row) =>
            `SELECT ${row.map((value, i) => `${dialect.cast(dialect.literal(value), types.get(columns[i]!)!)} AS ${q(columns[i]!)}`).join(', ')}`,
        )
        .join('\nUNION ALL ')
    : `SELECT ${columns.map((c) => `${dialect.cast('NULL', types.get(c)!)} AS ${q(c)}`).join(', ')} WHERE false`;
  const actual = `SELECT ${list} FROM (\n${unit.modelSql}\n)`;

  let missing: Record<string, unknown>[];
  let extra: Record<string, unknown>[];
  if (unit.expect.ordered) {
    const want = await connection.query(expected);
    const got = await connection.query(actual);
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
    const diff = (from: string, minus: string) =>
      connection.query(`WITH expected AS (${expected}), actual AS (${actual}) SELECT * FROM ${from} EXCEPT ALL SELECT * FROM ${minus}`);
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
    unitDiff: failures
      ? { columns, missing: missing.slice(0, SHOWN_ROWS).map(jsonRow), extra: extra.slice(0, SHOWN_ROWS).map(jsonRow) }
      : null,
  };
}
