import type { Manifest } from '../compile/manifest.js';
import { PlatError } from '../core/errors.js';
import { warehouseOf } from '../run/run.js';
import { positionalParameters } from '../warehouse/parameters.js';
import { capabilitiesOf } from '../warehouse/registry.js';
import type { GuardedResult, Target } from '../warehouse/types.js';
import type { QueryProcess, QueryProcesses } from './query-processes.js';

/**
 * Where every agent query runs: in a query process, on the project database opened read-only
 * with file, network and extension access off, one SELECT at a time under row, byte and time
 * limits. It is opened per question and closed after, so `plat build` can write between
 * questions.
 */
export class Sandbox {
  private process: Promise<QueryProcess> | null = null;

  private constructor(
    private readonly database: { target: Target; root: string },
    private readonly processes: QueryProcesses,
    private readonly bytes: number,
  ) {}

  static async open(manifest: Manifest, processes: QueryProcesses, bytes: number): Promise<Sandbox> {
    const where = warehouseOf(manifest);
    if (!where.exists) throw new PlatError('DATABASE_OPEN', `no database at ${where.display}`, 'run `plat build` first to create it');
    const sandbox = new Sandbox({ target: manifest.target, root: manifest.project.root }, processes, bytes);
    await sandbox.connected();
    return sandbox;
  }

  /** Runs one SELECT with `$name` parameters bound (by position, where the warehouse binds only so). */
  async run(sql: string, params: Record<string, unknown>, limits: { rows: number; timeoutMs: number }): Promise<GuardedResult> {
    const bound =
      capabilitiesOf(this.database.target.type).parameters === 'positional' ? positionalParameters(sql, params) : { sql, values: params };
    return (await this.connected()).query(bound.sql, bound.values, { ...limits, bytes: this.bytes });
  }

  async close(): Promise<void> {
    const current = await this.process?.catch(() => null);
    this.process = null;
    if (!current) return;
    if (current.alive) await current.closeDatabase().catch(() => current.stop());
    this.processes.release(current);
  }

  /** A process with the database open: a new one after a query's process was killed. */
  private async connected(): Promise<QueryProcess> {
    const current = await this.process?.catch(() => null);
    if (current?.alive) return current;
    if (current) this.processes.release(current);
    this.process = this.openInProcess();
    return this.process;
  }

  private async openInProcess(): Promise<QueryProcess> {
    const child = this.processes.acquire();
    try {
      await child.open(this.database.target, this.database.root);
      return child;
    } catch (error) {
      this.processes.release(child);
      throw error;
    }
  }
}
