import { templateLineOf } from '../../compile/ephemeral.js';
import type { ModelNode } from '../../compile/manifest.js';
import type { Connection } from '../../warehouse/connection.js';
import { atomically, sameRows } from '../../warehouse/queries.js';
import { type Relation, type RelationKind, WarehouseError } from '../../warehouse/types.js';
import type { RelationCatalog } from '../catalog.js';
import { checkContract } from './contract.js';
import { applySchemaChange, diffColumns } from './schema_change.js';
import { buildAndSwap, stagingRelation } from './swap.js';
import { checkUniqueKey } from './unique_key.js';
import { usedUniqueKey } from '../../compile/config.js';

export interface ModelOutcome {
  /** Rows in the table, or rows added/changed by an incremental run; null for views. */
  rows: number | null;
  action: string;
  /** The relation holds what it held before: an incremental run that changed no row and added no column, or a rebuilt table equal to the one it replaced. */
  unchanged?: boolean;
}

/** A failure mapped back to the template it came from: the model's own, or an ephemeral model's it inlines. */
export class ModelSqlError extends Error {
  constructor(
    readonly sqlError: WarehouseError,
    readonly templateFile: string,
    readonly templateLine: number | null,
  ) {
    super(sqlError.message);
  }
}

export interface MaterializeContext {
  catalog: RelationCatalog;
  fullRefresh: boolean;
  /** Compare a rebuilt table with the one it replaces, so what reads it can be reused when they match (watch rebuilds). */
  detectUnchanged?: boolean;
  /** Tells the user what an incremental run did to its table's columns. */
  note: (message: string) => void;
}

export async function materializeModel(connection: Connection, node: ModelNode, context: MaterializeContext): Promise<ModelOutcome> {
  switch (node.config.materialized) {
    case 'ephemeral':
      return { rows: null, action: 'inlined' };
    case 'view':
      return materializeView(connection, node, context.catalog);
    case 'table':
      return materializeTable(connection, node, context);
    case 'incremental':
      return materializeIncremental(connection, node, context);
  }
}

async function materializeView(connection: Connection, node: ModelNode, catalog: RelationCatalog): Promise<ModelOutcome> {
  const { dialect, capabilities } = connection;
  const existing = catalog.kind(node.relation);
  const create = (replace: boolean) => createFrom(connection, node, node.lineMap, 'view', node.relation, node.compiledSql, replace);
  if (!capabilities.transactionalDdl) {
    // Nothing can be rolled back: the contract is checked on the query before anything is replaced.
    await checkContract(connection, node, () => connection.describe(node.compiledSql));
    const replace = existing === 'view' && capabilities.createOrReplace;
    if (existing && !replace) await connection.execute(dialect.drop(node.relation, existing));
    await create(replace);
  } else if (existing === 'table') {
    await connection.transaction(async () => {
      await connection.execute(dialect.drop(node.relation, 'table'));
      await create(false);
      await checkContract(connection, node, () => connection.columns(node.relation));
    });
  } else if (node.contractEnforced) {
    await connection.transaction(async () => {
      await create(true);
      await checkContract(connection, node, () => connection.columns(node.relation));
    });
  } else {
    // CREATE OR REPLACE is atomic on its own: a failing view leaves the old one in place.
    await create(true);
  }
  catalog.set(node.relation, 'view');
  return { rows: null, action: 'view' };
}

async function materializeTable(connection: Connection, node: ModelNode, context: MaterializeContext): Promise<ModelOutcome> {
  const existing = context.catalog.kind(node.relation);
  const replacing = existing === 'table';
  const checked = node.contractEnforced || usedUniqueKey(node) !== null || (context.detectUnchanged && replacing);
  if (!checked && existing !== 'view' && (!replacing || connection.capabilities.createOrReplace)) {
    // Nothing to check before the swap: one CREATE [OR REPLACE] … AS is atomic on its own (a
    // failing query leaves the previous table), where staging, drop and rename took a transaction
    // of five statements — a stream rebuilds its table marts at every micro-batch.
    const rows = await createFrom(connection, node, node.lineMap, 'table', node.relation, node.compiledSql, replacing);
    context.catalog.set(node.relation, 'table');
    return { rows: rows ?? 0, action: 'table', unchanged: false };
  }
  let unchanged = false;
  const rows = await buildAndSwap(
    connection,
    context.catalog,
    node.relation,
    (staging) => createStaging(connection, node, node.lineMap, staging, node.compiledSql),
    async (staging) => {
      await checkContract(connection, node, () => connection.columns(staging));
      await checkUniqueKey(connection, node, staging);
      if (context.detectUnchanged && replacing) unchanged = await sameRows(connection, staging, node.relation);
    },
  );
  return { rows, action: 'table', unchanged };
}

async function materializeIncremental(connection: Connection, node: ModelNode, context: MaterializeContext): Promise<ModelOutcome> {
  const { catalog, fullRefresh } = context;
  const { dialect, capabilities } = connection;
  const existing = catalog.kind(node.relation);
  if (existing !== 'table' || fullRefresh || node.incrementalSql === null) {
    const outcome = await materializeTable(connection, node, context);
    return { ...outcome, action: fullRefresh && existing ? 'incremental (full refresh)' : 'incremental (new)' };
  }
  const batch = stagingRelation(node.relation, 'new');
  const target = node.relation;
  await connection.execute(dialect.drop(batch, 'table', { ifExists: true }));
  try {
    await createFrom(connection, node, node.incrementalLineMap ?? node.lineMap, 'table', batch, node.incrementalSql, false);
    await checkContract(connection, node, () => connection.columns(batch));
    await checkUniqueKey(connection, node, batch);
    const batchColumns = await connection.columns(batch);
    const diff = diffColumns(await connection.columns(target), batchColumns);
    const keys = node.config.uniqueKey ?? [];
    const columns = batchColumns.map((c) => c.name);
    const insert = () => connection.execute(dialect.insertByName(target, batch, columns));
    let altered = false;
    const rows = await atomically(connection, async () => {
      altered = await applySchemaChange(connection, node, batch, diff, context.note);
      switch (node.config.incrementalStrategy) {
        case 'append':
          return insert();
        case 'merge':
          if (capabilities.merge) return connection.execute(dialect.merge(target, batch, keys, columns));
          // The same rows in the end: the batch's keys replace the table's.
          await connection.execute(dialect.deleteByKey(target, batch, keys));
          return insert();
        case 'delete+insert':
          await connection.execute(dialect.deleteByKey(target, batch, keys));
          return insert();
      }
    });
    return { rows, action: `incremental (${node.config.incrementalStrategy})`, unchanged: rows === 0 && !altered };
  } finally {
    await connection.execute(dialect.drop(batch, 'table', { ifExists: true })).catch(() => undefined);
  }
}

/** A staging table from a model's SQL, replacing any left over from an interrupted run. */
async function createStaging(
  connection: Connection,
  node: ModelNode,
  lineMap: number[],
  staging: Relation,
  sql: string,
): Promise<number | null> {
  const replace = connection.capabilities.createOrReplace;
  if (!replace) await connection.execute(connection.dialect.drop(staging, 'table', { ifExists: true }));
  return createFrom(connection, node, lineMap, 'table', staging, sql, replace);
}

/**
 * Creates a table or view from a model's SQL and returns a table's rows (null for a view). A
 * failure is mapped from the statement's line to the template it came from.
 */
async function createFrom(
  connection: Connection,
  node: ModelNode,
  lineMap: number[],
  kind: RelationKind,
  relation: Relation,
  sql: string,
  replace: boolean,
): Promise<number | null> {
  const statement = connection.dialect.createAs(kind, relation, sql, { replace });
  try {
    const rows = await connection.execute(statement);
    return kind === 'table' ? rows : null;
  } catch (error) {
    if (!(error instanceof WarehouseError)) throw error;
    // The statement's lines before the model's SQL (CREATE … AS) are not the model's.
    const offset = statement.slice(0, statement.indexOf(sql)).split('\n').length - 1;
    const line = error.line === null ? null : Math.max(1, error.line - offset);
    const at = line === null ? { file: node.path, line: null } : templateLineOf({ path: node.path, lineMap, inlined: node.inlined }, line);
    throw new ModelSqlError(error, at.file, at.line);
  }
}
