import { existsSync } from 'node:fs';
import type { Manifest } from '../compile/manifest.js';
import { PlatError } from '../core/errors.js';
import type { GuardedResult, Warehouse, WarehouseSession } from '../run/adapter.js';
import { openDuckDB } from '../run/duckdb/warehouse.js';
import { databasePath, displayPath } from '../run/run.js';

/**
 * Where every agent query runs: the project database opened read-only with file, network and
 * extension access off, one SELECT at a time under row and time limits. It is opened per
 * question and closed after, so `plat build` can write between questions.
 */
export class Sandbox {
  private constructor(
    private readonly warehouse: Warehouse,
    private readonly session: WarehouseSession,
  ) {}

  static async open(manifest: Manifest): Promise<Sandbox> {
    const path = databasePath(manifest);
    if (!existsSync(path)) throw new PlatError('DATABASE_OPEN', `no database at ${displayPath(manifest)}`, 'run `plat build` first to create it');
    const warehouse = await openDuckDB(path, { sandboxed: true, displayPath: displayPath(manifest) });
    return new Sandbox(warehouse, await warehouse.session());
  }

  run(sql: string, params: Record<string, unknown>, limits: { rows: number; timeoutMs: number }): Promise<GuardedResult> {
    return this.session.guardedQuery(sql, params, limits);
  }

  close(): void {
    this.session.close();
    this.warehouse.close();
  }
}
