/** Questions plat asks any warehouse, composed from its connection and dialect. */
import type { Connection } from './connection.js';
import type { Relation } from './types.js';

/** Type names as the warehouse spells them in its catalog (INT → INTEGER on DuckDB). */
export async function normalizeTypes(connection: Connection, types: readonly string[]): Promise<string[]> {
  if (types.length === 0) return [];
  return (await connection.describe(connection.dialect.typedNulls(types))).map((c) => c.type);
}

/** Whether two tables have the same columns and rows, in any order (rows compared by count and an order-free hash). */
export async function sameRows(connection: Connection, a: Relation, b: Relation): Promise<boolean> {
  const [columnsA, columnsB] = [await connection.columns(a), await connection.columns(b)];
  // Same values under other column names or types are not the same table to whoever reads it.
  if (JSON.stringify(columnsA) !== JSON.stringify(columnsB)) return false;
  const { dialect } = connection;
  const digest = async (r: Relation) =>
    (await connection.query(dialect.fingerprint(`SELECT * FROM ${dialect.relation(r)}`, columnsA, { roundFloats: false })))[0];
  const [x, y] = [await digest(a), await digest(b)];
  return x !== undefined && y !== undefined && String(x.n) === String(y.n) && String(x.h) === String(y.h);
}

export async function rowCount(connection: Connection, relation: Relation): Promise<number> {
  const [row] = await connection.query(`SELECT count(*) AS n FROM ${connection.dialect.relation(relation)}`);
  return Number(row?.n ?? 0);
}

/** Runs `work` in one transaction where the warehouse has them; elsewhere step by step. */
export function atomically<T>(connection: Connection, work: () => Promise<T>): Promise<T> {
  return connection.capabilities.transactions ? connection.transaction(work) : work();
}

/** The statements as one transaction where the warehouse has them; elsewhere one after the other. */
export async function executeAtomically(connection: Connection, sql: readonly string[]): Promise<void> {
  if (connection.capabilities.transactions) await connection.executeInTransaction(sql);
  else await connection.execute(sql);
}
