import type { SnapshotNode } from '../../compile/manifest.js';
import { LocatedError } from '../../core/errors.js';
import { templateLineOf } from '../../compile/ephemeral.js';
import type { Connection } from '../../warehouse/connection.js';
import { SNAPSHOT_COLUMNS } from '../../warehouse/snapshot.js';
import { WarehouseError } from '../../warehouse/types.js';
import type { RelationCatalog } from '../catalog.js';
import type { NodeOutcome } from '../executors.js';
import { stagingRelation } from './swap.js';

/**
 * Runs a snapshot: the query's rows go to a staging table, then the dialect's statements close
 * the current version of each changed (and, with invalidate_hard_deletes, each deleted) row and
 * insert the new versions. No statement needs a transaction and each can be run again, so an
 * interrupted run is completed by the next one. Columns new in the query are added first.
 */
export async function runSnapshot(
  connection: Connection,
  node: SnapshotNode,
  context: { catalog: RelationCatalog; now: Date; note: (message: string) => void },
): Promise<NodeOutcome> {
  const { dialect } = connection;
  const staging = stagingRelation(node.relation, 'new');
  await connection.execute(dialect.drop(staging, 'table', { ifExists: true }));
  try {
    const statement = dialect.createAs('table', staging, node.compiledSql, { replace: false });
    await connection.execute(statement).catch((error: unknown) => {
      if (!(error instanceof WarehouseError)) throw error;
      const offset = statement.slice(0, statement.indexOf(node.compiledSql)).split('\n').length - 1;
      const at = error.line === null ? { file: node.path, line: null } : templateLineOf(node, Math.max(1, error.line - offset));
      throw new LocatedError(error.message, at.line, { file: at.file });
    });
    const columns = (await connection.columns(staging)).map((c) => c.name);
    checkColumns(node, columns);
    await checkUniqueKey(connection, node, staging);
    const { config } = node;
    const plan = {
      target: node.relation,
      staging,
      columns,
      uniqueKey: config.uniqueKey,
      updatedAt: config.updatedAt,
      checkCols: config.checkCols === 'all' ? columns.filter((c) => !config.uniqueKey.includes(c)) : config.checkCols,
      invalidateHardDeletes: config.invalidateHardDeletes,
      now: context.now,
    };
    const sql = dialect.snapshot(plan);
    if (!context.catalog.kind(node.relation)) {
      const rows = await connection.execute(sql.create);
      context.catalog.set(node.relation, 'table');
      return { rows, action: `snapshot (${config.strategy}, new)` };
    }
    const existing = new Set((await connection.columns(node.relation)).map((c) => c.name));
    const added = (await connection.columns(staging)).filter((c) => !existing.has(c.name));
    for (const column of added) await connection.execute(dialect.alterTable(node.relation, { add: column }));
    if (added.length)
      context.note(`snapshot ${node.name}: added column${added.length > 1 ? 's' : ''} ${added.map((c) => c.name).join(', ')}`);
    let rows = await connection.execute(sql.closeChanged);
    if (sql.closeDeleted) rows += await connection.execute(sql.closeDeleted);
    rows += await connection.execute(sql.insertNew);
    return { rows, action: `snapshot (${config.strategy})`, unchanged: rows === 0 && added.length === 0 };
  } finally {
    await connection.execute(dialect.drop(staging, 'table', { ifExists: true })).catch(() => undefined);
  }
}

function checkColumns(node: SnapshotNode, columns: string[]): void {
  const { uniqueKey, updatedAt, checkCols } = node.config;
  const wanted = [
    ...uniqueKey.map((c) => ['unique_key', c] as const),
    ...(updatedAt ? [['updated_at', updatedAt] as const] : []),
    ...(checkCols === 'all' ? [] : checkCols.map((c) => ['check_cols', c] as const)),
  ];
  for (const [setting, column] of wanted) {
    if (!columns.includes(column))
      throw new LocatedError(`${setting} "${column}" is not a column of the snapshot's query (${columns.join(', ')})`, null, {
        file: node.path,
        hint: `set ${setting} to one of its columns`,
      });
  }
  const reserved = columns.filter((c) => (SNAPSHOT_COLUMNS as readonly string[]).includes(c));
  if (reserved.length)
    throw new LocatedError(`the snapshot's query returns ${reserved.join(', ')}, which plat adds itself`, null, {
      file: node.path,
      hint: 'rename those columns in the query',
    });
}

async function checkUniqueKey(connection: Connection, node: SnapshotNode, staging: { schema: string; name: string }): Promise<void> {
  const { dialect } = connection;
  const keys = node.config.uniqueKey.map((k) => dialect.identifier(k)).join(', ');
  const [row] = await connection.query(
    `SELECT count(*) AS n FROM (SELECT ${keys} FROM ${dialect.relation(staging)} GROUP BY ${keys} HAVING count(*) > 1) AS d`,
  );
  const repeated = Number(row?.n ?? 0);
  if (repeated > 0)
    throw new LocatedError(
      `unique_key (${node.config.uniqueKey.join(', ')}) is not unique in the snapshot's query: ${repeated} key${repeated > 1 ? 's' : ''} repeat`,
      null,
      {
        file: node.path,
        hint: 'a snapshot keeps one current version per key: make the key unique in the query',
      },
    );
}
