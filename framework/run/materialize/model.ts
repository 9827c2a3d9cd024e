import { templateLineOf } from '../../compile/ephemeral.js';
import type { ModelNode } from '../../compile/manifest.js';
import { WarehouseError, type WarehouseSession } from '../adapter.js';
import type { RelationCatalog } from '../catalog.js';
import { buildAndSwap, stagingRelation } from './swap.js';
import { checkContract } from './contract.js';
import { applySchemaChange, diffColumns } from './schema_change.js';
import { checkUniqueKey } from './unique_key.js';

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

export async function materializeModel(session: WarehouseSession, node: ModelNode, context: MaterializeContext): Promise<ModelOutcome> {
  switch (node.config.materialized) {
    case 'ephemeral':
      return { rows: null, action: 'inlined' };
    case 'view':
      return materializeView(session, node, context.catalog);
    case 'table':
      return materializeTable(session, node, context);
    case 'incremental':
      return materializeIncremental(session, node, context);
  }
}

async function materializeView(session: WarehouseSession, node: ModelNode, catalog: RelationCatalog): Promise<ModelOutcome> {
  if (catalog.kind(node.relation) === 'table') {
    await session.transaction(async () => {
      await session.drop(node.relation, 'table');
      await mapped(node, node.lineMap, session.create('view', node.relation, node.compiledSql));
      await checkContract(session, node, node.relation);
    });
  } else if (node.contractEnforced) {
    await session.transaction(async () => {
      await mapped(node, node.lineMap, session.create('view', node.relation, node.compiledSql, { replace: true }));
      await checkContract(session, node, node.relation);
    });
  } else {
    // CREATE OR REPLACE is atomic on its own: a failing view leaves the old one in place.
    await mapped(node, node.lineMap, session.create('view', node.relation, node.compiledSql, { replace: true }));
  }
  catalog.set(node.relation, 'view');
  return { rows: null, action: 'view' };
}

async function materializeTable(session: WarehouseSession, node: ModelNode, context: MaterializeContext): Promise<ModelOutcome> {
  const replacing = context.catalog.kind(node.relation) === 'table';
  let unchanged = false;
  const rows = await buildAndSwap(
    session,
    context.catalog,
    node.relation,
    (staging) => mapped(node, node.lineMap, session.create('table', staging, node.compiledSql, { replace: true })),
    async (staging) => {
      await checkContract(session, node, staging);
      await checkUniqueKey(session, node, staging);
      if (context.detectUnchanged && replacing) unchanged = await session.sameRows(staging, node.relation);
    },
  );
  return { rows, action: 'table', unchanged };
}

async function materializeIncremental(session: WarehouseSession, node: ModelNode, context: MaterializeContext): Promise<ModelOutcome> {
  const { catalog, fullRefresh } = context;
  const existing = catalog.kind(node.relation);
  if (existing !== 'table' || fullRefresh || node.incrementalSql === null) {
    const outcome = await materializeTable(session, node, context);
    return { ...outcome, action: fullRefresh && existing ? 'incremental (full refresh)' : 'incremental (new)' };
  }
  const batch = stagingRelation(node.relation, 'new');
  await session.drop(batch, 'table');
  try {
    await mapped(node, node.incrementalLineMap ?? node.lineMap, session.create('table', batch, node.incrementalSql));
    await checkContract(session, node, batch);
    await checkUniqueKey(session, node, batch);
    const batchColumns = await session.columns(batch);
    const diff = diffColumns(await session.columns(node.relation), batchColumns);
    const keys = node.config.uniqueKey ?? [];
    const columns = batchColumns.map((c) => c.name);
    let altered = false;
    const rows = await session.transaction(async () => {
      altered = await applySchemaChange(session, node, batch, diff, context.note);
      switch (node.config.incrementalStrategy) {
        case 'append':
          return session.insertByName(node.relation, batch);
        case 'merge':
          return session.mergeByKey(node.relation, batch, keys, columns);
        case 'delete+insert':
          await session.deleteByKey(node.relation, batch, keys);
          return session.insertByName(node.relation, batch);
      }
    });
    return { rows, action: `incremental (${node.config.incrementalStrategy})`, unchanged: rows === 0 && !altered };
  } finally {
    await session.drop(batch, 'table').catch(() => undefined);
  }
}

async function mapped<T>(node: ModelNode, lineMap: number[], work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof WarehouseError) {
      const at = error.line === null ? { file: node.path, line: null } : templateLineOf({ path: node.path, lineMap, inlined: node.inlined }, error.line);
      throw new ModelSqlError(error, at.file, at.line);
    }
    throw error;
  }
}
