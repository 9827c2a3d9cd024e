import { join, resolve } from 'node:path';
import type { SeedNode } from '../../compile/manifest.js';
import { LocatedError } from '../../core/errors.js';
import type { Connection } from '../../warehouse/connection.js';
import { rowCount } from '../../warehouse/queries.js';
import { FileReadError, WarehouseError } from '../../warehouse/types.js';
import { openFileReader } from '../../warehouse/registry.js';
import { readNodeResults } from '../history.js';
import type { RelationCatalog } from '../catalog.js';
import type { NodeOutcome } from '../executors.js';
import { buildAndSwap } from './swap.js';

/**
 * Loads a seed's CSV into a staging table with the warehouse's reader (declared column types
 * applied as it reads) and swaps it in: a CSV that fails to load leaves the previous table. A
 * seed whose CSV and config are as they were at its last successful load, and whose table is
 * there, is not reloaded (unless fullRefresh).
 */
export async function loadSeed(
  connection: Connection,
  node: SeedNode,
  context: { catalog: RelationCatalog; root: string; fullRefresh: boolean },
): Promise<NodeOutcome> {
  const loaded = readNodeResults(join(context.root, 'target'))?.nodes[node.uniqueId]?.lastSuccess?.definition.checksums;
  const same = loaded?.body === node.checksums.body && loaded.config === node.checksums.config;
  if (same && !context.fullRefresh && context.catalog.kind(node.relation) === 'table')
    return { rows: await rowCount(connection, node.relation), action: 'seed (unchanged)', unchanged: true };
  // A warehouse whose SQL cannot read this machine's files gets the CSV read and typed here, then in bulk.
  const reading = connection.capabilities.readsFiles ? connection : await openFileReader();
  try {
    return await load(reading, connection, node, context.catalog, context.root);
  } finally {
    if (reading !== connection) reading.close();
  }
}

async function load(
  reader: Connection,
  warehouse: Connection,
  node: SeedNode,
  catalog: RelationCatalog,
  root: string,
): Promise<NodeOutcome> {
  const { dialect } = reader;
  const types = Object.entries(node.columnTypes).map(([name, type]) => ({ name, type }));
  const csv = dialect.readFiles(
    'csv',
    resolve(root, node.path),
    { header: true, delim: node.csv.delimiter, quote: node.csv.quote, escape: node.csv.quote, auto_detect: true },
    { types },
  );
  try {
    const select = `SELECT * FROM ${csv}`;
    const rows = await buildAndSwap(warehouse, catalog, node.relation, async (staging) => {
      if (reader !== warehouse) {
        const columns = await reader.describe(select);
        const values = (await reader.query(select)).map((row) => columns.map((c) => row[c.name]));
        await warehouse.execute(warehouse.dialect.createTable(staging, columns, { replace: true }));
        return warehouse.bulkLoad(staging, values);
      }
      if (!warehouse.capabilities.createOrReplace) await warehouse.execute(dialect.drop(staging, 'table', { ifExists: true }));
      return warehouse.execute(dialect.createAs('table', staging, select, { replace: warehouse.capabilities.createOrReplace }));
    });
    return { rows, action: 'seed' };
  } catch (error) {
    if (error instanceof FileReadError) {
      const { read } = error;
      const hint = read.problem === 'conversion' && read.column ? `fix the value, or its column_types entry (${read.column})` : null;
      throw new LocatedError(`${read.reason}${read.text ? ` (the line reads: ${read.text})` : ''}`, read.line, { file: node.path, hint });
    }
    if (error instanceof WarehouseError) throw new LocatedError(error.message.replace(/^\w+ Error: /, ''), null, { file: node.path });
    throw error;
  }
}
